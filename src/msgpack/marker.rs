//! The marker byte: which kind of value each of the 256 possible first
//! bytes starts, and how its header is laid out.
//!
//! This is the one place that knows the msgpack marker layout. Readers
//! (the oracle, the walk, `decode`) match on [`Marker`]; writers ask
//! [`header_marker`] for the byte that starts a header. The two
//! directions are tested against each other and against `rmp::Marker` for
//! every byte. The conformance checker alone keeps a hand-written copy on
//! purpose: it is the independent judge of the other readers.

use std::fmt;
use std::ops::RangeInclusive;

/// `acc` with one more byte appended: msgpack writes every multi-byte
/// length and integer most significant byte first, so readers accumulate
/// them a byte at a time with this.
#[inline]
pub(crate) const fn push_be_byte(acc: u64, b: u8) -> u64 {
    (acc << 8) | b as u64
}

/// What a length header introduces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// str (also "raw" in the pre-2013 spec): length = bytes of text.
    Str,
    /// bin: length = bytes of data.
    Bin,
    /// array: count = elements.
    Array,
    /// map: count = key/value entries.
    Map,
    /// ext: length = bytes of data after the one-byte type.
    Ext,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Str, Kind::Bin, Kind::Array, Kind::Map, Kind::Ext];

    /// Lengths (or counts) the format itself allows for this kind with a
    /// header of `width`, whatever the profile; `None` when the format has
    /// no such header. For fixext the marker holds one of 1, 2, 4, 8, 16
    /// (see [`Kind::format_allows`]); the range spans them.
    pub const fn format_range(self, width: Width) -> Option<RangeInclusive<u64>> {
        let (lo, hi) = match (self, width) {
            (Kind::Str, Width::Fix) => (0, 31),
            (Kind::Array | Kind::Map, Width::Fix) => (0, 15),
            (Kind::Ext, Width::Fix) => (1, 16),
            (Kind::Bin, Width::Fix) => return None,
            (Kind::Str | Kind::Bin | Kind::Ext, Width::W8) => (0, u8::MAX as u64),
            (Kind::Array | Kind::Map, Width::W8) => return None,
            (_, Width::W16) => (0, u16::MAX as u64),
            (_, Width::W32) => (0, u32::MAX as u64),
        };
        Some(lo..=hi)
    }

    /// Whether the format can write `n` with a header of `width`.
    pub fn format_allows(self, width: Width, n: u64) -> bool {
        let in_range = self.format_range(width).is_some_and(|r| r.contains(&n));
        in_range && !(self == Kind::Ext && width == Width::Fix && !n.is_power_of_two())
    }

    /// Bytes of body a header of length (count) `n` announces, for the
    /// kinds whose body is bytes: the ext type byte counts. `None` for
    /// containers, whose body is values.
    pub const fn body_bytes(self, n: u64) -> Option<u64> {
        match self {
            Kind::Str | Kind::Bin => Some(n),
            Kind::Ext => Some(n + 1),
            Kind::Array | Kind::Map => None,
        }
    }

    /// The name msgpack users know ("str", "map", ...).
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Str => "str",
            Kind::Bin => "bin",
            Kind::Array => "array",
            Kind::Map => "map",
            Kind::Ext => "ext",
        }
    }
}

/// The four header widths: the length packed into the marker, or 1, 2 or
/// 4 big-endian length bytes after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Width {
    /// fixstr, fixarray, fixmap, fixext: no length bytes.
    Fix,
    W8,
    W16,
    W32,
}

impl Width {
    /// All widths, narrowest first.
    pub const ALL: [Width; 4] = [Width::Fix, Width::W8, Width::W16, Width::W32];

    /// Length bytes after the marker.
    pub const fn length_bytes(self) -> u8 {
        match self {
            Width::Fix => 0,
            Width::W8 => 1,
            Width::W16 => 2,
            Width::W32 => 4,
        }
    }

    /// Header size in bytes, marker included.
    pub const fn header_size(self) -> u64 {
        1 + self.length_bytes() as u64
    }

    /// The lengths a header of this width can still announce once `got`
    /// of its length bytes are known to be `acc`: the unknown low bytes
    /// range over everything. A fix header has no length bytes: its marker,
    /// still to come, may hold any length.
    pub const fn lengths_given(self, got: u8, acc: u64) -> (u64, u64) {
        if matches!(self, Width::Fix) {
            return (0, u64::MAX);
        }
        let rem_bits = 8 * (self.length_bytes() - got) as u32;
        let lo = acc << rem_bits;
        (lo, lo | ((1u64 << rem_bits) - 1))
    }
}

