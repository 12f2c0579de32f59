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
//! A candidate is ruled out when every branch dies. The search goes a set
//! number of bytes deep and visits at most a set number of joint states
//! ([`Limits`]); it stops at the first candidate with a branch alive at
//! that depth, or where the budget runs out. Every shorter candidate was
//! ruled out, so that length is a proved lower bound; it is exact only if
//! a whole polyglot of that length was found.
//!
//! Where the search stops at a lower bound, [`construct`] tries to lay out
//! a polyglot on purpose at that length and the next candidates: one at
//! the lower bound makes it exact, one above it is reported as found, not
//! as the smallest.
//!
//! A "none" is checked again by [`confirm`], with the structural walk and
//! BSON rules of its own instead of the oracle and [`bson`].
//!
//! This module owns the joint search. The grammar of conforming msgpack is
//! the oracle's; what the `bson` crate accepts is the crate's, and witnesses
//! are judged by it.

pub(crate) mod bson;
pub mod confirm;
pub mod construct;

use crate::msgpack::{KeySpec, Kind, Marker, Profile};
use crate::proof::oracle::{Expect, Parser};
use crate::proof::search::{prefix_of, walk};

use rayon::prelude::*;

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
    /// Every candidate below `lower` was ruled out; the true bound is
    /// `lower` or more. Either a branch at `lower` was still alive at the
    /// search's depth, or (`budget_spent`) the search stopped there.
    AtLeast { lower: u64, budget_spent: bool },
    /// As [`Outcome::AtLeast`], and a polyglot of `len` bytes (more than
    /// `lower`) was built: the bound is from `lower` to `len`.
    Between {
        lower: u64,
        budget_spent: bool,
        len: u64,
        blob: Vec<u8>,
    },
}

/// How many candidates, from the search's lower bound on, the construction
/// is tried on.
pub const CONSTRUCTED_CANDIDATES: usize = 64;

/// How much work a search did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Effort {
    /// Candidate lengths examined.
    pub candidates: u64,
    /// Joint states visited (one per byte fed to both readers).
    pub states: u64,
}

/// How far the search goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes read past each four-byte prefix.
    pub depth: u64,
    /// The budget of joint states: the search stops before a batch of
    /// candidates once this many were visited, and at a candidate that
    /// needs this many on its own.
    pub states: u64,
}

/// Search the post's colliding lengths of `profile` and `keys` in
/// increasing order for a polyglot, within `limits`. Candidates are taken
/// in batches of 1024, each batch's candidates examined in parallel and
/// its results read in order: the outcome does not depend on the number of
/// threads.
pub fn search(profile: Profile, keys: &KeySpec, limits: Limits) -> (Outcome, Effort) {
    search_among(profile, keys, &walk::colliding_lengths(profile, keys), limits)
}

/// [`search`] over `candidates`, which must be the post's colliding lengths
/// in increasing order (the walk's list).
///
/// Where the search stops at a lower bound, the construction is tried on
/// that candidate and the next ([`CONSTRUCTED_CANDIDATES`] in all).
pub fn search_among(profile: Profile, keys: &KeySpec, candidates: &[u32], limits: Limits) -> (Outcome, Effort) {
    let (outcome, effort) = search_only(profile, keys, candidates, limits);
    let Outcome::AtLeast { lower, budget_spent } = outcome else {
        return (outcome, effort);
    };
    let from = candidates.partition_point(|&c| (c as u64) < lower);
    let built = construct::first_constructed(profile, keys, &candidates[from..], CONSTRUCTED_CANDIDATES);
    let outcome = match built {
        Some((len, blob)) if len == lower => Outcome::Exact { len, blob },
        Some((len, blob)) => Outcome::Between {
            lower,
            budget_spent,
            len,
            blob,
        },
        None => outcome,
    };
    (outcome, effort)
}

