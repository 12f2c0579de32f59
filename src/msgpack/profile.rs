//! Encoder profiles: which header an encoder family writes for each
//! length, and which integer encodings it uses.
//!
//! msgpack lets one value be written with several header widths; the spec
//! says encoders SHOULD use the smallest, but real encoders differ. A
//! profile pins one family's behaviour down (see `SPEC.md`) as a table:
//! for each kind and width, the one contiguous range of lengths the
//! profile writes with that header. Contiguity is what lets the oracle
//! and the walk reason about half-read headers with interval arithmetic.
//!
//! This module owns the rules; it does not own the marker layout
//! ([`super::marker`]) or key rules ([`super::keys`]).

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::sync::OnceLock;

use super::marker::{IntFormat, Kind, Width};

/// One encoder family's header rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Profile {
    /// Smallest header everywhere (rmp, rmp-serde, msgpack-python >= 1.0).
    Canonical,
    /// Pre-2013 "raw" spec: no str8, no bin; otherwise smallest.
    Legacy,
    /// Every map header is map32 (streaming encoders that back-patch counts).
    Map32Header,
    /// Maps are map16 while the count fits, else map32.
    Map16Header,
    /// Any header wide enough for the length: the union of everything.
    AnyWidth,
}

impl Profile {
    /// The five profiles, in report order.
    pub const ALL: [Profile; 5] = [
        Profile::Canonical,
        Profile::Legacy,
        Profile::Map32Header,
        Profile::Map16Header,
        Profile::AnyWidth,
    ];

