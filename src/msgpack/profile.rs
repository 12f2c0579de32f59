//! Encoder profiles: which header an encoder writes for each kind, length
//! and place, which integer encodings it uses, and whether its strs may
//! hold any bytes.
//!
//! msgpack lets one value be written with several header widths; the spec
//! says encoders SHOULD use the smallest, but real encoders differ. A
//! profile pins one encoder family's behaviour down (see `SPEC.md`): for
//! each place (the top-level map, or anywhere else), kind and width, the
//! set of lengths it writes with that header, as a few disjoint ranges.
//! Most are one range; canonical ext8 is not (fixext takes sizes 1, 2, 4,
//! 8 and 16). Five profiles are the report's; the others name the real
//! encoders they were checked against (`tests/fixtures/encoders/`).
//!
//! This module owns the rules. It does not own the marker layout
//! ([`super::marker`]) or key rules ([`super::keys`]).

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::sync::OnceLock;

use super::marker::{IntFormat, Kind, Width};

/// Where a header stands. Only maps are written differently at the top
/// level (Fluent Bit reserves a map32 header for the record it builds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Place {
    /// The top-level map's header.
    Root,
    /// Every other header.
    Nested,
}

/// One encoder family's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Profile {
    /// Smallest header everywhere.
    Canonical,
    /// Pre-2013 "raw" spec: no str8 and no bin; str values may hold any bytes.
    Legacy,
    /// Every map header is map32.
    Map32Header,
    /// Maps are map16 while the count fits, else map32.
    Map16Header,
    /// Any header wide enough, any integer format wide enough, strs of any
    /// bytes: the union of everything, and so the worst case.
    AnyWidth,
    /// Python msgpack >= 1.0 with its defaults: canonical.
    MsgpackPython,
    /// Python msgpack < 1.0 defaults, or 1.x with `use_bin_type=False`: legacy.
    MsgpackPythonLegacy,
    /// msgpackr's `pack()`: map16 for every map, never map32; BigInts as int64.
    Msgpackr,
    /// msgpackr with `variableMapSize`, or JavaScript `Map` objects:
    /// smallest headers; BigInts as int64.
    MsgpackrVariableMapSize,
    /// msgpack-lite: canonical, except that a 255-byte binary gets bin16.
    MsgpackLite,
    /// Fluent Bit: the record's top-level map is map32, nested maps smallest.
    FluentBit,
}

/// A set of profiles, one bit per [`Profile::ALL`] entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ProfileSet(u16);

impl ProfileSet {
    pub const ALL: ProfileSet = ProfileSet((1 << Profile::ALL.len()) - 1);

    pub fn of(p: Profile) -> ProfileSet {
        ProfileSet(1 << p.index())
    }

    pub fn insert(&mut self, p: Profile) {
        self.0 |= 1 << p.index();
    }

