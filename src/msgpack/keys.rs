//! Key specifications: which keys a document's maps may have.
//!
//! A specification is one key language ([`KeyLang`], any regular language
//! of byte strings up to a longest key length) for every key, and
//! optionally another for the top-level map's first key (a record that
//! always starts with `_id`, say). The post's rules are presets: keys of
//! `[A-Za-z0-9_]` (`alnum`) or identifiers `[A-Za-z_][A-Za-z0-9_]*`
//! (`ident`), with a longest key length `kmax`, built through the same code
//! path as any user's pattern.
//!
//! This module owns what a map's keys cost: the cheapest encoded size of
//! `n` distinct keys with some taken, also for the top-level map, whose
//! first key comes from its own language but must still differ from the
//! others. The counting itself is [`super::lang`]'s.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};

use super::lang::{CountError, KeyLang, LangError, StrHeaders};
use super::profile::Profile;

pub use super::lang::KeyError;

/// The format's own limit on a str length.
pub const FORMAT_MAX_KEY_LEN: u64 = u32::MAX as u64;

/// The first-character rule of the presets, as named on the command line
/// and in reports.
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

    /// The preset's key pattern.
    pub fn pattern(self) -> &'static str {
        match self {
            FirstChar::Alnum => "[A-Za-z0-9_]+",
            FirstChar::Ident => "[A-Za-z_][A-Za-z0-9_]*",
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

/// The longest key length, as named on the command line and in reports.
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
            Ok(k) if k < FORMAT_MAX_KEY_LEN => Ok(Kmax::Bounded(k as u32)),
            Ok(FORMAT_MAX_KEY_LEN) => Ok(Kmax::Unbounded),
            Ok(_) => Err(KeyArgError::KmaxTooLarge(s.to_string())),
            Err(_) => Err(KeyArgError::KmaxInvalid(s.to_string())),
        }
    }
}

/// Which keys a document may use.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KeySpec {
    /// Every key, except the top-level map's first when `first` is set.
    keys: KeyLang,
    first: Option<FirstKey>,
}

/// The top-level map's first key's own language, split by whether a key
/// is also one of the other keys' (then it takes one of theirs away).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct FirstKey {
    lang: KeyLang,
    /// First keys that are not keys of the other language.
    outside: KeyLang,
    /// First keys that are.
    inside: KeyLang,
}

impl KeySpec {
    /// A preset: the post's key rules. Built once and shared.
    pub fn new(first_char: FirstChar, kmax: Kmax) -> KeySpec {
        static PRESETS: OnceLock<Mutex<HashMap<(FirstChar, Kmax), KeySpec>>> = OnceLock::new();
        let presets = PRESETS.get_or_init(Default::default);
        let mut presets = presets.lock().unwrap_or_else(|e| e.into_inner());
        presets
            .entry((first_char, kmax))
            .or_insert_with(|| {
                let lang = KeyLang::new(first_char.pattern(), kmax.max_len())
                    .unwrap_or_else(|e| unreachable!("the preset patterns compile: {e}"));
                KeySpec {
                    keys: lang,
                    first: None,
                }
            })
            .clone()
    }

    /// Keys of the language `keys`; the top-level map's first key from
    /// `first` if given (and distinct from the other keys all the same).
    pub fn from_langs(keys: KeyLang, first: Option<KeyLang>) -> Result<KeySpec, LangError> {
        let first = match first {
            Some(lang) if lang != keys => {
                let outside = lang.minus(&keys)?;
                let inside = lang.minus(&outside)?;
                Some(FirstKey { lang, outside, inside })
            }
            _ => None,
        };
        Ok(KeySpec { keys, first })
    }

    /// Keys matching the pattern `keys` as a whole, of at most `max_len`
    /// bytes; the top-level map's first key matching `first` if given.
    pub fn from_patterns(keys: &str, first: Option<&str>, max_len: u64) -> Result<KeySpec, LangError> {
        let first = first.map(|p| KeyLang::new(p, max_len)).transpose()?;
        KeySpec::from_langs(KeyLang::new(keys, max_len)?, first)
    }

    /// The language of every key but (when it has its own) the top-level
    /// map's first.
    pub fn keys(&self) -> &KeyLang {
        &self.keys
    }

    /// The language of the top-level map's first key.
    pub fn first_keys(&self) -> &KeyLang {
        self.first.as_ref().map_or(&self.keys, |f| &f.lang)
    }

    /// Whether the top-level map's first key has a language of its own.
    pub fn has_first_key_rule(&self) -> bool {
        self.first.is_some()
    }

    /// First keys that are not keys of the other language, when the first
    /// key has a language of its own.
    pub fn first_keys_outside(&self) -> Option<&KeyLang> {
        self.first.as_ref().map(|f| &f.outside)
    }

    /// First keys that are also keys of the other language, when the first
    /// key has a language of its own.
    pub fn first_keys_inside(&self) -> Option<&KeyLang> {
        self.first.as_ref().map(|f| &f.inside)
    }

