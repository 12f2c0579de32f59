//! Key specifications: which byte strings may be map keys.
//!
//! A key is a msgpack str whose bytes come from an alphabet (one for the
//! first character, one for the rest) and whose length lies in
//! `min_len..=max_len`. This module owns the counting that the bound rests
//! on: how many distinct keys each length has, and the cheapest encoded size
//! of `n` distinct keys under a profile, with some keys already taken.

use std::fmt;
use std::str::FromStr;

use crate::profile::{Kind, Profile};

/// The format's own limit on a str length.
pub const FORMAT_MAX_KEY_LEN: u64 = u32::MAX as u64;

/// A set of ASCII bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Alphabet(u128);

impl Alphabet {
    /// `[A-Za-z0-9_]`: 63 symbols.
    pub fn alnum() -> Self {
        Self::from_ranges(&[(b'0', b'9'), (b'A', b'Z'), (b'a', b'z'), (b'_', b'_')])
    }

    /// `[A-Za-z_]`: 53 symbols (identifier start).
    pub fn ident_start() -> Self {
        Self::from_ranges(&[(b'A', b'Z'), (b'a', b'z'), (b'_', b'_')])
    }

    /// The union of the given inclusive ASCII ranges.
    pub fn from_ranges(ranges: &[(u8, u8)]) -> Self {
        let mut bits = 0u128;
        for &(lo, hi) in ranges {
            assert!(hi < 128, "alphabets are ASCII");
            for b in lo..=hi {
                bits |= 1 << b;
            }
        }
        Alphabet(bits)
    }

    pub fn contains(self, b: u8) -> bool {
        b < 128 && self.0 & (1 << b) != 0
    }

    pub fn size(self) -> u32 {
        self.0.count_ones()
    }

    /// Members in ascending byte order.
    pub fn symbols(self) -> impl Iterator<Item = u8> {
        (0u8..128).filter(move |b| self.contains(*b))
    }

    /// The smallest member.
    pub fn first(self) -> Option<u8> {
        self.symbols().next()
    }
}

impl fmt::Debug for Alphabet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Alphabet({} symbols)", self.size())
    }
}

/// The first-character rule, as named on the command line and in reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FirstChar {
    /// `[A-Za-z0-9_]` everywhere.
    Alnum,
    /// `[A-Za-z_]` first, `[A-Za-z0-9_]` after.
    Ident,
}

impl FirstChar {
    pub const ALL: [FirstChar; 2] = [FirstChar::Alnum, FirstChar::Ident];

    pub fn name(self) -> &'static str {
        match self {
            FirstChar::Alnum => "alnum",
            FirstChar::Ident => "ident",
        }
    }

    pub fn alphabet(self) -> Alphabet {
        match self {
            FirstChar::Alnum => Alphabet::alnum(),
            FirstChar::Ident => Alphabet::ident_start(),
        }
    }
}

impl fmt::Display for FirstChar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FirstChar {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FirstChar::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| format!("unknown first-char rule {s:?}: expected alnum or ident"))
    }
}

/// The largest key length, as named on the command line and in reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kmax {
    Bounded(u32),
    /// The format's own limit, 2^32 - 1.
    Unbounded,
}

impl Kmax {
    /// The four values the reports cover.
    pub const REPORTED: [Kmax; 4] = [
        Kmax::Bounded(31),
        Kmax::Bounded(255),
        Kmax::Bounded(65535),
        Kmax::Unbounded,
    ];

    pub fn max_len(self) -> u64 {
        match self {
            Kmax::Bounded(k) => k as u64,
            Kmax::Unbounded => FORMAT_MAX_KEY_LEN,
        }
    }
}

impl fmt::Display for Kmax {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kmax::Bounded(k) => write!(f, "{k}"),
            Kmax::Unbounded => f.write_str("unbounded"),
        }
    }
}

impl FromStr for Kmax {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "unbounded" {
            return Ok(Kmax::Unbounded);
        }
        match s.parse::<u64>() {
            Ok(0) => Err("kmax must be at least 1".to_string()),
            Ok(k) if k >= FORMAT_MAX_KEY_LEN => Ok(Kmax::Unbounded),
            Ok(k) => Ok(Kmax::Bounded(k as u32)),
            Err(_) => Err(format!(
                "invalid kmax {s:?}: expected a positive number or \"unbounded\""
            )),
        }
    }
}

