//! The oracle is exact on every short blob: checked against an exhaustive
//! enumeration of all byte strings up to three bytes, judged by the
//! independent conformance checker.
//!
//! Soundness: every conforming blob's length is in the oracle's set for
//! each of its prefixes. Completeness: every length up to three that the
//! oracle admits for a prefix is the length of some conforming blob with
//! that prefix.

use std::collections::HashSet;

use prefixproof::msgpack::KeySpec;
use prefixproof::msgpack::Profile;
use prefixproof::proof::conformance;
use prefixproof::proof::oracle;
use prefixproof::proof::witness;

/// A key spec small enough that short documents use every rule: keys `a`,
/// `b`, and those two followed by `0` or `1`.
fn tiny_keys() -> KeySpec {
    KeySpec::from_patterns("[ab][01]?", None, 2).expect("a valid pattern")
}

#[test]
fn exact_on_every_blob_up_to_three_bytes() {
    let keys = tiny_keys();
    for profile in Profile::ALL {
        // Conforming blobs of length <= 3, indexed by (prefix, length).
        let mut conforming: HashSet<(Vec<u8>, usize)> = HashSet::new();
        for len in 1..=3usize {
            for n in 0..1u32 << (8 * len) {
                let v = &n.to_be_bytes()[4 - len..];
                if conformance::check(profile, &keys, v).is_ok() {
                    for k in 0..=len {
                        conforming.insert((v[..k].to_vec(), len));
                    }
                }
            }
        }
        // Soundness.
        for (prefix, len) in &conforming {
            let set = oracle::lengths(profile, &keys, prefix);
            assert!(
                set.contains(*len as u128),
                "{profile}: {prefix:02x?} has a {len}-byte document, oracle says {set}"
            );
        }
        // Completeness up to 3 bytes, for every prefix up to 2 bytes.
        let prefixes = (0..=2usize).flat_map(|k| (0..1u32 << (8 * k)).map(move |n| n.to_be_bytes()[4 - k..].to_vec()));
        for p in prefixes {
            let set = oracle::lengths(profile, &keys, &p);
            for len in p.len()..=3 {
                if set.contains(len as u128) {
                    assert!(
                        conforming.contains(&(p.clone(), len)),
                        "{profile}: oracle admits {len} for {p:02x?}"
                    );
                }
            }
        }
    }
}

/// Completeness beyond three bytes: for prefixes of real documents, the
/// greedy builder (which trusts the oracle's every answer) reaches lengths
/// the oracle admits, and the result passes the independent checks.
#[test]
fn admitted_lengths_have_documents() {
    let keys = tiny_keys();
    let docs: [&[u8]; 6] = [
        &[0x82, 0xa1, b'a', 0x01, 0xa2, b'b', b'0', 0xc0],
        &[0x81, 0xa2, b'a', b'1', 0x92, 0xcc, 0xff, 0x81, 0xa1, b'b', 0xc3],
        &[0xde, 0x00, 0x01, 0xa1, b'a', 0xa3, 0xe2, 0x82, 0xac],
        &[0xdf, 0x00, 0x00, 0x00, 0x01, 0xa1, b'b', 0xcb, 0, 0, 0, 0, 0, 0, 0, 0],
        &[0x81, 0xd9, 0x02, b'a', b'0', 0xc4, 0x01, 0xff],
        &[0x81, 0xa1, b'a', 0xdb, 0x00, 0x00, 0x00, 0x01, b'x'],
    ];
    let mut built = 0;
    // (profile, document) pairs the independent checker accepts whole: for
    // each, the whole document's own length must be admitted and rebuilt.
    let mut conforming = 0;
    let mut rebuilt_whole = 0;
    for profile in Profile::ALL {
        for doc in docs {
            let whole_conforms = conformance::check(profile, &keys, doc).is_ok();
            conforming += whole_conforms as usize;
            let mut cuts: Vec<usize> = (0..=doc.len().min(12)).collect();
            cuts.push(doc.len());
            cuts.dedup();
            for k in cuts {
                let prefix = &doc[..k];
                let set = oracle::lengths(profile, &keys, prefix);
                let Some(min) = set.min() else { continue };
                let own = doc.len() as u128;
                let mut lens = vec![min, min + 1, min + 2, min + 31, min + 300, 70_000, own];
                lens.sort_unstable();
                lens.dedup();
                for len in lens {
                    if !set.contains(len) {
                        continue;
                    }
                    let blob = witness::build(profile, &keys, len as u64, prefix)
                        .unwrap_or_else(|e| panic!("{profile} {prefix:02x?} len {len}: {e}"));
                    assert_eq!(blob.len() as u128, len);
                    assert!(blob.starts_with(prefix));
                    witness::verify_document(profile, &keys, &blob)
                        .unwrap_or_else(|e| panic!("{profile} {prefix:02x?} len {len}: {e}"));
                    built += 1;
                    rebuilt_whole += (whole_conforms && k == doc.len() && len == own) as usize;
                }
            }
        }
    }
    println!("built and verified {built} documents at admitted lengths");
    assert!(conforming > 0, "no sample document conforms to any profile");
    assert_eq!(
        rebuilt_whole, conforming,
        "every conforming sample, fed whole, must admit and rebuild its own length"
    );
}