    pub fn contains(self, p: Profile) -> bool {
        self.0 & (1 << p.index()) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The members for which `keep` holds.
    pub fn filter(self, keep: impl Fn(Profile) -> bool) -> ProfileSet {
        let mut out = self;
        for p in self.iter() {
            if !keep(p) {
                out.0 &= !(1 << p.index());
            }
        }
        out
    }

    pub fn intersect(self, other: ProfileSet) -> ProfileSet {
        ProfileSet(self.0 & other.0)
    }

    /// The profiles that write a `kind` of `n` at `place` with a `width`
    /// header ([`Profile::allows`] for each). A reader that weighs every
    /// profile at once asks this for each header, so small counts and
    /// lengths, the common ones, are answered from a table built once.
    pub fn allowing(place: Place, kind: Kind, width: Width, n: u64) -> ProfileSet {
        const SMALL: u64 = 256;
        let compute = |n| ProfileSet::ALL.filter(|p| p.allows(place, kind, width, n));
        if n >= SMALL {
            return compute(n);
        }
        static TABLE: OnceLock<Vec<ProfileSet>> = OnceLock::new();
        let table = TABLE.get_or_init(|| {
            let mut t = Vec::new();
            for place in [Place::Root, Place::Nested] {
                for kind in Kind::ALL {
                    for width in Width::ALL {
                        for n in 0..SMALL {
                            t.push(ProfileSet::ALL.filter(|p| p.allows(place, kind, width, n)));
                        }
                    }
                }
            }
            t
        });
        let at = ((place as usize * Kind::ALL.len() + kind as usize) * Width::ALL.len() + width as usize)
            * SMALL as usize
            + n as usize;
        table[at]
    }

    /// The profiles that write `value` with `format` ([`Profile::allows_int`]
    /// for each); small values from a table built once.
    pub fn allowing_int(format: IntFormat, value: i128) -> ProfileSet {
        const LOW: i128 = -32;
        const HIGH: i128 = 256;
        let compute = |value| ProfileSet::ALL.filter(|p| p.allows_int(format, value));
        if !(LOW..HIGH).contains(&value) {
            return compute(value);
        }
        static TABLE: OnceLock<Vec<ProfileSet>> = OnceLock::new();
        let table = TABLE.get_or_init(|| {
            let mut t = Vec::new();
            for f in int_formats() {
                for v in LOW..HIGH {
                    t.push(ProfileSet::ALL.filter(|p| p.allows_int(f, v)));
                }
            }
            t
        });
        let f = int_formats()
            .position(|f| f == format)
            .expect("int_formats lists every format");
        table[f * (HIGH - LOW) as usize + (value - LOW) as usize]
    }

    /// The members, in [`Profile::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Profile> {
        let mut bits = self.0;
        std::iter::from_fn(move || {
            let i = bits.trailing_zeros() as usize;
            (bits != 0).then(|| {
                bits &= bits - 1;
                Profile::ALL[i]
            })
        })
    }
}

/// Every integer format: the two fixints, then those with a payload.
fn int_formats() -> impl Iterator<Item = IntFormat> {
    [IntFormat::PosFixint, IntFormat::NegFixint]
        .into_iter()
        .chain(IntFormat::SIZED)
}

/// How a profile picks the header width for one kind at one place.
#[derive(Clone, Copy, Debug)]
enum Policy {
    /// The narrowest of these widths that can carry the length.
    Smallest(&'static [Width]),
    /// Every width that can carry the length.
    AnyWide,
    /// Explicit (width, lengths) pairs; lengths no pair covers are never
    /// written.
    Ranges(&'static [(Width, u64, u64)]),
    /// The kind is never written.
    Never,
}

const ALL_WIDTHS: &[Width] = &Width::ALL;
const NO_STR8: &[Width] = &[Width::Fix, Width::W16, Width::W32];
const MAX32: u64 = u32::MAX as u64;

impl Profile {
    /// The report's five profiles, in report order.
    pub const REPORTED: [Profile; 5] = [
        Profile::Canonical,
        Profile::Legacy,
        Profile::Map32Header,
        Profile::Map16Header,
        Profile::AnyWidth,
    ];

    /// Every profile: the report's, then those named after encoders.
    pub const ALL: [Profile; 11] = [
        Profile::Canonical,
        Profile::Legacy,
        Profile::Map32Header,
        Profile::Map16Header,
        Profile::AnyWidth,
        Profile::MsgpackPython,
        Profile::MsgpackPythonLegacy,
        Profile::Msgpackr,
        Profile::MsgpackrVariableMapSize,
        Profile::MsgpackLite,
        Profile::FluentBit,
    ];

    /// The profile's position in [`Profile::ALL`].
    const fn index(self) -> usize {
        self as usize
    }

    /// The name used on the command line and in reports.
    pub const fn name(self) -> &'static str {
        match self {
            Profile::Canonical => "canonical",
            Profile::Legacy => "legacy",
            Profile::Map32Header => "map32-header",
            Profile::Map16Header => "map16-header",
            Profile::AnyWidth => "any-width",
            Profile::MsgpackPython => "msgpack-python",
            Profile::MsgpackPythonLegacy => "msgpack-python-legacy",
            Profile::Msgpackr => "msgpackr",
            Profile::MsgpackrVariableMapSize => "msgpackr-variable-map-size",
            Profile::MsgpackLite => "msgpack-lite",
            Profile::FluentBit => "fluent-bit",
        }
    }

    /// One line on what the profile writes and who writes it.
    pub const fn about(self) -> &'static str {
        match self {
            Profile::Canonical => "smallest header everywhere (rmp-serde, @msgpack/msgpack, msgpack-python >= 1.0)",
            Profile::Legacy => "the pre-2013 raw spec: no str8, bytes written as raw strs of any bytes",
            Profile::Map32Header => "every map header is map32 (streaming encoders that back-patch the count)",
            Profile::Map16Header => "maps are map16 while the count fits, else map32",
            Profile::AnyWidth => "any header or integer wide enough, strs of any bytes: the worst case",
            Profile::MsgpackPython => "Python msgpack >= 1.0 defaults (canonical)",
            Profile::MsgpackPythonLegacy => "Python msgpack < 1.0 defaults, or use_bin_type=False (legacy)",
            Profile::Msgpackr => "msgpackr pack(): map16 for every object, throws above 65535 keys; BigInt as int64",
            Profile::MsgpackrVariableMapSize => "msgpackr with variableMapSize or JS Map objects; BigInt as int64",
            Profile::MsgpackLite => "msgpack-lite: canonical, but a 255-byte buffer gets bin16",
            Profile::FluentBit => "Fluent Bit records: top-level map32, nested maps smallest",
        }
    }