/// Why a byte string is not a key under a specification.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("key length {len} outside {min}..={max}")]
    Length { len: u64, min: u64, max: u64 },
    #[error("key byte {byte:#04x} at position {pos} is not in the key alphabet")]
    Byte { pos: u64, byte: u8 },
}

/// Which keys a document may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub first: Alphabet,
    pub rest: Alphabet,
    pub min_len: u64,
    pub max_len: u64,
}

impl KeySpec {
    /// The specification for a report row: keys of length 1..=kmax.
    pub fn new(first_char: FirstChar, kmax: Kmax) -> Self {
        KeySpec {
            first: first_char.alphabet(),
            rest: Alphabet::alnum(),
            min_len: 1,
            max_len: kmax.max_len(),
        }
    }

    /// Whether byte `b` may stand at position `pos` of a key.
    pub fn allows_byte(&self, pos: u64, b: u8) -> bool {
        if pos == 0 {
            self.first.contains(b)
        } else {
            self.rest.contains(b)
        }
    }

    /// Whether `len` is an allowed key length.
    pub fn allows_len(&self, len: u64) -> bool {
        (self.min_len..=self.max_len).contains(&len)
    }

    /// Check a whole key.
    pub fn check(&self, key: &[u8]) -> Result<(), KeyError> {
        let len = key.len() as u64;
        if !self.allows_len(len) {
            return Err(KeyError::Length {
                len,
                min: self.min_len,
                max: self.max_len,
            });
        }
        match key.iter().enumerate().find(|(i, b)| !self.allows_byte(*i as u64, **b)) {
            Some((pos, &byte)) => Err(KeyError::Byte { pos: pos as u64, byte }),
            None => Ok(()),
        }
    }

    /// Number of distinct keys of length `len` (saturating at `u128::MAX`).
    pub fn keys_of_len(&self, len: u64) -> u128 {
        if !self.allows_len(len) {
            return 0;
        }
        self.completions(len, 1).saturating_mul(self.first.size() as u128)
    }

    /// Number of ways to fill positions `from..len` of a key (saturating).
    pub fn completions(&self, len: u64, from: u64) -> u128 {
        let free = len.saturating_sub(from);
        let base = self.rest.size() as u128;
        let mut acc: u128 = 1;
        for _ in 0..free {
            acc = acc.saturating_mul(base);
            if acc == u128::MAX || base <= 1 {
                break;
            }
        }
        acc
    }

    /// The encoded size (str header plus bytes) of one key of length `len`
    /// under `profile`, or `None` if the profile cannot write that length.
    pub fn key_size(&self, profile: Profile, len: u64) -> Option<u128> {
        profile.min_header_size(Kind::Str, len).map(|h| (h + len) as u128)
    }

