//! Writing msgpack headers with an explicit width, so a profile's choice of
//! header (including the non-minimal ones) is spelled out byte by byte.

use crate::profile::{Kind, Profile, Width};

/// Append the header for a `kind` of length (or count) `n` with `width`.
/// The caller guarantees the format has that header and `n` fits it.
pub fn write_header(out: &mut Vec<u8>, kind: Kind, width: Width, n: u64) {
    debug_assert!(
        kind.format_range(width).is_some_and(|r| r.contains(&n)),
        "{kind:?} {width:?} {n}"
    );
    match width {
        Width::Fix => out.push(
            match kind {
                Kind::Str => 0xa0,
                Kind::Array => 0x90,
                Kind::Map => 0x80,
                Kind::Bin => unreachable!("bin has no fix header"),
            } | n as u8,
        ),
        Width::W8 => {
            out.push(if kind == Kind::Str { 0xd9 } else { 0xc4 });
            out.push(n as u8);
        }
        Width::W16 => {
            out.push(match kind {
                Kind::Str => 0xda,
                Kind::Bin => 0xc5,
                Kind::Array => 0xdc,
                Kind::Map => 0xde,
            });
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        Width::W32 => {
            out.push(match kind {
                Kind::Str => 0xdb,
                Kind::Bin => 0xc6,
                Kind::Array => 0xdd,
                Kind::Map => 0xdf,
            });
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
    }
}

/// The narrowest header `profile` writes for a `kind` of length `n`.
pub fn narrowest_width(profile: Profile, kind: Kind, n: u64) -> Option<Width> {
    Width::ALL.into_iter().find(|w| profile.allows(kind, *w, n))
}

/// Append the narrowest header `profile` writes for a `kind` of length `n`;
/// `false` (and nothing written) if the profile cannot write it.
pub fn write_narrowest_header(out: &mut Vec<u8>, profile: Profile, kind: Kind, n: u64) -> bool {
    match narrowest_width(profile, kind, n) {
        Some(w) => {
            write_header(out, kind, w, n);
            true
        }
        None => false,
    }
}

/// A value of exactly `size` encoded bytes that `profile` writes: nil, a
/// string of 'x', or a one-element array around a smaller padding value
/// (which fills the sizes no single string header reaches).
pub fn padding_value(profile: Profile, size: u64) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    pad_into(&mut out, profile, size).then_some(out)
}

fn pad_into(out: &mut Vec<u8>, profile: Profile, size: u64) -> bool {
    if size == 0 {
        return false;
    }
    if size == 1 {
        out.push(0xc0);
        return true;
    }
    for width in Width::ALL {
        let h = width.header_size();
        if size >= h && profile.allows(Kind::Str, width, size - h) {
            write_header(out, Kind::Str, width, size - h);
            out.resize(out.len() + (size - h) as usize, b'x');
            return true;
        }
    }
    let mark = out.len();
    let Some(w) = narrowest_width(profile, Kind::Array, 1) else {
        return false;
    };
    write_header(out, Kind::Array, w, 1);
    if size > w.header_size() && pad_into(out, profile, size - w.header_size()) {
        return true;
    }
    out.truncate(mark);
    false
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
        }
    }
}