/// The independent judges of a polyglot for `profile` and `keys`: the
/// `bson` crate reads it as one valid document; `rmpv` decodes it as one
/// map (polyglots are small, so its tree costs nothing here); and the
/// witness checks (rmp-serde, the conformance checker, the key rules, the
/// length prefix) accept it as a conforming map the post's detector
/// misreads.
pub fn verify(profile: Profile, keys: &KeySpec, blob: &[u8]) -> Result<(), String> {
    crate::detect::detectors::bson_valid(blob).map_err(|e| format!("the bson crate rejects it: {e}"))?;
    match crate::detect::decode::decode_msgpack_ref(blob) {
        Ok(rmpv::ValueRef::Map(_)) => {}
        Ok(_) => return Err("rmpv decodes it, but not as a map".into()),
        Err(e) => return Err(format!("rmpv does not decode it: {e}")),
    }
    crate::proof::witness::verify(profile, keys, blob).map_err(|e| e.to_string())
}

/// The joint search alone.
fn search_only(profile: Profile, keys: &KeySpec, candidates: &[u32], limits: Limits) -> (Outcome, Effort) {
    let mut effort = Effort::default();
    let root = Parser::new(profile, keys.clone());
    for batch in candidates.chunks(1024) {
        if effort.states >= limits.states {
            let lower = batch[0] as u64;
            return (
                Outcome::AtLeast {
                    lower,
                    budget_spent: true,
                },
                effort,
            );
        }
        let results: Vec<(Branch, Vec<u8>, u64)> = batch
            .par_iter()
            .map_init(
                || root.clone(),
                |parser, &len| {
                    let mut states = 0;
                    let (branch, blob) = examine(parser, len as u64, limits, &mut states);
                    (branch, blob, states)
                },
            )
            .collect();
        for (i, (branch, blob, states)) in results.into_iter().enumerate() {
            let len = batch[i] as u64;
            effort.candidates += 1;
            effort.states += states;
            match branch {
                Branch::Dead => {}
                Branch::Alive => {
                    return (
                        Outcome::AtLeast {
                            lower: len,
                            budget_spent: false,
                        },
                        effort,
                    )
                }
                Branch::Polyglot => return (Outcome::Exact { len, blob }, effort),
                Branch::OutOfBudget => {
                    return (
                        Outcome::AtLeast {
                            lower: len,
                            budget_spent: true,
                        },
                        effort,
                    )
                }
            }
        }
    }
    (Outcome::None, effort)
}

/// One candidate length: both readers from the four-byte prefix on.
fn examine(parser: &mut Parser, len: u64, limits: Limits, states: &mut u64) -> (Branch, Vec<u8>) {
    parser.reset();
    let prefix = prefix_of(len);
    let mut blob = prefix.to_vec();
    let Some(bson) = BsonPrefix::after_length(len) else {
        return (Branch::Dead, blob);
    };
    if !parser.feed(&prefix) {
        return (Branch::Dead, blob);
    }
    let search = Search {
        len,
        stop: 4 + limits.depth,
        budget: limits.states,
    };
    let branch = search.explore(parser, &bson, &mut blob, states);
    (branch, blob)
}

enum Branch {
    Dead,
    Alive,
    Polyglot,
    /// The candidate alone used up the budget.
    OutOfBudget,
}

/// One candidate's search: its length, where to stop reading, and the most
/// joint states to visit.
struct Search {
    len: u64,
    stop: u64,
    budget: u64,
}

impl Search {
    /// Depth-first over the next bytes, until `stop` bytes are read or the
    /// blob is whole.
    fn explore(&self, p: &Parser, b: &BsonPrefix, blob: &mut Vec<u8>, states: &mut u64) -> Branch {
        let (len, stop) = (self.len, self.stop);
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
        let expect = p.expect();
        for byte in 0..=255u8 {
            if !may_follow(&expect, byte) || !b.may_accept(byte) {
                continue;
            }
            let mut b2 = b.clone();
            if !b2.feed(byte) {
                continue;
            }
            if *states >= self.budget {
                return Branch::OutOfBudget;
            }
            let mut p2 = p.clone();
            *states += 1;
            if !p2.feed(&[byte]) || !p2.lengths().contains(len as u128) {
                continue;
            }
            blob.push(byte);
            match self.explore(&p2, &b2, blob, states) {
                Branch::Dead => {
                    blob.pop();
                }
                // One live branch is enough to stop at this length.
                found => return found,
            }
        }
        Branch::Dead
    }
}

