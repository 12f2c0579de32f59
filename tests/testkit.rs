//! Tests of the test kit itself (`prefixproof-testkit`): the document
//! model, the profile encoders, the generators and the fuzz checks. They
//! live here, not in the kit, so that plain `cargo test` runs them while
//! the kit stays a plain library the tests and fuzz targets depend on.

mod model {
    use arbitrary::{Arbitrary, Unstructured};
    use prefixproof::msgpack::{FirstChar, KeySpec, Kmax, Profile};
    use prefixproof_testkit::model::*;

    fn sample() -> Document {
        Document(Map(vec![
            ("a".into(), Value::Int(Int::from(u64::MAX))),
            (
                "b".into(),
                Value::Array(vec![Value::Nil, Value::F64(f64::NAN), Value::Bin(vec![1, 2])]),
            ),
            ("c".into(), Value::Map(Map(vec![("d".into(), Value::Str("é".into()))]))),
            ("e".into(), Value::Int(Int::from(-129i64))),
        ]))
    }

    #[test]
    fn int_range() {
        assert!(Int::new(u64::MAX as i128 + 1).is_none());
        assert!(Int::new(i64::MIN as i128 - 1).is_none());
        assert_eq!(Int::new(-5).map(Int::get), Some(-5));
    }

    #[test]
    fn rmpv_round_trip() {
        let d = sample();
        assert_eq!(Document::from_rmpv(&d.to_rmpv()), Ok(d));
        let bad = rmpv::Value::Map(vec![(rmpv::Value::from(1), rmpv::Value::Nil)]);
        assert!(matches!(Document::from_rmpv(&bad), Err(ModelError::NonStrKey(_))));
        let dup = rmpv::Value::Map(vec![("a".into(), rmpv::Value::Nil), ("a".into(), rmpv::Value::Nil)]);
        assert!(matches!(Document::from_rmpv(&dup), Err(ModelError::DuplicateKey(_))));
        // Ext values and raw strs (any bytes) are in the model.
        let ext = rmpv::Value::Map(vec![("a".into(), rmpv::Value::Ext(-1, vec![0; 4]))]);
        let with_ext = Document(Map(vec![("a".into(), Value::Ext(-1, vec![0; 4]))]));
        assert_eq!(Document::from_rmpv(&ext), Ok(with_ext.clone()));
        assert_eq!(Document::from_rmpv(&with_ext.to_rmpv()), Ok(with_ext));
        let raw_wire = [0x81, 0xa1, b'a', 0xa1, 0xff];
        let raw = rmpv::decode::read_value(&mut &raw_wire[..]).unwrap();
        let with_raw = Document(Map(vec![("a".into(), Value::Raw(vec![0xff]))]));
        assert_eq!(Document::from_rmpv(&raw), Ok(with_raw.clone()));
        assert_eq!(Document::from_rmpv(&with_raw.to_rmpv()), Ok(with_raw));
        assert_eq!(Document::from_rmpv(&rmpv::Value::Nil), Err(ModelError::NotAMap));
    }

    #[test]
    fn bson_integers_are_lossless() {
        let b = to_bson(&sample());
        assert_eq!(b.get("e"), Some(&bson::Bson::Int32(-129)));
        let Some(bson::Bson::Decimal128(d)) = b.get("a") else {
            panic!("{b:?}")
        };
        assert_eq!(d.to_string(), u64::MAX.to_string());
        let bytes = b.to_vec().unwrap();
        let back = bson::Document::from_reader(bytes.as_slice()).unwrap();
        assert!(bson_same(&b, &back));
        assert_ne!(b, back, "bson's own == says NaN != NaN");
    }

