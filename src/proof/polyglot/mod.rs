//! Polyglots: blobs that are both a valid BSON document and a conforming
//! msgpack map. Fooling `bson-valid` or `msgpack-first`, or making `strict`
//! answer "ambiguous", takes one ([`crate::detect::detectors`]).
//!
//! A polyglot of length `L` starts with `L`'s four little-endian bytes (its
//! BSON length), so it is also a blob the post's detector misreads: the
//! candidates are the post's colliding lengths, from the structural walk.
//! For each, in increasing order, [`search`] reads on from the four-byte
//! prefix with both readers at once: the msgpack oracle (which also says
//! whether `L` is still reachable) and a BSON reader of a document of `L`
//! bytes ([`bson`]), trying every byte the BSON reader allows at each step.
//! A candidate is ruled out when every branch dies; the search goes a fixed
//! number of bytes deep, and a candidate with a branch alive at that depth
//! is where it stops: every shorter candidate was ruled out, so that length
//! is a proved lower bound, and it is exact only if a whole polyglot of
//! that length was found.
//!
//! This module owns the joint search. The grammar of conforming msgpack is
//! the oracle's; what the `bson` crate accepts is the crate's, and witnesses
//! are judged by it.

pub(crate) mod bson;

use crate::msgpack::{KeySpec, Kind, Marker, Profile};
use crate::proof::oracle::{Expect, Parser};
use crate::proof::search::{prefix_of, walk};

use self::bson::BsonPrefix;

/// What the search established for one profile and key rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// No polyglot of any length below 2^31: every candidate dies within
    /// the search's depth.
    None,
    /// A polyglot of this length was found, and every shorter candidate
    /// was ruled out: the exact bound.
    Exact { len: u64, blob: Vec<u8> },
    /// Every candidate below `lower` was ruled out; at `lower` a branch
    /// was still alive at the search's depth. The true bound is `lower` or
    /// more.
    AtLeast { lower: u64 },
}

/// How much work a search did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Effort {
    /// Candidate lengths examined.
    pub candidates: u64,
    /// Joint states visited (one per byte fed to both readers).
    pub states: u64,
}

/// Search the post's colliding lengths of `profile` and `keys` in
/// increasing order for a polyglot, reading at most `depth` bytes past each
/// four-byte prefix.
pub fn search(profile: Profile, keys: &KeySpec, depth: u64) -> (Outcome, Effort) {
    let mut effort = Effort::default();
    let mut root = Parser::new(profile, keys.clone());
    for len in walk::colliding_lengths(profile, keys) {
        let len = len as u64;
        effort.candidates += 1;
        root.reset();
        let prefix = prefix_of(len);
        if !root.feed(&prefix) {
            continue;
        }
        let Some(bson) = BsonPrefix::after_length(len) else {
            continue;
        };
        let mut blob = prefix.to_vec();
        match explore(&root, &bson, len, 4 + depth, &mut blob, &mut effort) {
            Branch::Dead => {}
            Branch::Alive => return (Outcome::AtLeast { lower: len }, effort),
            Branch::Polyglot => return (Outcome::Exact { len, blob }, effort),
        }
    }
    (Outcome::None, effort)
}

enum Branch {
    Dead,
    Alive,
    Polyglot,
}

/// Depth-first over the next bytes, until `stop` bytes are read or the
/// blob is whole.
fn explore(p: &Parser, b: &BsonPrefix, len: u64, stop: u64, blob: &mut Vec<u8>, effort: &mut Effort) -> Branch {
    if b.pos() == len {
        return if b.done() && p.lengths().contains(len as u128) {
            Branch::Polyglot
        } else {
            Branch::Dead
        };
    }
    if b.pos() >= stop {
        return Branch::Alive;
    }
    let mut alive = false;
    let expect = p.expect();
    for byte in 0..=255u8 {
        if !may_follow(&expect, byte) {
            continue;
        }
        let mut b2 = b.clone();
        if !b2.feed(byte) {
            continue;
        }
        let mut p2 = p.clone();
        effort.states += 1;
        if !p2.feed(&[byte]) || !p2.lengths().contains(len as u128) {
            continue;
        }
        blob.push(byte);
        match explore(&p2, &b2, len, stop, blob, effort) {
            Branch::Polyglot => return Branch::Polyglot,
            Branch::Alive => alive = true,
            Branch::Dead => {}
        }
        blob.pop();
        if alive {
            // One live branch is enough to stop at this length.
            return Branch::Alive;
        }
    }
    Branch::Dead
}

