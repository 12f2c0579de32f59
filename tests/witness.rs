//! Witnesses: what the builder writes, byte for byte where the choice is
//! the builder's own; that it refuses what cannot exist and says why; and
//! that the independent checks reject every kind of bad blob (a checker
//! that accepts everything would make every witness worthless).

use prefixproof::hex::parse_hex;
use prefixproof::msgpack::{FirstChar, KeySpec, Kmax, Profile};
use prefixproof::proof::oracle;
use prefixproof::proof::witness::{self, CheckError, KeyProblem, WitnessError};

fn alnum31() -> KeySpec {
    KeySpec::new(FirstChar::Alnum, Kmax::Bounded(31))
}

/// Witnesses of maps with thousands of entries, where the builder takes
/// keys in order without asking the oracle at each: every key distinct and
/// allowed, the length exact, under a profile per header rule.
#[test]
fn witnesses_with_thousands_of_keys() {
    let keys = KeySpec::from_patterns("[a-z]{1,3}", None, 3).unwrap();
    // map16 with 0x0800 = 2048 entries: more than the 26 one-letter keys and
    // the 676 two-letter ones together, so key lengths run out on the way.
    let prefix = [0xde, 0x08, 0x00];
    for profile in [Profile::Canonical, Profile::AnyWidth, Profile::Map16Header] {
        let lengths = oracle::lengths(profile, &keys, &prefix);
        let shortest = lengths.min().expect("2048 entries fit") as u64;
        // 26 keys of 2 bytes, 676 of 3, 1346 of 4, each with a 1-byte value.
        assert_eq!(shortest, 3 + 26 * 3 + 676 * 4 + 1346 * 5, "{profile}");
        for len in [shortest, shortest + 1, shortest + 1000] {
            let blob = witness::build(profile, &keys, len, &prefix)
                .unwrap_or_else(|e| panic!("{profile}: no {len}-byte document: {e}"));
            assert_eq!(blob.len() as u64, len, "{profile}");
            witness::verify_document(profile, &keys, &blob)
                .unwrap_or_else(|e| panic!("{profile}: {len}-byte document rejected: {e}"));
        }
    }
}

/// The builder's choices, byte for byte (written by hand): each map takes
/// the cheapest keys not yet its own, from the start of the key order
/// again for every map, and the first value absorbs the spare bytes.
#[test]
fn witness_bytes_for_nested_maps() {
    let keys = KeySpec::from_patterns("[ab]", None, 1).unwrap();
    // {"a": {.. 2 entries ..}, ..1 more entry}: the inner map takes "a"
    // and "b", the outer map's second key is "b" again.
    let prefix = [0x82, 0xa1, b'a', 0x82];
    let cases: [(u64, &[u8]); 2] = [
        (
            13,
            &[
                0x82, 0xa1, b'a', 0x82, 0xa1, b'a', 0xc0, 0xa1, b'b', 0xc0, 0xa1, b'b', 0xc0,
            ],
        ),
        (
            14,
            &[
                0x82, 0xa1, b'a', 0x82, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0xc0, 0xa1, b'b', 0xc0,
            ],
        ),
    ];
    for (len, expected) in cases {
        let blob = witness::build(Profile::Canonical, &keys, len, &prefix).unwrap();
        assert_eq!(blob, expected, "{len} bytes");
    }
}

/// A prefix that ends inside a key or inside a str value: the builder
/// finishes the token with exactly the bytes it still needs, then the map.
#[test]
fn witness_bytes_after_a_half_read_token() {
    let keys = KeySpec::from_patterns("ab|cd", None, 2).unwrap();
    // Inside the key "ab": one more byte, then a 1-byte value.
    let blob = witness::build(Profile::Canonical, &keys, 5, &[0x81, 0xa2, b'a']).unwrap();
    assert_eq!(blob, [0x81, 0xa2, b'a', b'b', 0xc0]);
    // Inside a 3-byte str value with one byte read: two more bytes of text.
    let blob = witness::build(Profile::Canonical, &keys, 8, &[0x81, 0xa2, b'a', b'b', 0xa3, b'q']).unwrap();
    assert_eq!(blob, [0x81, 0xa2, b'a', b'b', 0xa3, b'q', b'x', b'x']);
}