    #[test]
    fn conforms_and_fit_keys() {
        let spec = KeySpec::new(FirstChar::Ident, Kmax::Bounded(31));
        let d = Document(Map(vec![
            ("0a".into(), Value::Nil),
            ("ok".into(), Value::Map(Map(vec![("-".into(), Value::Nil)]))),
            ("x".repeat(40), Value::Nil),
        ]));
        assert!(!d.conforms(&spec));
        let fitted = d.fit_keys(&spec);
        assert!(fitted.conforms(&spec), "{fitted:?}");
        assert_eq!(fitted.0.len(), 3);
        // A key that repairs to one already there is dropped.
        let repaired = fit_key(spec.keys(), "-").unwrap();
        assert!(spec.check(repaired.as_bytes()).is_ok());
        let clash = Document(Map(vec![(repaired.clone(), Value::Nil), ("-".into(), Value::Nil)]));
        assert_eq!(clash.fit_keys(&spec), Document(Map(vec![(repaired, Value::Nil)])));
        // The top-level map's first key is fitted to its own language.
        let with_first = KeySpec::from_patterns("[a-z]+", Some("_id"), 31).unwrap();
        let fitted = Document(Map(vec![("x".into(), Value::Nil), ("y".into(), Value::Nil)])).fit_keys(&with_first);
        assert_eq!(fitted.0 .0[0].0, "_id");
        assert!(fitted.conforms(&with_first) && !d.conforms(&with_first));
        // Legacy has no bin: its encoders write byte strings as raw strs.
        let legacy = sample().fit(Profile::Legacy, &spec);
        assert!(!legacy.any(&|v| matches!(v, Value::Bin(_))));
        assert!(legacy.any(&|v| matches!(v, Value::Raw(b) if b == &[1, 2])));
        // Canonical strs are UTF-8: a raw str that is not becomes a bin.
        let raw = Document(Map(vec![("r".into(), Value::Raw(vec![0xff]))]));
        assert_eq!(
            raw.fit(Profile::Canonical, &spec),
            Document(Map(vec![("r".into(), Value::Bin(vec![0xff]))]))
        );
        assert_ne!(Value::Raw(vec![0xff]), Value::Bin(vec![0xff]));
        assert_eq!(Value::Raw(b"ok".to_vec()), Value::Str("ok".into()));
    }

