//! The completion arithmetic: from a live parser state, the exact set of
//! numbers of bytes that can still follow.
//!
//! * Every value may take any length >= 1 (nil is one byte, and arrays of
//!   nils reach every larger size in every profile), so any open container
//!   that still needs a value contributes an unbounded ray `[min, ∞)`; its
//!   minimum charges each remaining map entry its share of the cheapest
//!   distinct keys still free (see [`KeySpec::cheapest_keys_size`]) plus
//!   one byte of value.
//! * A half-read header carries a contiguous range of possible lengths or
//!   counts (prefix bytes fix the high bits, the profile fixes the width's
//!   range), and every cost involved is non-decreasing in that length or
//!   count, so the union over the range is bounded by its smallest member.
//! * A half-read string body or scalar needs a fixed number of bytes.
//!
//! [`KeySpec::cheapest_keys_size`]: crate::msgpack::KeySpec::cheapest_keys_size

use crate::msgpack::marker::{Kind, Width};
use crate::msgpack::profile::Place;
use crate::proof::lengths::LengthSet;

use super::parser::{Frame, KeyToken, MapFrame, State, Token, ValueToken};

impl State {
    /// The exact set of numbers of bytes that can still follow.
    pub(super) fn completion(&self) -> LengthSet {
        if self.dead {
            return LengthSet::empty();
        }
        let n = self.frames.len();
        let Some(top) = self.frames.last() else {
            return LengthSet::empty();
        };
        let mut set = match (&self.token, top) {
            (None, Frame::Root { done: false }) => self.fresh_map(),
            (None, Frame::Root { done: true }) => LengthSet::single(0),
            // No key of the top-level map read yet: its first key may have
            // a language of its own.
            (None, Frame::Map(m)) if !m.awaiting_value && m.first_key_next() => self
                .keys
                .cheapest_root_keys_size(self.profile, m.left)
                .map_or_else(LengthSet::empty, |k| LengthSet::at_least(k + m.left as u128)),
            (None, Frame::Map(m)) if !m.awaiting_value => self
                .entries(m, m.left, None)
                .map_or_else(LengthSet::empty, LengthSet::at_least),
            (None, frame) => LengthSet::at_least(1).plus(&self.rest_after_value(frame)),
            (Some(Token::Key(t)), Frame::Map(m)) => self.key_completion(m, t),
            // A key is only ever in progress in a map awaiting a key.
            (Some(Token::Key(_)), _) => LengthSet::empty(),
            (Some(Token::Value(t)), frame) => self.value_completion(t).plus(&self.rest_after_value(frame)),
        };
        // Every enclosing container has a value in progress (the one above it).
        for frame in self.frames[..n - 1].iter().rev() {
            if set.is_empty() {
                break;
            }
            set = set.plus(&self.rest_after_value(frame));
        }
        set
    }

    /// When a new value is expected: the set of numbers of bytes that can
    /// follow if that value took no bytes at all (so a value of `s` bytes
    /// gives this set shifted by `s`). The rest of a document never depends
    /// on a value's content.
    pub(super) fn rest_after_next_value(&self) -> LengthSet {
        let mut set = LengthSet::single(0);
        for frame in self.frames.iter().rev() {
            set = set.plus(&self.rest_after_value(frame));
        }
        set
    }

    /// What `frame` still needs after its value in progress finishes:
    /// exactly nothing, or (when entries or elements remain) any length
    /// from the cheapest way to write them upwards.
    fn rest_after_value(&self, frame: &Frame) -> LengthSet {
        let min = match frame {
            Frame::Root { .. } => Some(0),
            Frame::Array { left } => Some((left - 1) as u128),
            Frame::Map(m) => self.entries(m, m.left - 1, None),
        };
        match min {
            None => LengthSet::empty(),
            Some(0) => LengthSet::single(0),
            Some(r) => LengthSet::at_least(r),
        }
    }

    /// Smallest number of bytes for `entries` whole map entries with keys
    /// not among `m`'s finished keys (nor one more key of length `extra`).
    fn entries(&self, m: &MapFrame, entries: u64, extra: Option<u64>) -> Option<u128> {
        let keys = self.keys.cheapest_keys_size(self.profile, entries, &m.taken(extra))?;
        Some(keys + entries as u128)
    }

    /// Lengths of the whole top-level map, its marker still to come: for
    /// each width, a header with every count the profile writes with it.
    fn fresh_map(&self) -> LengthSet {
        let mut set = LengthSet::empty();
        for width in Width::ALL {
            let counts = self.profile.header_lengths(Place::Root, Kind::Map, width, 0, 0);
            let header = width.header_size() as u128;
            set = set.union(&self.container_body(Place::Root, Kind::Map, counts).shift(header));
        }
        set
    }

    /// Lengths of a map's or array's body when its count is one of
    /// `counts` (sorted disjoint ranges). Every body cost grows with the
    /// count, so the union is the empty body (if the count may be 0) plus
    /// a ray from the cheapest body of the smallest positive count.
    fn container_body(&self, place: Place, kind: Kind, counts: impl Iterator<Item = (u64, u64)>) -> LengthSet {
        let mut zero = false;
        let mut smallest_positive = None;
        for (lo, hi) in counts {
            zero |= lo == 0;
            if hi >= 1 {
                smallest_positive = Some(lo.max(1));
                break;
            }
        }
        let empty = if zero { LengthSet::single(0) } else { LengthSet::empty() };
        let Some(n) = smallest_positive else {
            return empty;
        };
        let min = match kind {
            // One byte per element at least (nil).
            Kind::Array => Some(n as u128),
            // The top-level map's first key may have a language of its own.
            Kind::Map if place == Place::Root => self
                .keys
                .cheapest_root_keys_size(self.profile, n)
                .map(|k| k + n as u128),
            Kind::Map => self
                .keys
                .cheapest_keys_size(self.profile, n, &[])
                .map(|k| k + n as u128),
            Kind::Str | Kind::Bin | Kind::Ext => None,
        };
        match min {
            Some(min) => empty.union(&LengthSet::at_least(min)),
            None => empty,
        }
    }

