//! Whole-blob conformance: does a byte string encode exactly one conforming
//! document under a profile and key specification? And, for a blob of
//! unknown origin, which profiles does it conform to ([`conform_all`])?
//!
//! This is a plain recursive-descent reader, written separately from the
//! oracle's incremental parser on purpose: witnesses, property tests and
//! fuzz targets check the oracle against it, so the two must not share a
//! grammar implementation. For the same reason it keeps its own
//! hand-written marker table (the `match` in `Reader::value`) instead of
//! the format layer's [`crate::msgpack::Marker`]: a mistake in that table
//! would otherwise be repeated by the judge. It shares only the profile's
//! rules and the key specification, which are what it judges against (and
//! the marker names, for messages). It reports the first header, key or
//! byte that breaks the rules, with its offset, in plain words.

use std::fmt;

use crate::msgpack::keys::KeyError;
use crate::msgpack::marker::{header_marker, MarkerName};
use crate::msgpack::profile::Place;
use crate::msgpack::{IntFormat, KeySpec, Kind, Profile, ProfileSet, Width, MAX_DEPTH};
use crate::proof::distinct::first_repeat;

/// The first rule a blob breaks, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("byte {offset}: {broken}")]
pub struct Violation {
    pub offset: usize,
    pub broken: Broken,
}

/// A rule a blob breaks, said the way a msgpack user would say it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Broken {
    /// The top-level value is not a map.
    NotAMap {
        marker: u8,
    },
    /// A map key is not a str.
    KeyNotStr {
        marker: u8,
    },
    /// 0xc1, which the format never uses.
    Reserved,
    /// A header this profile does not write for this length or count.
    Header {
        profile: Profile,
        place: Place,
        kind: Kind,
        n: u64,
        marker: u8,
    },
    /// An integer encoding this profile does not use for this value.
    Int {
        profile: Profile,
        value: i128,
        marker: u8,
    },
    /// A key outside the key specification.
    Key {
        key: String,
        error: KeyError,
    },
    DuplicateKey(String),
    /// A str value that is not UTF-8 under a profile whose strs are.
    NotUtf8 {
        profile: Profile,
    },
    /// The blob ends inside a value.
    Truncated {
        what: &'static str,
        need: u64,
        left: u64,
    },
    /// A map or array count larger than the bytes left could hold.
    CountTooLarge {
        kind: Kind,
        n: u64,
        left: u64,
    },
    /// Bytes after the document.
    Trailing(usize),
    TooDeep,
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Broken::NotAMap { marker } => write!(f, "the top level is {}, not a map", MarkerName(*marker)),
            Broken::KeyNotStr { marker } => write!(f, "a map key is {}, not a str", MarkerName(*marker)),
            Broken::Reserved => f.write_str("0xc1 is reserved by the format and never written"),
            Broken::Header {
                profile,
                place,
                kind,
                n,
                marker,
            } => {
                let what = match place {
                    Place::Root => "the top-level map",
                    Place::Nested => match kind {
                        Kind::Array => "an array",
                        Kind::Ext => "an ext value",
                        Kind::Map => "a map",
                        Kind::Str => "a str",
                        Kind::Bin => "a bin value",
                    },
                };
                let unit = match (kind, *n == 1) {
                    (Kind::Map, true) => "entry",
                    (Kind::Map, false) => "entries",
                    (Kind::Array, true) => "element",
                    (Kind::Array, false) => "elements",
                    (Kind::Str | Kind::Bin, true) => "byte",
                    (Kind::Str | Kind::Bin, false) => "bytes",
                    (Kind::Ext, true) => "data byte",
                    (Kind::Ext, false) => "data bytes",
                };
                write!(
                    f,
                    "{what} of {n} {unit} is written as {}; {profile} ",
                    MarkerName(*marker)
                )?;
                match profile
                    .narrowest_width(*place, *kind, *n)
                    .and_then(|w| header_marker(*kind, w, *n))
                {
                    Some(m) => write!(f, "writes {}", MarkerName(m)),
                    None if !Width::ALL.iter().any(|w| profile.writes(*place, *kind, *w)) => {
                        write!(f, "never writes a {}", kind.name())
                    }
                    None => write!(f, "never writes a {} of {n} {unit}", kind.name()),
                }
            }
            Broken::Int { profile, value, marker } => {
                write!(
                    f,
                    "{value} is written as {}; {profile} writes it as ",
                    MarkerName(*marker)
                )?;
                match profile.int_formats_for(*value).next() {
                    Some(format) => write!(f, "{}", MarkerName(format.marker(*value))),
                    None => f.write_str("nothing"),
                }
            }
            Broken::Key { key, error } => write!(f, "key {key:?}: {error}"),
            Broken::DuplicateKey(key) => write!(f, "duplicate key {key:?}"),
            Broken::NotUtf8 { profile } => {
                write!(
                    f,
                    "a str value is not valid UTF-8, and {profile} writes only UTF-8 strs"
                )
            }
            Broken::Truncated { what, need, left } => {
                write!(f, "truncated: {what} needs {need} bytes, {left} left")
            }
            Broken::CountTooLarge { kind, n, left } => {
                write!(
                    f,
                    "truncated: a {} of {n} cannot fit in the {left} bytes left",
                    kind.name()
                )
            }
            Broken::Trailing(n) => write!(f, "{n} trailing bytes after the document"),
            Broken::TooDeep => write!(f, "nesting deeper than {MAX_DEPTH}"),
        }
    }
}

