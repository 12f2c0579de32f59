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
