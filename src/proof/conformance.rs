//! Whole-blob conformance: does a byte string encode exactly one conforming
//! document under a profile and key specification?
//!
//! This is a plain recursive-descent reader, written separately from the
//! oracle's incremental parser on purpose: witnesses, property tests and
//! fuzz targets check the oracle against it, so the two must not share a
//! grammar implementation. For the same reason it keeps its own
//! hand-written marker table (the `match` in `Reader::value`) instead of
//! the format layer's [`crate::msgpack::Marker`]: a mistake in that table
//! would otherwise be repeated by the judge. It shares only the profile's
//! rules and the key specification, which are what it judges against. It
//! reports the first header, key or byte that breaks the rules, with its
//! offset.

use ahash::AHashSet as HashSet;

use crate::msgpack::{IntFormat, KeySpec, Kind, Profile, Width, MAX_DEPTH};

/// The first rule a blob breaks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("byte {offset}: {what}")]
pub struct Violation {
    pub offset: usize,
    pub what: String,
}

/// Check that `blob` is exactly one document conforming to `profile` and
/// `keys`: a top-level map, str keys from the key alphabet with allowed
/// lengths and no duplicates in any map, UTF-8 str values, only the
/// headers and integer encodings the profile writes, no ext types, and no
/// trailing bytes.
pub fn check(profile: Profile, keys: &KeySpec, blob: &[u8]) -> Result<(), Violation> {
    let mut r = Reader {
        blob,
        at: 0,
        profile,
        keys,
    };
    let start = r.at;
    let marker = r.byte("top-level map marker")?;
    r.at = start;
    if !matches!(marker, 0x80..=0x8f | 0xde | 0xdf) {
        return r.fail(
            start,
            format!("the top level must be a map, found marker {marker:#04x}"),
        );
    }
    r.value(0)?;
    if r.at != blob.len() {
        return r.fail(r.at, format!("{} trailing bytes after the document", blob.len() - r.at));
    }
    Ok(())
}

struct Reader<'a> {
    blob: &'a [u8],
    at: usize,
    profile: Profile,
    keys: &'a KeySpec,
}

impl<'a> Reader<'a> {
    fn fail<T>(&self, offset: usize, what: String) -> Result<T, Violation> {
        Err(Violation { offset, what })
    }

    fn take(&mut self, n: u64, what: &str) -> Result<&'a [u8], Violation> {
        let left = (self.blob.len() - self.at) as u64;
        if n > left {
            return self.fail(self.at, format!("truncated: {what} needs {n} bytes, {left} left"));
        }
        let s = &self.blob[self.at..self.at + n as usize];
        self.at += n as usize;
        Ok(s)
    }

    fn byte(&mut self, what: &str) -> Result<u8, Violation> {
        Ok(self.take(1, what)?[0])
    }

    fn be(&mut self, n: u8, what: &str) -> Result<u64, Violation> {
        Ok(self
            .take(n as u64, what)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | *b as u64))
    }

    /// Read the length bytes of a non-fix header and check the profile.
    fn length(&mut self, kind: Kind, width: Width, fix: u64, at: usize) -> Result<u64, Violation> {
        let n = if width == Width::Fix {
            fix
        } else {
            self.be(width.length_bytes(), "header length")?
        };
        if !self.profile.allows(kind, width, n) {
            return self.fail(
                at,
                format!(
                    "profile {} does not write a {kind:?} of length {n} with a {width:?} header",
                    self.profile
                ),
            );
        }
        Ok(n)
    }

    fn value(&mut self, depth: usize) -> Result<(), Violation> {
        if depth > MAX_DEPTH {
            return self.fail(self.at, format!("nesting deeper than {MAX_DEPTH}"));
        }
        let at = self.at;
        let m = self.byte("value marker")?;
        let (kind, width, fix) = match m {
            0x00..=0x7f => return self.int(IntFormat::PosFixint, m as i128, at),
            0xe0..=0xff => return self.int(IntFormat::NegFixint, m as i8 as i128, at),
            0xc0 | 0xc2 | 0xc3 => return Ok(()),
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
            _ => {
                return self.fail(
                    at,
                    format!("marker {m:#04x} (ext or reserved) is not in the data model"),
                )
            }
        };
        let n = self.length(kind, width, fix, at)?;
        match kind {
            Kind::Str => {
                let body_at = self.at;
                let body = self.take(n, "str body")?;
                if let Err(e) = std::str::from_utf8(body) {
                    return self.fail(body_at + e.valid_up_to(), "str value is not valid UTF-8".into());
                }
            }
            Kind::Bin => {
                self.take(n, "bin body")?;
            }
            Kind::Ext => {
                self.take(n + 1, "ext type and body")?;
            }
            Kind::Array => {
                for _ in 0..n {
                    self.value(depth + 1)?;
                }
            }
            Kind::Map => {
                // Each entry takes at least two bytes: refuse impossible counts
                // before allocating anything for them.
                let left = (self.blob.len() - self.at) as u64;
                if n > left / 2 {
                    return self.fail(at, format!("truncated: map of {n} entries in {left} bytes"));
                }
                let mut seen: HashSet<&[u8]> = HashSet::with_capacity(n as usize);
                for _ in 0..n {
                    let key_at = self.at;
                    let key = self.key()?;
                    if !seen.insert(key) {
                        return self.fail(key_at, format!("duplicate key {:?}", String::from_utf8_lossy(key)));
                    }
                    self.value(depth + 1)?;
                }
            }
        }
        Ok(())
    }

    fn key(&mut self) -> Result<&'a [u8], Violation> {
        let at = self.at;
        let m = self.byte("key marker")?;
        let (width, fix) = match m {
            0xa0..=0xbf => (Width::Fix, (m & 0x1f) as u64),
            0xd9 => (Width::W8, 0),
            0xda => (Width::W16, 0),
            0xdb => (Width::W32, 0),
            _ => return self.fail(at, format!("a map key must be a str, found marker {m:#04x}")),
        };
        let n = self.length(Kind::Str, width, fix, at)?;
        let body_at = self.at;
        let key = self.take(n, "key body")?;
        if let Err(e) = self.keys.check(key) {
            return self.fail(body_at, format!("key {:?}: {e}", String::from_utf8_lossy(key)));
        }
        Ok(key)
    }

    fn int(&self, format: IntFormat, v: i128, at: usize) -> Result<(), Violation> {
        if self.profile.allows_int(format, v) {
            Ok(())
        } else {
            self.fail(at, format!("profile {} does not write {v} as {format:?}", self.profile))
        }
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
}