/// The integer encodings, by marker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
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

    /// Every format, narrowest first (unsigned before signed at equal size).
    pub const BY_SIZE: [IntFormat; 10] = [
        IntFormat::PosFixint,
        IntFormat::NegFixint,
        IntFormat::U8,
        IntFormat::I8,
        IntFormat::U16,
        IntFormat::I16,
        IntFormat::U32,
        IntFormat::I32,
        IntFormat::U64,
        IntFormat::I64,
    ];

    /// Payload bytes after the marker.
    pub const fn payload_bytes(self) -> u8 {
        match self {
            IntFormat::PosFixint | IntFormat::NegFixint => 0,
            IntFormat::U8 | IntFormat::I8 => 1,
            IntFormat::U16 | IntFormat::I16 => 2,
            IntFormat::U32 | IntFormat::I32 => 4,
            IntFormat::U64 | IntFormat::I64 => 8,
        }
    }

    /// Whether the payload is two's-complement signed.
    pub const fn is_signed(self) -> bool {
        matches!(
            self,
            IntFormat::NegFixint | IntFormat::I8 | IntFormat::I16 | IntFormat::I32 | IntFormat::I64
        )
    }

    /// Every value this format can represent.
    pub const fn type_range(self) -> RangeInclusive<i128> {
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

    /// The integer a complete big-endian payload stands for.
    pub const fn value_of(self, payload: u64) -> i128 {
        let bits = 8 * self.payload_bytes() as u32;
        if self.is_signed() && bits > 0 && payload >> (bits - 1) == 1 {
            payload as i128 - (1i128 << bits)
        } else {
            payload as i128
        }
    }

    /// The marker that starts this format (for fixints, `value` itself).
    pub const fn marker(self, value: i128) -> u8 {
        match self {
            IntFormat::PosFixint | IntFormat::NegFixint => value as i8 as u8,
            IntFormat::U8 => 0xcc,
            IntFormat::U16 => 0xcd,
            IntFormat::U32 => 0xce,
            IntFormat::U64 => 0xcf,
            IntFormat::I8 => 0xd0,
            IntFormat::I16 => 0xd1,
            IntFormat::I32 => 0xd2,
            IntFormat::I64 => 0xd3,
        }
    }
}

/// What a marker byte starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Marker {
    Nil,
    False,
    True,
    /// 0xc1: reserved by the format, never written.
    Reserved,
    /// A positive (0x00..=0x7f) or negative (0xe0..=0xff) fixint: the
    /// marker is the whole value.
    FixInt(IntFormat, i8),
    /// A sized integer: `payload_bytes()` big-endian bytes follow.
    Int(IntFormat),
    /// float 32 (4 payload bytes) or float 64 (8).
    Float {
        payload: u8,
    },
    /// A header of `kind` and `width`; for [`Width::Fix`], `fixed` is the
    /// length or count the marker holds (for fixext, the data size).
    Header {
        kind: Kind,
        width: Width,
        fixed: u8,
    },
}

impl Marker {
    /// The marker `b` starts. One `match` over the byte ranges of the
    /// format's marker table.
    pub const fn of(b: u8) -> Marker {
        use Kind::*;
        use Width::*;
        const fn h(kind: Kind, width: Width) -> Marker {
            Marker::Header { kind, width, fixed: 0 }
        }
        match b {
            0x00..=0x7f => Marker::FixInt(IntFormat::PosFixint, b as i8),
            0x80..=0x8f => Marker::Header {
                kind: Map,
                width: Fix,
                fixed: b & 0x0f,
            },
            0x90..=0x9f => Marker::Header {
                kind: Array,
                width: Fix,
                fixed: b & 0x0f,
            },
            0xa0..=0xbf => Marker::Header {
                kind: Str,
                width: Fix,
                fixed: b & 0x1f,
            },
            0xc0 => Marker::Nil,
            0xc1 => Marker::Reserved,
            0xc2 => Marker::False,
            0xc3 => Marker::True,
            0xc4 => h(Bin, W8),
            0xc5 => h(Bin, W16),
            0xc6 => h(Bin, W32),
            0xc7 => h(Ext, W8),
            0xc8 => h(Ext, W16),
            0xc9 => h(Ext, W32),
            0xca => Marker::Float { payload: 4 },
            0xcb => Marker::Float { payload: 8 },
            0xcc..=0xd3 => Marker::Int(IntFormat::SIZED[(b - 0xcc) as usize]),
            0xd4..=0xd8 => Marker::Header {
                kind: Ext,
                width: Fix,
                fixed: 1 << (b - 0xd4),
            },
            0xd9 => h(Str, W8),
            0xda => h(Str, W16),
            0xdb => h(Str, W32),
            0xdc => h(Array, W16),
            0xdd => h(Array, W32),
            0xde => h(Map, W16),
            0xdf => h(Map, W32),
            0xe0..=0xff => Marker::FixInt(IntFormat::NegFixint, b as i8),
        }
    }