    /// The cheapest total encoded size of `n` distinct keys, none of which is
    /// one of the already-taken keys summarised by `taken` (pairs of length
    /// and how many keys of that length are taken). `None` if there are not
    /// `n` such keys.
    ///
    /// Encoded size grows strictly with key length in every profile, so the
    /// cheapest set takes every free key of the shortest length first.
    pub fn cheapest_keys_size(&self, profile: Profile, n: u64, taken: &[(u64, u64)]) -> Option<u128> {
        let mut left = n as u128;
        let mut total: u128 = 0;
        let mut len = self.min_len;
        while left > 0 {
            if len > self.max_len {
                return None;
            }
            let taken_here: u128 = taken.iter().filter(|(l, _)| *l == len).map(|(_, c)| *c as u128).sum();
            let free = self.keys_of_len(len).saturating_sub(taken_here);
            let used = free.min(left);
            if used > 0 {
                total += used * self.key_size(profile, len)?;
                left -= used;
            }
            len += 1;
        }
        Some(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counting keys by listing them all, for a tiny alphabet.
    fn enumerate(spec: &KeySpec, len: u64) -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = vec![vec![]];
        for pos in 0..len {
            out = out
                .into_iter()
                .flat_map(|k| {
                    (0u8..128).filter(move |b| spec.allows_byte(pos, *b)).map(move |b| {
                        let mut k = k.clone();
                        k.push(b);
                        k
                    })
                })
                .collect();
        }
        out
    }

    #[test]
    fn counts_match_enumeration() {
        let spec = KeySpec {
            first: Alphabet::from_ranges(&[(b'a', b'b')]),
            rest: Alphabet::from_ranges(&[(b'0', b'2')]),
            min_len: 1,
            max_len: 6,
        };
        for len in 0..=7 {
            let listed = enumerate(&spec, len).len() as u128;
            let expected = if spec.allows_len(len) { listed } else { 0 };
            assert_eq!(spec.keys_of_len(len), expected, "len {len}");
        }
    }

    #[test]
    fn alphabet_sizes() {
        assert_eq!(Alphabet::alnum().size(), 63);
        assert_eq!(Alphabet::ident_start().size(), 53);
        assert_eq!(Alphabet::alnum().first(), Some(b'0'));
        assert_eq!(Alphabet::ident_start().first(), Some(b'A'));
    }

    /// Cheapest keys by brute force: list every key up to a length, sort by
    /// encoded size, drop taken ones, sum the first n.
    #[test]
    fn cheapest_matches_brute_force() {
        let spec = KeySpec {
            first: Alphabet::from_ranges(&[(b'a', b'c')]),
            rest: Alphabet::from_ranges(&[(b'0', b'1')]),
            min_len: 1,
            max_len: 40,
        };
        for profile in Profile::ALL {
            let mut all: Vec<(u128, Vec<u8>)> = (1..=40)
                .flat_map(|l| {
                    if l <= 8 {
                        enumerate(&spec, l)
                    } else {
                        // a few keys of each longer length are plenty for n <= 60
                        vec![vec![b'a'; l as usize]]
                    }
                })
                .map(|k| (spec.key_size(profile, k.len() as u64).unwrap(), k))
                .collect();
            all.sort();
            let taken = [b"a".to_vec(), b"b0".to_vec(), b"c1".to_vec()];
            let free: Vec<u128> = all
                .iter()
                .filter(|(_, k)| !taken.contains(k))
                .map(|(s, _)| *s)
                .collect();
            for n in 0..60u64 {
                let expected: u128 = free.iter().take(n as usize).sum();
                assert_eq!(
                    spec.cheapest_keys_size(profile, n, &[(1, 1), (2, 2)]),
                    Some(expected),
                    "{profile} n={n}"
                );
            }
        }
    }

    #[test]
    fn cheapest_is_exact_at_scale_without_overflow() {
        let spec = KeySpec::new(FirstChar::Alnum, Kmax::Unbounded);
        // 63 keys of 2 bytes, 63^2 of 3, 63^3 of 4, ... hand-summed up to n = 2^32.
        let mut left: u128 = 1 << 32;
        let mut total: u128 = 0;
        let mut count: u128 = 63;
        let mut size: u128 = 2;
        while left > 0 {
            let used = count.min(left);
            total += used * size;
            left -= used;
            count *= 63;
            size += 1;
        }
        assert_eq!(spec.cheapest_keys_size(Profile::Canonical, 1 << 32, &[]), Some(total));
        let short = KeySpec::new(FirstChar::Alnum, Kmax::Bounded(1));
        assert_eq!(short.cheapest_keys_size(Profile::Canonical, 63, &[]), Some(126));
        assert_eq!(short.cheapest_keys_size(Profile::Canonical, 64, &[]), None);
        let huge = KeySpec {
            min_len: FORMAT_MAX_KEY_LEN,
            ..spec
        };
        assert_eq!(
            huge.cheapest_keys_size(Profile::Canonical, 1 << 32, &[]),
            Some((1u128 << 32) * (5 + FORMAT_MAX_KEY_LEN as u128))
        );
    }

    #[test]
    fn kmax_parsing() {
        assert_eq!("31".parse::<Kmax>(), Ok(Kmax::Bounded(31)));
        assert_eq!("unbounded".parse::<Kmax>(), Ok(Kmax::Unbounded));
        assert!("0".parse::<Kmax>().is_err());
        assert!("x".parse::<Kmax>().is_err());
    }
}
