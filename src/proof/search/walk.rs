//! The structural walk: enumerate the prefix space from the grammar's side.
//!
//! Instead of parsing each candidate prefix, the walk *generates* bytes: a
//! state is a stack of grammar items still to be written (the top-level
//! map, a value, the remaining entries of a map, a key body, a header's
//! length bytes, ...), and each item lists the bytes it may emit next and
//! the items that replace it. The walk extends prefixes byte by byte from
//! the empty state and prunes a branch as soon as no length `L < 2^31`
//! with the bytes so far as its low bytes can be reached, using a lower
//! bound on what the items still need. After four bytes the length `L` is
//! fixed and the walk decides membership exactly: it keeps generating
//! header bytes until every length and count is known, then adds up the
//! cheapest completion (unbounded when some value is still free).
//!
//! None of this uses the oracle; only the format layer is shared: the
//! marker table, the profile's header and integer rules, key counting and
//! the UTF-8 automaton.

use crate::msgpack::lang::KeyLang;
use crate::msgpack::marker::{push_be_byte, IntFormat, Kind, Marker, Width};
use crate::msgpack::profile::Place;
use crate::msgpack::utf8::Utf8State;
use crate::msgpack::{KeySpec, Profile};

use super::{FIRST, LIMIT};

/// A grammar item still to be written.
#[derive(Clone, Debug)]
enum Item {
    /// The top-level map, marker not yet written.
    RootMap,
    /// Any value, marker not yet written.
    Value,
    /// The remaining `n` elements of an array.
    Elements(u64),
    /// The remaining `n` entries of a map whose finished keys are `keys`
    /// (`root`: the top-level map, whose first key may have a language of
    /// its own).
    Entries { n: u64, keys: Vec<Vec<u8>>, root: bool },
    /// Length bytes of a key's str header (the entries item is below it).
    KeyHeader { width: Width, got: u8, acc: u64 },
    /// A key of `len` bytes, `bytes` written so far (the entries item is
    /// below it).
    KeyBody { len: u64, bytes: Vec<u8> },
    /// Length bytes of a value's (or, at [`Place::Root`], the top-level
    /// map's) header.
    Header {
        place: Place,
        kind: Kind,
        width: Width,
        got: u8,
        acc: u64,
    },
    /// Integer payload bytes.
    IntPayload { format: IntFormat, got: u8, acc: u64 },
    /// `n` bytes of anything (float payload, bin or ext body, raw str).
    Raw(u64),
    /// `n` bytes of a str value body.
    Text { n: u64, utf8: Utf8State },
}

type Stack = Vec<Item>;

/// The walk for one profile and key specification.
pub struct Walk<'a> {
    profile: Profile,
    keys: &'a KeySpec,
}

/// Every colliding length in `[4, 2^31)`, sorted, found by the walk.
pub fn colliding_lengths(profile: Profile, keys: &KeySpec) -> Vec<u32> {
    let w = Walk { profile, keys };
    let mut out = Vec::new();
    w.extend(&vec![Item::RootMap], 0, 0, &mut out);
    out.sort_unstable();
    out
}

/// The largest byte at `depth` (0: the lowest) of a length below 2^31:
/// only the top byte is capped.
fn max_byte_at(depth: u32) -> u8 {
    ((LIMIT - 1) >> (8 * depth)).min(255) as u8
}

/// The smallest length of at least `at_least` whose bytes 0 to `depth`
/// are those of `low`.
fn smallest_with_low_bytes(low: u64, depth: u32, at_least: u128) -> u128 {
    let modulus = 1u128 << (8 * (depth + 1));
    if at_least <= low as u128 {
        low as u128
    } else {
        low as u128 + (at_least - low as u128).div_ceil(modulus) * modulus
    }
}

