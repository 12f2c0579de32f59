//! A second, independent enumeration behind every "no polyglot".
//!
//! The search ([`super::search`]) rules a candidate length out with the
//! msgpack oracle and the BSON reader of [`super::bson`]. This module rules
//! it out again with neither: the structural walk
//! ([`walk::extensions`]) generates every way a conforming document of the
//! candidate's length can go on past its four-byte prefix, and a few BSON
//! rules written here, from the BSON specification, must refuse each one
//! within the same number of bytes. The rules are deliberately fewer than
//! BSON's (nothing past the first element's name is checked), so they can
//! only fail to confirm, never confirm wrongly; each one is checked against
//! the `bson` crate in the tests.
//!
//! It owns those rules and the confirmation; it does not search for
//! polyglots or say how long one is.

use rayon::prelude::*;

use crate::msgpack::{KeySpec, Profile};
use crate::proof::search::walk;

/// What confirming took.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Confirmation {
    /// Candidate lengths confirmed dead.
    pub candidates: u64,
    /// Prefixes the walk generated and the BSON rules were asked about.
    pub prefixes: u64,
}

/// Confirms that no document of any length in `candidates` is also a BSON
/// document: for each, every continuation the walk generates is refused
/// by [`may_start_bson`] within `depth` bytes past the prefix. On failure,
/// returns the smallest candidate with a continuation left.
pub fn confirm_none(profile: Profile, keys: &KeySpec, candidates: &[u32], depth: u64) -> Result<Confirmation, u32> {
    let mut done = Confirmation::default();
    // In batches, in order, so that a failure stops the work soon.
    for batch in candidates.chunks(1024) {
        let per_candidate: Vec<Result<u64, u32>> = batch
            .par_iter()
            .map(|&len| {
                // BSON's shortest document is its length and its terminator.
                if len < 5 {
                    return Err(len);
                }
                let (left, asked) = walk::extensions(profile, keys, len, depth, &mut |blob| may_start_bson(blob));
                if left == 0 {
                    Ok(asked)
                } else {
                    Err(len)
                }
            })
            .collect();
        for r in per_candidate {
            done.prefixes += r?;
            done.candidates += 1;
        }
    }
    Ok(done)
}

/// The element types of the BSON specification: 0x01 (double) to 0x13
/// (decimal128), 0x7f (max key) and 0xff (min key), deprecated ones
/// included.
fn is_element_type(b: u8) -> bool {
    matches!(b, 0x01..=0x13 | 0x7f | 0xff)
}

/// Whether `blob`, whose first four bytes are its length as BSON's int32,
/// may start a BSON document of that length, by the first element alone:
/// byte 4 is the terminator (then the document is 5 bytes) or an element
/// type; the element's name, up to its 0x00, is UTF-8 (a name cut short at
/// the end of `blob` may still be finished).
pub(crate) fn may_start_bson(blob: &[u8]) -> bool {
    let Some(&kind) = blob.get(4) else { return true };
    let len = u32::from_le_bytes([blob[0], blob[1], blob[2], blob[3]]);
    if kind == 0x00 {
        return len == 5 && blob.len() == 5;
    }
    if !is_element_type(kind) {
        return false;
    }
    let rest = &blob[5..];
    // ASCII is UTF-8 however it is cut: the common case, answered without
    // the general check (this runs for billions of prefixes).
    if rest.is_ascii() {
        return true;
    }
    match rest.iter().position(|&b| b == 0x00) {
        Some(end) => std::str::from_utf8(&rest[..end]).is_ok(),
        // Not ended yet: UTF-8 so far, or a character cut off by the end.
        None => match std::str::from_utf8(rest) {
            Ok(_) => true,
            Err(e) => e.error_len().is_none(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::detectors::bson_valid;

    /// A whole document with one null element named `name`.
    fn with_null_named(name: &[u8]) -> Vec<u8> {
        let len = 4 + 1 + name.len() + 1 + 1;
        let mut doc = (len as u32).to_le_bytes().to_vec();
        doc.push(0x0a);
        doc.extend_from_slice(name);
        doc.push(0x00);
        doc.push(0x00);
        doc
    }

    /// Each rule refuses only what the `bson` crate refuses.
    #[test]
    fn the_rules_are_the_crates() {
        // The empty document is the one that ends at byte 4.
        let empty = [5, 0, 0, 0, 0];
        assert!(bson_valid(&empty).is_ok());
        assert!(may_start_bson(&empty));
        let mut longer = [6, 0, 0, 0, 0, 0];
        assert!(bson_valid(&longer).is_err());
        assert!(!may_start_bson(&longer[..5]));
        // Every byte as the first element's type: what the rules refuse,
        // the crate refuses (with a value of 16 zero bytes, enough for
        // any fixed-size type).
        let mut refused = 0;
        for kind in 1..=255u8 {
            let mut doc = vec![0, 0, 0, 0, kind, b'a', 0];
            doc.extend_from_slice(&[0; 16]);
            doc.push(0);
            let n = doc.len() as u32;
            doc[..4].copy_from_slice(&n.to_le_bytes());
            if !may_start_bson(&doc[..5]) {
                refused += 1;
                assert!(bson_valid(&doc).is_err(), "type {kind:#04x}");
            }
        }
        assert_eq!(refused, 255 - 21, "21 element types");
        // Names: UTF-8 or refused by the crate too.
        for (name, ok) in [
            (&b"a"[..], true),
            (b"\xc3\xa9", true),
            (b"", true),
            (b"\xa1", false),
            (b"\xd9\x41", false),
            (b"a\xff", false),
        ] {
            let doc = with_null_named(name);
            let end = doc.len() - 2;
            assert_eq!(may_start_bson(&doc[..end]), ok, "name {name:x?}");
            assert_eq!(bson_valid(&doc).is_ok(), ok, "the crate, name {name:x?}");
        }
        // A name cut off inside a character may still be finished; one
        // already broken may not.
        longer = [6, 0, 0, 0, 0x0a, 0xd9];
        assert!(may_start_bson(&longer));
        assert!(!may_start_bson(&[9, 0, 0, 0, 0x0a, 0xd9, 0x41]));
    }

    /// Keys of at most 31 bytes are fixstr, whose headers (0xa0 to 0xbf)
    /// cannot start a UTF-8 name: the map32-header profile's candidates
    /// all die, as the search says. With keys of up to 255 bytes a str8
    /// header `d9 80` is a UTF-8 character, and the first candidate, 223,
    /// stays open.
    #[test]
    fn short_keys_are_confirmed_and_long_ones_are_not() {
        use crate::msgpack::{FirstChar, Kmax};
        let short = KeySpec::new(FirstChar::Alnum, Kmax::Bounded(31));
        // The first thousand of its 304,016 (`prefixproof detectors`
        // confirms them all).
        let all = walk::colliding_lengths(Profile::Map32Header, &short);
        let candidates = &all[..1000];
        let done = confirm_none(Profile::Map32Header, &short, candidates, 3).expect("every candidate dies");
        assert_eq!(done.candidates, candidates.len() as u64);
        assert!(done.prefixes >= done.candidates, "{done:?}");

        let long = KeySpec::new(FirstChar::Alnum, Kmax::Bounded(255));
        let candidates = walk::colliding_lengths(Profile::Map32Header, &long);
        assert_eq!(candidates.first(), Some(&223));
        assert_eq!(
            confirm_none(Profile::Map32Header, &long, &candidates[..10], 3),
            Err(223)
        );
    }
}