    /// Bytes that follow the marker before the value is complete, for the
    /// markers whose size the marker alone decides (`None` for headers,
    /// whose body depends on the length bytes).
    pub const fn fixed_payload(self) -> Option<u8> {
        match self {
            Marker::Nil | Marker::False | Marker::True | Marker::FixInt(..) => Some(0),
            Marker::Int(f) => Some(f.payload_bytes()),
            Marker::Float { payload } => Some(payload),
            Marker::Reserved | Marker::Header { .. } => None,
        }
    }
}

/// The marker byte of a header of `kind` and `width` announcing `n`
/// (`n` goes into fix markers), or `None` when the format has no such
/// header or `n` does not fit it.
pub fn header_marker(kind: Kind, width: Width, n: u64) -> Option<u8> {
    if !kind.format_allows(width, n) {
        return None;
    }
    Some(match (kind, width) {
        (Kind::Map, Width::Fix) => 0x80 | n as u8,
        (Kind::Array, Width::Fix) => 0x90 | n as u8,
        (Kind::Str, Width::Fix) => 0xa0 | n as u8,
        (Kind::Ext, Width::Fix) => 0xd4 + n.trailing_zeros() as u8,
        (Kind::Bin, Width::W8) => 0xc4,
        (Kind::Bin, Width::W16) => 0xc5,
        (Kind::Bin, Width::W32) => 0xc6,
        (Kind::Ext, Width::W8) => 0xc7,
        (Kind::Ext, Width::W16) => 0xc8,
        (Kind::Ext, Width::W32) => 0xc9,
        (Kind::Str, Width::W8) => 0xd9,
        (Kind::Str, Width::W16) => 0xda,
        (Kind::Str, Width::W32) => 0xdb,
        (Kind::Array, Width::W16) => 0xdc,
        (Kind::Array, Width::W32) => 0xdd,
        (Kind::Map, Width::W16) => 0xde,
        (Kind::Map, Width::W32) => 0xdf,
        (Kind::Bin, Width::Fix) | (Kind::Array | Kind::Map, Width::W8) => return None,
    })
}

/// The msgpack spec's name of a marker byte ("fixmap(2)", "str16 (0xda)",
/// "positive fixint 5").
pub struct MarkerName(pub u8);

impl fmt::Display for MarkerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        match Marker::of(b) {
            Marker::FixInt(IntFormat::PosFixint, v) => write!(f, "positive fixint {v}"),
            Marker::FixInt(_, v) => write!(f, "negative fixint {v}"),
            Marker::Nil => f.write_str("nil"),
            Marker::True => f.write_str("true"),
            Marker::False => f.write_str("false"),
            Marker::Reserved => f.write_str("reserved marker 0xc1"),
            Marker::Header {
                kind,
                width: Width::Fix,
                fixed,
            } => match kind {
                Kind::Ext => write!(f, "fixext{fixed} ({b:#04x})"),
                _ => write!(f, "fix{}({fixed})", kind.name()),
            },
            Marker::Header { kind, width, .. } => {
                write!(f, "{}{} ({b:#04x})", kind.name(), 8 * width.length_bytes() as u32)
            }
            Marker::Int(format) => {
                let sign = if format.is_signed() { 'i' } else { 'u' };
                write!(f, "{sign}{} ({b:#04x})", 8 * format.payload_bytes() as u32)
            }
            Marker::Float { payload } => write!(f, "f{} ({b:#04x})", 8 * payload as u32),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmp::Marker as R;