impl Walk<'_> {
    fn extend(&self, stack: &Stack, depth: u32, low: u64, out: &mut Vec<u32>) {
        if depth == 4 {
            if low >= FIRST && self.reaches(stack, 4, low) {
                out.push(low as u32);
            }
            return;
        }
        for (b, child) in self.children(stack, max_byte_at(depth)) {
            let low = low | (b as u64) << (8 * depth);
            let Some(need) = self.lower_bound(&child) else { continue };
            // Prune unless some L below 2^31 with these low bytes is at
            // least what the child still needs.
            let at_least = (FIRST as u128).max(depth as u128 + 1 + need);
            if smallest_with_low_bytes(low, depth, at_least) < LIMIT as u128 {
                self.extend(&child, depth + 1, low, out);
            }
        }
    }

    /// Whether some document that continues the `written` bytes generated
    /// into `stack` has exactly `len` bytes.
    fn reaches(&self, stack: &Stack, written: u64, len: u64) -> bool {
        let Some(need) = self.lower_bound(stack) else {
            return false;
        };
        if written as u128 + need > len as u128 {
            return false;
        }
        if let Some(top) = stack.last() {
            if matches!(top, Item::Header { .. } | Item::KeyHeader { .. }) {
                // Generate the header's remaining bytes: each choice fixes
                // more of the length or count. Larger bytes mean larger
                // lengths, so once one child needs too much, so do the rest.
                // A child that cannot grow to `len` is skipped: without
                // that, a remainder with no free value left (an empty key,
                // then a str32 as the last value) would try all 2^24
                // lengths its header bytes can still spell.
                for (_, child) in self.children(stack, 255) {
                    match self.lower_bound(&child) {
                        Some(need) if written as u128 + 1 + need > len as u128 => break,
                        None => {}
                        Some(_)
                            if self
                                .upper_bound(&child)
                                .is_some_and(|most| written as u128 + 1 + most < len as u128) => {}
                        Some(_) if self.reaches(&child, written + 1, len) => return true,
                        Some(_) => {}
                    }
                }
                return false;
            }
        }
        let Some((min, unbounded)) = self.exact_min(stack) else {
            return false;
        };
        let total = written as u128 + min;
        if unbounded {
            total <= len as u128
        } else {
            total == len as u128
        }
    }

    /// Whether the next key of the map whose entries item is `entries` is
    /// a top-level first key with a language of its own.
    fn first_key(&self, entries: Option<&Item>) -> bool {
        self.keys.has_first_key_rule()
            && matches!(entries, Some(Item::Entries { root: true, keys, .. }) if keys.is_empty())
    }

    /// The language of the next key of the map whose entries item is
    /// `entries`.
    fn key_lang(&self, entries: Option<&Item>) -> &KeyLang {
        if self.first_key(entries) {
            self.keys.first_keys()
        } else {
            self.keys.keys()
        }
    }

    /// Cheapest encoded size of `n` entries with keys not in `keys` and
    /// not `extra` (a key length already claimed), one byte per value.
    /// Only keys of the key language take one of its keys: in the
    /// top-level map, a first key of its own language outside it does not.
    fn entries_min(&self, n: u64, keys: &[Vec<u8>], extra: Option<u64>) -> Option<u128> {
        let mut taken: Vec<(u64, u64)> = Vec::new();
        let counted = keys.iter().filter(|k| self.keys.keys().check(k).is_ok());
        for len in counted.map(|k| k.len() as u64).chain(extra) {
            match taken.iter_mut().find(|t| t.0 == len) {
                Some(t) => t.1 += 1,
                None => taken.push((len, 1)),
            }
        }
        self.keys
            .cheapest_keys_size(self.profile, n, &taken)
            .map(|k| k + n as u128)
    }

    /// Cheapest body after a header at `place` announcing `n`: bytes for
    /// str, bin and ext, one byte per element, cheapest entries for maps.
    fn body_min(&self, place: Place, kind: Kind, n: u64) -> Option<u128> {
        match kind {
            Kind::Map if n == 0 => Some(0),
            Kind::Map if place == Place::Root => self
                .keys
                .cheapest_root_keys_size(self.profile, n)
                .map(|k| k + n as u128),
            Kind::Map => self.entries_min(n, &[], None),
            Kind::Array => Some(n as u128),
            Kind::Str | Kind::Bin | Kind::Ext => kind.body_bytes(n).map(u128::from),
        }
    }

    /// The range of lengths a header may still take (for a key of
    /// language `key`, from the shortest key length in range on).
    fn header_range(
        &self,
        place: Place,
        kind: Kind,
        width: Width,
        got: u8,
        acc: u64,
        key: Option<&KeyLang>,
    ) -> Option<(u64, u64)> {
        let (mut lo, mut hi) = self.profile.header_range(place, kind, width, got, acc)?;
        if let Some(lang) = key {
            lo = lang.next_completion_len(lang.start(), 0, lo)?;
            hi = hi.min(lang.max_len());
        }
        (lo <= hi).then_some((lo, hi))
    }

    /// A lower bound on the bytes `stack` still needs; `None` if some item
    /// can never be finished.
    fn lower_bound(&self, stack: &Stack) -> Option<u128> {
        let mut total: u128 = 0;
        for (i, item) in stack.iter().enumerate() {
            let below = i.checked_sub(1).map(|j| &stack[j]);
            total += match item {
                Item::RootMap => {
                    let mut best: Option<u128> = None;
                    for width in Width::ALL {
                        if let Some(&(n, _)) = self.profile.lengths(Place::Root, Kind::Map, width).first() {
                            let body = self.body_min(Place::Root, Kind::Map, n);
                            if let Some(b) = body {
                                let c = width.header_size() as u128 + b;
                                best = Some(best.map_or(c, |x: u128| x.min(c)));
                            }
                        }
                    }
                    best?
                }
                Item::Value => 1,
                Item::Elements(n) => *n as u128,
                Item::Entries { n, keys, root } => self.entries_lower_bound(*n, keys, *root, stack.get(i + 1))?,
                Item::KeyHeader { width, got, acc } => {
                    let lang = self.key_lang(below);
                    let (lo, _) = self.header_range(Place::Nested, Kind::Str, *width, *got, *acc, Some(lang))?;
                    (width.length_bytes() - got) as u128 + lo as u128 + 1
                }
                Item::KeyBody { len, bytes } => (len - bytes.len() as u64) as u128 + 1,
                Item::Header {
                    place,
                    kind,
                    width,
                    got,
                    acc,
                } => {
                    let (lo, _) = self.header_range(*place, *kind, *width, *got, *acc, None)?;
                    let body = self.body_min(*place, *kind, lo)?;
                    (width.length_bytes() - got) as u128 + body
                }
                Item::IntPayload { format, got, .. } => (format.payload_bytes() - got) as u128,
                Item::Raw(n) => *n as u128,
                Item::Text { n, .. } => *n as u128,
            };
        }
        Some(total)
    }

    /// An upper bound on the bytes `stack` may still take; `None` when some
    /// value is still free (no bound).
    fn upper_bound(&self, stack: &Stack) -> Option<u128> {
        let mut total: u128 = 0;
        for item in stack {
            total += match item {
                Item::Elements(0) | Item::Entries { n: 0, .. } => 0,
                Item::RootMap
                | Item::Value
                | Item::Elements(_)
                | Item::Entries { .. }
                | Item::KeyHeader { .. }
                | Item::KeyBody { .. } => return None,
                Item::Header {
                    place,
                    kind,
                    width,
                    got,
                    acc,
                } => {
                    let (_, most) = self.profile.header_range(*place, *kind, *width, *got, *acc)?;
                    (width.length_bytes() - got) as u128 + kind.body_bytes(most)? as u128
                }
                Item::IntPayload { format, got, .. } => (format.payload_bytes() - got) as u128,
                Item::Raw(n) | Item::Text { n, .. } => *n as u128,
            };
        }
        Some(total)
    }

    /// A lower bound on (and, with no key item above, exactly) the
    /// cheapest `n` entries of a map with finished keys `keys`, given the
    /// item above it (`above`): the top-level map's first key, if no key of
    /// it is written yet and nothing of that key is above, may come from a
    /// language of its own.
    fn entries_lower_bound(&self, n: u64, keys: &[Vec<u8>], root: bool, above: Option<&Item>) -> Option<u128> {
        let first_pending =
            root && keys.is_empty() && !matches!(above, Some(Item::KeyHeader { .. } | Item::KeyBody { .. }));
        if first_pending {
            return Some(self.keys.cheapest_root_keys_size(self.profile, n)? + n as u128);
        }
        self.entries_min(n, keys, None)
    }

    /// For the key being written at `stack[i]` (a key body, with its map's
    /// entries item below it): whether it can be finished at all, and the
    /// key length it takes from the map's remaining entries (`None`: none,
    /// for a top-level first key that can be finished outside the other
    /// keys' language).
    fn key_claim(&self, stack: &Stack, i: usize) -> Option<Option<u64>> {
        let Some(Item::KeyBody { len, bytes }) = stack.get(i) else {
            return None;
        };
        let entries = i.checked_sub(1).map(|j| &stack[j]);
        let Some(Item::Entries { keys, root, .. }) = entries else {
            return None;
        };
        let (got, more) = (bytes.len() as u64, len - bytes.len() as u64);
        let finishes = |lang: &KeyLang, more_than: u64| {
            lang.walk(bytes)
                .is_some_and(|s| lang.completions(s, got, more) > more_than)
        };
        if self.first_key(entries) {
            // Outside the other keys' language the key takes none of
            // theirs; inside it takes one.
            if self.keys.first_keys_outside().is_some_and(|l| finishes(l, 0)) {
                return Some(None);
            }
            return self
                .keys
                .first_keys_inside()
                .is_some_and(|l| finishes(l, 0))
                .then_some(Some(*len));
        }
        // Finished keys this one could still turn out to be (a top-level
        // first key outside the key language cannot be one).
        let lang = self.keys.keys();
        let clashes = keys
            .iter()
            .filter(|k| k.len() as u64 == *len && k.starts_with(bytes))
            .filter(|k| !*root || lang.check(k).is_ok())
            .count() as u64;
        finishes(lang, clashes).then_some(Some(*len))
    }

    /// The exact smallest number of bytes `stack` still needs when every
    /// header is complete, and whether there is no upper bound (some value
    /// is still free). `None` if it cannot be finished.
    fn exact_min(&self, stack: &Stack) -> Option<(u128, bool)> {
        let mut total: u128 = 0;
        let mut unbounded = false;
        for (i, item) in stack.iter().enumerate() {
            total += match item {
                Item::Value => {
                    unbounded = true;
                    1
                }
                Item::Elements(n) => {
                    unbounded |= *n > 0;
                    *n as u128
                }
                Item::Entries { n, keys, root } => {
                    unbounded |= *n > 0;
                    // A key being written (just above) claims one key of its
                    // length from the remaining entries, unless it is a
                    // top-level first key outside their language.
                    match stack.get(i + 1) {
                        Some(Item::KeyBody { .. }) => {
                            let claimed = self.key_claim(stack, i + 1)?;
                            self.entries_min(*n, keys, claimed)?
                        }
                        above => self.entries_lower_bound(*n, keys, *root, above)?,
                    }
                }
                Item::KeyBody { len, bytes } => {
                    self.key_claim(stack, i)?;
                    unbounded = true;
                    (len - bytes.len() as u64) as u128 + 1
                }
                Item::IntPayload { format, got, acc } => {
                    if !self.profile.int_payload_possible(*format, *got, *acc) {
                        return None;
                    }
                    (format.payload_bytes() - got) as u128
                }
                Item::Raw(n) => *n as u128,
                Item::Text { n, utf8 } => {
                    if utf8.pending() as u64 > *n {
                        return None;
                    }
                    *n as u128
                }
                // `reaches` generates every header to completion before it
                // asks, and the root map is always written by then.
                Item::RootMap | Item::Header { .. } | Item::KeyHeader { .. } => return None,
            };
        }
        Some((total, unbounded))
    }

    /// Every byte up to `max_byte` the top item may emit next, with the
    /// resulting stack, generated lazily in increasing byte order.
    fn children<'s>(&'s self, stack: &'s Stack, max_byte: u8) -> impl Iterator<Item = (u8, Stack)> + 's {
        (0..=max_byte).filter_map(move |b| self.child(stack, b).map(|s| (b, s)))
    }

    /// The stack after the top item emits byte `b`, or `None` if it cannot.
    fn child(&self, stack: &Stack, b: u8) -> Option<Stack> {
        let top = stack.last()?;
        let below = &stack[..stack.len() - 1];
        let with = |items: Vec<Item>| -> Stack {
            let mut s = Vec::with_capacity(below.len() + items.len());
            s.extend_from_slice(below);
            s.extend(items);
            s
        };
        match top {
            Item::RootMap => self.map_marker(b).map(|items| self.finish(with(items))),
            Item::Value => self.value_marker(b).map(|items| self.finish(with(items))),
            Item::Elements(n) => {
                // Start the next element: a value, then n-1 more.
                self.child(&with(vec![Item::Elements(n - 1), Item::Value]), b)
            }
            Item::Entries { n: 0, .. } => None,
            Item::Entries { n, keys, root } => {
                let lang = self.key_lang(Some(top));
                let entries = with(vec![Item::Entries {
                    n: n - 1,
                    keys: keys.clone(),
                    root: *root,
                }]);
                match Marker::of(b) {
                    Marker::Header {
                        kind: Kind::Str,
                        width: Width::Fix,
                        fixed,
                    } => {
                        let len = fixed as u64;
                        let written = self.profile.allows(Place::Nested, Kind::Str, Width::Fix, len);
                        if !written || lang.keys_of_len(len) == 0 {
                            return None;
                        }
                        self.start_key(entries, len)
                    }
                    Marker::Header {
                        kind: Kind::Str, width, ..
                    } => {
                        self.header_range(Place::Nested, Kind::Str, width, 0, 0, Some(lang))?;
                        let mut s = entries;
                        s.push(Item::KeyHeader { width, got: 0, acc: 0 });
                        Some(s)
                    }
                    _ => None,
                }
            }
            Item::KeyHeader { width, got, acc } => {
                let lang = self.key_lang(below.last());
                let (got, acc) = (got + 1, push_be_byte(*acc, b));
                if got == width.length_bytes() {
                    let written = self.profile.allows(Place::Nested, Kind::Str, *width, acc);
                    if !written || lang.keys_of_len(acc) == 0 {
                        return None;
                    }
                    self.start_key(below.to_vec(), acc)
                } else {
                    self.header_range(Place::Nested, Kind::Str, *width, got, acc, Some(lang))?;
                    Some(with(vec![Item::KeyHeader {
                        width: *width,
                        got,
                        acc,
                    }]))
                }
            }
            Item::KeyBody { len, bytes } => {
                // A byte some key of this length continues with.
                let lang = self.key_lang(below.last());
                let mut key = bytes.clone();
                key.push(b);
                let got = key.len() as u64;
                let state = lang.walk(&key)?;
                if lang.completions(state, got, len - got) == 0 {
                    return None;
                }
                if got == *len {
                    self.key_whole(below.to_vec(), key)
                } else {
                    Some(with(vec![Item::KeyBody { len: *len, bytes: key }]))
                }
            }
            Item::Header {
                place,
                kind,
                width,
                got,
                acc,
            } => {
                let (got, acc) = (got + 1, push_be_byte(*acc, b));
                if got == width.length_bytes() {
                    self.profile
                        .allows(*place, *kind, *width, acc)
                        .then(|| self.finish(with(self.body(*place, *kind, acc))))
                } else {
                    self.header_range(*place, *kind, *width, got, acc, None)?;
                    Some(with(vec![Item::Header {
                        place: *place,
                        kind: *kind,
                        width: *width,
                        got,
                        acc,
                    }]))
                }
            }
            Item::IntPayload { format, got, acc } => {
                let (got, acc) = (got + 1, push_be_byte(*acc, b));
                if !self.profile.int_payload_possible(*format, got, acc) {
                    None
                } else if got == format.payload_bytes() {
                    Some(self.finish(below.to_vec()))
                } else {
                    Some(with(vec![Item::IntPayload {
                        format: *format,
                        got,
                        acc,
                    }]))
                }
            }
            Item::Raw(n) => Some(self.finish(with(if *n > 1 { vec![Item::Raw(n - 1)] } else { vec![] }))),
            Item::Text { n, utf8 } => {
                let mut u = *utf8;
                if !u.feed(b) || u.pending() as u64 > n - 1 {
                    return None;
                }
                Some(self.finish(with(if *n > 1 {
                    vec![Item::Text { n: n - 1, utf8: u }]
                } else {
                    vec![]
                })))
            }
        }
    }

    /// `s`, whose top is a map's entries item, after a key header that
    /// announces `len` bytes: the key's body to write, or, for the empty
    /// key, the key already whole.
    fn start_key(&self, mut s: Stack, len: u64) -> Option<Stack> {
        if len == 0 {
            return self.key_whole(s, Vec::new());
        }
        s.push(Item::KeyBody { len, bytes: Vec::new() });
        Some(s)
    }

    /// `s`, whose top is a map's entries item, once `key` is whole: the key
    /// must differ from the map's other keys (kept by the entries item),
    /// and its value comes next.
    fn key_whole(&self, mut s: Stack, key: Vec<u8>) -> Option<Stack> {
        let Some(Item::Entries { keys, .. }) = s.last_mut() else {
            return None;
        };
        if keys.contains(&key) {
            return None;
        }
        keys.push(key);
        s.push(Item::Value);
        Some(s)
    }

    /// Items for a container or string body of `n` at `place` (nothing if
    /// empty).
    fn body(&self, place: Place, kind: Kind, n: u64) -> Vec<Item> {
        match (kind, n) {
            (Kind::Str | Kind::Bin | Kind::Array | Kind::Map, 0) => vec![],
            (Kind::Str, n) if self.profile.raw_str_values() => vec![Item::Raw(n)],
            (Kind::Str, n) => vec![Item::Text {
                n,
                utf8: Utf8State::default(),
            }],
            (Kind::Bin, n) => vec![Item::Raw(n)],
            (Kind::Ext, n) => vec![Item::Raw(n + 1)],
            (Kind::Array, n) => vec![Item::Elements(n)],
            (Kind::Map, n) => vec![Item::Entries {
                n,
                keys: Vec::new(),
                root: place == Place::Root,
            }],
        }
    }

    /// Drop containers that a just-finished value completed.
    fn finish(&self, mut s: Stack) -> Stack {
        while matches!(s.last(), Some(Item::Elements(0)) | Some(Item::Entries { n: 0, .. })) {
            s.pop();
        }
        s
    }

    /// Items that follow a top-level map marker, if the profile writes it.
    fn map_marker(&self, b: u8) -> Option<Vec<Item>> {
        match Marker::of(b) {
            Marker::Header { kind: Kind::Map, .. } => self.marker_items(Place::Root, b),
            _ => None,
        }
    }

    /// Items that follow a value marker, if the profile writes it.
    fn value_marker(&self, b: u8) -> Option<Vec<Item>> {
        self.marker_items(Place::Nested, b)
    }

    /// Items that follow marker `b` at `place`, if the profile writes it.
    fn marker_items(&self, place: Place, b: u8) -> Option<Vec<Item>> {
        match Marker::of(b) {
            Marker::Nil | Marker::True | Marker::False => Some(vec![]),
            Marker::FixInt(format, v) => self.profile.allows_int(format, v as i128).then(Vec::new),
            Marker::Int(format) => Some(vec![Item::IntPayload { format, got: 0, acc: 0 }]),
            Marker::Float { payload } => Some(vec![Item::Raw(payload as u64)]),
            Marker::Header {
                kind,
                width: Width::Fix,
                fixed,
            } => self
                .profile
                .allows(place, kind, Width::Fix, fixed as u64)
                .then(|| self.body(place, kind, fixed as u64)),
            Marker::Header { kind, width, .. } => {
                if !self.profile.writes(place, kind, width) {
                    return None;
                }
                Some(vec![Item::Header {
                    place,
                    kind,
                    width,
                    got: 0,
                    acc: 0,
                }])
            }
            Marker::Reserved => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lengths below 2^31 = 0x8000_0000: any low byte, a top byte of at
    /// most 0x7f.
    #[test]
    fn only_the_top_byte_is_capped() {
        assert_eq!([0, 1, 2, 3].map(max_byte_at), [255, 255, 255, 127]);
    }

    /// Worked by hand: the smallest number of at least `at_least` that
    /// ends in the given low bytes.
    #[test]
    fn smallest_length_with_given_low_bytes() {
        // Low byte 0x34, at least 0x1000: 0x1034.
        assert_eq!(smallest_with_low_bytes(0x34, 0, 0x1000), 0x1034);
        // Already enough.
        assert_eq!(smallest_with_low_bytes(0x1234, 1, 0x1234), 0x1234);
        // One more than 0x1234 with low bytes 0x1234: the next 0x1_0000.
        assert_eq!(smallest_with_low_bytes(0x1234, 1, 0x1235), 0x1_1234);
        // Three low bytes fixed, at least 0x0500_0000: 0x0512_3456.
        assert_eq!(smallest_with_low_bytes(0x12_3456, 2, 0x0500_0000), 0x0512_3456);
        // All four bytes fixed: the next is 2^32 on.
        assert_eq!(smallest_with_low_bytes(0x7f00_0001, 3, 0x7f00_0002), 0x1_7f00_0001);
    }

    /// The stack the walk generates for `bytes`, from the empty document.
    fn stack_after(walk: &Walk, bytes: &[u8]) -> Stack {
        let mut stack = vec![Item::RootMap];
        for &b in bytes {
            stack = walk
                .child(&stack, b)
                .unwrap_or_else(|| panic!("the walk cannot emit {b:#04x}"));
        }
        stack
    }

    /// `reaches` counts the bytes of a rigid remainder exactly. At byte 4
    /// of a length prefix the remainder is never rigid for the report's
    /// key rules (a value is always still free), so this sets one up by
    /// hand: the empty key, then a str16 value whose header has 0 of its
    /// 2 length bytes. The document is then `81 a0 da` + 2 length bytes +
    /// n bytes, n from 0 to 65535 (any-width writes str16 for any n): 5
    /// to 65,540 bytes in all, and nothing else.
    #[test]
    fn a_rigid_remainder_reaches_exactly_its_lengths() {
        let keys = KeySpec::from_patterns("a?", None, u32::MAX as u64).unwrap();
        let walk = Walk {
            profile: Profile::AnyWidth,
            keys: &keys,
        };
        let stack = stack_after(&walk, &[0x81, 0xa0, 0xda]);
        for (len, expect) in [(4, false), (5, true), (6, true), (65_540, true), (65_541, false)] {
            assert_eq!(walk.reaches(&stack, 3, len), expect, "{len} bytes after 81 a0 da");
        }
        // One length byte in: 81 a0 da 01 + 1 more + 256 to 511 bytes.
        let stack = stack_after(&walk, &[0x81, 0xa0, 0xda, 0x01]);
        for (len, expect) in [(260, false), (261, true), (516, true), (517, false)] {
            assert_eq!(walk.reaches(&stack, 4, len), expect, "{len} bytes after 81 a0 da 01");
        }
    }
}
