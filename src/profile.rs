//! Encoder profiles: which msgpack header widths a profile may emit for a
//! given length, and which integer encodings it may use.
//!
//! msgpack lets one value be written with several header widths; the spec
//! says encoders SHOULD use the smallest but real encoders differ. A profile
//! pins down one encoder family's behaviour (see `SPEC.md`). Every other
//! module asks this one, so the rules live in exactly one place: the
//! contiguous range of lengths each (kind, width) pair may carry.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::sync::OnceLock;

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

/// The four header widths msgpack has for strings, binaries, arrays and maps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Width {
    /// Length packed into the marker byte (fixstr, fixarray, fixmap).
    Fix,
    /// One length byte (str8, bin8).
    W8,
    /// Two big-endian length bytes.
    W16,
    /// Four big-endian length bytes.
    W32,
}

impl Width {
    /// Header size in bytes, marker included.
    pub fn header_size(self) -> u64 {
        match self {
            Width::Fix => 1,
            Width::W8 => 2,
            Width::W16 => 3,
            Width::W32 => 5,
        }
    }

    /// Number of length bytes after the marker.
    pub fn length_bytes(self) -> u8 {
        (self.header_size() - 1) as u8
    }

    /// All widths, narrowest first.
    pub const ALL: [Width; 4] = [Width::Fix, Width::W8, Width::W16, Width::W32];
}

/// What a length header introduces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Str,
    Bin,
    Array,
    Map,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Str, Kind::Bin, Kind::Array, Kind::Map];

    /// Lengths the msgpack format itself allows for this kind and width,
    /// regardless of profile (`None`: the format has no such header).
    pub fn format_range(self, width: Width) -> Option<RangeInclusive<u64>> {
        let max = match (self, width) {
            (Kind::Str, Width::Fix) => 31,
            (Kind::Array | Kind::Map, Width::Fix) => 15,
            (Kind::Bin, Width::Fix) => return None,
            (Kind::Str | Kind::Bin, Width::W8) => 255,
            (Kind::Array | Kind::Map, Width::W8) => return None,
            (_, Width::W16) => u16::MAX as u64,
            (_, Width::W32) => u32::MAX as u64,
        };
        Some(0..=max)
    }
}

/// The integer encodings of msgpack, by marker family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntFormat {
    PosFixint,
    NegFixint,
    U8,
    U16,
    U32,
    U64,
    I8,
    I16,
    I32,
    I64,
}

impl IntFormat {
    /// The formats with a payload, in marker order (0xcc..=0xd3).
    pub const SIZED: [IntFormat; 8] = [
        IntFormat::U8,
        IntFormat::U16,
        IntFormat::U32,
        IntFormat::U64,
        IntFormat::I8,
        IntFormat::I16,
        IntFormat::I32,
        IntFormat::I64,
    ];

    /// Payload bytes after the marker.
    pub fn payload_bytes(self) -> u8 {
        match self {
            IntFormat::PosFixint | IntFormat::NegFixint => 0,
            IntFormat::U8 | IntFormat::I8 => 1,
            IntFormat::U16 | IntFormat::I16 => 2,
            IntFormat::U32 | IntFormat::I32 => 4,
            IntFormat::U64 | IntFormat::I64 => 8,
        }
    }

    /// Whether the payload is two's-complement signed.
    pub fn is_signed(self) -> bool {
        matches!(
            self,
            IntFormat::NegFixint | IntFormat::I8 | IntFormat::I16 | IntFormat::I32 | IntFormat::I64
        )
    }

    /// Every value this format can represent.
    fn type_range(self) -> RangeInclusive<i128> {
        match self {
            IntFormat::PosFixint => 0..=127,
            IntFormat::NegFixint => -32..=-1,
            IntFormat::U8 => 0..=u8::MAX as i128,
            IntFormat::U16 => 0..=u16::MAX as i128,
            IntFormat::U32 => 0..=u32::MAX as i128,
            IntFormat::U64 => 0..=u64::MAX as i128,
            IntFormat::I8 => i8::MIN as i128..=i8::MAX as i128,
            IntFormat::I16 => i16::MIN as i128..=i16::MAX as i128,
            IntFormat::I32 => i32::MIN as i128..=i32::MAX as i128,
            IntFormat::I64 => i64::MIN as i128..=i64::MAX as i128,
        }
    }

    /// The values for which this is the smallest encoding, as `rmp`'s
    /// `write_sint`/`write_uint` choose it (non-negative values always use
    /// the unsigned family).
    fn smallest_range(self) -> RangeInclusive<i128> {
        match self {
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
    pub fn name(self) -> &'static str {
        match self {
            Profile::Canonical => "canonical",
            Profile::Legacy => "legacy",
            Profile::Map32Header => "map32-header",
            Profile::Map16Header => "map16-header",
            Profile::AnyWidth => "any-width",
        }
    }

    /// The lengths this profile may write with a header of `width` for a
    /// value of `kind`; `None` when the profile never emits that header.
    /// Always one contiguous range, which is what lets the oracle reason
    /// about partially read headers with interval arithmetic.
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
        table[(self as usize * 4 + kind as usize) * 4 + width as usize].map(|(a, b)| a..=b)
    }

    /// The definition behind [`Profile::len_range`].
    fn compute_len_range(self, kind: Kind, width: Width) -> Option<RangeInclusive<u64>> {
        let format = kind.format_range(width)?;
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

    /// Whether this profile may write `len` with a `width` header.
    pub fn allows(self, kind: Kind, width: Width, len: u64) -> bool {
        self.len_range(kind, width).is_some_and(|r| r.contains(&len))
    }

    /// The smallest header size (marker included) this profile can use for
    /// `len`, or `None` if no header it emits can carry it.
    pub fn min_header_size(self, kind: Kind, len: u64) -> Option<u64> {
        Width::ALL
            .iter()
            .find(|w| self.allows(kind, **w, len))
            .map(|w| w.header_size())
    }

    /// Whether this profile may write `value` with integer format `format`.
    pub fn allows_int(self, format: IntFormat, value: i128) -> bool {
        let range = if self == Profile::AnyWidth {
            format.type_range()
        } else {
            format.smallest_range()
        };
        range.contains(&value)
    }

    /// The values this profile may write with `format`.
    pub fn int_range(self, format: IntFormat) -> RangeInclusive<i128> {
        if self == Profile::AnyWidth {
            format.type_range()
        } else {
            format.smallest_range()
        }
    }

    /// Whether bin values exist in this profile.
    pub fn has_bin(self) -> bool {
        self.len_range(Kind::Bin, Width::W8).is_some() || self.len_range(Kind::Bin, Width::W16).is_some()
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error for an unknown profile name.
#[derive(Debug, Clone, thiserror::Error)]
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

    #[test]
    fn names_round_trip() {
        for p in Profile::ALL {
            assert_eq!(p.name().parse::<Profile>().unwrap(), p);
        }
        assert!("smallest".parse::<Profile>().is_err());
    }
}