/// A witness that cannot exist says why: the byte that rules every
/// document out, or the lengths documents with that start do have.
#[test]
fn witness_refusals_say_why() {
    let keys = alnum31();
    // 5 = 05 00 00 00: a top level that is not a map.
    assert_eq!(
        witness::build_colliding(Profile::Canonical, &keys, 5),
        Err(WitnessError::Impossible {
            len: 5,
            prefix: "05000000".into(),
            why: "byte 0: the top level must be a map, but this is positive fixint 5".into(),
        })
    );
    // The post's 3187073 = 81 a1 30 00: a complete four-byte map.
    assert_eq!(
        witness::build_colliding(Profile::Canonical, &keys, 3187073),
        Err(WitnessError::Impossible {
            len: 3187073,
            prefix: "81a13000".into(),
            why: "documents starting with these bytes have lengths {4}".into(),
        })
    );
    assert_eq!(
        witness::build_colliding(Profile::Canonical, &keys, 1 << 31),
        Err(WitnessError::OutOfRange(1 << 31))
    );
    assert_eq!(
        witness::build_colliding(Profile::Canonical, &keys, 3),
        Err(WitnessError::OutOfRange(3))
    );
    // The ends of the range are asked, not refused.
    for len in [4, (1 << 31) - 1] {
        let refusal = witness::build_colliding(Profile::Canonical, &keys, len);
        assert!(
            matches!(refusal, Err(WitnessError::Impossible { .. })),
            "{len}: {refusal:?}"
        );
    }
}

/// Bad blobs, each rejected for its own reason (written by hand).
#[test]
fn the_checks_reject_bad_blobs() {
    let keys = alnum31();
    let check = |profile: Profile, hex: &str| witness::verify_document(profile, &keys, &parse_hex(hex).unwrap());
    let key_problem = |hex: &str| match check(Profile::Canonical, hex) {
        Err(CheckError::Keys(problem)) => problem,
        other => panic!("{hex}: {other:?}"),
    };
    // A good document, which the detector rightly calls msgpack: a
    // document, but no witness of a misread.
    assert_eq!(check(Profile::Canonical, "81 a1 61 c0"), Ok(()));
    assert!(matches!(
        witness::verify(Profile::Canonical, &keys, &parse_hex("81 a1 61 c0").unwrap()),
        Err(CheckError::DetectorSaysMsgpack(_))
    ));
    // Cut short, and one value with a byte after it.
    assert!(matches!(
        check(Profile::Canonical, "81 a1"),
        Err(CheckError::Undecodable(_))
    ));
    assert!(matches!(
        check(Profile::Canonical, "81 a1 61 c0 c0"),
        Err(CheckError::Undecodable(_))
    ));
    // An array at the top.
    assert_eq!(check(Profile::Canonical, "91 c0"), Err(CheckError::NotAMap));
    // Keys: not a str, outside the language (at the top, in a nested map,
    // in a map inside an array), twice in one map.
    assert_eq!(key_problem("81 01 c0"), KeyProblem::NotStr("1".into()));
    for hex in ["81 a1 2d c0", "81 a1 61 81 a1 2d c0", "81 a1 61 91 81 a1 2d c0"] {
        assert!(
            matches!(key_problem(hex), KeyProblem::NotAllowed { key, .. } if key == "-"),
            "{hex}"
        );
    }
    assert_eq!(key_problem("82 a1 61 c0 a1 61 c0"), KeyProblem::Duplicate("a".into()));
    // The same key in two different maps is fine.
    assert_eq!(check(Profile::Canonical, "82 a1 61 81 a1 61 c0 a1 62 c0"), Ok(()));
    // A map16 header for one entry: any-width writes it, canonical does not.
    assert_eq!(check(Profile::AnyWidth, "de 00 01 a1 61 c0"), Ok(()));
    assert!(matches!(
        check(Profile::Canonical, "de 00 01 a1 61 c0"),
        Err(CheckError::Nonconforming {
            profile: Profile::Canonical,
            ..
        })
    ));
}

