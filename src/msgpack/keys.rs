//! Key specifications: which byte strings may be map keys.
//!
//! A key is a msgpack str whose bytes come from an alphabet (one for the
//! first character, one for the rest) and whose length lies in
//! `min_len..=max_len`. This module owns the counting that the bound rests
//! on: how many distinct keys each length has, the cheapest encoded size
//! of `n` distinct keys under a profile with some keys already taken, and
//! the keys themselves in order (for witnesses and generators). It does
//! not own how a key's str header is laid out ([`super::marker`]).

use std::fmt;
use std::str::FromStr;

use super::marker::Kind;
use super::profile::Profile;

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

/// A first-character rule or maximum key length that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyArgError {
    #[error("unknown first-char rule {0:?}: expected alnum or ident")]
    FirstChar(String),
    #[error("kmax must be at least 1")]
    KmaxZero,
    #[error("kmax {0} is above the format's longest str, 4294967295 (use \"unbounded\")")]
    KmaxTooLarge(String),
    #[error("invalid kmax {0:?}: expected a positive number or \"unbounded\"")]
    KmaxInvalid(String),
}

impl FromStr for FirstChar {
    type Err = KeyArgError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FirstChar::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| KeyArgError::FirstChar(s.to_string()))
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
    type Err = KeyArgError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "unbounded" {
            return Ok(Kmax::Unbounded);
        }
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u64>().is_err() {
            return Err(KeyArgError::KmaxTooLarge(s.to_string()));
        }
        match s.parse::<u64>() {
            Ok(0) => Err(KeyArgError::KmaxZero),
            Ok(k) if k == FORMAT_MAX_KEY_LEN => Ok(Kmax::Unbounded),
            Ok(k) if k > FORMAT_MAX_KEY_LEN => Err(KeyArgError::KmaxTooLarge(s.to_string())),
            Ok(k) => Ok(Kmax::Bounded(k as u32)),
            Err(_) => Err(KeyArgError::KmaxInvalid(s.to_string())),
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

    /// Symbols allowed at each position class, ascending: the first
    /// position, then every later one.
    fn symbols_at(&self, pos: u64) -> Vec<u8> {
        let alphabet = if pos == 0 { self.first } else { self.rest };
        alphabet.symbols().collect()
    }

    /// The `index`-th key (from 0, bytewise order) of length `len`, or
    /// `None` if there are not that many.
    pub fn key_at(&self, len: u64, index: u128) -> Option<Vec<u8>> {
        if index >= self.keys_of_len(len) {
            return None;
        }
        let (first, rest) = (self.symbols_at(0), self.symbols_at(1));
        let mut key = vec![0u8; len as usize];
        let mut n = index;
        for pos in (0..len as usize).rev() {
            let syms = if pos == 0 { &first } else { &rest };
            key[pos] = syms[(n % syms.len() as u128) as usize];
            n /= syms.len() as u128;
        }
        Some(key)
    }

    /// Every key in order of encoded size (shortest first, then bytewise),
    /// starting at the `index`-th key of length `len`.
    pub fn keys_from(&self, len: u64, index: u128) -> KeyCursor {
        let (first, rest) = (self.symbols_at(0), self.symbols_at(1));
        let mut digits = vec![0usize; len as usize];
        let mut n = index;
        for pos in (0..len as usize).rev() {
            let radix = if pos == 0 { first.len() } else { rest.len() }.max(1) as u128;
            digits[pos] = (n % radix) as usize;
            n /= radix;
        }
        // An index past the last key of `len` starts at the next length.
        let exhausted = n > 0 || index >= self.keys_of_len(len);
        let mut cursor = KeyCursor {
            len,
            digits,
            first,
            rest,
            max_len: self.max_len,
        };
        if exhausted {
            cursor.next_len();
        }
        cursor
    }

    /// Every key in order of encoded size, from the shortest.
    pub fn keys_in_order(&self) -> KeyCursor {
        self.keys_from(self.min_len, 0)
    }
}

/// Keys of a specification in order of encoded size (shortest first, then
/// bytewise): an odometer over the alphabets, so listing `n` keys costs
/// O(n) time whatever their number.
#[derive(Clone, Debug)]
pub struct KeyCursor {
    /// Length of the next key, and its digits (indices into the alphabets).
    len: u64,
    digits: Vec<usize>,
    first: Vec<u8>,
    rest: Vec<u8>,
    max_len: u64,
}

impl KeyCursor {
    fn alphabet(&self, pos: usize) -> &[u8] {
        if pos == 0 {
            &self.first
        } else {
            &self.rest
        }
    }