/// Check that `blob` is exactly one document conforming to `profile` and
/// `keys`: a top-level map, str keys allowed by the key specification with
/// no duplicates in any map, str values in UTF-8 (unless the profile's strs
/// may hold any bytes), only the headers and integer encodings the profile
/// writes, and no trailing bytes.
pub fn check(profile: Profile, keys: &KeySpec, blob: &[u8]) -> Result<(), Violation> {
    read(ProfileSet::of(profile), keys, blob).map(|_| ())
}

/// The profiles `blob` conforms to, in one pass: the reader starts with
/// every profile as a candidate and drops each at the first rule it breaks.
/// The same as keeping the profiles [`check`] accepts, at the cost of one
/// check instead of eleven.
pub fn conforming_profiles(keys: &KeySpec, blob: &[u8]) -> ProfileSet {
    read(ProfileSet::ALL, keys, blob).unwrap_or_default()
}

/// Read `blob` with `candidates` as the profiles it may conform to: the
/// ones left at the end, or the first rule that the last of them breaks.
fn read(candidates: ProfileSet, keys: &KeySpec, blob: &[u8]) -> Result<ProfileSet, Violation> {
    let mut r = Reader {
        blob,
        at: 0,
        candidates,
        keys,
    };
    let marker = *blob
        .first()
        .ok_or_else(|| r.broken(0, truncated("top-level map marker", 1, 0)))?;
    if !matches!(marker, 0x80..=0x8f | 0xde | 0xdf) {
        return Err(r.broken(0, Broken::NotAMap { marker }));
    }
    r.value(0)?;
    if r.at != blob.len() {
        return Err(r.broken(r.at, Broken::Trailing(blob.len() - r.at)));
    }
    Ok(r.candidates)
}

/// Whether a blob conforms to each profile: for every profile in
/// [`Profile::ALL`] order, `Ok` or the first rule it breaks.
pub fn conform_all(keys: &KeySpec, blob: &[u8]) -> Vec<(Profile, Result<(), Violation>)> {
    Profile::ALL.into_iter().map(|p| (p, check(p, keys, blob))).collect()
}

fn truncated(what: &'static str, need: u64, left: u64) -> Broken {
    Broken::Truncated { what, need, left }
}