    /// The languages a key's remaining bytes are drawn from, in the order
    /// a builder tries them: for the top-level map's first key (`first`)
    /// with a language of its own, its keys outside the other keys'
    /// language first (no later key can clash with one), then those inside;
    /// otherwise the one language.
    pub fn languages_to_complete(&self, first: bool) -> Vec<&KeyLang> {
        match (&self.first, first) {
            (Some(f), true) => vec![&f.outside, &f.inside],
            _ => vec![&self.keys],
        }
    }

    /// The longest key (other than a first key of its own language).
    pub fn max_len(&self) -> u64 {
        self.keys.max_len()
    }

    /// Check a key (not a top-level map's first key).
    pub fn check(&self, key: &[u8]) -> Result<(), KeyError> {
        self.keys.check(key)
    }

    /// Check a top-level map's first key.
    pub fn check_first(&self, key: &[u8]) -> Result<(), KeyError> {
        self.first_keys().check(key)
    }

    /// Distinct keys of length `len` (saturating; see [`super::lang::SATURATED`]).
    pub fn keys_of_len(&self, len: u64) -> u64 {
        self.keys.keys_of_len(len)
    }

    /// The encoded size (str header plus bytes) of one key of length `len`
    /// under `profile`, or `None` if the profile cannot write that length.
    pub fn key_size(&self, profile: Profile, len: u64) -> Option<u128> {
        StrHeaders::of(profile).header_size(len).map(|h| (h + len) as u128)
    }

    /// The cheapest total encoded size of `n` distinct keys, none of which
    /// is one of the already-taken keys summarised by `taken` (pairs of
    /// length and how many keys of that length are taken, counting only
    /// keys of [`KeySpec::keys`]). `None` if there are not `n` such keys.
    pub fn cheapest_keys_size(&self, profile: Profile, n: u64, taken: &[(u64, u64)]) -> Option<u128> {
        let answer = self.keys.cheapest_keys_size(StrHeaders::of(profile), n, taken);
        exact(answer)
    }

    /// The cheapest total encoded size of the `n` keys of a top-level map:
    /// a first key from its language, then `n - 1` other keys, all
    /// distinct.
    ///
    /// A first key outside the other keys' language costs only its own
    /// size, and the shortest such key is cheapest. A first key inside it
    /// takes one of their keys away: `size(l) + C(n - 1, {l})`, which is
    /// `C(n - 1) + max(size(l), size of the n-th cheapest other key)` and so
    /// non-decreasing in `l`: again the shortest such key is cheapest.
    pub fn cheapest_root_keys_size(&self, profile: Profile, n: u64) -> Option<u128> {
        if n == 0 {
            return Some(0);
        }
        if self.first.is_none() {
            return self.cheapest_keys_size(profile, n, &[]);
        }
        let written = |len| self.key_size(profile, len).is_some();
        self.cheapest_first_key(profile, n, (0, u64::MAX), written, true)
    }

    /// For a top-level map of `n` entries whose first key is being read
    /// with a header that can still announce lengths `lo..=hi` (those of
    /// them that the header writes: `writes(len)`), the cheapest cost of
    /// that key's body and the other `n - 1` keys; `None` if impossible.
    /// Only for specifications whose first key has a language of its own.
    pub fn cheapest_first_key_in(
        &self,
        profile: Profile,
        n: u64,
        (lo, hi): (u64, u64),
        writes: impl Fn(u64) -> bool,
    ) -> Option<u128> {
        self.cheapest_first_key(profile, n, (lo, hi), writes, false)
    }

