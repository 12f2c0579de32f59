//! The oracle is exact on every short blob: checked against an exhaustive
//! enumeration of all byte strings up to three bytes, judged by the
//! independent conformance checker.
//!
//! Soundness: every conforming blob's length is in the oracle's set for
//! each of its prefixes. Completeness: every length up to three that the
//! oracle admits for a prefix is the length of some conforming blob with
//! that prefix.

use std::collections::HashSet;

use prefixproof::conformance;
use prefixproof::keyspec::{Alphabet, KeySpec};
use prefixproof::oracle;
use prefixproof::profile::Profile;

/// A key spec small enough that short documents use every rule.
fn tiny_keys() -> KeySpec {
    KeySpec { first: Alphabet::from_ranges(&[(b'a', b'b')]), rest: Alphabet::from_ranges(&[(b'0', b'1')]), min_len: 1, max_len: 2 }
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
        assert!(!conforming.is_empty());
        // Soundness.
        for (prefix, len) in &conforming {
            let set = oracle::lengths(profile, keys, prefix);
            assert!(set.contains(*len as u128), "{profile}: {prefix:02x?} has a {len}-byte document, oracle says {set}");
        }
        // Completeness up to 3 bytes, for every prefix up to 2 bytes.
        let prefixes = (0..=2usize).flat_map(|k| (0..1u32 << (8 * k)).map(move |n| n.to_be_bytes()[4 - k..].to_vec()));
        for p in &prefixes {
                if p.len() + 1 > 2 {
                    continue;
                }
                for x in 0..=255u8 {
                    let mut v = p.clone();
                    v.push(x);
                    next.push(v);
                }
            }
            next.sort();
            next.dedup();
            prefixes = next;
        }
        for p in prefixes {
            let set = oracle::lengths(profile, keys, &p);
            for len in p.len()..=3 {
                if set.contains(len as u128) {
                    assert!(conforming.contains(&(p.clone(), len)), "{profile}: oracle admits {len} for {p:02x?}");
                }
            }
        }
    }
}