    /// The name used on the command line and in reports.
    pub const fn name(self) -> &'static str {
        match self {
            Profile::Canonical => "canonical",
            Profile::Legacy => "legacy",
            Profile::Map32Header => "map32-header",
            Profile::Map16Header => "map16-header",
            Profile::AnyWidth => "any-width",
        }
    }

    /// The lengths this profile writes with a header of `width` for a
    /// value of `kind`; `None` when the profile never writes that header.
    pub fn len_range(self, kind: Kind, width: Width) -> Option<RangeInclusive<u64>> {
        // Sweeps ask this billions of times: answer from a table built once.
        static TABLE: OnceLock<Vec<Option<(u64, u64)>>> = OnceLock::new();
        let table = TABLE.get_or_init(|| {
            let mut t = Vec::new();
            for p in Profile::ALL {
                for k in Kind::ALL {
                    for w in Width::ALL {
                        t.push(p.compute_len_range(k, w).map(|r| (*r.start(), *r.end())));
                    }
                }
            }
            t
        });
        let at = (self as usize * Kind::ALL.len() + kind as usize) * Width::ALL.len() + width as usize;
        table[at].map(|(a, b)| a..=b)
    }

    /// The definition behind [`Profile::len_range`].
    fn compute_len_range(self, kind: Kind, width: Width) -> Option<RangeInclusive<u64>> {
        let format = kind.format_range(width)?;
        // ext values are not in the data model of these profiles.
        if kind == Kind::Ext {
            return None;
        }
        if self == Profile::AnyWidth {
            return Some(format);
        }
        if self == Profile::Legacy && (kind == Kind::Bin || (kind == Kind::Str && width == Width::W8)) {
            return None;
        }
        if kind == Kind::Map {
            match self {
                Profile::Map32Header => return (width == Width::W32).then_some(format),
                Profile::Map16Header => {
                    return match width {
                        Width::W16 => Some(format),
                        Width::W32 => Some(u16::MAX as u64 + 1..=u32::MAX as u64),
                        _ => None,
                    }
                }
                _ => {}
            }
        }
        // Smallest header: the range starts one past the largest length any
        // narrower header of this kind (allowed by this profile) can carry.
        let narrower_max = Width::ALL
            .iter()
            .take_while(|w| **w != width)
            .filter_map(|w| self.compute_len_range(kind, *w))
            .map(|r| *r.end())
            .max();
        let start = narrower_max.map_or(0, |m| m + 1);
        (start <= *format.end()).then_some(start..=*format.end())
    }

    /// Whether this profile writes `n` with a `width` header for `kind`.
    pub fn allows(self, kind: Kind, width: Width, n: u64) -> bool {
        kind.format_allows(width, n) && self.len_range(kind, width).is_some_and(|r| r.contains(&n))
    }

    /// The narrowest header this profile writes for a `kind` of length
    /// (or count) `n`, or `None` if no header it writes carries `n`.
    pub fn narrowest_width(self, kind: Kind, n: u64) -> Option<Width> {
        Width::ALL.into_iter().find(|w| self.allows(kind, *w, n))
    }

    /// Every header width this profile writes for a `kind` of length `n`,
    /// narrowest first.
    pub fn widths_for(self, kind: Kind, n: u64) -> impl Iterator<Item = Width> {
        Width::ALL.into_iter().filter(move |w| self.allows(kind, *w, n))
    }

    /// The size of the narrowest header (marker included) this profile
    /// writes for `n`.
    pub fn min_header_size(self, kind: Kind, n: u64) -> Option<u64> {
        self.narrowest_width(kind, n).map(Width::header_size)
    }

    /// The lengths a `width` header of `kind` may still announce under
    /// this profile once `got` of its length bytes are `acc`: the format's
    /// candidates intersected with the profile's range.
    pub fn header_range(self, kind: Kind, width: Width, got: u8, acc: u64) -> Option<(u64, u64)> {
        let allowed = self.len_range(kind, width)?;
        let (lo, hi) = width.lengths_given(got, acc);
        let (lo, hi) = (lo.max(*allowed.start()), hi.min(*allowed.end()));
        (lo <= hi).then_some((lo, hi))
    }

    /// The values this profile writes with integer `format`: the values
    /// for which it is the smallest encoding (as `rmp`'s `write_sint` /
    /// `write_uint` choose it; non-negative values always use the unsigned
    /// family), or, for any-width, every value the format can hold.
    pub fn int_range(self, format: IntFormat) -> RangeInclusive<i128> {
        if self == Profile::AnyWidth {
            return format.type_range();
        }
        match format {
            IntFormat::PosFixint => 0..=127,
            IntFormat::NegFixint => -32..=-1,
            IntFormat::U8 => 128..=u8::MAX as i128,
            IntFormat::U16 => 256..=u16::MAX as i128,
            IntFormat::U32 => 65_536..=u32::MAX as i128,
            IntFormat::U64 => (1i128 << 32)..=u64::MAX as i128,
            IntFormat::I8 => i8::MIN as i128..=-33,
            IntFormat::I16 => i16::MIN as i128..=(i8::MIN as i128 - 1),
            IntFormat::I32 => i32::MIN as i128..=(i16::MIN as i128 - 1),
            IntFormat::I64 => i64::MIN as i128..=(i32::MIN as i128 - 1),
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

    /// Whether bin values exist in this profile.
    pub fn has_bin(self) -> bool {
        Width::ALL.iter().any(|w| self.len_range(Kind::Bin, *w).is_some())
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error for an unknown profile name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown profile {0:?}: expected one of canonical, legacy, map32-header, map16-header, any-width")]
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

    // Expected values are the spec's table, written out by hand.
    #[test]
    fn canonical_strings_use_the_smallest_header() {
        let p = Profile::Canonical;
        assert_eq!(p.len_range(Kind::Str, Width::Fix), Some(0..=31));
        assert_eq!(p.len_range(Kind::Str, Width::W8), Some(32..=255));
        assert_eq!(p.len_range(Kind::Str, Width::W16), Some(256..=65535));
        assert_eq!(p.len_range(Kind::Str, Width::W32), Some(65536..=4294967295));
        assert_eq!(p.len_range(Kind::Bin, Width::W8), Some(0..=255));
        assert_eq!(p.len_range(Kind::Map, Width::Fix), Some(0..=15));
        assert_eq!(p.len_range(Kind::Map, Width::W8), None);
        assert_eq!(p.len_range(Kind::Map, Width::W16), Some(16..=65535));
    }

    #[test]
    fn legacy_has_no_str8_and_no_bin() {
        let p = Profile::Legacy;
        assert_eq!(p.len_range(Kind::Str, Width::W8), None);
        assert_eq!(p.len_range(Kind::Str, Width::W16), Some(32..=65535));
        assert!(!p.has_bin());
        assert_eq!(p.min_header_size(Kind::Str, 32), Some(3));
        assert_eq!(p.min_header_size(Kind::Str, 31), Some(1));
    }

    #[test]
    fn map_header_profiles() {
        assert_eq!(Profile::Map32Header.len_range(Kind::Map, Width::Fix), None);
        assert_eq!(
            Profile::Map32Header.len_range(Kind::Map, Width::W32),
            Some(0..=4294967295)
        );
        assert_eq!(Profile::Map32Header.len_range(Kind::Str, Width::W8), Some(32..=255));
        assert_eq!(Profile::Map16Header.len_range(Kind::Map, Width::W16), Some(0..=65535));
        assert_eq!(
            Profile::Map16Header.len_range(Kind::Map, Width::W32),
            Some(65536..=4294967295)
        );
        assert_eq!(Profile::Map16Header.len_range(Kind::Map, Width::Fix), None);
        assert_eq!(Profile::AnyWidth.len_range(Kind::Str, Width::W32), Some(0..=4294967295));
        assert_eq!(Profile::AnyWidth.len_range(Kind::Map, Width::Fix), Some(0..=15));
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
        assert_eq!(checked, 5 * (2 * 257 + 2 * (1 + 256 + 65_536)));
    }

    #[test]
    fn names_round_trip() {
        for p in Profile::ALL {
            assert_eq!(p.name().parse::<Profile>().unwrap(), p);
        }
        assert!("smallest".parse::<Profile>().is_err());
    }
}