    /// How this profile writes `kind` at `place`.
    fn policy(self, place: Place, kind: Kind) -> Policy {
        use Profile::*;
        match (self, kind) {
            (AnyWidth, _) => Policy::AnyWide,
            (Legacy | MsgpackPythonLegacy, Kind::Str) => Policy::Smallest(NO_STR8),
            (Legacy | MsgpackPythonLegacy, Kind::Bin) => Policy::Never,
            (Map32Header, Kind::Map) => Policy::Ranges(&[(Width::W32, 0, MAX32)]),
            (Map16Header, Kind::Map) => Policy::Ranges(&[(Width::W16, 0, 65_535), (Width::W32, 65_536, MAX32)]),
            (Msgpackr, Kind::Map) => Policy::Ranges(&[(Width::W16, 0, 65_535)]),
            (MsgpackLite, Kind::Bin) => Policy::Ranges(&[
                (Width::W8, 0, 254),
                (Width::W16, 255, 65_535),
                (Width::W32, 65_536, MAX32),
            ]),
            (FluentBit, Kind::Map) if place == Place::Root => Policy::Ranges(&[(Width::W32, 0, MAX32)]),
            _ => Policy::Smallest(ALL_WIDTHS),
        }
    }

    /// The lengths this profile writes with a `width` header for `kind` at
    /// `place`, as sorted disjoint ranges (empty: never).
    pub fn lengths(self, place: Place, kind: Kind, width: Width) -> &'static [(u64, u64)] {
        // Sweeps ask this billions of times: answer from a table built once.
        static TABLE: OnceLock<Vec<Vec<(u64, u64)>>> = OnceLock::new();
        let table = TABLE.get_or_init(|| {
            let mut t = Vec::new();
            for p in Profile::ALL {
                for place in [Place::Root, Place::Nested] {
                    for k in Kind::ALL {
                        for w in Width::ALL {
                            t.push(p.compute_lengths(place, k, w));
                        }
                    }
                }
            }
            t
        });
        let at = ((self as usize * 2 + place as usize) * Kind::ALL.len() + kind as usize) * Width::ALL.len()
            + width as usize;
        &table[at]
    }

    /// The definition behind [`Profile::lengths`].
    fn compute_lengths(self, place: Place, kind: Kind, width: Width) -> Vec<(u64, u64)> {
        let format = format_lengths(kind, width);
        match self.policy(place, kind) {
            Policy::Never => Vec::new(),
            Policy::AnyWide => format,
            Policy::Ranges(pairs) => {
                let picked: Vec<(u64, u64)> = pairs
                    .iter()
                    .filter(|(w, ..)| *w == width)
                    .map(|(_, a, b)| (*a, *b))
                    .collect();
                intersect(&format, &picked)
            }
            Policy::Smallest(widths) => {
                if !widths.contains(&width) {
                    return Vec::new();
                }
                // What the format carries at this width, less whatever a
                // narrower allowed width already carries.
                let mut left = format;
                for narrower in widths.iter().take_while(|w| **w < width) {
                    left = subtract(&left, &format_lengths(kind, *narrower));
                }
                left
            }
        }
    }

    /// Whether this profile writes `n` with a `width` header for `kind` at
    /// `place`.
    pub fn allows(self, place: Place, kind: Kind, width: Width, n: u64) -> bool {
        self.lengths(place, kind, width).iter().any(|&(a, b)| a <= n && n <= b)
    }

    /// Whether this profile ever writes a `width` header for `kind` at `place`.
    pub fn writes(self, place: Place, kind: Kind, width: Width) -> bool {
        !self.lengths(place, kind, width).is_empty()
    }

    /// The narrowest header this profile writes for a `kind` of length
    /// (or count) `n` at `place`, or `None` if no header it writes carries `n`.
    pub fn narrowest_width(self, place: Place, kind: Kind, n: u64) -> Option<Width> {
        Width::ALL.into_iter().find(|w| self.allows(place, kind, *w, n))
    }

    /// Every header width this profile writes for a `kind` of length `n` at
    /// `place`, narrowest first.
    pub fn widths_for(self, place: Place, kind: Kind, n: u64) -> impl Iterator<Item = Width> {
        Width::ALL.into_iter().filter(move |w| self.allows(place, kind, *w, n))
    }

    /// The size of the narrowest header (marker included) this profile
    /// writes for `n` (nested).
    pub fn min_header_size(self, kind: Kind, n: u64) -> Option<u64> {
        self.narrowest_width(Place::Nested, kind, n).map(Width::header_size)
    }

    /// The lengths a `width` header of `kind` at `place` may still announce
    /// under this profile once `got` of its length bytes are `acc`: the
    /// candidates the known bytes leave, that the profile writes. Sorted,
    /// disjoint ranges.
    pub fn header_lengths(
        self,
        place: Place,
        kind: Kind,
        width: Width,
        got: u8,
        acc: u64,
    ) -> impl Iterator<Item = (u64, u64)> {
        let (lo, hi) = width.lengths_given(got, acc);
        self.lengths(place, kind, width)
            .iter()
            .map(move |&(a, b)| (a.max(lo), b.min(hi)))
            .filter(|(a, b)| a <= b)
    }

    /// The smallest and largest of [`Profile::header_lengths`], or `None`
    /// if there are none.
    pub fn header_range(self, place: Place, kind: Kind, width: Width, got: u8, acc: u64) -> Option<(u64, u64)> {
        let mut it = self.header_lengths(place, kind, width, got, acc);
        let first = it.next()?;
        let last = it.last().unwrap_or(first);
        Some((first.0, last.1))
    }

    /// The values this profile writes with integer `format`: those for
    /// which it is the smallest encoding (as `rmp`'s `write_sint` /
    /// `write_uint` choose it: non-negative values always use the unsigned
    /// family), plus, for msgpackr, every i64 as int64 (its BigInts); for
    /// any-width, every value the format can hold.
    pub fn int_range(self, format: IntFormat) -> RangeInclusive<i128> {
        match (self, format) {
            (Profile::AnyWidth, _) => format.type_range(),
            (Profile::Msgpackr | Profile::MsgpackrVariableMapSize, IntFormat::I64) => format.type_range(),
            (_, IntFormat::PosFixint) => 0..=127,
            (_, IntFormat::NegFixint) => -32..=-1,
            (_, IntFormat::U8) => 128..=u8::MAX as i128,
            (_, IntFormat::U16) => 256..=u16::MAX as i128,
            (_, IntFormat::U32) => 65_536..=u32::MAX as i128,
            (_, IntFormat::U64) => (1i128 << 32)..=u64::MAX as i128,
            (_, IntFormat::I8) => i8::MIN as i128..=-33,
            (_, IntFormat::I16) => i16::MIN as i128..=(i8::MIN as i128 - 1),
            (_, IntFormat::I32) => i32::MIN as i128..=(i16::MIN as i128 - 1),
            (_, IntFormat::I64) => i64::MIN as i128..=(i32::MIN as i128 - 1),
        }
    }

    /// Whether this profile writes `value` with `format`.
    pub fn allows_int(self, format: IntFormat, value: i128) -> bool {
        self.int_range(format).contains(&value)
    }

    /// Every integer format this profile writes `value` with, narrowest
    /// first (unsigned before signed at equal size).
    pub fn int_formats_for(self, value: i128) -> impl Iterator<Item = IntFormat> {
        IntFormat::BY_SIZE
            .into_iter()
            .filter(move |f| self.allows_int(*f, value))
    }

    /// Whether some complete payload of `format` that begins with the `got`
    /// big-endian bytes in `acc` is a value this profile writes with it.
    ///
    /// The payloads starting with those bytes form one unsigned interval;
    /// split where the sign bit flips, each piece is an interval of values,
    /// and so is the allowed set, so intersecting endpoints decides it.
    pub fn int_payload_possible(self, format: IntFormat, got: u8, acc: u64) -> bool {
        let total_bits = 8 * format.payload_bytes() as u32;
        let rem_bits = 8 * (format.payload_bytes() - got) as u32;
        let lo = (acc as u128) << rem_bits;
        let hi = lo | ((1u128 << rem_bits) - 1);
        let to_signed = |u: u128| -> i128 {
            if format.is_signed() && u >> (total_bits - 1) == 1 {
                u as i128 - (1i128 << total_bits)
            } else {
                u as i128
            }
        };
        let allowed = self.int_range(format);
        let half = 1u128 << (total_bits.max(1) - 1);
        let pieces = if format.is_signed() {
            [(lo, hi.min(half - 1)), (lo.max(half), hi)]
        } else {
            [(lo, hi), (1, 0)]
        };
        pieces.into_iter().filter(|(a, b)| a <= b).any(|(a, b)| {
            let (sa, sb) = (to_signed(a), to_signed(b));
            sa.max(*allowed.start()) <= sb.min(*allowed.end())
        })
    }

    /// Whether str values may hold any bytes (the raw family of the
    /// pre-2013 spec), rather than only UTF-8. Keys are always governed by
    /// the key specification.
    pub const fn raw_str_values(self) -> bool {
        matches!(self, Profile::Legacy | Profile::MsgpackPythonLegacy | Profile::AnyWidth)
    }

    /// Whether two profiles write exactly the same documents: the same
    /// header lengths for every kind, width and place, the same integer
    /// ranges for every format, and the same rule for str values. (These
    /// three are everything a profile decides; the rest derives from them.)
    /// msgpack-python, for one, follows canonical's rules exactly.
    pub fn same_rules(self, other: Profile) -> bool {
        let headers = [Place::Root, Place::Nested].into_iter().all(|place| {
            Kind::ALL.into_iter().all(|kind| {
                Width::ALL
                    .into_iter()
                    .all(|w| self.lengths(place, kind, w) == other.lengths(place, kind, w))
            })
        });
        let ints = int_formats().all(|f| self.int_range(f) == other.int_range(f));
        headers && ints && self.raw_str_values() == other.raw_str_values()
    }

    /// Whether bin values exist in this profile.
    pub fn has_bin(self) -> bool {
        Width::ALL.iter().any(|w| self.writes(Place::Nested, Kind::Bin, *w))
    }

    /// Whether every value has exactly one encoding under this profile (no
    /// two widths share a length, no two integer formats share a value), so
    /// an encoder following it has nothing to choose.
    pub fn one_form_per_value(self) -> bool {
        let headers_disjoint = [Place::Root, Place::Nested].into_iter().all(|place| {
            Kind::ALL.into_iter().all(|kind| {
                let all: Vec<(u64, u64)> = Width::ALL
                    .iter()
                    .flat_map(|w| self.lengths(place, kind, *w).iter().copied())
                    .collect();
                all.iter()
                    .enumerate()
                    .all(|(i, a)| all[i + 1..].iter().all(|b| a.1 < b.0 || b.1 < a.0))
            })
        });
        let ranges: Vec<RangeInclusive<i128>> = IntFormat::BY_SIZE.iter().map(|f| self.int_range(*f)).collect();
        let ints_disjoint = ranges.iter().enumerate().all(|(i, a)| {
            ranges[i + 1..]
                .iter()
                .all(|b| a.end() < b.start() || b.end() < a.start())
        });
        headers_disjoint && ints_disjoint
    }
}