/// The keys of one map read so far, to find a duplicate. Most maps are
/// small: their keys are compared one by one as they come, without hashing
/// or a heap allocation. A large map's keys are collected and searched for
/// a repeat once, when the map ends or reading stops inside it.
// One per open map, on the stack: the small variant's inline keys are the
// point (no heap allocation for a small map).
#[allow(clippy::large_enum_variant)]
enum SeenKeys<'a> {
    Few(smallvec::SmallVec<[&'a [u8]; SeenKeys::FEW]>),
    Many { keys: Vec<&'a [u8]>, offsets: Vec<usize> },
}

impl<'a> SeenKeys<'a> {
    const FEW: usize = 16;

    fn with_capacity(n: usize) -> Self {
        if n <= Self::FEW {
            SeenKeys::Few(smallvec::SmallVec::new())
        } else {
            // `n` is bounded by the blob's size, but a header can still
            // promise far more than the keys actually read: grow as they come.
            let n = n.min(1 << 16);
            SeenKeys::Many {
                keys: Vec::with_capacity(n),
                offsets: Vec::with_capacity(n),
            }
        }
    }

    /// Add `key`, whose header is at `offset`; false if a small map already
    /// has it (a large map's repeats are found by [`SeenKeys::repeat`]).
    fn insert(&mut self, key: &'a [u8], offset: usize) -> bool {
        match self {
            SeenKeys::Few(keys) if keys.contains(&key) => false,
            SeenKeys::Few(keys) => {
                keys.push(key);
                true
            }
            SeenKeys::Many { keys, offsets } => {
                keys.push(key);
                offsets.push(offset);
                true
            }
        }
    }

    /// A large map's first key equal to an earlier one, and its offset.
    fn repeat(&self) -> Option<(usize, &'a [u8])> {
        match self {
            SeenKeys::Few(_) => None,
            SeenKeys::Many { keys, offsets } => first_repeat(keys).map(|i| (offsets[i], keys[i])),
        }
    }
}

struct Reader<'a> {
    blob: &'a [u8],
    at: usize,
    /// The profiles whose rules the blob has followed so far (never empty).
    candidates: ProfileSet,
    keys: &'a KeySpec,
}

impl<'a> Reader<'a> {
    /// Keep the candidates in `ok`; when none is left, the blob breaks the
    /// rule `broken` names for the first of them.
    fn keep(&mut self, at: usize, ok: ProfileSet, broken: impl FnOnce(Profile) -> Broken) -> Result<(), Violation> {
        let kept = self.candidates.intersect(ok);
        if kept.is_empty() {
            let first = self.candidates.iter().next().expect("candidates are never empty");
            return Err(self.broken(at, broken(first)));
        }
        self.candidates = kept;
        Ok(())
    }

    fn broken(&self, offset: usize, broken: Broken) -> Violation {
        Violation { offset, broken }
    }

    fn take(&mut self, n: u64, what: &'static str) -> Result<&'a [u8], Violation> {
        let left = (self.blob.len() - self.at) as u64;
        if n > left {
            return Err(self.broken(self.at, truncated(what, n, left)));
        }
        let s = &self.blob[self.at..self.at + n as usize];
        self.at += n as usize;
        Ok(s)
    }

    fn byte(&mut self, what: &'static str) -> Result<u8, Violation> {
        Ok(self.take(1, what)?[0])
    }

    fn be(&mut self, n: u8, what: &'static str) -> Result<u64, Violation> {
        Ok(self
            .take(n as u64, what)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | *b as u64))
    }

    /// Read the length bytes of a non-fix header and check the profile.
    fn length(&mut self, place: Place, kind: Kind, width: Width, fix: u64, at: usize) -> Result<u64, Violation> {
        let n = if width == Width::Fix {
            fix
        } else {
            self.be(width.length_bytes(), "header length")?
        };
        let marker = self.blob[at];
        self.keep(at, ProfileSet::allowing(place, kind, width, n), |profile| {
            Broken::Header {
                profile,
                place,
                kind,
                n,
                marker,
            }
        })?;
        Ok(n)
    }

    fn value(&mut self, depth: usize) -> Result<(), Violation> {
        if depth > MAX_DEPTH {
            return Err(self.broken(self.at, Broken::TooDeep));
        }
        let place = if depth == 0 { Place::Root } else { Place::Nested };
        let at = self.at;
        let m = self.byte("value marker")?;
        let (kind, width, fix) = match m {
            0x00..=0x7f => return self.int(IntFormat::PosFixint, m as i128, at),
            0xe0..=0xff => return self.int(IntFormat::NegFixint, m as i8 as i128, at),
            0xc0 | 0xc2 | 0xc3 => return Ok(()),
            0xc1 => return Err(self.broken(at, Broken::Reserved)),
            0xca => return self.take(4, "float32").map(drop),
            0xcb => return self.take(8, "float64").map(drop),
            0xcc..=0xd3 => {
                let format = IntFormat::SIZED[(m - 0xcc) as usize];
                let n = format.payload_bytes();
                let raw = self.be(n, "integer payload")?;
                let v = if format.is_signed() && raw >> (8 * n as u32 - 1) == 1 {
                    raw as i128 - (1i128 << (8 * n as u32))
                } else {
                    raw as i128
                };
                return self.int(format, v, at);
            }
            0xa0..=0xbf => (Kind::Str, Width::Fix, (m & 0x1f) as u64),
            0xd9 => (Kind::Str, Width::W8, 0),
            0xda => (Kind::Str, Width::W16, 0),
            0xdb => (Kind::Str, Width::W32, 0),
            0xc4 => (Kind::Bin, Width::W8, 0),
            0xc5 => (Kind::Bin, Width::W16, 0),
            0xc6 => (Kind::Bin, Width::W32, 0),
            0x90..=0x9f => (Kind::Array, Width::Fix, (m & 0x0f) as u64),
            0xdc => (Kind::Array, Width::W16, 0),
            0xdd => (Kind::Array, Width::W32, 0),
            0x80..=0x8f => (Kind::Map, Width::Fix, (m & 0x0f) as u64),
            0xde => (Kind::Map, Width::W16, 0),
            0xdf => (Kind::Map, Width::W32, 0),
            // fixext 1, 2, 4, 8, 16: the data size is in the marker.
            0xd4 => (Kind::Ext, Width::Fix, 1),
            0xd5 => (Kind::Ext, Width::Fix, 2),
            0xd6 => (Kind::Ext, Width::Fix, 4),
            0xd7 => (Kind::Ext, Width::Fix, 8),
            0xd8 => (Kind::Ext, Width::Fix, 16),
            0xc7 => (Kind::Ext, Width::W8, 0),
            0xc8 => (Kind::Ext, Width::W16, 0),
            0xc9 => (Kind::Ext, Width::W32, 0),
        };
        let n = self.length(place, kind, width, fix, at)?;
        match kind {
            Kind::Str => {
                let body_at = self.at;
                let body = self.take(n, "str body")?;
                if self.candidates.iter().any(|p| !p.raw_str_values()) {
                    if let Err(e) = std::str::from_utf8(body) {
                        let at = body_at + e.valid_up_to();
                        let raw = ProfileSet::ALL.filter(|p| p.raw_str_values());
                        self.keep(at, raw, |profile| Broken::NotUtf8 { profile })?;
                    }
                }
            }
            Kind::Bin => {
                self.take(n, "bin body")?;
            }
            Kind::Ext => {
                self.take(n + 1, "ext type and data")?;
            }
            Kind::Array => {
                // Each element takes at least one byte: refuse impossible
                // counts before looping over them.
                let left = (self.blob.len() - self.at) as u64;
                if n > left {
                    return Err(self.broken(at, Broken::CountTooLarge { kind, n, left }));
                }
                for _ in 0..n {
                    self.value(depth + 1)?;
                }
            }
            Kind::Map => {
                // Each entry takes at least two bytes: refuse impossible counts
                // before allocating anything for them.
                let left = (self.blob.len() - self.at) as u64;
                if n > left / 2 {
                    return Err(self.broken(at, Broken::CountTooLarge { kind, n, left }));
                }
                let mut seen = SeenKeys::with_capacity(n as usize);
                let duplicate = |at: usize, key: &[u8]| Violation {
                    offset: at,
                    broken: Broken::DuplicateKey(String::from_utf8_lossy(key).into_owned()),
                };
                for i in 0..n {
                    let key_at = self.at;
                    // The top-level map's first key may have a language of
                    // its own.
                    let entry = match self.key(depth == 0 && i == 0) {
                        Ok(key) if seen.insert(key, key_at) => self.value(depth + 1),
                        Ok(key) => Err(duplicate(key_at, key)),
                        Err(violation) => Err(violation),
                    };
                    // A repeat found late is still the first thing wrong:
                    // every key collected so far comes before this entry.
                    if let Err(violation) = entry {
                        return Err(seen.repeat().map_or(violation, |(at, key)| duplicate(at, key)));
                    }
                }
                if let Some((at, key)) = seen.repeat() {
                    return Err(duplicate(at, key));
                }
            }
        }
        Ok(())
    }

    fn key(&mut self, first: bool) -> Result<&'a [u8], Violation> {
        let at = self.at;
        let m = self.byte("key marker")?;
        let (width, fix) = match m {
            0xa0..=0xbf => (Width::Fix, (m & 0x1f) as u64),
            0xd9 => (Width::W8, 0),
            0xda => (Width::W16, 0),
            0xdb => (Width::W32, 0),
            _ => return Err(self.broken(at, Broken::KeyNotStr { marker: m })),
        };
        let n = self.length(Place::Nested, Kind::Str, width, fix, at)?;
        let body_at = self.at;
        let key = self.take(n, "key body")?;
        let allowed = if first {
            self.keys.check_first(key)
        } else {
            self.keys.check(key)
        };
        if let Err(error) = allowed {
            let key = String::from_utf8_lossy(key).into_owned();
            return Err(self.broken(body_at, Broken::Key { key, error }));
        }
        Ok(key)
    }

    fn int(&mut self, format: IntFormat, value: i128, at: usize) -> Result<(), Violation> {
        let marker = self.blob[at];
        self.keep(at, ProfileSet::allowing_int(format, value), |profile| Broken::Int {
            profile,
            value,
            marker,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgpack::{FirstChar, Kmax};

    fn spec() -> KeySpec {
        KeySpec::new(FirstChar::Alnum, Kmax::Bounded(31))
    }

    #[test]
    fn accepts_and_rejects() {
        let ok = [0x82, 0xa1, b'a', 0x01, 0xa1, b'b', 0xc0];
        assert_eq!(check(Profile::Canonical, &spec(), &ok), Ok(()));
        let dup = [0x82, 0xa1, b'a', 0x01, 0xa1, b'a', 0xc0];
        assert_eq!(check(Profile::Canonical, &spec(), &dup).unwrap_err().offset, 4);
        let bad_key = [0x81, 0xa1, b'-', 0x01];
        assert_eq!(check(Profile::Canonical, &spec(), &bad_key).unwrap_err().offset, 2);
        let wide = [0xde, 0x00, 0x01, 0xa1, b'a', 0x01];
        assert!(check(Profile::Canonical, &spec(), &wide).is_err());
        assert_eq!(check(Profile::Map16Header, &spec(), &wide), Ok(()));
        assert!(check(Profile::Map16Header, &spec(), &ok).is_err());
        let u8_small = [0x81, 0xa1, b'a', 0xcc, 0x05];
        assert!(check(Profile::Canonical, &spec(), &u8_small).is_err());
        assert_eq!(check(Profile::AnyWidth, &spec(), &u8_small), Ok(()));
        let trailing = [0x80, 0x00];
        assert_eq!(check(Profile::Canonical, &spec(), &trailing).unwrap_err().offset, 1);
        let huge = [0xdf, 0xff, 0xff, 0xff, 0xff];
        assert!(check(Profile::AnyWidth, &spec(), &huge).is_err());
        assert!(check(Profile::Canonical, &spec(), &[0x91, 0x01]).is_err());
    }

    /// A map of more keys than are compared one by one: its repeats are
    /// found when it ends, or when something later in it is wrong, and are
    /// still reported first, at the repeated key's header.
    #[test]
    fn repeats_in_large_maps() {
        // {"k00": nil, ..., "k19": nil} with key `repeat` replaced by "k01",
        // and optionally a reserved byte as the value of key `bad`.
        let map = |repeat: Option<usize>, bad: Option<usize>| {
            let mut blob = vec![0xde, 0x00, 20];
            let mut offsets = Vec::new();
            for i in 0..20 {
                offsets.push(blob.len());
                let i = if Some(i) == repeat { 1 } else { i };
                blob.push(0xa3);
                blob.extend_from_slice(format!("k{i:02}").as_bytes());
                blob.push(if Some(i) == bad { 0xc1 } else { 0xc0 });
            }
            (blob, offsets)
        };
        let profile = Profile::Map16Header;
        let (fine, _) = map(None, None);
        assert_eq!(check(profile, &spec(), &fine), Ok(()));
        for at in [2, 7, 19] {
            let (blob, offsets) = map(Some(at), None);
            let v = check(profile, &spec(), &blob).unwrap_err();
            assert_eq!(v.offset, offsets[at], "repeat at entry {at}");
            assert_eq!(v.broken, Broken::DuplicateKey("k01".into()));
        }
        // The reserved byte comes after the repeat: the repeat is reported.
        let (blob, offsets) = map(Some(7), Some(12));
        assert_eq!(check(profile, &spec(), &blob).unwrap_err().offset, offsets[7]);
        // Before it: the reserved byte is.
        let (blob, offsets) = map(Some(7), Some(4));
        assert_eq!(check(profile, &spec(), &blob).unwrap_err().offset, offsets[4] + 4);
    }

    /// Hand-written from the msgpack spec and the observations of
    /// real encoders.
    #[test]
    fn ext_raw_strs_and_places() {
        let keys = spec();
        // {"a": timestamp 32}, as msgpackr, @msgpack/msgpack and Python write
        // it, under each profile's own top-level map header.
        for p in Profile::ALL {
            let mut ts32 = Vec::new();
            let width = p.narrowest_width(Place::Root, Kind::Map, 1).unwrap();
            assert!(crate::msgpack::write::write_header(&mut ts32, Kind::Map, width, 1));
            ts32.extend([0xa1, b'a', 0xd6, 0xff, 0, 0, 0, 0]);
            assert_eq!(check(p, &keys, &ts32), Ok(()), "{p}");
        }
        // A 4-byte ext written with ext8 is not canonical (fixext 4 is).
        let ext8_4 = [0x81, 0xa1, b'a', 0xc7, 4, 0xff, 0, 0, 0, 0];
        let v = check(Profile::Canonical, &keys, &ext8_4).unwrap_err();
        assert_eq!(v.offset, 3);
        assert_eq!(
            v.to_string(),
            "byte 3: an ext value of 4 data bytes is written as ext8 (0xc7); canonical writes fixext4 (0xd6)"
        );
        assert_eq!(check(Profile::AnyWidth, &keys, &ext8_4), Ok(()));
        // msgpack 0.5.6: {'a': b'\xff'} is 81 a1 61 a1 ff, a raw str.
        let raw = [0x81, 0xa1, b'a', 0xa1, 0xff];
        assert_eq!(check(Profile::Legacy, &keys, &raw), Ok(()));
        assert_eq!(check(Profile::MsgpackPythonLegacy, &keys, &raw), Ok(()));
        assert_eq!(
            check(Profile::Canonical, &keys, &raw).unwrap_err().to_string(),
            "byte 4: a str value is not valid UTF-8, and canonical writes only UTF-8 strs"
        );
        // msgpackr: pack({a: new Map([['b', 1]])}): map16 outside, fixmap inside.
        let mixed = [0xde, 0x00, 0x01, 0xa1, b'a', 0x81, 0xa1, b'b', 0x01];
        let fits: Vec<Profile> = conform_all(&keys, &mixed)
            .into_iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(p, _)| p)
            .collect();
        assert_eq!(fits, [Profile::AnyWidth]);
        assert_eq!(
            check(Profile::Msgpackr, &keys, &mixed).unwrap_err().to_string(),
            "byte 5: a map of 1 entry is written as fixmap(1); msgpackr writes map16 (0xde)"
        );
        // Fluent Bit: map32 at the top, smallest inside.
        let fluent = [0xdf, 0, 0, 0, 1, 0xa1, b'a', 0x81, 0xa1, b'b', 0x01];
        assert_eq!(check(Profile::FluentBit, &keys, &fluent), Ok(()));
        assert_eq!(
            check(Profile::Canonical, &keys, &fluent).unwrap_err().to_string(),
            "byte 0: the top-level map of 1 entry is written as map32 (0xdf); canonical writes fixmap(1)"
        );
        // msgpack-lite's bin16 for 255 bytes.
        let mut lite = vec![0x81, 0xa1, b'a', 0xc5, 0x00, 0xff];
        lite.extend([0u8; 255]);
        assert_eq!(check(Profile::MsgpackLite, &keys, &lite), Ok(()));
        assert!(check(Profile::Canonical, &keys, &lite).is_err());
        // msgpackr's BigInt 5n as int64.
        let big = [0x81, 0xa1, b'a', 0xd3, 0, 0, 0, 0, 0, 0, 0, 5];
        assert_eq!(check(Profile::MsgpackrVariableMapSize, &keys, &big), Ok(()));
        let mut big16 = vec![0xde, 0, 1];
        big16.extend(&big[1..]);
        assert_eq!(check(Profile::Msgpackr, &keys, &big16), Ok(()));
        assert_eq!(
            check(Profile::Canonical, &keys, &big).unwrap_err().to_string(),
            "byte 3: 5 is written as i64 (0xd3); canonical writes it as positive fixint 5"
        );
        assert_eq!(
            check(Profile::Legacy, &keys, &[0x81, 0xa1, b'a', 0xc4, 0])
                .unwrap_err()
                .to_string(),
            "byte 3: a bin value of 0 bytes is written as bin8 (0xc4); legacy never writes a bin"
        );
        assert_eq!(
            check(Profile::Canonical, &keys, &[0xc0]).unwrap_err().to_string(),
            "byte 0: the top level is nil, not a map"
        );
    }
}