/// Whether `byte` can be next where the parser expects `expect`, by its
/// marker alone: a cheap filter before the parser is asked (most bytes a
/// BSON name allows are not a key's header).
fn may_follow(expect: &Expect, byte: u8) -> bool {
    match expect {
        Expect::Key { .. } => STARTS_A_STR[byte as usize],
        Expect::Complete | Expect::Dead => false,
        _ => true,
    }
}

/// For each byte, whether it is a str header's marker.
pub(crate) const STARTS_A_STR: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = matches!(Marker::of(b as u8), Marker::Header { kind: Kind::Str, .. });
        b += 1;
    }
    table
};

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

    const LIMITS: Limits = Limits {
        depth: 3,
        states: 1 << 40,
    };

    /// Keys of up to 255 bytes: at 223, `df 00 00 00`, a count byte that
    /// is also a BSON type, then a str8 key header whose length byte is a
    /// UTF-8 continuation (a key of 128 to 191 bytes) starts a valid BSON
    /// name. Three bytes deep, that branch is alive: 223 is a lower bound,
    /// and the construction meets it (its layout is worked by hand in
    /// `construct`'s tests): 223 is exact.
    #[test]
    fn a_long_key_keeps_223_open() {
        let keys = KeySpec::new(FirstChar::Alnum, Kmax::Bounded(255));
        let candidates = walk::colliding_lengths(Profile::Map32Header, &keys);
        let (outcome, effort) = search_only(Profile::Map32Header, &keys, &candidates, LIMITS);
        assert_eq!(
            outcome,
            Outcome::AtLeast {
                lower: 223,
                budget_spent: false
            }
        );
        assert_eq!(effort.candidates, 1);
        let (outcome, _) = search_among(Profile::Map32Header, &keys, &candidates, LIMITS);
        let Outcome::Exact { len: 223, blob } = outcome else {
            panic!("{outcome:?}");
        };
        verify(Profile::Map32Header, &keys, &blob).unwrap();
    }

    /// Where the search stops at a candidate the construction cannot use,
    /// the next one it builds is reported above the lower bound, not as
    /// the bound: with no budget the search stops at once, at 121473
    /// (which `construct`'s tests show no construction at), and 16833409
    /// is built.
    #[test]
    fn a_polyglot_above_the_lower_bound_is_only_found() {
        let keys = KeySpec::new(FirstChar::Alnum, Kmax::Unbounded);
        let limits = Limits { depth: 3, states: 0 };
        let (outcome, _) = search_among(Profile::Canonical, &keys, &[121_473, 16_833_409], limits);
        let Outcome::Between {
            lower: 121_473,
            budget_spent: true,
            len: 16_833_409,
            blob,
        } = outcome
        else {
            panic!("{outcome:?}");
        };
        verify(Profile::Canonical, &keys, &blob).unwrap();
    }

    /// Where keys may hold any ASCII byte, the lower bound 223 is met by
    /// the hand-made polyglot: 223 is exact there (for any-width too:
    /// `prefixproof polyglot --profile any-width --keys '[\x00-\x7f]{1,255}'
    /// --depth 219` finds one by itself).
    #[test]
    fn the_hand_made_polyglot_meets_the_lower_bound() {
        let (keys, blob) = hand_made_polyglot();
        // (The walk under any-width over these keys takes seconds; the
        // search's answer for map32-header is the one checked. The
        // construction needs keys without 0x00, so it is not tried here.)
        let candidates = walk::colliding_lengths(Profile::Map32Header, &keys);
        let (outcome, _) = search_only(Profile::Map32Header, &keys, &candidates, LIMITS);
        assert_eq!(
            outcome,
            Outcome::AtLeast {
                lower: 223,
                budget_spent: false
            }
        );
        crate::detect::detectors::bson_valid(&blob).unwrap();
        for profile in [Profile::AnyWidth, Profile::Map32Header] {
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
        let (outcome, effort) = search(Profile::Map32Header, &keys, LIMITS);
        assert_eq!(outcome, Outcome::None);
        assert!(effort.candidates > 0, "no candidate was examined");
        println!("{effort:?}");
    }
}
