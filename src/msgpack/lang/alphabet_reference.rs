//! The alphabet-based key specification that preceded key languages, kept
//! as an independent reference for the presets: per-position alphabets and
//! closed-form counts, sharing nothing with the automata. The tests of
//! [`super`] check the preset languages against it.

use super::super::keys::{FirstChar, Kmax};
use super::super::marker::Kind;
use super::super::profile::Profile;

/// A set of ASCII bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
}

/// Keys by alphabets and lengths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct AlphabetSpec {
    pub first: Alphabet,
    pub rest: Alphabet,
    pub min_len: u64,
    pub max_len: u64,
}

impl AlphabetSpec {
    /// The specification for a report row: keys of length 1..=kmax.
    pub fn new(first_char: FirstChar, kmax: Kmax) -> Self {
        AlphabetSpec {
            first: match first_char {
                FirstChar::Alnum => Alphabet::alnum(),
                FirstChar::Ident => Alphabet::ident_start(),
            },
            rest: Alphabet::alnum(),
            min_len: 1,
            max_len: kmax.max_len(),
        }
    }

    /// Whether `len` is an allowed key length.
    pub fn allows_len(&self, len: u64) -> bool {
        (self.min_len..=self.max_len).contains(&len)
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