    /// Bytes to finish a half-read value token, including any container
    /// body its header opens.
    fn value_completion(&self, t: &ValueToken) -> LengthSet {
        match *t {
            ValueToken::RootHeader { width, got, acc } => {
                self.header_completion(Place::Root, Kind::Map, width, got, acc)
            }
            ValueToken::Header { kind, width, got, acc } => {
                self.header_completion(Place::Nested, kind, width, got, acc)
            }
            ValueToken::IntPayload { format, got, acc } => {
                if self.profile.int_payload_possible(format, got, acc) {
                    LengthSet::single((format.payload_bytes() - got) as u128)
                } else {
                    LengthSet::empty()
                }
            }
            ValueToken::Float { left } => LengthSet::single(left as u128),
            ValueToken::Text { total, got, utf8 } => {
                let left = total - got;
                if utf8.pending() as u64 <= left {
                    LengthSet::single(left as u128)
                } else {
                    LengthSet::empty()
                }
            }
            ValueToken::Bytes { total, got, .. } => LengthSet::single((total - got) as u128),
        }
    }

    /// Bytes to finish a value header's length bytes and the body it opens.
    fn header_completion(&self, place: Place, kind: Kind, width: Width, got: u8, acc: u64) -> LengthSet {
        let rest = (width.length_bytes() - got) as u128;
        let lengths = self.profile.header_lengths(place, kind, width, got, acc);
        match kind {
            // A body of exactly the announced bytes (plus ext's type byte).
            Kind::Str | Kind::Bin | Kind::Ext => {
                let extra = kind.body_bytes(0).unwrap_or(0) as u128;
                lengths.fold(LengthSet::empty(), |set, (lo, hi)| {
                    set.union(&LengthSet::range(lo as u128, hi as u128).shift(rest + extra))
                })
            }
            Kind::Array | Kind::Map => self.container_body(place, kind, lengths).shift(rest),
        }
    }

    /// Bytes to finish a half-read key, its value and the rest of its map.
    /// The key must end up distinct from the map's finished keys, and it
    /// occupies one key of its length that the remaining entries cannot use
    /// (unless it is a top-level first key outside their language).
    fn key_completion(&self, m: &MapFrame, t: &KeyToken) -> LengthSet {
        let others = m.left - 1;
        let min_for = |len: u64, key_left: u64| -> Option<u128> {
            let rest = self.entries(m, others, Some(len))?;
            Some(key_left as u128 + 1 + rest)
        };
        let first_rule = m.first_key_next() && self.keys.has_first_key_rule();
        let min = match t {
            KeyToken::Header { width, got, acc } if first_rule => {
                let Some((lo, hi)) = self.key_header_range(*width, *got, *acc) else {
                    return LengthSet::empty();
                };
                let rest = (width.length_bytes() - got) as u128;
                let writes = |len| self.profile.allows(Place::Nested, Kind::Str, *width, len);
                // The key's body and the other keys, then one byte of value
                // per entry.
                self.keys
                    .cheapest_first_key_in(self.profile, m.left, (lo, hi), writes)
                    .map(|keys| rest + keys + m.left as u128)
            }
            KeyToken::Header { width, got, acc } => {
                let Some((lo, hi)) = self.key_header_range(*width, *got, *acc) else {
                    return LengthSet::empty();
                };
                let rest = (width.length_bytes() - got) as u64;
                let lang = self.keys.keys();
                // Cost is non-decreasing in the key length, so the smallest
                // length that still has a free key wins. Finished keys can
                // exhaust at most |keys| lengths, so this loop is short.
                let mut from = lo;
                loop {
                    let Some(len) = lang.next_completion_len(lang.start(), 0, from).filter(|l| *l <= hi) else {
                        break None;
                    };
                    let written = self.profile.allows(Place::Nested, Kind::Str, *width, len);
                    if written && lang.keys_of_len(len) > m.taken_of_len(len) {
                        break min_for(len, rest + len);
                    }
                    from = len + 1;
                }
            }
            KeyToken::Body {
                total,
                split: Some((outside, inside)),
                ..
            } => {
                let key = &self.key;
                // A top-level first key of its own language: finish it
                // outside the other keys' language if possible (it then
                // takes none of theirs), else inside.
                let (got, more) = (key.len() as u64, total - key.len() as u64);
                let can = |lang: Option<&crate::msgpack::lang::KeyLang>, s: &Option<_>| matches!((lang, s), (Some(l), Some(s)) if l.completions(*s, got, more) > 0);
                if can(self.keys.first_keys_outside(), outside) {
                    self.entries(m, others, None).map(|rest| more as u128 + 1 + rest)
                } else if can(self.keys.first_keys_inside(), inside) {
                    min_for(*total, more)
                } else {
                    None
                }
            }
            KeyToken::Body { total, state, .. } => {
                let key = &self.key;
                let lang = self.keys.keys();
                // Finished keys this one could still turn out to be. A
                // top-level first key of its own language may lie outside
                // the other keys' language: it cannot clash.
                let clashes = m
                    .keys
                    .iter()
                    .filter(|k| k.len() as u64 == *total && k.starts_with(key) && lang.check(k).is_ok())
                    .count() as u64;
                let got = key.len() as u64;
                if lang.completions(*state, got, total - got) > clashes {
                    min_for(*total, total - got)
                } else {
                    None
                }
            }
        };
        min.map_or_else(LengthSet::empty, LengthSet::at_least)
    }
}