    #[test]
    fn arbitrary_is_bounded_and_permissive() {
        /// (deepest container nesting, the top-level map counting 1; widest
        /// container; longest key) of a map's contents.
        fn shape(m: &Map) -> (usize, usize, usize) {
            let mut out = (1, m.len(), 0);
            for (k, v) in &m.0 {
                out.2 = out.2.max(k.len());
                let inner = value_shape(v);
                out = (out.0.max(1 + inner.0), out.1.max(inner.1), out.2.max(inner.2));
            }
            out
        }
        fn value_shape(v: &Value) -> (usize, usize, usize) {
            match v {
                Value::Map(m) => shape(m),
                Value::Array(a) => a.iter().map(value_shape).fold((1, a.len(), 0), |acc, x| {
                    (acc.0.max(1 + x.0), acc.1.max(x.1), acc.2.max(x.2))
                }),
                _ => (0, 0, 0),
            }
        }
        // The most permissive reported key rules, with room for the long keys.
        let spec = KeySpec::new(FirstChar::Alnum, Kmax::Bounded(300));
        let mut widest = (0, 0, 0);
        let inputs = 300;
        for seed in 0..inputs {
            let data: Vec<u8> = (0..8192u32)
                .map(|i| ((i ^ seed).wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect();
            let d = Document::arbitrary(&mut Unstructured::new(&data)).unwrap();
            assert!(d.conforms(&spec), "{d:?}");
            let (depth, width, key) = shape(&d.0);
            assert!(depth <= ARBITRARY_DEPTH, "nesting {depth}: {d:?}");
            assert!(width <= ARBITRARY_WIDTH, "width {width}");
            assert!(key <= 300, "key length {key}");
            widest = (widest.0.max(depth), widest.1.max(width), widest.2.max(key));
        }
        // Permissive: across the inputs every limit is reached, and the
        // rare long keys (beyond 64 bytes) occur.
        assert_eq!(widest.0, ARBITRARY_DEPTH, "deepest nesting over {inputs} inputs");
        assert_eq!(widest.1, ARBITRARY_WIDTH, "widest container over {inputs} inputs");
        assert!(widest.2 > 64, "longest key over {inputs} inputs: {}", widest.2);
    }
}

mod encode {
    use prefixproof::msgpack::{FirstChar, KeySpec, Kind, Kmax, Profile};
    use prefixproof::proof::conformance;
    use prefixproof_testkit::encode::*;
    use prefixproof_testkit::model::{Document, Int, Map, Value};

    fn doc(entries: Vec<(&str, Value)>) -> Document {
        Document(Map(entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
    }

    fn s(n: usize) -> Value {
        Value::Str("x".repeat(n))
    }

    // Expected bytes written out by hand from the msgpack spec.
    #[test]
    fn headers_per_profile() {
        let d = doc(vec![("a", s(32))]);
        let body: Vec<u8> = vec![b'x'; 32];
        let with = |head: &[u8]| [head, &body[..]].concat();
        assert_eq!(
            encode(Profile::Canonical, &d).unwrap(),
            with(&[0x81, 0xa1, b'a', 0xd9, 32])
        );
        assert_eq!(
            encode(Profile::Legacy, &d).unwrap(),
            with(&[0x81, 0xa1, b'a', 0xda, 0, 32])
        );
        assert_eq!(
            encode(Profile::Map32Header, &d).unwrap(),
            with(&[0xdf, 0, 0, 0, 1, 0xa1, b'a', 0xd9, 32])
        );
        assert_eq!(
            encode(Profile::Map16Header, &d).unwrap(),
            with(&[0xde, 0, 1, 0xa1, b'a', 0xd9, 32])
        );
        // any-width default: next wider than the narrowest everywhere.
        assert_eq!(
            encode(Profile::AnyWidth, &d).unwrap(),
            with(&[0xde, 0, 1, 0xd9, 1, b'a', 0xda, 0, 32])
        );
        let ints = doc(vec![
            ("i", Value::Int(Int::from(5u8))),
            ("j", Value::Int(Int::from(-5i8))),
        ]);
        assert_eq!(
            encode(Profile::AnyWidth, &ints).unwrap(),
            [0xde, 0, 2, 0xd9, 1, b'i', 0xcc, 5, 0xd9, 1, b'j', 0xd0, 0xfb]
        );
        assert_eq!(
            encode(Profile::Canonical, &ints).unwrap(),
            [0x82, 0xa1, b'i', 5, 0xa1, b'j', 0xfb]
        );
    }

    #[test]
    fn legacy_has_no_bin() {
        let d = doc(vec![("b", Value::Bin(vec![1]))]);
        assert!(matches!(
            encode(Profile::Legacy, &d),
            Err(EncodeError::NoHeader { kind: Kind::Bin, .. })
        ));
        assert_eq!(encode(Profile::Canonical, &d).unwrap(), [0x81, 0xa1, b'b', 0xc4, 1, 1]);
    }

    #[test]
    fn big_maps_switch_headers() {
        let m: Vec<(String, Value)> = (0..65_536u32).map(|i| (format!("k{i}"), Value::Nil)).collect();
        let d = Document(Map(m));
        assert_eq!(encode(Profile::Map16Header, &d).unwrap()[..5], [0xdf, 0, 1, 0, 0]);
        assert_eq!(encode(Profile::Canonical, &d).unwrap()[..5], [0xdf, 0, 1, 0, 0]);
        let spec = KeySpec::new(FirstChar::Alnum, Kmax::Bounded(31));
        for p in Profile::ALL {
            match encode(p, &d) {
                Ok(bytes) => conformance::check(p, &spec, &bytes).unwrap(),
                // msgpackr's pack() throws above 65535 keys.
                Err(EncodeError::NoHeader { kind: Kind::Map, .. }) => assert_eq!(p, Profile::Msgpackr),
                Err(e) => panic!("{p}: {e}"),
            }
        }
    }

    #[test]
    fn exact_values_have_every_size() {
        for p in Profile::ALL {
            for size in (1..600).chain(65_530..65_545) {
                let v = exact_value(p, size, b"ab").unwrap_or_else(|| panic!("{p} {size}"));
                assert_eq!(value_len(p, &v), Ok(size), "{p} {size}");
                assert_eq!(encode_value(p, &v).unwrap().len() as u64, size);
            }
            assert_eq!(exact_value(p, 0, b"x"), None);
        }
    }

    #[test]
    fn forced_choices_reproduce_a_prefix() {
        let d = doc(vec![("a", Value::Nil)]);
        let c = Choices {
            forced: vec![0xdf],
            seed: None,
            random_until: 0,
        };
        assert_eq!(
            encode_choices(Profile::AnyWidth, &d, &c).unwrap(),
            [0xdf, 0, 0, 0, 1, 0xd9, 1, b'a', 0xc0]
        );
        let (len, head) = measure(Profile::AnyWidth, &d, &mut c.chooser(), 4).unwrap();
        assert_eq!((len, head), (9, vec![0xdf, 0, 0, 0]));
    }
}

mod generate {
    use std::collections::HashSet;

    use prefixproof::msgpack::{FirstChar, KeySpec, Kmax, Profile};
    use prefixproof::proof::conformance;
    use prefixproof_testkit::encode as profile_encode;
    use prefixproof_testkit::generate::*;
    use prefixproof_testkit::model::{Document, Int, Map, Value};

    #[test]
    fn bulk_keys_are_distinct_and_conform() {
        let spec = KeySpec::new(FirstChar::Ident, Kmax::Bounded(31));
        let ks = bulk_keys(&spec, 65_536, 7).unwrap();
        let set: HashSet<&String> = ks.iter().collect();
        assert_eq!(set.len(), 65_536);
        assert!(ks.iter().all(|k| spec.check(k.as_bytes()).is_ok()));
    }

    #[test]
    fn text_has_exact_length() {
        for n in [0, 1, 31, 32, 255, 256, 65_536] {
            assert_eq!(make_text(n, n as u64).len(), n);
        }
    }

    #[test]
    fn padding_reaches_exact_lengths() {
        let spec = KeySpec::new(FirstChar::Alnum, Kmax::Bounded(31));
        let doc = Document(Map(vec![("a".into(), Value::Int(Int::from(300u32)))]));
        for p in Profile::ALL {
            for len in [20u64, 33, 34, 100, 258, 259, 65_540, 70_000] {
                for seed in [None, Some(3)] {
                    let e = pad_to(p, &spec, doc.clone(), len, seed, 1).unwrap_or_else(|| panic!("{p} {len}"));
                    assert_eq!(e.bytes.len() as u64, len);
                    conformance::check(p, &spec, &e.bytes).unwrap();
                }
            }
        }
    }

    #[test]
    fn documents_of_exact_length() {
        use proptest::strategy::{Strategy, ValueTree};
        use proptest::test_runner::TestRunner;
        let spec = KeySpec::new(FirstChar::Ident, Kmax::Bounded(255));
        let mut runner = TestRunner::deterministic();
        for p in Profile::ALL {
            for len in [64u64, 222, 4096, 121_472] {
                for _ in 0..4 {
                    let doc = document_of_len(p, &spec, len).new_tree(&mut runner).unwrap().current();
                    let bytes = profile_encode::encode(p, &doc).unwrap();
                    assert_eq!(bytes.len() as u64, len, "{p}");
                    assert!(doc.conforms(&spec));
                    conformance::check(p, &spec, &bytes).unwrap();
                }
            }
        }
    }

    #[test]
    fn around_the_prefix_at_the_bound() {
        let spec = KeySpec::new(FirstChar::Alnum, Kmax::Bounded(31));
        let a = Around {
            first_key: "abc".into(),
            key_seed: 1,
            first_value: Value::Int(Int::from(7u8)),
            others: vec![("q".into(), Value::Bool(true))],
            seed: Some(9),
            salt: 2,
        };
        // The map32 bound `df 00 00 00`, and any-width's one-entry map with a
        // str32 key `81 db 00 00` (a colliding length that is not the bound).
        let map32 = u32::from_le_bytes([0xdf, 0, 0, 0]) as u64;
        let str32_key = u32::from_le_bytes([0x81, 0xdb, 0, 0]) as u64;
        for (p, len) in [
            (Profile::Map32Header, map32),
            (Profile::AnyWidth, map32),
            (Profile::AnyWidth, str32_key),
        ] {
            let e = around_prefix(p, &spec, len, &a).unwrap();
            assert_eq!(e.origin, Origin::Random, "{p} {len}");
            assert_eq!(e.bytes.len() as u64, len);
            assert_eq!(e.bytes[..4], (len as u32).to_le_bytes());
            conformance::check(p, &spec, &e.bytes).unwrap();
        }
    }
}

mod fuzz_checks {
    use prefixproof_testkit::encode::encode;
    use prefixproof_testkit::fuzz_checks::*;
    use prefixproof_testkit::model::{Document, Int, Map, Value};

    #[test]
    fn selectors_round_trip() {
        assert_eq!(configs().len(), 40);
        for c in configs() {
            assert_eq!(config_of(selector_of(c)), *c);
            let raw = raw_input(c, b"\x80");
            assert_eq!(split_raw(&raw), Some((*c, &b"\x80"[..])));
        }
    }

    #[test]
    fn checks_pass_on_simple_inputs() {
        for (name, check) in TARGETS {
            for data in [
                &b""[..],
                b"\x00",
                b"\x00\x81\xa1a\x01",
                b"\x05\x00\x00\x00\x00",
                &[0xff; 64],
            ] {
                assert!(check(data).is_ok(), "{name} on {data:02x?}: {:?}", check(data));
            }
        }
        let doc = Document(Map(vec![
            ("a".into(), Value::Int(Int::from(-1i8))),
            (
                "b".into(),
                Value::Array(vec![Value::F64(f64::NAN), Value::Bin(vec![0; 40])]),
            ),
        ]));
        for selector in 0..configs().len() as u8 {
            let input = DocInput {
                config: selector,
                choices: Some(7),
                doc: doc.clone(),
            };
            assert_eq!(check_misread_below_bound(&input), Ok(Run::Checked));
            let c = config_of(selector);
            let blob = encode(c.profile, &doc.fit(c.profile, &c.keys())).unwrap();
            assert_eq!(oracle_vs_raw(&raw_input(&c, &blob)), Ok(Run::Checked));
            assert_eq!(profile_conformance(&raw_input(&c, &blob)), Ok(Run::Checked));
            assert_eq!(detectors(&raw_input(&c, &blob)), Ok(Run::Checked));
            let bson = prefixproof_testkit::model::to_bson(&doc).to_vec().unwrap();
            assert_eq!(detectors(&raw_input(&c, &bson)), Ok(Run::Checked));
        }
        assert_eq!(check_bson_roundtrip(&doc), Ok(Run::Checked));
    }

    /// The two committed reports agree: a polyglot is a blob the post's
    /// detector misreads (its length prefix is its length), so polyglots
    /// start no earlier than the post's bound, and not at all without one.
    #[test]
    fn polyglot_bounds_are_not_below_the_posts() {
        let mut with = 0;
        for c in configs() {
            match (bound(c), polyglot_bound(c)) {
                (Some(post), Some(polyglot)) => {
                    assert!(
                        polyglot >= post,
                        "{c}: polyglots from {polyglot}, the post's bound {post}"
                    );
                    with += 1;
                }
                (None, Some(polyglot)) => panic!("{c}: polyglots from {polyglot} but no misread below 2^31"),
                (_, None) => {}
            }
        }
        assert!(with > 0, "no configuration has a polyglot bound");
    }

    #[test]
    fn oversized_inputs_are_skipped() {
        let big = vec![0u8; MAX_INPUT + 1];
        for (name, check) in TARGETS {
            assert_eq!(check(&big), Ok(Run::Skipped), "{name}");
        }
    }
}

mod corpus {
    use prefixproof_testkit::corpus::*;
    use prefixproof_testkit::fuzz_checks;

    #[test]
    fn sample_documents_pass_every_check() {
        let mut docs = sample_documents();
        docs.extend(arbitrary_documents(4));
        assert!(docs.len() >= 9);
        for doc in &docs {
            assert!(fuzz_checks::check_bson_roundtrip(doc).is_ok());
            for selector in 0..fuzz_checks::configs().len() as u8 {
                let input = fuzz_checks::DocInput {
                    config: selector,
                    choices: None,
                    doc: doc.clone(),
                };
                assert_eq!(
                    fuzz_checks::check_misread_below_bound(&input),
                    Ok(fuzz_checks::Run::Checked)
                );
            }
        }
        for (label, blob) in hostile_blobs() {
            assert!(fuzz_checks::decode_bytes(&blob).is_ok(), "{label}");
        }
    }

    #[test]
    fn pseudo_random_is_deterministic() {
        assert_eq!(pseudo_random(3, 100), pseudo_random(3, 100));
        assert_ne!(pseudo_random(3, 100), pseudo_random(4, 100));
        assert_eq!(pseudo_random(3, 13).len(), 13);
    }
}
