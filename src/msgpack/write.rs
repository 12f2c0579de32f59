//! Writing msgpack: headers of an explicit width (so a profile's choice,
//! including the non-minimal ones, is spelled out byte by byte), and
//! padding values of an exact size.
//!
//! The marker bytes come from [`super::marker::header_marker`]; this module
//! only lays out the length bytes after them.

use super::marker::{header_marker, Kind, Width};
use super::profile::{Place, Profile};

/// Append the header for a `kind` of length (or count) `n` with `width`.
/// `false` (and nothing written) when the format has no such header or
/// `n` does not fit it.
pub fn write_header(out: &mut Vec<u8>, kind: Kind, width: Width, n: u64) -> bool {
    let Some(marker) = header_marker(kind, width, n) else {
        return false;
    };
    out.push(marker);
    let len_bytes = width.length_bytes() as usize;
    out.extend_from_slice(&n.to_be_bytes()[8 - len_bytes..]);
    true
}

/// Append the narrowest header `profile` writes for a `kind` of length
/// `n`; `false` (and nothing written) if the profile cannot write it.
pub fn write_narrowest_header(out: &mut Vec<u8>, profile: Profile, kind: Kind, n: u64) -> bool {
    profile
        .narrowest_width(Place::Nested, kind, n)
        .is_some_and(|w| write_header(out, kind, w, n))
}

/// A value of an exact encoded size whose content does not matter: nil, a
/// str, or one-element arrays around one of those (which fills the sizes
/// no single str header reaches).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Padding {
    /// How many one-element arrays wrap the innermost value, and the
    /// header width each is written with.
    pub arrays: usize,
    pub array_width: Width,
    /// The innermost value: `None` for nil, else a str header's width
    /// and the str's length.
    pub text: Option<(Width, u64)>,
}

impl Padding {
    /// The padding of exactly `size` bytes when the encoder writes a header
    /// of width `w` for a `kind` of length `n` exactly when `writes(kind, w,
    /// n)`. Tries, in order: nil (one byte), a str under the narrowest
    /// header that fits, then one more array wrapper around a smaller
    /// padding. `None` for size 0, or if no such value exists.
    pub fn of_size(size: u64, writes: impl Fn(Kind, Width, u64) -> bool) -> Option<Padding> {
        let array_width = Width::ALL.into_iter().find(|w| writes(Kind::Array, *w, 1));
        let mut arrays = 0;
        let mut size = size;
        loop {
            if size == 0 {
                return None;
            }
            let done = |text| {
                Some(Padding {
                    arrays,
                    array_width: array_width.unwrap_or(Width::Fix),
                    text,
                })
            };
            if size == 1 {
                return done(None);
            }
            for w in Width::ALL {
                let h = w.header_size();
                if size >= h && writes(Kind::Str, w, size - h) {
                    return done(Some((w, size - h)));
                }
            }
            let arr = array_width?.header_size();
            if size <= arr {
                return None;
            }
            size -= arr;
            arrays += 1;
        }
    }

    /// The padding of exactly `size` bytes with the narrowest headers
    /// `profile` writes.
    pub fn narrowest(profile: Profile, size: u64) -> Option<Padding> {
        Padding::of_size(size, |kind, w, n| profile.allows(Place::Nested, kind, w, n))
    }

    /// Append the padding, its str (if any) filled with `fill`.
    pub fn write(&self, out: &mut Vec<u8>, fill: u8) {
        for _ in 0..self.arrays {
            write_header(out, Kind::Array, self.array_width, 1);
        }
        match self.text {
            None => out.push(0xc0),
            Some((w, len)) => {
                write_header(out, Kind::Str, w, len);
                out.resize(out.len() + len as usize, fill);
            }
        }
    }
}

/// A value of exactly `size` encoded bytes that `profile` writes with its
/// narrowest headers, or `None` if there is none.
pub(crate) fn padding_value(profile: Profile, size: u64) -> Option<Vec<u8>> {
    let pad = Padding::narrowest(profile, size)?;
    let mut out = Vec::with_capacity(size as usize);
    pad.write(&mut out, b'x');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_has_every_size_and_decodes() {
        for profile in Profile::ALL {
            let sizes = (1..400).chain(65_530..65_560);
            for size in sizes {
                let v = padding_value(profile, size).unwrap_or_else(|| panic!("{profile} {size}"));
                assert_eq!(v.len() as u64, size);
                let mut rd = v.as_slice();
                rmpv::decode::read_value(&mut rd).unwrap();
                assert!(rd.is_empty());
            }
        }
        assert_eq!(padding_value(Profile::Canonical, 0), None);
    }

    /// Hand-written from the msgpack spec: the forms padding takes.
    #[test]
    fn padding_forms() {
        assert_eq!(padding_value(Profile::Canonical, 1).unwrap(), [0xc0]);
        assert_eq!(padding_value(Profile::Canonical, 3).unwrap(), [0xa2, b'x', b'x']);
        // 33 bytes: fixstr(32) is not a thing, str8(31) is not canonical,
        // so an array around a 32-byte fixstr(31).
        let p = padding_value(Profile::Canonical, 33).unwrap();
        assert_eq!(p[..2], [0x91, 0xbf]);
        // Under any-width the narrowest writable header wins: str8(31).
        assert_eq!(padding_value(Profile::AnyWidth, 33).unwrap()[..2], [0xd9, 31]);
        // Legacy has no str8: str16 from 35 bytes, arrays in between.
        assert_eq!(padding_value(Profile::Legacy, 35).unwrap()[..3], [0xda, 0, 32]);
    }

    #[test]
    fn headers_match_rmp() {
        for n in [0u64, 1, 31, 32, 255, 256, 65535, 65536] {
            let mut ours = Vec::new();
            write_narrowest_header(&mut ours, Profile::Canonical, Kind::Str, n);
            let mut theirs = Vec::new();
            rmp::encode::write_str_len(&mut theirs, n as u32).unwrap();
            assert_eq!(ours, theirs, "str {n}");
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            write_narrowest_header(&mut ours, Profile::Canonical, Kind::Map, n);
            rmp::encode::write_map_len(&mut theirs, n as u32).unwrap();
            assert_eq!(ours, theirs, "map {n}");
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            write_narrowest_header(&mut ours, Profile::Canonical, Kind::Bin, n);
            rmp::encode::write_bin_len(&mut theirs, n as u32).unwrap();
            assert_eq!(ours, theirs, "bin {n}");
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            write_narrowest_header(&mut ours, Profile::Canonical, Kind::Array, n);
            rmp::encode::write_array_len(&mut theirs, n as u32).unwrap();
            assert_eq!(ours, theirs, "array {n}");
        }
        for n in [1u64, 2, 4, 8, 16] {
            let mut ours = Vec::new();
            assert!(write_header(&mut ours, Kind::Ext, Width::Fix, n));
            let mut theirs = Vec::new();
            rmp::encode::write_ext_meta(&mut theirs, n as u32, 7).unwrap();
            assert_eq!(ours[..], theirs[..1], "fixext {n}");
        }
        assert!(!write_header(&mut Vec::new(), Kind::Bin, Width::Fix, 1));
        assert!(!write_header(&mut Vec::new(), Kind::Str, Width::Fix, 32));
    }
}