/// The independent reader (`rmp-serde`, streaming) on every kind of value,
/// written by hand: only a map may stand at the top, anything may stand
/// inside, and a key must be a str; each other kind of key is named.
#[test]
fn the_independent_reader_takes_every_kind_of_value() {
    let keys = alnum31();
    let read = |hex: &str| witness::check_decoded_keys(&keys, &parse_hex(hex).unwrap());
    // One value of each kind: nil, true, 1, -1, a float32 0, a float64 0, a
    // str "a", a bin of one byte, an array of nil, a fixext1 of type 1.
    let kinds = [
        "c0",
        "c3",
        "01",
        "ff",
        "ca 00 00 00 00",
        "cb 00 00 00 00 00 00 00 00",
        "a1 61",
        "c4 01 61",
        "91 c0",
        "d4 01 00",
    ];
    let names = [
        "nil",
        "true",
        "1",
        "-1",
        "0",
        "0",
        "",
        "bin or non-UTF-8 str of 1 bytes",
        "an array",
        "an ext",
    ];
    let mut checked = 0;
    for (kind, name) in kinds.iter().zip(names) {
        assert_eq!(read(kind), Err(CheckError::NotAMap), "{kind} at the top");
        assert_eq!(read(&format!("81 a1 61 {kind}")), Ok(()), "{kind} as a value");
        assert_eq!(read(&format!("81 a1 61 91 {kind}")), Ok(()), "{kind} in an array");
        if *kind != "a1 61" {
            assert_eq!(
                read(&format!("81 {kind} c0")),
                Err(CheckError::Keys(KeyProblem::NotStr(name.into()))),
                "{kind} as a key"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 10);
    // A map as a key; a str that is not UTF-8 as a key, and as a value.
    assert_eq!(
        read("81 81 a1 61 c0 c0"),
        Err(CheckError::Keys(KeyProblem::NotStr("a map".into())))
    );
    assert_eq!(
        read("81 a1 ff c0"),
        Err(CheckError::Keys(KeyProblem::NotStr(
            "bin or non-UTF-8 str of 1 bytes".into()
        )))
    );
    assert_eq!(read("81 a1 61 a1 ff"), Ok(()));
    // The top-level map's first key follows its own language.
    let first_z = KeySpec::from_patterns("[a-y]", Some("z"), 1).unwrap();
    let read_first = |hex: &str| witness::check_decoded_keys(&first_z, &parse_hex(hex).unwrap());
    assert_eq!(read_first("82 a1 7a c0 a1 61 c0"), Ok(()));
    assert!(matches!(
        read_first("82 a1 61 c0 a1 7a c0"),
        Err(CheckError::Keys(KeyProblem::NotAllowed { .. }))
    ));
    // ...and a nested map's first key the other keys' language.
    assert_eq!(read_first("81 a1 7a 81 a1 61 c0"), Ok(()));
    assert!(matches!(
        read_first("81 a1 7a 81 a1 7a c0"),
        Err(CheckError::Keys(KeyProblem::NotAllowed { .. }))
    ));
    // Nothing may follow the one value; a count the bytes do not hold
    // is a read error, not an allocation.
    assert!(matches!(read("81 a1 61 c0 c0"), Err(CheckError::Undecodable(_))));
    assert!(matches!(read("df ff ff ff ff a1 61"), Err(CheckError::Undecodable(_))));
    assert!(matches!(read(""), Err(CheckError::Undecodable(_))));
}

/// The two readers agree at the nesting limit: every depth of nested maps
/// the conformance checker accepts, the independent reader accepts too
/// (and the deepest one accepted is at the limit, so the check is not
/// vacuous).
#[test]
fn the_readers_agree_at_the_nesting_limit() {
    use prefixproof::msgpack::MAX_DEPTH;
    use prefixproof::proof::conformance;
    let keys = alnum31();
    let mut deepest = 0;
    for depth in MAX_DEPTH - 3..=MAX_DEPTH + 3 {
        // {"a": {"a": ... nil}} with `depth` maps.
        let mut blob = [0x81, 0xa1, 0x61].repeat(depth);
        blob.push(0xc0);
        if conformance::check(Profile::AnyWidth, &keys, &blob).is_ok() {
            assert_eq!(witness::check_decoded_keys(&keys, &blob), Ok(()), "{depth} maps");
            deepest = depth;
        }
    }
    assert!(
        deepest >= MAX_DEPTH,
        "the conformance checker accepted at most {deepest} levels"
    );
}