/// The lengths the format itself carries with a `width` header for `kind`.
fn format_lengths(kind: Kind, width: Width) -> Vec<(u64, u64)> {
    match kind.format_range(width) {
        None => Vec::new(),
        Some(_) if kind == Kind::Ext && width == Width::Fix => [1, 2, 4, 8, 16].iter().map(|n| (*n, *n)).collect(),
        Some(r) => vec![(*r.start(), *r.end())],
    }
}

/// `a ∩ b` for sorted disjoint range lists.
fn intersect(a: &[(u64, u64)], b: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for &(x, y) in a {
        for &(p, q) in b {
            let (lo, hi) = (x.max(p), y.min(q));
            if lo <= hi {
                out.push((lo, hi));
            }
        }
    }
    out.sort_unstable();
    out
}

/// `a \ b` for sorted disjoint range lists.
fn subtract(a: &[(u64, u64)], b: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for &(x, y) in a {
        let mut pieces = vec![(x, y)];
        for &(p, q) in b {
            pieces = pieces
                .into_iter()
                .flat_map(|(lo, hi)| {
                    let left = (lo < p).then(|| (lo, hi.min(p - 1)));
                    let right = (hi > q).then(|| (lo.max(q + 1), hi));
                    [left, right].into_iter().flatten().filter(|(a, b)| a <= b)
                })
                .collect();
        }
        out.extend(pieces);
    }
    out
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error for an unknown profile name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown profile {0:?}: expected one of {names}", names = Profile::ALL.map(Profile::name).join(", "))]
pub struct UnknownProfile(pub String);

impl FromStr for Profile {
    type Err = UnknownProfile;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| UnknownProfile(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(p: Profile, kind: Kind, width: Width) -> Vec<(u64, u64)> {
        p.lengths(Place::Nested, kind, width).to_vec()
    }

    // Expected values are the spec's table and the fixtures' observations,
    // written out by hand.
    #[test]
    fn canonical_uses_the_smallest_header() {
        let p = Profile::Canonical;
        assert_eq!(nested(p, Kind::Str, Width::Fix), [(0, 31)]);
        assert_eq!(nested(p, Kind::Str, Width::W8), [(32, 255)]);
        assert_eq!(nested(p, Kind::Str, Width::W16), [(256, 65535)]);
        assert_eq!(nested(p, Kind::Str, Width::W32), [(65536, 4294967295)]);
        assert_eq!(nested(p, Kind::Bin, Width::W8), [(0, 255)]);
        assert_eq!(nested(p, Kind::Map, Width::Fix), [(0, 15)]);
        assert_eq!(nested(p, Kind::Map, Width::W8), []);
        assert_eq!(nested(p, Kind::Map, Width::W16), [(16, 65535)]);
        assert_eq!(p.lengths(Place::Root, Kind::Map, Width::W16), [(16, 65535)]);
        // ext: fixext for the five fixed sizes, ext8 for every other size
        // up to 255.
        assert_eq!(
            nested(p, Kind::Ext, Width::Fix),
            [(1, 1), (2, 2), (4, 4), (8, 8), (16, 16)]
        );
        assert_eq!(
            nested(p, Kind::Ext, Width::W8),
            [(0, 0), (3, 3), (5, 7), (9, 15), (17, 255)]
        );
        assert_eq!(nested(p, Kind::Ext, Width::W16), [(256, 65535)]);
        assert!(p.one_form_per_value());
    }

    #[test]
    fn legacy_has_no_str8_and_no_bin() {
        for p in [Profile::Legacy, Profile::MsgpackPythonLegacy] {
            assert_eq!(nested(p, Kind::Str, Width::W8), []);
            assert_eq!(nested(p, Kind::Str, Width::W16), [(32, 65535)]);
            assert!(!p.has_bin());
            assert!(p.raw_str_values());
            assert_eq!(p.min_header_size(Kind::Str, 32), Some(3));
            assert_eq!(p.min_header_size(Kind::Str, 31), Some(1));
        }
        assert!(!Profile::Canonical.raw_str_values());
    }

    #[test]
    fn map_header_profiles() {
        for place in [Place::Root, Place::Nested] {
            let p = Profile::Map32Header;
            assert_eq!(p.lengths(place, Kind::Map, Width::Fix), []);
            assert_eq!(p.lengths(place, Kind::Map, Width::W32), [(0, 4294967295)]);
            let p = Profile::Map16Header;
            assert_eq!(p.lengths(place, Kind::Map, Width::W16), [(0, 65535)]);
            assert_eq!(p.lengths(place, Kind::Map, Width::W32), [(65536, 4294967295)]);
            assert_eq!(p.lengths(place, Kind::Map, Width::Fix), []);
            let p = Profile::Msgpackr;
            assert_eq!(p.lengths(place, Kind::Map, Width::W16), [(0, 65535)]);
            assert_eq!(p.lengths(place, Kind::Map, Width::W32), []);
        }
        assert_eq!(nested(Profile::Map32Header, Kind::Str, Width::W8), [(32, 255)]);
        assert_eq!(nested(Profile::AnyWidth, Kind::Str, Width::W32), [(0, 4294967295)]);
        assert_eq!(nested(Profile::AnyWidth, Kind::Map, Width::Fix), [(0, 15)]);
        // Fluent Bit: map32 for the record, smallest inside it.
        let f = Profile::FluentBit;
        assert_eq!(f.lengths(Place::Root, Kind::Map, Width::W32), [(0, 4294967295)]);
        assert_eq!(f.lengths(Place::Root, Kind::Map, Width::Fix), []);
        assert_eq!(f.lengths(Place::Nested, Kind::Map, Width::Fix), [(0, 15)]);
    }

    #[test]
    fn msgpack_lite_writes_bin16_from_255_bytes() {
        let p = Profile::MsgpackLite;
        assert_eq!(nested(p, Kind::Bin, Width::W8), [(0, 254)]);
        assert_eq!(nested(p, Kind::Bin, Width::W16), [(255, 65535)]);
        assert_eq!(nested(p, Kind::Str, Width::W8), [(32, 255)]);
    }

    #[test]
    fn integers() {
        assert!(Profile::Canonical.allows_int(IntFormat::U8, 128));
        assert!(!Profile::Canonical.allows_int(IntFormat::U8, 127));
        assert!(!Profile::Canonical.allows_int(IntFormat::I8, 5));
        assert!(Profile::Canonical.allows_int(IntFormat::I8, -33));
        assert!(!Profile::Canonical.allows_int(IntFormat::I8, -32));
        assert!(Profile::AnyWidth.allows_int(IntFormat::U64, 0));
        assert!(Profile::AnyWidth.allows_int(IntFormat::I8, 5));
        // msgpackr writes BigInts as int64, whatever their size.
        assert!(Profile::Msgpackr.allows_int(IntFormat::I64, 5));
        assert!(Profile::Msgpackr.allows_int(IntFormat::I64, 1 << 53));
        assert!(Profile::Msgpackr.allows_int(IntFormat::PosFixint, 5));
        assert!(!Profile::Msgpackr.allows_int(IntFormat::U64, 5));
        assert!(!Profile::Msgpackr.one_form_per_value());
        assert!(!Profile::AnyWidth.one_form_per_value());
        for p in [
            Profile::Legacy,
            Profile::Map32Header,
            Profile::Map16Header,
            Profile::MsgpackLite,
            Profile::FluentBit,
        ] {
            assert!(p.one_form_per_value(), "{p}");
        }
    }

    #[test]
    fn profile_sets() {
        // `index` is the declaration order, which ALL follows.
        for (i, p) in Profile::ALL.into_iter().enumerate() {
            assert_eq!(p.index(), i, "{p}");
        }
        let mut s = ProfileSet::default();
        assert!(s.is_empty());
        s.insert(Profile::Legacy);
        s.insert(Profile::FluentBit);
        assert_eq!(s.iter().collect::<Vec<_>>(), [Profile::Legacy, Profile::FluentBit]);
        assert_eq!(ProfileSet::ALL.iter().count(), Profile::ALL.len());
        assert_eq!(s.filter(|p| p != Profile::Legacy), ProfileSet::of(Profile::FluentBit));
        for format in [IntFormat::PosFixint, IntFormat::NegFixint]
            .into_iter()
            .chain(IntFormat::SIZED)
        {
            for v in (-300..300).chain([i64::MIN as i128, u64::MAX as i128]) {
                let each = ProfileSet::ALL.filter(|p| p.allows_int(format, v));
                assert_eq!(ProfileSet::allowing_int(format, v), each, "{format:?} {v}");
            }
        }
        // The table agrees with asking each profile, below and above its edge.
        for place in [Place::Root, Place::Nested] {
            for kind in Kind::ALL {
                for width in Width::ALL {
                    for n in (0..300).chain([65_535, 65_536, u32::MAX as u64]) {
                        let each = ProfileSet::ALL.filter(|p| p.allows(place, kind, width, n));
                        assert_eq!(
                            ProfileSet::allowing(place, kind, width, n),
                            each,
                            "{kind:?} {width:?} {n}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn profiles_with_the_same_rules() {
        // Named after encoders that follow a report profile exactly.
        assert!(Profile::MsgpackPython.same_rules(Profile::Canonical));
        assert!(Profile::MsgpackPythonLegacy.same_rules(Profile::Legacy));
        // Each differs from canonical in one rule: a bin16, a map header,
        // str8, int64 for BigInts.
        for p in [
            Profile::MsgpackLite,
            Profile::FluentBit,
            Profile::Legacy,
            Profile::MsgpackrVariableMapSize,
            Profile::AnyWidth,
        ] {
            assert!(!p.same_rules(Profile::Canonical), "{p}");
        }
        for p in Profile::ALL {
            assert!(p.same_rules(p));
        }
    }

    /// The partial-payload check agrees with trying every completion, for
    /// every one- and two-byte format and a spread of prefixes of the
    /// wider ones.
    #[test]
    fn int_payload_prefixes_match_enumeration() {
        let mut checked = 0;
        for p in Profile::ALL {
            for format in IntFormat::SIZED {
                let n = format.payload_bytes();
                if n > 2 {
                    continue;
                }
                for got in 0..=n {
                    for acc in 0..1u64 << (8 * got as u32) {
                        let rem = 8 * (n - got) as u32;
                        let any = (0..1u64 << rem).any(|low| p.allows_int(format, format.value_of((acc << rem) | low)));
                        assert_eq!(
                            p.int_payload_possible(format, got, acc),
                            any,
                            "{p} {format:?} {got} {acc:#x}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        // Per profile: U8 and I8 have 1 + 256 prefixes, U16 and I16 1 + 256 + 65536.
        assert_eq!(checked, Profile::ALL.len() * (2 * 257 + 2 * (1 + 256 + 65_536)));
    }

    #[test]
    fn partial_headers_intersect_the_allowed_lengths() {
        let p = Profile::Canonical;
        // ext8 after no length byte: every size but the fixext ones.
        let all: Vec<_> = p.header_lengths(Place::Nested, Kind::Ext, Width::W8, 0, 0).collect();
        assert_eq!(all, [(0, 0), (3, 3), (5, 7), (9, 15), (17, 255)]);
        assert_eq!(
            p.header_range(Place::Nested, Kind::Ext, Width::W8, 0, 0),
            Some((0, 255))
        );
        // str16 whose first length byte is 0: 0..=255, none of it canonical.
        assert_eq!(p.header_range(Place::Nested, Kind::Str, Width::W16, 1, 0), None);
        assert_eq!(
            p.header_range(Place::Nested, Kind::Str, Width::W16, 1, 1),
            Some((256, 511))
        );
    }

    #[test]
    fn names_round_trip() {
        for p in Profile::ALL {
            assert_eq!(p.name().parse::<Profile>().unwrap(), p);
            assert!(!p.about().is_empty());
        }
        assert!("smallest".parse::<Profile>().is_err());
    }
}