    /// Every byte means what `rmp` says it means.
    #[test]
    fn agrees_with_rmp_on_all_256_bytes() {
        for b in 0..=255u8 {
            let ours = Marker::of(b);
            let theirs = R::from_u8(b);
            let expected = match theirs {
                R::FixPos(v) => Marker::FixInt(IntFormat::PosFixint, v as i8),
                R::FixNeg(v) => Marker::FixInt(IntFormat::NegFixint, v),
                R::Null => Marker::Nil,
                R::True => Marker::True,
                R::False => Marker::False,
                R::Reserved => Marker::Reserved,
                R::U8 => Marker::Int(IntFormat::U8),
                R::U16 => Marker::Int(IntFormat::U16),
                R::U32 => Marker::Int(IntFormat::U32),
                R::U64 => Marker::Int(IntFormat::U64),
                R::I8 => Marker::Int(IntFormat::I8),
                R::I16 => Marker::Int(IntFormat::I16),
                R::I32 => Marker::Int(IntFormat::I32),
                R::I64 => Marker::Int(IntFormat::I64),
                R::F32 => Marker::Float { payload: 4 },
                R::F64 => Marker::Float { payload: 8 },
                R::FixStr(n) => fix(Kind::Str, n),
                R::FixArray(n) => fix(Kind::Array, n),
                R::FixMap(n) => fix(Kind::Map, n),
                R::FixExt1 => fix(Kind::Ext, 1),
                R::FixExt2 => fix(Kind::Ext, 2),
                R::FixExt4 => fix(Kind::Ext, 4),
                R::FixExt8 => fix(Kind::Ext, 8),
                R::FixExt16 => fix(Kind::Ext, 16),
                R::Str8 => wide(Kind::Str, Width::W8),
                R::Str16 => wide(Kind::Str, Width::W16),
                R::Str32 => wide(Kind::Str, Width::W32),
                R::Bin8 => wide(Kind::Bin, Width::W8),
                R::Bin16 => wide(Kind::Bin, Width::W16),
                R::Bin32 => wide(Kind::Bin, Width::W32),
                R::Ext8 => wide(Kind::Ext, Width::W8),
                R::Ext16 => wide(Kind::Ext, Width::W16),
                R::Ext32 => wide(Kind::Ext, Width::W32),
                R::Array16 => wide(Kind::Array, Width::W16),
                R::Array32 => wide(Kind::Array, Width::W32),
                R::Map16 => wide(Kind::Map, Width::W16),
                R::Map32 => wide(Kind::Map, Width::W32),
            };
            assert_eq!(ours, expected, "byte {b:#04x}");
            // The name is rmp's, lower-cased, for every non-fix marker.
            if let Marker::Header { width, .. } = ours {
                if width != Width::Fix {
                    let name = format!("{theirs:?}").to_lowercase();
                    assert_eq!(MarkerName(b).to_string(), format!("{name} ({b:#04x})"));
                }
            }
        }
    }

    fn fix(kind: Kind, n: u8) -> Marker {
        Marker::Header {
            kind,
            width: Width::Fix,
            fixed: n,
        }
    }

    fn wide(kind: Kind, width: Width) -> Marker {
        Marker::Header { kind, width, fixed: 0 }
    }

    /// Writing a header marker and reading it back agree, for every
    /// kind, width and a spread of lengths.
    #[test]
    fn header_markers_read_back() {
        let mut written = 0;
        for kind in Kind::ALL {
            for width in Width::ALL {
                for n in [
                    0u64,
                    1,
                    2,
                    3,
                    4,
                    8,
                    15,
                    16,
                    17,
                    31,
                    32,
                    255,
                    256,
                    65_535,
                    65_536,
                    u32::MAX as u64,
                ] {
                    let Some(b) = header_marker(kind, width, n) else {
                        assert!(!kind.format_allows(width, n), "{kind:?} {width:?} {n}");
                        continue;
                    };
                    let fixed = if width == Width::Fix { n as u8 } else { 0 };
                    assert_eq!(Marker::of(b), Marker::Header { kind, width, fixed });
                    written += 1;
                }
            }
        }
        // Of the 16 lengths listed: fix forms take 10 (str, up to 31), 7
        // (array, map: up to 15) and 5 (ext: the powers of two); W8 takes 12
        // for str, bin, ext; W16 takes 14 and W32 all 16 for every kind.
        let expected = (10 + 7 + 7 + 5) + 3 * 12 + 5 * 14 + 5 * 16;
        assert_eq!(written, expected);
    }

    #[test]
    fn partial_lengths() {
        assert_eq!(Width::W32.lengths_given(0, 0), (0, u32::MAX as u64));
        assert_eq!(Width::W32.lengths_given(3, 0x000001), (256, 511));
        assert_eq!(Width::W16.lengths_given(2, 0x1234), (0x1234, 0x1234));
        assert_eq!(IntFormat::I8.value_of(0xff), -1);
        assert_eq!(IntFormat::U8.value_of(0xff), 255);
        assert_eq!(IntFormat::I64.value_of(u64::MAX), -1);
    }
}