    fn next_len(&mut self) {
        self.len += 1;
        self.digits.clear();
        self.digits.resize(self.len as usize, 0);
    }

    /// Whether a key of the current length exists at all.
    fn len_has_keys(&self) -> bool {
        (0..self.digits.len()).all(|pos| !self.alphabet(pos).is_empty())
    }
}

impl Iterator for KeyCursor {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        // An empty alphabet rules out this length and, as every later
        // position shares the `rest` alphabet, every longer one.
        if self.len > self.max_len || !self.len_has_keys() {
            return None;
        }
        let key: Vec<u8> = self
            .digits
            .iter()
            .enumerate()
            .map(|(i, d)| self.alphabet(i)[*d])
            .collect();
        // Advance the odometer; past the last key of this length, move to
        // the first key of the next length.
        let mut i = self.digits.len();
        loop {
            if i == 0 {
                self.next_len();
                break;
            }
            i -= 1;
            self.digits[i] += 1;
            if self.digits[i] < self.alphabet(i).len() {
                break;
            }
            self.digits[i] = 0;
        }
        Some(key)
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
        // Closed form, not the greedy loop: 63^L keys of length L cost
        // L + 1 bytes each (fixstr up to 31). Lengths 1..=5 hold
        // 63 + 3969 + 250047 + 15752961 + 992436543 = 1008443583 keys, fewer
        // than 2^32, and length 6 (63^6 = 62523502209 keys) holds the rest.
        let short: u128 = (1..=5).map(|l| 63u128.pow(l) * (l as u128 + 1)).sum();
        let short_count: u128 = 1_008_443_583;
        assert_eq!((1..=5).map(|l| 63u128.pow(l)).sum::<u128>(), short_count);
        let expected = short + ((1u128 << 32) - short_count) * 7;
        assert_eq!(
            spec.cheapest_keys_size(Profile::Canonical, 1 << 32, &[]),
            Some(expected)
        );
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

    /// The cursor lists exactly the enumerated keys, shortest first and
    /// bytewise within a length, and `key_at` / `keys_from` agree with it.
    #[test]
    fn keys_in_order_match_enumeration() {
        let spec = KeySpec {
            first: Alphabet::from_ranges(&[(b'a', b'b')]),
            rest: Alphabet::from_ranges(&[(b'0', b'2')]),
            min_len: 1,
            max_len: 4,
        };
        let listed: Vec<Vec<u8>> = (1..=4).flat_map(|l| enumerate(&spec, l)).collect();
        assert_eq!(listed.len(), 2 + 6 + 18 + 54);
        let cursor: Vec<Vec<u8>> = spec.keys_in_order().collect();
        assert_eq!(cursor, listed);
        for (i, key) in listed.iter().enumerate() {
            let len = key.len() as u64;
            let before = listed.iter().take_while(|k| (k.len() as u64) < len).count();
            let index = (i - before) as u128;
            assert_eq!(spec.key_at(len, index).as_ref(), Some(key));
            assert_eq!(spec.keys_from(len, index).next().as_ref(), Some(key));
        }
        assert_eq!(spec.key_at(2, 6), None);
        // Past the last key of a length, the next length starts.
        assert_eq!(spec.keys_from(2, 6).next(), Some(b"a00".to_vec()));
        let no_rest = KeySpec {
            rest: Alphabet::from_ranges(&[]),
            ..spec
        };
        assert_eq!(
            no_rest.keys_in_order().collect::<Vec<_>>(),
            vec![b"a".to_vec(), b"b".to_vec()]
        );
    }

    #[test]
    fn kmax_parsing() {
        assert_eq!("31".parse::<Kmax>(), Ok(Kmax::Bounded(31)));
        assert_eq!("unbounded".parse::<Kmax>(), Ok(Kmax::Unbounded));
        assert_eq!("4294967295".parse::<Kmax>(), Ok(Kmax::Unbounded));
        assert_eq!("0".parse::<Kmax>(), Err(KeyArgError::KmaxZero));
        assert!(matches!(
            "4294967296".parse::<Kmax>(),
            Err(KeyArgError::KmaxTooLarge(_))
        ));
        assert!(matches!(
            "99999999999999999999999".parse::<Kmax>(),
            Err(KeyArgError::KmaxTooLarge(_))
        ));
        assert!(matches!("x".parse::<Kmax>(), Err(KeyArgError::KmaxInvalid(_))));
        assert!(matches!("-1".parse::<Kmax>(), Err(KeyArgError::KmaxInvalid(_))));
    }
}