    /// The cheapest cost of a top-level map's first key of a length in
    /// `lo..=hi` that `writes` allows, plus the `n - 1` other keys: the
    /// shortest such key outside the other keys' language against the
    /// shortest inside it (see [`KeySpec::cheapest_root_keys_size`]). The
    /// key is charged its header too when `with_header`.
    fn cheapest_first_key(
        &self,
        profile: Profile,
        n: u64,
        (lo, hi): (u64, u64),
        writes: impl Fn(u64) -> bool,
        with_header: bool,
    ) -> Option<u128> {
        let first = self.first.as_ref()?;
        let shortest = |lang: &KeyLang| {
            let mut from = lo;
            loop {
                let len = lang.next_completion_len(lang.start(), 0, from).filter(|l| *l <= hi)?;
                if writes(len) {
                    return Some(len);
                }
                from = len.checked_add(1)?;
            }
        };
        let cost = |len: u64| {
            if with_header {
                self.key_size(profile, len)
            } else {
                Some(len as u128)
            }
        };
        let outside =
            shortest(&first.outside).and_then(|len| Some(cost(len)? + self.cheapest_keys_size(profile, n - 1, &[])?));
        let inside = shortest(&first.inside)
            .and_then(|len| Some(cost(len)? + self.cheapest_keys_size(profile, n - 1, &[(len, 1)])?));
        match (outside, inside) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// A short name for the specification: the pattern(s) and the cap.
    pub fn describe(&self) -> String {
        let cap = match self.max_len() {
            FORMAT_MAX_KEY_LEN => String::new(),
            n => format!(", at most {n} bytes"),
        };
        match &self.first {
            None => format!("keys `{}`{cap}", self.keys.pattern()),
            Some(f) => format!(
                "first key `{}`, other keys `{}`{cap}",
                f.lang.pattern(),
                self.keys.pattern()
            ),
        }
    }
}

/// A count query's answer. Counts saturate at 2^32 − 1, which only a
/// query for more keys than one map can hold reaches; no map question
/// here asks one, so the refusal is unreachable, and the exact answer
/// there (no such keys can be needed) is `None`.
fn exact(answer: Result<Option<u128>, CountError>) -> Option<u128> {
    debug_assert!(answer.is_ok(), "{answer:?}");
    answer.ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names the command line and the reports use, both ways.
    #[test]
    fn names() {
        assert_eq!("alnum".parse::<FirstChar>(), Ok(FirstChar::Alnum));
        assert_eq!("ident".parse::<FirstChar>(), Ok(FirstChar::Ident));
        assert_eq!(
            "Ident".parse::<FirstChar>(),
            Err(KeyArgError::FirstChar("Ident".into()))
        );
        assert_eq!(FirstChar::Alnum.to_string(), "alnum");
        assert_eq!(FirstChar::Ident.to_string(), "ident");
        assert_eq!(Kmax::Bounded(31).to_string(), "31");
        assert_eq!(Kmax::Unbounded.to_string(), "unbounded");
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
        assert!(matches!("".parse::<Kmax>(), Err(KeyArgError::KmaxInvalid(_))));
        assert!(matches!("-1".parse::<Kmax>(), Err(KeyArgError::KmaxInvalid(_))));
    }

    /// The top-level map's keys, by brute force over small languages: every
    /// choice of a first key and `n - 1` distinct other keys, cheapest
    /// total, against [`KeySpec::cheapest_root_keys_size`].
    #[test]
    fn root_keys_by_brute_force() {
        let cases = [
            ("[ab]", Some("a")),
            ("[ab]", Some("c")),
            ("[ab]{1,2}", Some("[ab]")),
            ("[ab]{1,2}", Some("b|cc")),
            ("a|bb|ccc", Some("bb|d")),
            ("[ab]+", None),
            ("x{2}|y", Some("y|zz")),
        ];
        let mut checked = 0;
        for (keys, first) in cases {
            let spec = KeySpec::from_patterns(keys, first, 3).unwrap();
            let all = |lang: &KeyLang| -> Vec<Vec<u8>> {
                (0..=3)
                    .flat_map(|l| lang.keys_from(l, 0).unwrap().take_while(move |k| k.len() as u64 == l))
                    .collect()
            };
            let others = all(spec.keys());
            let firsts = all(spec.first_keys());
            for profile in [Profile::Canonical, Profile::Legacy] {
                let size = |k: &[u8]| spec.key_size(profile, k.len() as u64).unwrap();
                for n in 1..=6u64 {
                    let mut best: Option<u128> = None;
                    for f in &firsts {
                        // The n - 1 cheapest other keys that are not f.
                        let mut rest: Vec<u128> = others.iter().filter(|k| *k != f).map(|k| size(k)).collect();
                        rest.sort_unstable();
                        if rest.len() as u64 >= n - 1 {
                            let total = size(f) + rest[..(n - 1) as usize].iter().sum::<u128>();
                            best = Some(best.map_or(total, |b| b.min(total)));
                        }
                    }
                    assert_eq!(
                        spec.cheapest_root_keys_size(profile, n),
                        best,
                        "{keys} {first:?} n={n} {profile}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 7 * 2 * 6);
    }

    #[test]
    fn presets_and_patterns() {
        let alnum = KeySpec::new(FirstChar::Alnum, Kmax::Bounded(31));
        assert_eq!(alnum, KeySpec::new(FirstChar::Alnum, Kmax::Bounded(31)));
        assert_eq!(alnum.keys_of_len(1), 63);
        assert_eq!(alnum.keys_of_len(32), 0);
        assert!(alnum.check(b"a_0").is_ok());
        assert!(matches!(
            alnum.check(b"a-b"),
            Err(KeyError::Byte { pos: 1, byte: b'-' })
        ));
        assert_eq!(KeySpec::new(FirstChar::Ident, Kmax::Unbounded).keys_of_len(1), 53);
        let with_first = KeySpec::from_patterns("[a-z]+", Some("_id"), 64).unwrap();
        assert!(with_first.has_first_key_rule());
        assert!(with_first.check_first(b"_id").is_ok());
        assert!(with_first.check(b"_id").is_err());
        // The same language given twice is no rule of its own.
        assert!(!KeySpec::from_patterns("[a-z]+", Some("[a-z]+"), 64)
            .unwrap()
            .has_first_key_rule());
        assert_eq!(
            with_first.describe(),
            "first key `_id`, other keys `[a-z]+`, at most 64 bytes"
        );
    }
}