/// Whether `byte` can be next where the parser expects `expect`, by its
/// marker alone: a cheap filter before the parser is asked (most bytes a
/// BSON name allows are not a key's header).
fn may_follow(expect: &Expect, byte: u8) -> bool {
    match expect {
        Expect::Key { .. } => matches!(Marker::of(byte), Marker::Header { kind: Kind::Str, .. }),
        Expect::Complete | Expect::Dead => false,
        _ => true,
    }
}

/// A 223-byte polyglot laid out by hand, for keys of 1 to 255 ASCII bytes
/// (NUL included) under `any-width` and `map32-header`. As msgpack: map32
/// of 1 entry (`df 00 00 00 01`), a 128-byte str8 key (`d9 80` ...), a str8
/// value of 86 bytes (`d9 56` ...). As BSON: length 223 (`df 00 00 00`); a
/// double (type 0x01, the map count's low byte) named "\u{640}" (the key
/// header `d9 80`, ended by the key's first byte, 0x00); two binaries of
/// 100 and 90 bytes, the second running on through the msgpack value,
/// whose last byte is the terminator.
#[cfg(test)]
pub(crate) fn hand_made_polyglot() -> (KeySpec, Vec<u8>) {
    let keys = KeySpec::from_patterns(r"[\x00-\x7f]+", None, 255).unwrap();
    let mut key = vec![0x00];
    key.extend([0; 8]); // the double
    key.extend([0x05, b'b', 0x00, 100, 0, 0, 0, 0x00]);
    key.extend([b'x'; 100]);
    key.extend([0x05, b'c', 0x00, 90, 0, 0, 0, 0x00]);
    key.extend([b'x'; 3]);
    assert_eq!(key.len(), 128);
    let mut blob = vec![0xdf, 0x00, 0x00, 0x00, 0x01, 0xd9, 0x80];
    blob.extend(&key);
    blob.extend([0xd9, 86]);
    blob.extend([b'x'; 85]);
    blob.push(0x00);
    assert_eq!(blob.len(), 223);
    (keys, blob)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgpack::{FirstChar, Kmax};

    /// Keys of up to 255 bytes: at 223, `df 00 00 00`, a count byte that
    /// is also a BSON type, then a str8 key header whose length byte is a
    /// UTF-8 continuation (a key of 128 to 191 bytes) starts a valid BSON
    /// name. Three bytes deep, that branch is alive: 223 is a lower bound.
    #[test]
    fn a_long_key_keeps_223_open() {
        let keys = KeySpec::new(FirstChar::Alnum, Kmax::Bounded(255));
        let (outcome, effort) = search(Profile::Map32Header, &keys, 3);
        assert_eq!(outcome, Outcome::AtLeast { lower: 223 });
        assert_eq!(effort.candidates, 1);
    }

    /// Where keys may hold any ASCII byte, the lower bound 223 is met by
    /// the hand-made polyglot: 223 is exact there.
    #[test]
    fn the_hand_made_polyglot_meets_the_lower_bound() {
        let (keys, blob) = hand_made_polyglot();
        for profile in [Profile::AnyWidth, Profile::Map32Header] {
            let (outcome, _) = search(profile, &keys, 3);
            assert_eq!(outcome, Outcome::AtLeast { lower: 223 }, "{profile}");
            crate::detect::detectors::bson_valid(&blob).unwrap();
            crate::proof::conformance::check(profile, &keys, &blob).unwrap();
        }
    }

    /// A key header starts the first BSON name, and a fixstr header is a
    /// UTF-8 continuation byte: with keys of at most 31 bytes (here 3) nothing
    /// survives. (The report's configurations take seconds to minutes;
    /// this key language has few candidates.)
    #[test]
    fn short_keys_allow_no_polyglot() {
        let keys = KeySpec::from_patterns("[ab]{1,3}", None, 3).unwrap();
        let (outcome, effort) = search(Profile::Map32Header, &keys, 3);
        assert_eq!(outcome, Outcome::None);
        assert!(effort.candidates > 0, "no candidate was examined");
        println!("{effort:?}");
    }
}