/// The parser takes the middle of a long body in one step when a prefix
/// comes in one piece; byte by byte, it reads each byte. Both must give
/// the same lengths and state for every prefix, and die at the same byte:
/// ASCII, characters of two and three bytes, a byte no UTF-8 has, a
/// character cut off by the body's end, bins, and raw strs of any bytes.
#[test]
fn bodies_read_at_once_are_read_as_byte_by_byte() {
    let keys = tiny_keys();
    // {"a": <value>}, with a str8 or bin8 value of 32 x's and the given
    // body (32 bytes: too long for a fixstr, so canonical writes str8).
    let doc = |marker: u8, body: &[u8]| {
        let mut blob = vec![0x81, 0xa1, b'a', marker, 32 + body.len() as u8];
        blob.extend_from_slice(&[b'x'; 32]);
        blob.extend_from_slice(body);
        blob
    };
    let bodies: [&[u8]; 7] = [
        b"xxxxxxxxxxxxxxxxxxxx",
        "xxxx\u{e9}xxxx\u{20ac}xxxxx".as_bytes(),
        b"xxxxxx\xffxxxxx",
        b"xxxxxxxxx\xe2\x82",
        b"\xe2\x82\xacxxxxxxxx",
        b"\x00\x80\xffxxxxx\xc3",
        b"xx\xc3xxxx",
    ];
    // (blob, profile, the byte that kills it there, worked out by hand)
    let mut cases = Vec::new();
    for body in bodies {
        let utf8 = std::str::from_utf8(body).is_ok();
        for marker in [0xd9, 0xc4] {
            let blob = doc(marker, body);
            // Strs of canonical documents are UTF-8; a bin's body and
            // any-width's strs are any bytes.
            let canonical_death = if marker == 0xd9 && !utf8 {
                match body {
                    // The 0xff, at byte 5 + 32 + 6.
                    b"xxxxxx\xffxxxxx" => Some(43),
                    // 0xe2 starts a character of three bytes, and only
                    // two are left: at byte 5 + 32 + 9.
                    b"xxxxxxxxx\xe2\x82" => Some(46),
                    // An ASCII byte where 0xc3's second byte should be.
                    b"xx\xc3xxxx" => Some(40),
                    // 0x80 cannot start one, at byte 5 + 32 + 1.
                    _ => Some(38),
                }
            } else {
                None
            };
            cases.push((blob.clone(), Profile::Canonical, canonical_death));
            cases.push((blob, Profile::AnyWidth, None));
        }
    }
    assert_eq!(cases.len(), 28);
    for (blob, profile, death) in cases {
        for k in 0..=blob.len() {
            let prefix = &blob[..k];
            let at_once = oracle::answer(profile, &keys, prefix);
            let mut p = oracle::Parser::with_recorder(profile, keys.clone(), oracle::Trace::default());
            for b in prefix {
                p.feed(std::slice::from_ref(b));
            }
            let what = format!("{profile} {}", prefixproof::hex::hex(prefix));
            assert_eq!(at_once.lengths, p.lengths(), "{what}");
            assert_eq!(at_once.summary, p.summary(), "{what}");
            let expected_death = death.filter(|&d| d < k as u64);
            assert_eq!(at_once.dead.as_ref().map(|d| d.offset), expected_death, "{what}");
        }
        if death.is_none() {
            let lengths = oracle::lengths(profile, &keys, &blob);
            assert!(lengths.contains(blob.len() as u128), "{profile}: {lengths}");
        }
    }
}
