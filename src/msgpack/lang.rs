//! Key languages: which byte strings may be map keys, as regular languages,
//! and exact counting over them.
//!
//! A key language is the set of byte strings that a regex matches *as a
//! whole* (anchored at both ends), cut at a longest key length `max_len`
//! no larger than msgpack's longest str (2^32 − 1). Patterns use
//! `regex-automata`'s default syntax with Unicode on, so `\w`, `\p{Greek}`
//! and `.` match UTF-8 encodings of code points and every key is valid
//! UTF-8. The pattern is compiled once into a DFA, which is then trimmed
//! (states from which no key can be finished become the dead state),
//! minimised and copied into this module's own compact tables; everything
//! after construction (stepping, membership, counting, listing keys in
//! order, differences of languages) runs on those tables, not on
//! `regex-automata`.
//!
//! This module owns the arithmetic the bound rests on: how many keys each
//! length has, how many ways a half-read key can be finished, the cheapest
//! encoded size of `n` distinct keys with some already taken, and the keys
//! themselves in order (for witnesses). It does not own how a str header is
//! laid out or which header a profile writes ([`super::marker`],
//! [`super::profile`]): the cheapest-keys query takes the header size of
//! each length as a [`StrHeaders`] table.
//!
//! # Exact counts at every length, with finite work
//!
//! Let `c_s(r)` be the number of byte strings of exactly `r` bytes that
//! lead from state `s` to an accepting state, saturated at [`SATURATED`].
//! The vector `v_r = (c_s(r))_s` is a fixed function of `v_{r−1}`
//! (`v_r[s] = min(SATURATED, Σ_b v_{r−1}[δ(s, b)])`; saturating keeps it
//! exact as "at least"), so as soon as `v_r` equals an earlier `v_{r−p}`
//! the whole sequence repeats with period `p` from `r − p` on. That is an
//! identity, not an estimate: the construction computes vectors until the
//! first repeat (or until every length up to `max_len` is covered, which
//! is enough for a capped language), and answers every length up to
//! 2^32 − 1 from the stored pre-period and one period. Languages whose
//! counts neither repeat nor saturate within the limits (such as `a*b*`,
//! with `r + 1` keys of length `r`) are refused with a [`LangError`]
//! naming the limit, never approximated.
//!
//! The length cap is applied arithmetically (counts are 0 beyond
//! `max_len − got`), not built into the automaton: a cap of 65535 would
//! need 65536 states.

use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use regex_automata::dfa::{dense, Automaton, StartKind};
use regex_automata::util::primitives::StateID;
use regex_automata::util::start;
use regex_automata::{Anchored, MatchKind};

use super::keys::FORMAT_MAX_KEY_LEN;
use super::marker::{Kind, Width};
use super::profile::{Place, Profile};

/// Counts saturate here: "at least 2^32 − 1", which is more distinct keys
/// than any msgpack map can hold (a map has at most 2^32 − 1 entries), so
/// a saturated count never changes an answer about one map.
pub const SATURATED: u64 = u32::MAX as u64;

/// Most automaton states a key language may need (dead state not counted),
/// as built: the DFA `regex-automata` minimised, or the product automaton
/// of a difference, before this module's own minimisation. It bounds the
/// transition table (at most 10 MB) and the per-length count vectors.
pub const MAX_STATES: usize = 10_000;

/// Most key lengths whose count vectors are examined before the counts
/// must have become periodic (or cover every length up to `max_len`).
/// 65536 covers every length of a str16-capped language outright.
pub const MAX_LENGTHS: u64 = 65_536;

/// Most stored count cells (states × lengths examined). Each cell is stored
/// twice (the count and the distance to the next non-zero count), as 4
/// bytes, so the tables of one language stay under 128 MiB.
pub const MAX_CELLS: u64 = 1 << 24;

/// Heap `regex-automata` may use while determinising, and for the DFA it
/// builds, before the pattern is refused as too large. A DFA of
/// [`MAX_STATES`] states with all 256 byte classes takes 10 MiB.
const DFA_BYTES_LIMIT: usize = 64 << 20;

/// Ranges of fewer key lengths than this are walked one length at a time by
/// `cheapest_keys_size`; longer ones are summed in closed form. A fixstr
/// range (32 lengths) is walked: short walks beat the closed forms.
const LINEAR_WALK: u64 = 32;

/// The dead state of every table: no key continues from it.
const DEAD: u32 = 0;

/// "No such length" in the distance tables.
const NONE: u32 = u32::MAX;

/// Why a key language cannot be built (or a header table is malformed).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LangError {
    #[error("the key pattern is invalid: {reason}")]
    Pattern { pattern: String, reason: String },
    #[error("the key pattern `{pattern}` needs more than {limit} automaton states (limit)")]
    TooManyStates { pattern: String, limit: usize },
    #[error(
        "key counts of `{pattern}` do not settle within {limit} lengths (limit: counts must become periodic or \
         exceed 2^32 − 1 within that many lengths; a longest key length below {limit} also works)"
    )]
    NoPeriod { pattern: String, limit: u64 },
    #[error(
        "key counts of `{pattern}` need more than {limit} table cells ({states} states × more than {lengths} \
         lengths) before they settle (limit)"
    )]
    TooManyCells {
        pattern: String,
        states: usize,
        lengths: u64,
        limit: u64,
    },
    #[error("the longest key length {0} is above the format's longest str, 4294967295")]
    MaxLenTooLarge(u64),
    #[error("vocabulary word {word:?} is not valid UTF-8, so it cannot be a msgpack str key")]
    WordNotUtf8 { word: String },
    #[error(
        "`{pattern}`: keys of both languages with {len} bytes are longer than the longest key of the \
         subtracted language ({other_max_len}) but not longer than {max_len}, so the difference is not a key \
         language with one length cap (give both the same longest key length)"
    )]
    CapsDiffer {
        pattern: String,
        len: u64,
        other_max_len: u64,
        max_len: u64,
    },
    #[error("the str header table is invalid: {0}")]
    Headers(String),
}

/// Why a byte string is not a key of a language.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("key length {len} is longer than the longest key allowed ({max})")]
    TooLong { len: u64, max: u64 },
    #[error("byte {byte:#04x}{} at position {pos} cannot continue a key", show_byte(*.byte))]
    Byte { pos: u64, byte: u8 },
    #[error("no key of length {len} starts this way{}", show_next(*.next))]
    Length {
        len: u64,
        /// The shortest key length, above `len`, that does start this way.
        next: Option<u64>,
    },
}

fn show_byte(b: u8) -> String {
    if b.is_ascii_graphic() || b == b' ' {
        format!(" ({:?})", b as char)
    } else {
        String::new()
    }
}

fn show_next(next: Option<u64>) -> String {
    match next {
        Some(n) => format!(" (the shortest key that does has {n} bytes)"),
        None => " (no longer key allowed does either)".to_string(),
    }
}

/// A query whose exact answer would need a count beyond [`SATURATED`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CountError {
    #[error(
        "{n} keys beyond {taken} taken ones need key counts above 4294967295, where counts saturate (limit: one \
         map holds at most 4294967295 keys)"
    )]
    TooManyKeys { n: u64, taken: u64 },
    #[error(
        "key index {index} is at or past 4294967295, where key counts saturate (limit: one map holds at most \
         4294967295 keys)"
    )]
    IndexTooLarge { index: u64 },
}

/// The str header size a profile writes for each key length: sorted,
/// disjoint `(lo, hi, header_bytes)` ranges with header sizes that never
/// shrink as lengths grow. A length in no range cannot be written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StrHeaders {
    ranges: Vec<(u64, u64, u64)>,
}

impl StrHeaders {
    /// A table from its ranges, checked: each range non-empty and within
    /// the format's lengths, ranges ascending and disjoint, header sizes
    /// non-decreasing (so encoded size grows with length, which the
    /// cheapest-keys greedy relies on) and at most 2^32.
    pub fn new(ranges: &[(u64, u64, u64)]) -> Result<StrHeaders, LangError> {
        let mut prev: Option<(u64, u64, u64)> = None;
        for (i, &(lo, hi, h)) in ranges.iter().enumerate() {
            if lo > hi {
                return Err(LangError::Headers(format!("range {i} ({lo}..={hi}) is empty")));
            }
            if hi > FORMAT_MAX_KEY_LEN {
                return Err(LangError::Headers(format!(
                    "range {i} ends at {hi}, past the format's longest str, 4294967295"
                )));
            }
            if h > 1 << 32 {
                return Err(LangError::Headers(format!("range {i} has a {h}-byte header")));
            }
            if let Some((_, phi, ph)) = prev {
                if lo <= phi {
                    return Err(LangError::Headers(format!(
                        "range {i} starts at {lo}, not after the previous range's end {phi}"
                    )));
                }
                if h < ph {
                    return Err(LangError::Headers(format!(
                        "range {i} has a {h}-byte header, smaller than the previous range's {ph}"
                    )));
                }
            }
            prev = Some((lo, hi, h));
        }
        Ok(StrHeaders {
            ranges: ranges.to_vec(),
        })
    }

    /// The narrowest str header `profile` writes for each length (what
    /// [`Profile::min_header_size`] gives for [`Kind::Str`]).
    pub fn for_profile(profile: Profile) -> StrHeaders {
        let mut ranges = Vec::new();
        // Widths narrowest first: each length takes the first width that
        // carries it, so a wider width only adds lengths past the
        // narrower ones' ends.
        let mut next = 0u64;
        for width in Width::ALL {
            for &(lo, hi) in profile.lengths(Place::Nested, Kind::Str, width) {
                let lo = lo.max(next);
                if lo <= hi {
                    ranges.push((lo, hi, width.header_size()));
                    next = hi.saturating_add(1);
                }
            }
        }
        StrHeaders { ranges }
    }

    /// [`StrHeaders::for_profile`], built once per profile.
    pub fn of(profile: Profile) -> &'static StrHeaders {
        static TABLE: std::sync::OnceLock<Vec<StrHeaders>> = std::sync::OnceLock::new();
        let table = TABLE.get_or_init(|| Profile::ALL.into_iter().map(StrHeaders::for_profile).collect());
        &table[profile as usize]
    }

    /// The ranges, ascending.
    pub fn ranges(&self) -> &[(u64, u64, u64)] {
        &self.ranges
    }

    /// The header size for a key of `len` bytes, if the table writes it.
    pub fn header_size(&self, len: u64) -> Option<u64> {
        self.ranges
            .iter()
            .find(|(lo, hi, _)| (*lo..=*hi).contains(&len))
            .map(|r| r.2)
    }
}

/// A state of a key language's automaton: where the bytes read so far
/// leave a key. Only meaningful for the language that produced it; a
/// foreign state is treated as dead, never a panic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct State(u32);

/// What a language was built from; equality and hashing go by this and
/// the length cap.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Source {
    Regex(String),
    Minus(Box<(Source, Source, u64)>),
}

/// A compiled key language. Cheap to clone (the tables are shared).
#[derive(Clone)]
pub struct KeyLang {
    inner: Arc<Inner>,
}

struct Inner {
    source: Source,
    /// The pattern, or for a difference a description of it.
    pattern: String,
    max_len: u64,
    dfa: Dfa,
    counts: Counts,
    /// The shortest key length within the cap.
    min_len: Option<u64>,
}

impl fmt::Debug for KeyLang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyLang")
            .field("pattern", &self.inner.pattern)
            .field("max_len", &self.inner.max_len)
            .finish()
    }
}

impl PartialEq for KeyLang {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
            || (self.inner.source == other.inner.source && self.inner.max_len == other.inner.max_len)
    }
}

impl Eq for KeyLang {}

impl Hash for KeyLang {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.inner.source.hash(state);
        self.inner.max_len.hash(state);
    }
}

impl KeyLang {
    /// The keys `pattern` matches as a whole, of at most `max_len` bytes.
    pub fn new(pattern: &str, max_len: u64) -> Result<KeyLang, LangError> {
        if max_len > FORMAT_MAX_KEY_LEN {
            return Err(LangError::MaxLenTooLarge(max_len));
        }
        let raw = raw_from_pattern(pattern)?;
        KeyLang::from_raw(raw, Source::Regex(pattern.to_string()), pattern.to_string(), max_len)
    }

    /// Exactly the given keys (each escaped, sorted and deduplicated into
    /// an alternation), e.g. an observed vocabulary of field names. Every
    /// word must be valid UTF-8, as every msgpack str key is.
    pub fn from_words<I: AsRef<[u8]>>(words: impl IntoIterator<Item = I>, max_len: u64) -> Result<KeyLang, LangError> {
        let mut list: Vec<String> = Vec::new();
        for w in words {
            let w = w.as_ref();
            match std::str::from_utf8(w) {
                Ok(s) => list.push(s.to_string()),
                Err(_) => {
                    return Err(LangError::WordNotUtf8 {
                        word: String::from_utf8_lossy(w).into_owned(),
                    })
                }
            }
        }
        list.sort();
        list.dedup();
        let pattern = if list.is_empty() {
            // No word: a class with no members matches nothing.
            r"[^\x00-\x{10FFFF}]".to_string()
        } else {
            list.iter().map(|w| escape(w)).collect::<Vec<_>>().join("|")
        };
        KeyLang::new(&pattern, max_len)
    }

    /// The pattern (for a difference, a description of it).
    pub fn pattern(&self) -> &str {
        &self.inner.pattern
    }

    /// The longest key length allowed.
    pub fn max_len(&self) -> u64 {
        self.inner.max_len
    }

    /// Number of automaton states, the dead one included.
    pub fn state_count(&self) -> usize {
        self.inner.dfa.accepts.len()
    }

    /// The state before any key byte. Dead when the language is empty.
    pub fn start(&self) -> State {
        State(self.inner.dfa.start)
    }

    /// The state after one more key byte; `None` when no key of the
    /// language continues this way. This ignores the length cap: whether a
    /// key can still be finished within it is what [`KeyLang::completions`]
    /// and [`KeyLang::next_completion_len`] answer, given the bytes read.
    pub fn step(&self, s: State, b: u8) -> Option<State> {
        let t = self.inner.dfa.next(s.0, b);
        (t != DEAD).then_some(State(t))
    }

    /// The state after `prefix` from the start, if some key continues it
    /// (ignoring the length cap, like [`KeyLang::step`]).
    pub fn walk(&self, prefix: &[u8]) -> Option<State> {
        prefix.iter().try_fold(self.start(), |s, b| self.step(s, *b))
    }

    /// Whether the bytes read so far form a whole key of the pattern. This
    /// ignores the length cap; [`KeyLang::check`] applies it.
    pub fn accepts(&self, s: State) -> bool {
        self.inner.dfa.accepts.get(s.0 as usize).copied().unwrap_or(false)
    }

    /// Whether `key` is in the language, and if not, why: it is longer
    /// than the cap, or a byte (the first one) after which no key within
    /// the cap continues, or its length: keys start this way but none ends
    /// here.
    pub fn check(&self, key: &[u8]) -> Result<(), KeyError> {
        let len = key.len() as u64;
        if len > self.inner.max_len {
            return Err(KeyError::TooLong {
                len,
                max: self.inner.max_len,
            });
        }
        // A key the automaton accepts needs no diagnosis (every prefix of
        // it continues to a key within the cap: itself), and verifying a
        // witness checks a million keys.
        if self.walk(key).is_some_and(|s| self.accepts(s)) {
            return Ok(());
        }
        let mut s = self.start();
        for (i, &b) in key.iter().enumerate() {
            let got = i as u64 + 1;
            match self.step(s, b) {
                Some(t) if self.next_completion_len(t, got, 0).is_some() => s = t,
                _ => return Err(KeyError::Byte { pos: i as u64, byte: b }),
            }
        }
        if self.accepts(s) {
            return Ok(());
        }
        Err(KeyError::Length {
            len,
            next: self.next_completion_len(s, len, 1).map(|m| len + m),
        })
    }

    /// Distinct keys of exactly `len` bytes (0 above the cap), saturating
    /// at [`SATURATED`].
    pub fn keys_of_len(&self, len: u64) -> u64 {
        self.completions(self.start(), 0, len)
    }

    /// Ways to finish a key from state `s`, reached after `got` bytes, with
    /// exactly `more` further bytes, the whole key within the cap;
    /// saturating at [`SATURATED`].
    pub fn completions(&self, s: State, got: u64, more: u64) -> u64 {
        match got.checked_add(more) {
            Some(total) if total <= self.inner.max_len => self.inner.counts.count(s.0, more),
            _ => 0,
        }
    }

    /// The smallest `more >= from` for which `completions(s, got, more)`
    /// is non-zero, if any.
    pub fn next_completion_len(&self, s: State, got: u64, from: u64) -> Option<u64> {
        let room = self.inner.max_len.checked_sub(got)?;
        if from > room {
            return None;
        }
        let more = self.inner.counts.next_nonzero(s.0, from)?;
        (more <= room).then_some(more)
    }

    /// The shortest key length, if the language (within the cap) is
    /// non-empty.
    pub fn min_len(&self) -> Option<u64> {
        self.inner.min_len
    }

    /// The cheapest total encoded size (str header plus bytes) of `n`
    /// distinct keys none of which is already taken.
    ///
    /// `taken` summarises the taken keys as (length, how many taken keys of
    /// that length are in this language); `headers` gives the header size
    /// of each writable length. Encoded size grows with length, so the
    /// cheapest `n` keys take every free key of the shortest writable
    /// lengths first. `Ok(None)` if fewer than `n` such keys exist.
    ///
    /// Exact: counts below [`SATURATED`] are exact, and a saturated length
    /// holds at least 2^32 − 1 keys, which settles the answer whenever `n`
    /// plus the keys taken at that length is at most 2^32 − 1 (always so
    /// for keys of one map). Otherwise the answer is refused with
    /// [`CountError::TooManyKeys`].
    ///
    /// Work does not grow with `n`: a header range of 32 or more lengths is
    /// summed in closed form (an arithmetic series per residue of the
    /// period), and the length where the `n`-th key falls is found by
    /// dividing by the keys per period, then moved past the taken keys
    /// (once per distinct taken length at most).
    pub fn cheapest_keys_size(
        &self,
        headers: &StrHeaders,
        n: u64,
        taken: &[(u64, u64)],
    ) -> Result<Option<u128>, CountError> {
        self.cheapest_with(headers, n, taken, LINEAR_WALK)
    }

    /// [`KeyLang::cheapest_keys_size`] walking ranges of fewer than
    /// `linear` lengths one by one and summing longer ones in closed form
    /// (tests drive both ways over the same inputs).
    fn cheapest_with(
        &self,
        headers: &StrHeaders,
        n: u64,
        taken: &[(u64, u64)],
        linear: u64,
    ) -> Result<Option<u128>, CountError> {
        if n == 0 {
            return Ok(Some(0));
        }
        let Some(first) = self.inner.min_len else {
            return Ok(None);
        };
        let mut left = n as u128;
        let mut total: u128 = 0;
        for &(lo, hi, h) in headers.ranges() {
            let (lo, hi) = (lo.max(first), hi.min(self.inner.max_len));
            if lo > hi {
                continue;
            }
            // Counts are exact up to the first saturated length; there the
            // greedy either finishes or cannot tell how many keys it has.
            let sat = self.inner.counts.next_saturated(lo).filter(|s| *s <= hi);
            let exact_end = match sat {
                Some(s) => s.checked_sub(1),
                None => Some(hi),
            };
            if let Some(end) = exact_end.filter(|e| *e >= lo) {
                let run = Run {
                    counts: &self.inner.counts,
                    taken,
                    header: h,
                };
                if run.take(lo, end, &mut left, &mut total, linear) {
                    return Ok(Some(total));
                }
            }
            if let Some(s) = sat {
                let t = taken_at(taken, s);
                if left + t as u128 <= SATURATED as u128 {
                    return Ok(Some(total + left * (h as u128 + s as u128)));
                }
                let taken_all = taken.iter().fold(0u64, |a, (_, t)| a.saturating_add(*t));
                return Err(CountError::TooManyKeys { n, taken: taken_all });
            }
        }
        Ok(None)
    }

    /// The `index`-th key (from 0, bytewise order) of exactly `len` bytes,
    /// or `None` if there are not that many. Indices from [`SATURATED`] on
    /// are refused when they meet a saturated count.
    pub fn key_at(&self, len: u64, index: u64) -> Result<Option<Vec<u8>>, CountError> {
        if !self.index_within(len, index)? {
            return Ok(None);
        }
        Ok(self.descend(len, index).map(|(key, _)| key))
    }

    /// Keys in order of length, then bytewise, starting at the `index`-th
    /// key of length `len`; past the last key of a length, the next length
    /// that has keys continues. Each key costs O(its length) amortized
    /// (times the automaton's out-degree), whatever `index` is; the cursor
    /// holds the current key and 4 bytes per key byte.
    pub fn keys_from(&self, len: u64, index: u64) -> Result<KeyCursor, CountError> {
        let mut cursor = KeyCursor {
            lang: self.clone(),
            origin: self.inner.dfa.start,
            fixed: false,
            len,
            key: Vec::new(),
            edges: Vec::new(),
            live: false,
        };
        if len > self.inner.max_len {
            return Ok(cursor);
        }
        if self.index_within(len, index)? {
            if let Some((key, edges)) = self.descend(len, index) {
                cursor.key = key;
                cursor.edges = edges;
                cursor.live = true;
            }
        } else {
            cursor.live = cursor.next_len();
        }
        Ok(cursor)
    }

    /// The ways to finish a key from state `s`, reached after `got` bytes,
    /// with exactly `more` further bytes (within the cap: checked here,
    /// once), bytewise.
    pub fn completions_from(&self, s: State, got: u64, more: u64) -> KeyCursor {
        let mut cursor = KeyCursor {
            lang: self.clone(),
            origin: s.0,
            fixed: true,
            len: more,
            key: Vec::new(),
            edges: Vec::new(),
            live: false,
        };
        if self.completions(s, got, more) > 0 {
            cursor.live = cursor.fill_from(0);
        }
        cursor
    }

    /// Every key in order of length, then bytewise, from the shortest.
    pub fn keys_in_order(&self) -> KeyCursor {
        let mut cursor = KeyCursor {
            lang: self.clone(),
            origin: self.inner.dfa.start,
            fixed: false,
            len: 0,
            key: Vec::new(),
            edges: Vec::new(),
            live: false,
        };
        if let Some(min) = self.inner.min_len {
            cursor.len = min;
            cursor.live = cursor.fill_from(0);
        }
        cursor
    }

    /// Whether `index` is below the number of keys of length `len`; an
    /// error when that count is saturated and the index is not below it.
    fn index_within(&self, len: u64, index: u64) -> Result<bool, CountError> {
        let count = self.keys_of_len(len);
        if index < count {
            Ok(true)
        } else if count == SATURATED {
            Err(CountError::IndexTooLarge { index })
        } else {
            Ok(false)
        }
    }

    /// The `index`-th key of length `len` and the edges it takes, given
    /// that `index` is below that length's count (which may be saturated:
    /// a saturated count exceeds every index below [`SATURATED`]).
    fn descend(&self, len: u64, index: u64) -> Option<(Vec<u8>, Vec<u32>)> {
        let dfa = &self.inner.dfa;
        let counts = &self.inner.counts;
        let size = usize::try_from(len).ok()?;
        let mut key = Vec::with_capacity(size);
        let mut edges = Vec::with_capacity(size);
        let mut s = dfa.start;
        let mut index = index;
        for i in 0..len {
            let row = counts.row(len - i - 1)?;
            let mut chosen = None;
            for e in dfa.edges_of(s) {
                let (b, t) = dfa.adj[e];
                let c = counts.at(row, t);
                if index < c {
                    chosen = Some((e, b, t));
                    break;
                }
                index -= c;
            }
            let (e, b, t) = chosen?;
            key.push(b);
            edges.push(e as u32);
            s = t;
        }
        Some((key, edges))
    }

    /// The language of keys in `self` but not in `other`, with the same
    /// arithmetic, capped at `self`'s longest key length. Used for a
    /// top-level map's first key, which has its own language. Refused when
    /// `other`'s cap is shorter and some key of both lies between the two
    /// caps (that difference needs two caps).
    pub fn minus(&self, other: &KeyLang) -> Result<KeyLang, LangError> {
        let mut pattern = format!("({}) minus ({})", self.pattern(), other.pattern());
        if other.max_len() != self.max_len() {
            pattern = format!(
                "({}) minus ({}, at most {} bytes)",
                self.pattern(),
                other.pattern(),
                other.max_len()
            );
        }
        let a = &self.inner.dfa;
        let b = &other.inner.dfa;
        if other.max_len() < self.max_len() {
            let both = product(a, b, |x, y| x && y, &pattern)?;
            let both = KeyLang::from_raw(both, Source::Regex(String::new()), pattern.clone(), self.max_len())?;
            if let Some(len) = both.next_completion_len(both.start(), 0, other.max_len() + 1) {
                return Err(LangError::CapsDiffer {
                    pattern,
                    len,
                    other_max_len: other.max_len(),
                    max_len: self.max_len(),
                });
            }
        }
        let raw = product(a, b, |x, y| x && !y, &pattern)?;
        let source = Source::Minus(Box::new((
            self.inner.source.clone(),
            other.inner.source.clone(),
            other.max_len(),
        )));
        KeyLang::from_raw(raw, source, pattern, self.max_len())
    }

    fn from_raw(raw: Raw, source: Source, pattern: String, max_len: u64) -> Result<KeyLang, LangError> {
        let dfa = Dfa::from_raw(raw);
        let counts = Counts::build(&dfa, max_len, &pattern)?;
        let min_len = counts.next_nonzero(dfa.start, 0).filter(|m| *m <= max_len);
        Ok(KeyLang {
            inner: Arc::new(Inner {
                source,
                pattern,
                max_len,
                dfa,
                counts,
                min_len,
            }),
        })
    }
}

/// A word as a pattern matching exactly it: ASCII letters, digits and `_`
/// as they are, everything else as a `\x{…}` code point escape.
fn escape(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else {
            out.push_str(&format!("\\x{{{:X}}}", c as u32));
        }
    }
    out
}

/// Taken keys of exactly length `len` (summing repeated entries).
fn taken_at(taken: &[(u64, u64)], len: u64) -> u64 {
    taken
        .iter()
        .filter(|(l, _)| *l == len)
        .fold(0u64, |a, (_, t)| a.saturating_add(*t))
}

/// One header range's share of the cheapest-keys greedy, over lengths
/// whose counts are exact.
struct Run<'a> {
    counts: &'a Counts,
    taken: &'a [(u64, u64)],
    header: u64,
}

impl Run<'_> {
    /// Take free keys of lengths `a..=end` (all below the first saturated
    /// length) shortest first into `total`, at most `left` of them.
    /// Returns whether `left` reached 0.
    fn take(&self, a: u64, end: u64, left: &mut u128, total: &mut u128, linear: u64) -> bool {
        let h = self.header as u128;
        if end - a < linear {
            for r in a..=end {
                let c = self.counts.start_count(r);
                if c == 0 {
                    continue;
                }
                let free = c.saturating_sub(taken_at(self.taken, r)) as u128;
                let used = free.min(*left);
                *total += used * (h + r as u128);
                *left -= used;
                if *left == 0 {
                    return true;
                }
            }
            return false;
        }
        let (free, lens) = self.free(a, end);
        if free < *left {
            *total += h * free + lens;
            *left -= free;
            return false;
        }
        // The first length `x` at which the free keys from `a` reach
        // `left`: the length of the key that would be the `N(a) + left +
        // gone`-th overall, where `gone` counts the taken keys in `a..=x`.
        // Taken keys only push `x` later, so iterating from `gone = 0`
        // rises to the smallest fixed point, which is the answer; it moves
        // at most once per distinct taken length.
        let base = self.counts.prefix(a).0;
        let mut gone = 0u128;
        let x = loop {
            let x = self.counts.kth_len(base + *left + gone).map_or(end, |x| x.min(end));
            let now = self.gone(a, x).0;
            if now == gone {
                break x;
            }
            gone = now;
        };
        if x > a {
            let (free, lens) = self.free(a, x - 1);
            *total += h * free + lens;
            *left -= free;
        }
        *total += *left * (h + x as u128);
        *left = 0;
        true
    }

    /// Free keys of lengths `a..=b` and the sum of their lengths.
    fn free(&self, a: u64, b: u64) -> (u128, u128) {
        let (n1, l1) = self.counts.prefix(a);
        let (n2, l2) = self.counts.prefix(b + 1);
        let (gone, gone_lens) = self.gone(a, b);
        (n2 - n1 - gone, l2 - l1 - gone_lens)
    }

    /// Taken keys of lengths `a..=b` (each length's entries summed, and at
    /// most as many as the length has), and the sum of their lengths.
    fn gone(&self, a: u64, b: u64) -> (u128, u128) {
        let (mut n, mut l) = (0u128, 0u128);
        for (i, &(len, _)) in self.taken.iter().enumerate() {
            // Each distinct length once, with all its entries summed.
            if len < a || len > b || self.taken[..i].iter().any(|(l2, _)| *l2 == len) {
                continue;
            }
            let gone = taken_at(self.taken, len).min(self.counts.start_count(len)) as u128;
            n += gone;
            l += gone * len as u128;
        }
        (n, l)
    }
}

/// Keys of a language in order of length, then bytewise: a depth-first
/// walk that only enters edges from which a key of the current length can
/// still be finished, so each key costs O(its length) amortized.
#[derive(Clone, Debug)]
pub struct KeyCursor {
    lang: KeyLang,
    /// Where the listed strings start: the automaton's start for keys, or
    /// the state a key's first bytes reach for its completions.
    origin: u32,
    /// Only strings of length `len` (completions), not longer ones after.
    fixed: bool,
    /// Length of the next key, the key itself, and for each of its bytes
    /// the edge (index into the language's adjacency list) it takes.
    len: u64,
    key: Vec<u8>,
    edges: Vec<u32>,
    /// Whether `key` holds a key not yet returned.
    live: bool,
}

impl KeyCursor {
    fn state_before(&self, i: usize) -> u32 {
        let dfa = &self.lang.inner.dfa;
        if i == 0 {
            self.origin
        } else {
            dfa.adj[self.edges[i - 1] as usize].1
        }
    }

    /// Fill positions `from..len` with the smallest bytes that still lead
    /// to a key of length `len`. Returns false if there is none (which the
    /// callers rule out beforehand).
    fn fill_from(&mut self, from: usize) -> bool {
        let Ok(size) = usize::try_from(self.len) else {
            return false;
        };
        self.key.resize(size, 0);
        self.edges.resize(size, 0);
        let dfa = &self.lang.inner.dfa;
        let counts = &self.lang.inner.counts;
        for i in from..size {
            let s = self.state_before(i);
            let Some(row) = counts.row(self.len - i as u64 - 1) else {
                return false;
            };
            let Some(e) = dfa.edges_of(s).find(|e| counts.at(row, dfa.adj[*e].1) > 0) else {
                return false;
            };
            self.key[i] = dfa.adj[e].0;
            self.edges[i] = e as u32;
        }
        true
    }

    /// Move to the next key of the same length, if any.
    fn advance(&mut self) -> bool {
        let dfa = &self.lang.inner.dfa;
        let counts = &self.lang.inner.counts;
        let mut i = self.key.len();
        while i > 0 {
            i -= 1;
            let s = self.state_before(i);
            let Some(row) = counts.row(self.len - i as u64 - 1) else {
                return false;
            };
            let after = self.edges[i] as usize + 1;
            let end = dfa.adj_off[s as usize + 1] as usize;
            if let Some(e) = (after..end).find(|e| counts.at(row, dfa.adj[*e].1) > 0) {
                self.key[i] = dfa.adj[e].0;
                self.edges[i] = e as u32;
                return self.fill_from(i + 1);
            }
        }
        false
    }

    /// Move to the first key of the next length that has keys, if any.
    fn next_len(&mut self) -> bool {
        if self.fixed {
            return false;
        }
        let lang = &self.lang;
        let Some(from) = self.len.checked_add(1) else {
            return false;
        };
        match lang.next_completion_len(lang.start(), 0, from) {
            Some(len) => {
                self.len = len;
                self.fill_from(0)
            }
            None => false,
        }
    }
}

impl Iterator for KeyCursor {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        if !self.live {
            return None;
        }
        let out = self.key.clone();
        self.live = self.advance() || self.next_len();
        Some(out)
    }
}

// ---------------------------------------------------------------------------
// Automata.

/// An automaton as built, before trimming and minimisation: 256 targets per
/// state, state 0 dead.
struct Raw {
    trans: Vec<u32>,
    accepts: Vec<bool>,
    start: u32,
}

impl Raw {
    fn new() -> Raw {
        Raw {
            trans: vec![DEAD; 256],
            accepts: vec![false],
            start: DEAD,
        }
    }

    fn len(&self) -> usize {
        self.accepts.len()
    }
}

/// Compile `pattern` with `regex-automata` and copy its reachable states.
fn raw_from_pattern(pattern: &str) -> Result<Raw, LangError> {
    let too_many = || LangError::TooManyStates {
        pattern: pattern.to_string(),
        limit: MAX_STATES,
    };
    // All match kinds report a match of every length (leftmost-first would
    // stop extending after the first); the start is anchored so keys are
    // matched from their first byte.
    let dfa = dense::Builder::new()
        .configure(
            dense::Config::new()
                .match_kind(MatchKind::All)
                .start_kind(StartKind::Anchored)
                .minimize(true)
                .dfa_size_limit(Some(DFA_BYTES_LIMIT))
                .determinize_size_limit(Some(DFA_BYTES_LIMIT)),
        )
        .build(pattern)
        .map_err(|e| {
            if e.is_size_limit_exceeded() {
                too_many()
            } else {
                LangError::Pattern {
                    pattern: pattern.to_string(),
                    reason: error_chain(&e),
                }
            }
        })?;
    let start = dfa
        .start_state(&start::Config::new().anchored(Anchored::Yes))
        .map_err(|e| LangError::Pattern {
            pattern: pattern.to_string(),
            reason: e.to_string(),
        })?;
    let mut raw = Raw::new();
    let mut ids: HashMap<StateID, u32> = HashMap::new();
    let mut order: Vec<StateID> = Vec::new();
    let mut intern = |sid: StateID, raw: &mut Raw, order: &mut Vec<StateID>| -> Result<u32, LangError> {
        if dfa.is_dead_state(sid) {
            return Ok(DEAD);
        }
        if dfa.is_quit_state(sid) {
            // No quit bytes are configured; a quit state would mean the DFA
            // gave up on some input, which this module cannot count with.
            return Err(LangError::Pattern {
                pattern: pattern.to_string(),
                reason: "the DFA cannot decide every input".to_string(),
            });
        }
        if let Some(id) = ids.get(&sid) {
            return Ok(*id);
        }
        if raw.len() > MAX_STATES {
            return Err(too_many());
        }
        let id = raw.len() as u32;
        ids.insert(sid, id);
        order.push(sid);
        raw.trans.extend_from_slice(&[DEAD; 256]);
        // A DFA reports a match one transition late: the bytes read so far
        // form a key when the end-of-input transition reaches a match state.
        raw.accepts.push(dfa.is_match_state(dfa.next_eoi_state(sid)));
        Ok(id)
    };
    raw.start = intern(start, &mut raw, &mut order)?;
    let mut i = 0;
    while i < order.len() {
        let sid = order[i];
        let id = i + 1;
        for b in 0..=255u8 {
            let t = intern(dfa.next_state(sid, b), &mut raw, &mut order)?;
            raw.trans[id * 256 + b as usize] = t;
        }
        i += 1;
    }
    Ok(raw)
}

/// An error and its sources, on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// The product of two languages' automata, accepting where `keep` says.
fn product(a: &Dfa, b: &Dfa, keep: impl Fn(bool, bool) -> bool, pattern: &str) -> Result<Raw, LangError> {
    let mut raw = Raw::new();
    if a.start == DEAD {
        return Ok(raw);
    }
    // One representative byte for each pair of byte classes.
    let mut reps: Vec<u8> = Vec::new();
    let mut class_of = [0u8; 256];
    let mut seen: HashMap<(u8, u8), u8> = HashMap::new();
    for byte in 0..=255u8 {
        let key = (a.classes[byte as usize], b.classes[byte as usize]);
        let next = seen.len() as u8;
        let c = *seen.entry(key).or_insert_with(|| {
            reps.push(byte);
            next
        });
        class_of[byte as usize] = c;
    }
    let mut ids: HashMap<(u32, u32), u32> = HashMap::new();
    let mut order: Vec<(u32, u32)> = Vec::new();
    let mut intern = |pair: (u32, u32), raw: &mut Raw, order: &mut Vec<(u32, u32)>| -> Result<u32, LangError> {
        if pair.0 == DEAD {
            return Ok(DEAD);
        }
        if let Some(id) = ids.get(&pair) {
            return Ok(*id);
        }
        if raw.len() > MAX_STATES {
            return Err(LangError::TooManyStates {
                pattern: pattern.to_string(),
                limit: MAX_STATES,
            });
        }
        let id = raw.len() as u32;
        ids.insert(pair, id);
        order.push(pair);
        raw.trans.extend_from_slice(&[DEAD; 256]);
        let acc_a = a.accepts.get(pair.0 as usize).copied().unwrap_or(false);
        let acc_b = b.accepts.get(pair.1 as usize).copied().unwrap_or(false);
        raw.accepts.push(keep(acc_a, acc_b));
        Ok(id)
    };
    raw.start = intern((a.start, b.start), &mut raw, &mut order)?;
    let mut i = 0;
    while i < order.len() {
        let (x, y) = order[i];
        let id = i + 1;
        let mut targets = Vec::with_capacity(reps.len());
        for &byte in &reps {
            targets.push(intern((a.next(x, byte), b.next(y, byte)), &mut raw, &mut order)?);
        }
        for byte in 0..256 {
            raw.trans[id * 256 + byte] = targets[class_of[byte] as usize];
        }
        i += 1;
    }
    Ok(raw)
}

/// A trimmed, minimal automaton in compact tables: states numbered in
/// breadth-first order from the start (bytes ascending), 0 dead; one row
/// of targets per state over byte classes.
struct Dfa {
    classes: [u8; 256],
    nclasses: usize,
    /// `trans[s * nclasses + class]`.
    trans: Vec<u32>,
    accepts: Vec<bool>,
    start: u32,
    /// Live out-edges `(byte, target)` of each state, bytes ascending:
    /// `adj[adj_off[s]..adj_off[s + 1]]`.
    adj_off: Vec<u32>,
    adj: Vec<(u8, u32)>,
}

impl Dfa {
    fn next(&self, s: u32, b: u8) -> u32 {
        let at = s as usize * self.nclasses + self.classes[b as usize] as usize;
        self.trans.get(at).copied().unwrap_or(DEAD)
    }

    /// Indices into `adj` of state `s`'s edges (none for a foreign state).
    fn edges_of(&self, s: u32) -> std::ops::Range<usize> {
        match (self.adj_off.get(s as usize), self.adj_off.get(s as usize + 1)) {
            (Some(a), Some(b)) => *a as usize..*b as usize,
            _ => 0..0,
        }
    }

    /// Trim (states that cannot reach a key become dead), minimise, and
    /// renumber.
    fn from_raw(raw: Raw) -> Dfa {
        let n = raw.len();
        let t = &raw.trans;
        // Reverse edges, one per distinct (source, target).
        let mut rev: Vec<Vec<u32>> = vec![Vec::new(); n];
        let mut mark = vec![u32::MAX; n];
        for s in 0..n {
            for b in 0..256 {
                let d = t[s * 256 + b] as usize;
                if mark[d] != s as u32 {
                    mark[d] = s as u32;
                    rev[d].push(s as u32);
                }
            }
        }
        let mut alive = vec![false; n];
        let mut queue: Vec<u32> = (1..n as u32).filter(|s| raw.accepts[*s as usize]).collect();
        for s in &queue {
            alive[*s as usize] = true;
        }
        while let Some(s) = queue.pop() {
            for &p in &rev[s as usize] {
                if p != DEAD && !alive[p as usize] {
                    alive[p as usize] = true;
                    queue.push(p);
                }
            }
        }
        let trans: Vec<u32> = t.iter().map(|d| if alive[*d as usize] { *d } else { DEAD }).collect();
        let start = if alive[raw.start as usize] { raw.start } else { DEAD };

        // Hopcroft's refinement: start from {dead and untrimmed}, {accepting},
        // {other live}, and split blocks by which of them each byte class
        // leads into, until nothing splits. O(classes · n · log n), so long
        // chains such as `[a-z]{1,5000}` stay cheap.
        let (_, reps) = byte_classes(&trans, n, 256);
        let initial: Vec<u32> = (0..n)
            .map(|s| {
                if s == DEAD as usize || !alive[s] {
                    0
                } else if raw.accepts[s] {
                    1
                } else {
                    2
                }
            })
            .collect();
        let block = hopcroft(&trans, n, &reps, &initial);
        let blocks = block.iter().map(|b| *b as usize + 1).max().unwrap_or(0);

        // Renumber blocks breadth-first from the start, the dead block 0.
        let mut rep_of = vec![u32::MAX; blocks];
        for s in (0..n).rev() {
            rep_of[block[s] as usize] = s as u32;
        }
        let mut new_id = vec![u32::MAX; blocks];
        new_id[block[DEAD as usize] as usize] = DEAD;
        let mut order: Vec<u32> = vec![block[DEAD as usize]];
        if start != DEAD {
            new_id[block[start as usize] as usize] = 1;
            order.push(block[start as usize]);
        }
        let mut i = 1;
        while i < order.len() {
            let rep = rep_of[order[i] as usize] as usize;
            for b in 0..256 {
                let d = block[trans[rep * 256 + b] as usize] as usize;
                if new_id[d] == u32::MAX {
                    new_id[d] = order.len() as u32;
                    order.push(d as u32);
                }
            }
            i += 1;
        }
        let m = order.len();
        let mut full = vec![DEAD; m * 256];
        let mut accepts = vec![false; m];
        for (id, blk) in order.iter().enumerate().skip(1) {
            let rep = rep_of[*blk as usize] as usize;
            accepts[id] = raw.accepts[rep];
            for b in 0..256 {
                full[id * 256 + b] = new_id[block[trans[rep * 256 + b] as usize] as usize];
            }
        }
        let (classes, reps) = byte_classes(&full, m, 256);
        let nclasses = reps.len();
        let mut compact = vec![DEAD; m * nclasses];
        for s in 0..m {
            for (c, b) in reps.iter().enumerate() {
                compact[s * nclasses + c] = full[s * 256 + *b as usize];
            }
        }
        let mut adj_off = Vec::with_capacity(m + 1);
        let mut adj = Vec::new();
        for s in 0..m {
            adj_off.push(adj.len() as u32);
            for b in 0..256 {
                let d = full[s * 256 + b];
                if d != DEAD {
                    adj.push((b as u8, d));
                }
            }
        }
        adj_off.push(adj.len() as u32);
        Dfa {
            classes,
            nclasses,
            trans: compact,
            accepts,
            start: if start == DEAD { DEAD } else { 1 },
            adj_off,
            adj,
        }
    }
}

/// The coarsest partition of the states of a 256-wide table that refines
/// `initial` and is stable under every byte (Hopcroft's algorithm, with
/// blocks kept as contiguous segments of one array). `reps` holds one byte
/// per byte class. Returns each state's block, numbered from 0.
fn hopcroft(trans: &[u32], n: usize, reps: &[u8], initial: &[u32]) -> Vec<u32> {
    // Predecessors of each state under each class: pre[c][off[c][t]..off[c][t + 1]].
    let k = reps.len();
    let mut pre_off = vec![0u32; k * (n + 1)];
    let mut pre = vec![0u32; k * n];
    for (c, b) in reps.iter().enumerate() {
        let off = &mut pre_off[c * (n + 1)..(c + 1) * (n + 1)];
        for s in 0..n {
            off[trans[s * 256 + *b as usize] as usize + 1] += 1;
        }
        for t in 0..n {
            off[t + 1] += off[t];
        }
        let mut fill = off[..n].to_vec();
        for s in 0..n {
            let t = trans[s * 256 + *b as usize] as usize;
            pre[c * n + fill[t] as usize] = s as u32;
            fill[t] += 1;
        }
    }

    // Blocks as segments start..end of `elems`, marked states first.
    let mut elems: Vec<u32> = (0..n as u32).collect();
    elems.sort_by_key(|s| initial[*s as usize]);
    let mut loc = vec![0u32; n];
    let mut block_of = vec![0u32; n];
    let (mut start, mut end, mut marked) = (Vec::new(), Vec::new(), Vec::new());
    for (i, s) in elems.iter().enumerate() {
        if i == 0 || initial[*s as usize] != initial[elems[i - 1] as usize] {
            start.push(i as u32);
            end.push(i as u32);
            marked.push(0u32);
        }
        let b = start.len() - 1;
        end[b] = i as u32 + 1;
        block_of[*s as usize] = b as u32;
        loc[*s as usize] = i as u32;
    }
    let mut in_work = vec![true; start.len()];
    let mut work: Vec<u32> = (0..start.len() as u32).collect();
    let mut touched: Vec<u32> = Vec::new();
    while let Some(a) = work.pop() {
        in_work[a as usize] = false;
        let splitter: Vec<u32> = elems[start[a as usize] as usize..end[a as usize] as usize].to_vec();
        for c in 0..k {
            let off = &pre_off[c * (n + 1)..(c + 1) * (n + 1)];
            for &t in &splitter {
                for &p in &pre[c * n + off[t as usize] as usize..c * n + off[t as usize + 1] as usize] {
                    let b = block_of[p as usize] as usize;
                    let first_unmarked = start[b] + marked[b];
                    let i = loc[p as usize];
                    if i < first_unmarked {
                        continue;
                    }
                    if marked[b] == 0 {
                        touched.push(b as u32);
                    }
                    let other = elems[first_unmarked as usize];
                    elems.swap(i as usize, first_unmarked as usize);
                    loc[other as usize] = i;
                    loc[p as usize] = first_unmarked;
                    marked[b] += 1;
                }
            }
            for b in touched.drain(..) {
                let b = b as usize;
                let size = end[b] - start[b];
                let m = marked[b];
                marked[b] = 0;
                if m == size {
                    continue;
                }
                // The marked part becomes a new block.
                let nb = start.len();
                start.push(start[b]);
                end.push(start[b] + m);
                marked.push(0);
                start[b] += m;
                for i in start[nb]..end[nb] {
                    block_of[elems[i as usize] as usize] = nb as u32;
                }
                if in_work[b] {
                    in_work.push(true);
                    work.push(nb as u32);
                } else {
                    // Either half will do; the smaller keeps the work low.
                    let smaller = if m <= size - m { nb } else { b };
                    in_work.push(smaller == nb);
                    if smaller == b {
                        in_work[b] = true;
                    }
                    work.push(smaller as u32);
                }
            }
        }
    }
    block_of
}

/// Bytes whose columns agree in every row of a `width`-wide table form one
/// class; classes are numbered by their smallest byte. Returns each byte's
/// class and each class's smallest byte.
fn byte_classes(table: &[u32], rows: usize, width: usize) -> ([u8; 256], Vec<u8>) {
    let mut classes = [0u8; 256];
    let mut reps: Vec<u8> = Vec::new();
    let mut ids: HashMap<Vec<u32>, u8> = HashMap::new();
    for b in 0..256usize {
        let column: Vec<u32> = (0..rows).map(|s| table[s * width + b]).collect();
        let fresh = ids.len() as u8;
        classes[b] = *ids.entry(column).or_insert_with(|| {
            reps.push(b as u8);
            fresh
        });
    }
    (classes, reps)
}

// ---------------------------------------------------------------------------
// Counting.

/// Saturated counts `c_s(r)` for every state and every length, stored as
/// a pre-period and one period (or, for a capped language whose counts do
/// not repeat early, every length up to the cap).
struct Counts {
    /// States, the dead one included.
    n: usize,
    /// Stored lengths (rows): `mu + period`.
    rows: usize,
    /// First row of the period.
    mu: usize,
    /// Period length; 0 when the rows cover every length up to the cap and
    /// no longer length is ever asked for.
    period: usize,
    /// `cnt[row * n + s]`.
    cnt: Vec<u32>,
    /// `next[row * n + s]`: distance from the row's length to the next
    /// length with a non-zero count from `s`, or [`NONE`].
    next: Vec<u32>,
    /// From the start state: counts, prefix sums of counts and of
    /// count × length (`pc[i]`, `pl[i]` over rows `< i`), and the distance
    /// to the next saturated count.
    start_cnt: Vec<u64>,
    pc: Vec<u128>,
    pl: Vec<u128>,
    next_sat: Vec<u32>,
}

impl Counts {
    fn build(dfa: &Dfa, max_len: u64, pattern: &str) -> Result<Counts, LangError> {
        let n = dfa.accepts.len();
        let nc = dfa.nclasses;
        let mut class_size = vec![0u64; nc];
        for c in dfa.classes {
            class_size[c as usize] += 1;
        }
        // Live successors of each state with how many bytes lead there.
        let mut succ_off = Vec::with_capacity(n + 1);
        let mut succ: Vec<(u32, u64)> = Vec::new();
        for s in 0..n {
            succ_off.push(succ.len());
            let mut local: Vec<(u32, u64)> = (0..nc)
                .map(|c| (dfa.trans[s * nc + c], class_size[c]))
                .filter(|(t, _)| *t != DEAD)
                .collect();
            local.sort_unstable();
            for (t, k) in local {
                let fresh = succ.len() == succ_off[s];
                match succ.last_mut() {
                    Some(last) if !fresh && last.0 == t => last.1 += k,
                    _ => succ.push((t, k)),
                }
            }
        }
        succ_off.push(succ.len());

        let mut cnt: Vec<u32> = Vec::new();
        let mut seen: HashMap<u64, Vec<usize>> = HashMap::new();
        let mut r = 0usize;
        let (mu, period) = loop {
            if r as u64 > max_len {
                // Every length a query can ask about is stored.
                break (r, 0);
            }
            if r as u64 >= MAX_LENGTHS {
                return Err(LangError::NoPeriod {
                    pattern: pattern.to_string(),
                    limit: MAX_LENGTHS,
                });
            }
            if (r as u64 + 1) * n as u64 > MAX_CELLS {
                return Err(LangError::TooManyCells {
                    pattern: pattern.to_string(),
                    states: n,
                    lengths: r as u64,
                    limit: MAX_CELLS,
                });
            }
            let base = cnt.len();
            if r == 0 {
                cnt.extend(dfa.accepts.iter().map(|a| *a as u32));
            } else {
                let prev = base - n;
                for s in 0..n {
                    let mut sum = 0u64;
                    for &(t, k) in &succ[succ_off[s]..succ_off[s + 1]] {
                        // At most 256 terms of at most 2^8 × 2^32: no overflow.
                        sum += k * cnt[prev + t as usize] as u64;
                    }
                    cnt.push(sum.min(SATURATED) as u32);
                }
            }
            let row = &cnt[base..];
            let h = hash_row(row);
            let repeat = seen
                .get(&h)
                .and_then(|list| list.iter().copied().find(|j| &cnt[j * n..(j + 1) * n] == row));
            if let Some(j) = repeat {
                cnt.truncate(base);
                break (j, r - j);
            }
            seen.entry(h).or_default().push(r);
            r += 1;
        };
        let rows = mu + period;

        // Distances to the next non-zero count, backwards over the rows;
        // the period is walked twice so its last rows see its first ones.
        let mut next = vec![NONE; rows * n];
        let step = |d: u32| if d == NONE { NONE } else { d + 1 };
        for s in 0..n {
            let mut d = NONE;
            if period > 0 {
                for k in (0..2 * period).rev() {
                    let row = mu + k % period;
                    d = if cnt[row * n + s] > 0 { 0 } else { step(d) };
                    if k < period {
                        next[row * n + s] = d;
                    }
                }
            }
            for row in (0..mu).rev() {
                d = if cnt[row * n + s] > 0 { 0 } else { step(d) };
                next[row * n + s] = d;
            }
        }

        let start = dfa.start as usize;
        let start_cnt: Vec<u64> = (0..rows).map(|row| cnt[row * n + start] as u64).collect();
        let mut pc = Vec::with_capacity(rows + 1);
        let mut pl = Vec::with_capacity(rows + 1);
        let (mut a, mut b) = (0u128, 0u128);
        for (row, c) in start_cnt.iter().enumerate() {
            pc.push(a);
            pl.push(b);
            a += *c as u128;
            b += *c as u128 * row as u128;
        }
        pc.push(a);
        pl.push(b);
        let mut next_sat = vec![NONE; rows];
        let mut d = NONE;
        if period > 0 {
            for k in (0..2 * period).rev() {
                let row = mu + k % period;
                d = if start_cnt[row] == SATURATED { 0 } else { step(d) };
                if k < period {
                    next_sat[row] = d;
                }
            }
        }
        for row in (0..mu).rev() {
            d = if start_cnt[row] == SATURATED { 0 } else { step(d) };
            next_sat[row] = d;
        }
        Ok(Counts {
            n,
            rows,
            mu,
            period,
            cnt,
            next,
            start_cnt,
            pc,
            pl,
            next_sat,
        })
    }

    /// The stored row that answers for length `r`; `None` past the stored
    /// rows of a language without a period (lengths beyond its cap).
    fn row(&self, r: u64) -> Option<usize> {
        if r < self.rows as u64 {
            Some(r as usize)
        } else if self.period > 0 {
            Some(self.mu + ((r - self.mu as u64) % self.period as u64) as usize)
        } else {
            None
        }
    }

    fn at(&self, row: usize, s: u32) -> u64 {
        self.cnt.get(row * self.n + s as usize).map_or(0, |c| *c as u64)
    }

    /// `c_s(r)`, saturated, without any cap.
    fn count(&self, s: u32, r: u64) -> u64 {
        if s as usize >= self.n {
            return 0;
        }
        self.row(r).map_or(0, |row| self.at(row, s))
    }

    /// The smallest `r' >= r` with `c_s(r') > 0`, without any cap.
    fn next_nonzero(&self, s: u32, r: u64) -> Option<u64> {
        if s as usize >= self.n {
            return None;
        }
        let d = *self.next.get(self.row(r)? * self.n + s as usize)?;
        (d != NONE).then(|| r + d as u64)
    }

    /// Keys of length `r` from the start, saturated.
    fn start_count(&self, r: u64) -> u64 {
        self.row(r).map_or(0, |row| self.start_cnt[row])
    }

    /// The smallest length `>= r` whose start count is saturated.
    fn next_saturated(&self, r: u64) -> Option<u64> {
        let d = self.next_sat[self.row(r)?];
        (d != NONE).then(|| r + d as u64)
    }

    /// Keys from the start of lengths `< x`, and the sum of their lengths:
    /// prefix sums within the stored rows, whole periods in closed form
    /// beyond (an arithmetic series per period), for `x <= 2^32`.
    fn prefix(&self, x: u64) -> (u128, u128) {
        if x <= self.rows as u64 || self.period == 0 {
            let x = (x as usize).min(self.rows);
            return (self.pc[x], self.pl[x]);
        }
        let (mu, p, rows) = (self.mu, self.period, self.rows);
        let o = x - mu as u64;
        let q = (o / p as u64) as u128;
        let i = (o % p as u64) as usize;
        let cyc_n = self.pc[rows] - self.pc[mu];
        let cyc_l = self.pl[rows] - self.pl[mu];
        let part_n = self.pc[mu + i] - self.pc[mu];
        let part_l = self.pl[mu + i] - self.pl[mu];
        let p = p as u128;
        // Period q' (0-based) repeats row mu + j at length mu + q'p + j.
        let count = self.pc[mu] + q * cyc_n + part_n;
        let lens = self.pl[mu] + q * cyc_l + p * cyc_n * (q * q.saturating_sub(1) / 2) + part_l + q * p * part_n;
        (count, lens)
    }

    /// The length of the `k`-th key from the start (from 1) in length
    /// order: the smallest `x` with `prefix(x + 1).0 >= k`. Found in the
    /// stored prefix sums, or past them by whole periods and a search
    /// within one; `None` if there are fewer than `k` keys.
    fn kth_len(&self, k: u128) -> Option<u64> {
        if k == 0 {
            return Some(0);
        }
        if k <= self.pc[self.rows] {
            // pc[0] = 0 < k, so the first prefix sum reaching k is at 1 or later.
            let idx = self.pc.partition_point(|v| *v < k);
            return Some(idx as u64 - 1);
        }
        let (mu, rows) = (self.mu, self.rows);
        let base = self.pc[mu];
        let cyc_n = self.pc[rows] - base;
        if self.period == 0 || cyc_n == 0 {
            return None;
        }
        // k - base keys past the pre-period: q whole periods, then the
        // rem-th key of the next one.
        let k = k - base;
        // u128 division is slow; the operands nearly always fit in u64.
        let q = match (u64::try_from(k - 1), u64::try_from(cyc_n)) {
            (Ok(a), Ok(b)) => (a / b) as u128,
            _ => (k - 1) / cyc_n,
        };
        let rem = k - q * cyc_n;
        let j = self.pc[mu + 1..=rows].partition_point(|v| *v - base < rem);
        u64::try_from(mu as u128 + q * self.period as u128 + j as u128).ok()
    }
}

/// A fast hash of a count vector (equality is always confirmed).
fn hash_row(row: &[u32]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &v in row {
        h = (h ^ v as u64).wrapping_mul(0x0100_0000_01b3).rotate_left(5);
    }
    h
}

#[cfg(test)]
mod alphabet_reference;

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use regex::bytes::Regex;

    use super::alphabet_reference::AlphabetSpec;
    use super::*;
    use crate::msgpack::keys::{FirstChar, Kmax};

    const U32: u64 = u32::MAX as u64;

    /// Every byte string over `alphabet` (ascending) of at most `max` bytes,
    /// by length then bytewise.
    fn all_strings(alphabet: &[u8], max: usize) -> Vec<Vec<u8>> {
        let mut alphabet = alphabet.to_vec();
        alphabet.sort();
        alphabet.dedup();
        let mut out: Vec<Vec<u8>> = vec![vec![]];
        let mut layer: Vec<Vec<u8>> = vec![vec![]];
        for _ in 0..max {
            let mut next = Vec::with_capacity(layer.len() * alphabet.len());
            for s in &layer {
                for b in &alphabet {
                    let mut t = s.clone();
                    t.push(*b);
                    next.push(t);
                }
            }
            out.extend(next.iter().cloned());
            layer = next;
        }
        out
    }

    /// The independent judge: the `regex` crate, anchored at both ends.
    fn judge(pattern: &str) -> Regex {
        Regex::new(&format!("^(?:{pattern})$")).expect("test patterns are valid")
    }

    /// What the brute force knows about one language: every string it
    /// tried, which of them the pattern matches (uncapped), and the keys
    /// (matches within the cap) by length then bytewise.
    struct Brute {
        all: Vec<Vec<u8>>,
        matched: HashSet<Vec<u8>>,
        keys: Vec<Vec<u8>>,
        max_len: u64,
        /// Every prefix of a key, with how many keys of each length it starts.
        prefixes: HashMap<Vec<u8>, Vec<u64>>,
        /// The longest string tried.
        reach: u64,
    }

    impl Brute {
        fn new(all: Vec<Vec<u8>>, matched: HashSet<Vec<u8>>, max_len: u64, reach: u64) -> Brute {
            assert!(max_len <= reach, "the brute force must see every key within the cap");
            let keys: Vec<Vec<u8>> = all
                .iter()
                .filter(|s| matched.contains(*s) && s.len() as u64 <= max_len)
                .cloned()
                .collect();
            let mut prefixes: HashMap<Vec<u8>, Vec<u64>> = HashMap::new();
            for k in &keys {
                for i in 0..=k.len() {
                    let e = prefixes
                        .entry(k[..i].to_vec())
                        .or_insert_with(|| vec![0; reach as usize + 1]);
                    e[k.len()] += 1;
                }
            }
            Brute {
                all,
                matched,
                keys,
                max_len,
                prefixes,
                reach,
            }
        }

        fn of_pattern(pattern: &str, alphabet: &[u8], reach: usize, max_len: u64) -> Brute {
            let re = judge(pattern);
            let all = all_strings(alphabet, reach);
            let matched = all.iter().filter(|s| re.is_match(s)).cloned().collect();
            Brute::new(all, matched, max_len, reach as u64)
        }

        /// Keys of `len` bytes starting with `prefix`.
        fn completions(&self, prefix: &[u8], len: u64) -> u64 {
            match self.prefixes.get(prefix) {
                Some(v) if len <= self.reach => v[len as usize],
                _ => 0,
            }
        }

        fn expected_error(&self, w: &[u8]) -> Result<(), KeyError> {
            let len = w.len() as u64;
            if len > self.max_len {
                return Err(KeyError::TooLong { len, max: self.max_len });
            }
            if self.matched.contains(w) {
                return Ok(());
            }
            for i in 0..w.len() {
                if !self.prefixes.contains_key(&w[..=i]) {
                    return Err(KeyError::Byte {
                        pos: i as u64,
                        byte: w[i],
                    });
                }
            }
            let next = (len + 1..=self.reach).find(|l| self.completions(w, *l) > 0);
            Err(KeyError::Length { len, next })
        }
    }

    fn header_tables() -> Vec<StrHeaders> {
        vec![
            StrHeaders::for_profile(Profile::Canonical),
            StrHeaders::for_profile(Profile::Legacy),
            // Small ranges, with lengths 3 and 6..=7 unwritable.
            StrHeaders::new(&[(0, 2, 1), (4, 5, 2), (8, U32, 5)]).unwrap(),
            // Nothing below 5 is writable.
            StrHeaders::new(&[(5, 9, 3)]).unwrap(),
        ]
    }

    /// The encoded sizes of every free writable key, ascending: the
    /// cheapest `n` keys are the first `n`.
    fn brute_sizes(keys: &[Vec<u8>], taken: &HashSet<Vec<u8>>, headers: &StrHeaders) -> Vec<u128> {
        let mut sizes: Vec<u128> = keys
            .iter()
            .filter(|k| !taken.contains(*k))
            .filter_map(|k| {
                headers
                    .header_size(k.len() as u64)
                    .map(|h| (h + k.len() as u64) as u128)
            })
            .collect();
        sizes.sort();
        sizes
    }

    fn summarise(taken: &HashSet<Vec<u8>>) -> Vec<(u64, u64)> {
        let mut lens: Vec<(u64, u64)> = Vec::new();
        for k in taken {
            match lens.iter_mut().find(|(l, _)| *l == k.len() as u64) {
                Some(e) => e.1 += 1,
                None => lens.push((k.len() as u64, 1)),
            }
        }
        lens
    }

    /// Compare every query of `lang` with the brute force; returns the
    /// number of comparisons made.
    fn compare(lang: &KeyLang, brute: &Brute) -> usize {
        let mut checks = 0;
        let name = lang.pattern().to_string();
        assert_eq!(lang.max_len(), brute.max_len);
        // Membership, and the reason for a refusal.
        for w in &brute.all {
            assert_eq!(lang.check(w), brute.expected_error(w), "{name}: check {w:?}");
            checks += 1;
        }
        // Every state reachable within the brute force's reach: acceptance,
        // completions and the next completion length.
        for w in &brute.all {
            let got = w.len() as u64;
            let Some(s) = lang.walk(w) else {
                assert!(!brute.prefixes.contains_key(w), "{name}: {w:?} starts a key");
                checks += 1;
                continue;
            };
            assert_eq!(lang.accepts(s), brute.matched.contains(w), "{name}: accepts {w:?}");
            for more in 0..=brute.reach + 2 - got {
                let expected = if got + more <= brute.reach {
                    brute.completions(w, got + more)
                } else {
                    0
                };
                assert_eq!(lang.completions(s, got, more), expected, "{name}: {w:?} + {more}");
                let next = (more..=brute.reach.saturating_sub(got)).find(|m| brute.completions(w, got + m) > 0);
                assert_eq!(
                    lang.next_completion_len(s, got, more),
                    next,
                    "{name}: next after {w:?} from {more}"
                );
                checks += 2;
            }
        }
        // Counts per length and the shortest key.
        for len in 0..=brute.reach + 3 {
            let expected = brute.keys.iter().filter(|k| k.len() as u64 == len).count() as u64;
            assert_eq!(lang.keys_of_len(len), expected, "{name}: keys of length {len}");
            checks += 1;
        }
        assert_eq!(
            lang.min_len(),
            brute.keys.first().map(|k| k.len() as u64),
            "{name}: min_len"
        );
        // Keys in order, by index, and from every index on.
        let listed: Vec<Vec<u8>> = lang.keys_in_order().take(brute.keys.len() + 1).collect();
        assert_eq!(listed, brute.keys, "{name}: keys in order");
        checks += 1;
        let mut index = 0u64;
        for (pos, key) in brute.keys.iter().enumerate() {
            let len = key.len() as u64;
            if pos > 0 && brute.keys[pos - 1].len() != key.len() {
                index = 0;
            }
            assert_eq!(
                lang.key_at(len, index),
                Ok(Some(key.clone())),
                "{name}: key_at {len} {index}"
            );
            let from: Vec<Vec<u8>> = lang.keys_from(len, index).unwrap().take(4).collect();
            let expected: Vec<Vec<u8>> = brute.keys[pos..].iter().take(4).cloned().collect();
            assert_eq!(from, expected, "{name}: keys_from {len} {index}");
            checks += 2;
            index += 1;
        }
        for len in 0..=brute.reach + 1 {
            let count = lang.keys_of_len(len);
            assert_eq!(lang.key_at(len, count), Ok(None), "{name}: key_at past the end");
            let next = brute.keys.iter().find(|k| k.len() as u64 > len).cloned();
            assert_eq!(
                lang.keys_from(len, count).unwrap().next(),
                next,
                "{name}: keys_from past {len}"
            );
            checks += 2;
        }
        // Cheapest keys, with and without taken keys, every way of summing.
        let taken_sets: Vec<HashSet<Vec<u8>>> = vec![
            HashSet::new(),
            brute.keys.iter().step_by(3).take(4).cloned().collect(),
            brute
                .keys
                .iter()
                .filter(|k| k.len() as u64 == brute.max_len.min(4))
                .cloned()
                .collect(),
        ];
        for headers in header_tables() {
            for taken in &taken_sets {
                let summary = summarise(taken);
                let sizes = brute_sizes(&brute.keys, taken, &headers);
                let free = brute.keys.len() - taken.len();
                for n in (0..60).chain([free, free + 1]) {
                    let expected = (sizes.len() >= n).then(|| sizes[..n].iter().sum());
                    for linear in [LINEAR_WALK, 0, u64::MAX] {
                        assert_eq!(
                            lang.cheapest_with(&headers, n as u64, &summary, linear),
                            Ok(expected),
                            "{name}: cheapest {n} with {summary:?} under {headers:?} walking {linear}"
                        );
                        checks += 1;
                    }
                }
            }
        }
        checks
    }

    /// (pattern, alphabet for the brute force, longest string tried, cap)
    fn cases() -> Vec<(&'static str, Vec<u8>, usize, u64)> {
        let utf8 = |s: &str| -> Vec<u8> {
            let mut v: Vec<u8> = s.bytes().collect();
            v.sort();
            v.dedup();
            v
        };
        vec![
            ("(ab)+", b"abc".to_vec(), 10, 10),
            ("(ab)+", b"abc".to_vec(), 10, 7),
            ("(abc)+|x{4}", b"abcx".to_vec(), 9, 9),
            ("[é€]+", [utf8("é€"), b"a".to_vec()].concat(), 7, 7),
            ("[α-γ]{1,2}", [utf8("αβγ"), b"a".to_vec()].concat(), 6, 6),
            ("a", b"ab".to_vec(), 4, 4),
            ("a{0}", b"ab".to_vec(), 4, 4),
            ("", b"ab".to_vec(), 3, 3),
            ("x{2,5}|y{7}", b"xyz".to_vec(), 8, 8),
            ("[a-c][a-c0-1]*", b"abc01-".to_vec(), 6, 6),
            ("(a|bc)*", b"abcd".to_vec(), 8, 8),
            ("[ab]*c?", b"abcd".to_vec(), 8, 6),
            ("ab|abcd|b", b"abcd".to_vec(), 6, 6),
            ("(?:aa|b)*x", b"abx.".to_vec(), 8, 8),
            ("[ -#]{1,3}", b" !\"#$".to_vec(), 5, 5),
            ("a*b*", b"abc".to_vec(), 8, 8),
            (r"[^\x00-\x{10FFFF}]", b"ab".to_vec(), 3, 3),
            ("_id|name|email|created_at", b"_idnamelcrt".to_vec(), 4, 4),
        ]
    }

    #[test]
    fn queries_match_brute_force() {
        let mut checked = 0;
        let mut languages = 0;
        for (pattern, alphabet, reach, max_len) in cases() {
            let lang = KeyLang::new(pattern, max_len).unwrap();
            let brute = Brute::of_pattern(pattern, &alphabet, reach, max_len);
            checked += compare(&lang, &brute);
            languages += 1;
        }
        assert_eq!(languages, 18);
        assert!(checked > 1_000_000, "{checked}");
    }

    /// A vocabulary, judged by the word list itself.
    #[test]
    fn vocabulary_matches_its_words() {
        let words = ["_id", "name", "email", "created_at", "a", "", "näme", "a-b", "a.b"];
        let lang = KeyLang::from_words(words, 10).unwrap();
        let mut sorted: Vec<Vec<u8>> = words.iter().map(|w| w.as_bytes().to_vec()).collect();
        sorted.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
        assert_eq!(lang.keys_in_order().collect::<Vec<_>>(), sorted);
        // Dots and dashes are escaped, not wildcards or ranges.
        assert!(lang.check(b"a-b").is_ok());
        assert!(lang.check(b"axb").is_err());
        // The brute force over the words' own bytes agrees on everything.
        let alphabet: Vec<u8> = b"_idnamea-.b".to_vec();
        let all = all_strings(&alphabet, 4);
        let matched: HashSet<Vec<u8>> = all.iter().filter(|s| sorted.contains(s)).cloned().collect();
        let short = KeyLang::from_words(words, 4).unwrap();
        let checks = compare(&short, &Brute::new(all, matched, 4, 4));
        assert!(checks > 1000, "{checks}");
        // Capped: the longer words are gone.
        assert_eq!(short.keys_in_order().count(), 6);
        assert_eq!(
            KeyLang::from_words([&[0xffu8][..]], 4).unwrap_err(),
            LangError::WordNotUtf8 {
                word: "\u{fffd}".to_string()
            }
        );
        let none = KeyLang::from_words(Vec::<&str>::new(), 4).unwrap();
        assert_eq!(none.min_len(), None);
        assert_eq!(none.keys_in_order().count(), 0);
        assert_eq!(none.step(none.start(), b'a'), None);
    }

    /// Differences against the brute force's set difference.
    #[test]
    fn minus_matches_brute_force() {
        let pairs: [(&str, &str, &[u8], usize, u64); 5] = [
            ("[ab]*c?", "(ab)+", b"abcd", 8, 8),
            ("(a|bc)*", "a*", b"abcd", 8, 8),
            ("[a-c][a-c0-1]*", "[ab]+|c0", b"abc01-", 6, 6),
            ("x{2,5}|y{7}", "x{2,5}|y{7}", b"xyz", 8, 8),
            ("(abc)+|x{4}", "(abc)+|x{4}|a", b"abcx", 9, 9),
        ];
        let mut checked = 0;
        for (keep, drop, alphabet, reach, max_len) in pairs {
            let lang = KeyLang::new(keep, max_len)
                .unwrap()
                .minus(&KeyLang::new(drop, max_len).unwrap())
                .unwrap();
            let (re1, re2) = (judge(keep), judge(drop));
            let all = all_strings(alphabet, reach);
            let matched = all
                .iter()
                .filter(|s| re1.is_match(s) && !re2.is_match(s))
                .cloned()
                .collect();
            checked += compare(&lang, &Brute::new(all, matched, max_len, reach as u64));
        }
        assert!(checked > 100_000, "{checked}");
        // A longer cap on the subtracted language changes nothing; a shorter
        // one is fine while no common key lies between the caps.
        let a = KeyLang::new("(ab)+", 10).unwrap();
        let long = a.minus(&KeyLang::new("ab", 100).unwrap()).unwrap();
        assert_eq!(long.min_len(), Some(4));
        let short = a.minus(&KeyLang::new("ab", 2).unwrap()).unwrap();
        assert_eq!(short.min_len(), Some(4));
        assert!(matches!(
            a.minus(&KeyLang::new("(ab)+", 4).unwrap()),
            Err(LangError::CapsDiffer { len: 6, .. })
        ));
        assert_ne!(long, short);
        assert_eq!(long, a.minus(&KeyLang::new("ab", 100).unwrap()).unwrap());
    }

    /// `\p{Greek}{1,2}`, judged character by character: count the Greek
    /// code points of each UTF-8 width, then combine.
    #[test]
    fn greek_counts_match_code_points() {
        let re = judge(r"\p{Greek}");
        let mut by_width = [0u64; 5];
        let mut buf = [0u8; 4];
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let s = c.encode_utf8(&mut buf);
            if re.is_match(s.as_bytes()) {
                by_width[s.len()] += 1;
            }
        }
        assert!(by_width[2] > 100 && by_width[3] > 100, "{by_width:?}");
        let lang = KeyLang::new(r"\p{Greek}{1,2}", 100).unwrap();
        for len in 0..=10u64 {
            let one = if len <= 4 { by_width[len as usize] } else { 0 };
            let two: u64 = (1..=4)
                .filter(|a| len >= *a && len - a <= 4 && len - a >= 1)
                .map(|a| by_width[a as usize] * by_width[(len - a) as usize])
                .sum();
            assert_eq!(lang.keys_of_len(len), one + two, "length {len}");
        }
        // Every listed key of length 4 is one or two Greek characters.
        let keys: Vec<Vec<u8>> = lang.keys_from(4, 0).unwrap().take(50).collect();
        assert_eq!(keys.len(), 50);
        let pair = judge(r"\p{Greek}{1,2}");
        assert!(keys.iter().all(|k| k.len() == 4 && pair.is_match(k)));
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
    }

    /// Greedy by hand over lengths for `(ab)+`-like languages with one key
    /// per allowed length.
    fn direct(headers: &StrHeaders, lens: impl Iterator<Item = u64>, n: u64, taken: &[u64], cap: u64) -> Option<u128> {
        let mut left = n;
        let mut total = 0u128;
        for len in lens {
            if left == 0 {
                break;
            }
            let last = headers.ranges().last().map_or(0, |r| r.1);
            if len > cap || len > last {
                return None;
            }
            let Some(h) = headers.header_size(len) else { continue };
            if taken.contains(&len) {
                continue;
            }
            total += (h + len) as u128;
            left -= 1;
        }
        (left == 0).then_some(total)
    }

    #[test]
    fn periodic_closed_form_at_scale() {
        let mut checked = 0;
        let taken_lens = [2u64, 100, 70_000];
        let summary: Vec<(u64, u64)> = taken_lens.iter().map(|l| (*l, 1)).collect();
        for cap in [U32, 65_535, 1000] {
            let ab = KeyLang::new("(ab)+", cap).unwrap();
            for headers in header_tables() {
                for n in [
                    1u64, 15, 16, 17, 127, 128, 129, 1000, 32_767, 32_768, 32_790, 100_000, 3_000_000,
                ] {
                    for (taken, lens) in [(&[][..], &[][..]), (&summary[..], &taken_lens[..])] {
                        let expected = direct(&headers, (1..).map(|k| 2 * k), n, lens, cap);
                        assert_eq!(ab.cheapest_keys_size(&headers, n, taken), Ok(expected), "{cap} {n}");
                        assert_eq!(ab.cheapest_with(&headers, n, taken, 0), Ok(expected), "{cap} {n}");
                        checked += 2;
                    }
                }
            }
        }
        // Period 3 (`abc` repeated) plus one extra length.
        let l = KeyLang::new("(abc)+|x{4}", U32).unwrap();
        let headers = StrHeaders::for_profile(Profile::Canonical);
        for n in [1u64, 2, 3, 10, 11, 85, 86, 100_000, 1_000_000] {
            let lens = (1..)
                .map(|k| 3 * k)
                .flat_map(|l| if l == 3 { vec![3, 4] } else { vec![l] });
            assert_eq!(
                l.cheapest_keys_size(&headers, n, &[]),
                Ok(direct(&headers, lens, n, &[], U32))
            );
            checked += 1;
        }
        // Two keys per period, so a greedy can stop mid-period.
        let two = KeyLang::new("(abc)+|(abc)*ab", U32).unwrap();
        for headers in header_tables() {
            for n in [
                1u64, 2, 3, 21, 22, 23, 170, 171, 1000, 43_690, 43_691, 100_001, 1_000_000,
            ] {
                let lens = || (0..).flat_map(|k| [3 * k + 2, 3 * k + 3]);
                let taken = [(5u64, 1u64), (300, 1)];
                assert_eq!(
                    two.cheapest_keys_size(&headers, n, &[]),
                    Ok(direct(&headers, lens(), n, &[], U32))
                );
                assert_eq!(
                    two.cheapest_with(&headers, n, &taken, 0),
                    Ok(direct(&headers, lens(), n, &[5, 300], U32))
                );
                checked += 2;
            }
        }
        assert_eq!(checked, 3 * 4 * 13 * 2 * 2 + 9 + 4 * 13 * 2);
        // The largest answers: 2^31 keys of `(ab)+` need lengths up to 2^32
        // but the cap is 2^32 - 1, so one key short.
        let ab = KeyLang::new("(ab)+", U32).unwrap();
        let canonical = StrHeaders::for_profile(Profile::Canonical);
        let most = (1u64 << 31) - 1;
        let sum_lens = (most as u128) * (most as u128 + 1); // 2 + 4 + ... + 2·most
        let headers_sum = 15 + 2 * 112 + 3 * (32_767 - 127) + 5 * (most as u128 - 32_767);
        assert_eq!(
            ab.cheapest_keys_size(&canonical, most, &[]),
            Ok(Some(sum_lens + headers_sum))
        );
        assert_eq!(ab.cheapest_keys_size(&canonical, most + 1, &[]), Ok(None));
    }

    /// The closed-form prefix sums agree with summing length by length,
    /// at every residue of the period.
    #[test]
    fn prefix_sums_match_naive_sums() {
        let (mut checked, mut kth) = (0, 0);
        for pattern in [
            "(ab)+",
            "(abc)+|x{4}",
            "(abc)+|(abc)*ab",
            "a(bcde)*|x{7}|y{9}",
            "[ab]{3}(ab)*",
            "a{0}",
        ] {
            let lang = KeyLang::new(pattern, U32).unwrap();
            let counts = &lang.inner.counts;
            assert!(counts.period > 0, "{pattern}");
            let (mut n, mut l) = (0u128, 0u128);
            for x in 0..=5_000u64 {
                assert_eq!(counts.prefix(x), (n, l), "{pattern} {x}");
                let c = lang.keys_of_len(x) as u128;
                if c > 0 {
                    // The first and last key of this length.
                    assert_eq!(counts.kth_len(n + 1), Some(x), "{pattern} key {}", n + 1);
                    assert_eq!(counts.kth_len(n + c), Some(x), "{pattern} key {}", n + c);
                    kth += 2;
                }
                n += c;
                l += c * x as u128;
                checked += 1;
            }
        }
        assert_eq!(checked, 6 * 5_001);
        assert!(kth > 10_000, "{kth}");
        assert_eq!(KeyLang::new("a{0}", U32).unwrap().inner.counts.kth_len(2), None);
        assert_eq!(KeyLang::new("a{0}", U32).unwrap().inner.counts.kth_len(1), Some(0));
        // Far out, against the arithmetic series: `(abc)+|(abc)*ab` has keys
        // at lengths 3k + 2 and 3k + 3, and 2^32 = 3b + 1, so the lengths
        // below 2^32 hold the keys of k < b.
        let lang = KeyLang::new("(abc)+|(abc)*ab", U32).unwrap();
        let b = (U32 / 3) as u128;
        assert_eq!(3 * b + 1, 1u128 << 32);
        let lens = 3 * b * (b - 1) + 5 * b; // sum of 6k + 5 for k < b
        assert_eq!(lang.inner.counts.prefix(U32 + 1), (2 * b, lens));
    }

    #[test]
    fn saturation_and_caps() {
        let w = KeyLang::new(r"\w+", U32).unwrap();
        assert_eq!(w.keys_of_len(40), SATURATED);
        assert_eq!(w.keys_of_len(U32), SATURATED);
        assert_eq!(w.keys_of_len(1), 63); // `\w` has 63 one-byte members
        assert_eq!(w.key_at(40, 0), Ok(Some(vec![b'0'; 40])));
        assert_eq!(
            w.key_at(40, SATURATED),
            Err(CountError::IndexTooLarge { index: SATURATED })
        );
        assert!(w.keys_from(40, SATURATED).is_err());
        let canonical = StrHeaders::for_profile(Profile::Canonical);
        // More keys than one map holds, meeting a saturated count: refused.
        let seven = KeyLang::new(r"\w{7}", U32).unwrap();
        assert_eq!(seven.min_len(), Some(7));
        assert_eq!(seven.keys_of_len(7), SATURATED);
        assert_eq!(
            seven.cheapest_keys_size(&canonical, U32 - 1, &[(7, 2)]),
            Err(CountError::TooManyKeys { n: U32 - 1, taken: 2 })
        );
        assert_eq!(
            seven.cheapest_keys_size(&canonical, U32 - 2, &[(7, 2)]),
            Ok(Some(8 * (U32 as u128 - 2)))
        );
        // Taken keys at other lengths do not count against it.
        assert_eq!(
            seven.cheapest_keys_size(&canonical, U32, &[(3, 9)]),
            Ok(Some(8 * U32 as u128))
        );
        // Without saturation, large n is still exact: `a+` has one key per length.
        let a = KeyLang::new("a+", U32).unwrap();
        let n = U32;
        let expected = direct(&canonical, 1.., 1000, &[], U32).unwrap();
        assert_eq!(a.cheapest_keys_size(&canonical, 1000, &[]), Ok(Some(expected)));
        assert_eq!(
            a.cheapest_keys_size(&canonical, n, &[]).unwrap().unwrap(),
            (n as u128) * (n as u128 + 1) / 2 + 31 + 2 * 224 + 3 * 65_280 + 5 * (n as u128 - 65_535)
        );
        assert_eq!(a.cheapest_keys_size(&canonical, n + 1, &[]), Ok(None));

        let capped = KeyLang::new("[a-z]+", 3).unwrap();
        assert_eq!(capped.keys_of_len(3), 26 * 26 * 26);
        assert_eq!(capped.keys_of_len(4), 0);
        assert_eq!(capped.check(b"abcd"), Err(KeyError::TooLong { len: 4, max: 3 }));
        let s = capped.walk(b"abc").unwrap();
        assert_eq!(capped.completions(s, 3, 1), 0);
        assert_eq!(capped.next_completion_len(s, 3, 1), None);
        assert_eq!(capped.next_completion_len(s, 3, 0), Some(0));
        assert_eq!(capped.keys_in_order().count() as u64, 26 + 26 * 26 + 26 * 26 * 26);
        // A zero cap leaves at most the empty key.
        let zero = KeyLang::new("a*", 0).unwrap();
        assert_eq!(zero.keys_in_order().collect::<Vec<_>>(), vec![Vec::<u8>::new()]);
        assert_eq!(
            KeyLang::new("a", U32 + 1).unwrap_err(),
            LangError::MaxLenTooLarge(U32 + 1)
        );
    }

    #[test]
    fn refusals_name_their_limits() {
        let err = KeyLang::new("a*b*", U32).unwrap_err();
        assert_eq!(
            err,
            LangError::NoPeriod {
                pattern: "a*b*".to_string(),
                limit: MAX_LENGTHS
            }
        );
        assert_eq!(
            err.to_string(),
            "key counts of `a*b*` do not settle within 65536 lengths (limit: counts must become periodic or \
             exceed 2^32 − 1 within that many lengths; a longest key length below 65536 also works)"
        );
        // Capped, the same language needs no period: every length is stored.
        let capped = KeyLang::new("a*b*", 65_535).unwrap();
        for len in [0u64, 1, 2, 1000, 65_535] {
            assert_eq!(capped.keys_of_len(len), len + 1);
        }
        assert_eq!(capped.keys_of_len(65_536), 0);
        assert_eq!(capped.key_at(1000, 1000), Ok(Some(vec![b'b'; 1000])));

        let err = KeyLang::new("(", 31).unwrap_err();
        assert!(matches!(err, LangError::Pattern { .. }));
        assert!(err.to_string().starts_with("the key pattern is invalid: "), "{err}");
        assert!(err.to_string().contains("unclosed group"), "{err}");
        // Unicode word boundaries have no DFA.
        assert!(matches!(KeyLang::new(r"\bx", 31), Err(LangError::Pattern { .. })));
        // Invalid UTF-8 cannot be matched by a key pattern.
        assert!(matches!(
            KeyLang::new(r"(?-u:\xff)", 31),
            Err(LangError::Pattern { .. })
        ));

        let err = KeyLang::new("[a-z]{10001}", U32).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the key pattern `[a-z]{10001}` needs more than 10000 automaton states (limit)"
        );
        let err = KeyLang::new("[a-z]{1,5000}", U32).unwrap_err();
        assert!(matches!(err, LangError::TooManyCells { limit: MAX_CELLS, .. }), "{err}");
        // Just under the limits, the chain works.
        let chain = KeyLang::new("[a-z]{1,4000}", U32).unwrap();
        assert_eq!(chain.keys_of_len(4000), SATURATED);
        assert_eq!(chain.keys_of_len(4001), 0);
        assert_eq!(chain.keys_of_len(2), 676);

        assert!(StrHeaders::new(&[(0, 31, 1), (31, 40, 2)]).is_err());
        assert!(StrHeaders::new(&[(0, 31, 2), (32, 40, 1)]).is_err());
        assert!(StrHeaders::new(&[(5, 4, 1)]).is_err());
        assert!(StrHeaders::new(&[(0, U32 + 1, 1)]).is_err());
    }

    #[test]
    fn key_errors_read_well() {
        let ident = KeyLang::new("[A-Za-z_][A-Za-z0-9_]*", 31).unwrap();
        assert_eq!(
            ident.check(&[b'a'; 256]).unwrap_err().to_string(),
            "key length 256 is longer than the longest key allowed (31)"
        );
        assert_eq!(
            ident.check(b"abc-d").unwrap_err().to_string(),
            "byte 0x2d ('-') at position 3 cannot continue a key"
        );
        assert_eq!(
            ident.check(b"9").unwrap_err().to_string(),
            "byte 0x39 ('9') at position 0 cannot continue a key"
        );
        assert_eq!(
            ident.check(b"").unwrap_err().to_string(),
            "no key of length 0 starts this way (the shortest key that does has 1 bytes)"
        );
        let ab = KeyLang::new("(ab)+", 31).unwrap();
        assert_eq!(
            ab.check(b"aba").unwrap_err().to_string(),
            "no key of length 3 starts this way (the shortest key that does has 4 bytes)"
        );
        assert_eq!(
            ab.check(&b"ab".repeat(15)[..29]).unwrap_err(),
            KeyError::Length {
                len: 29,
                next: Some(30)
            }
        );
        // The cap decides whether a byte can still continue a key.
        let short = KeyLang::new("(ab)+", 3).unwrap();
        assert_eq!(short.check(b"aba"), Err(KeyError::Byte { pos: 2, byte: b'a' }));
        assert_eq!(
            KeyLang::new("a|abc", 2).unwrap().check(b"ab").unwrap_err().to_string(),
            "byte 0x62 ('b') at position 1 cannot continue a key"
        );
        assert_eq!(
            ident.check(&[0xff]).unwrap_err().to_string(),
            "byte 0xff at position 0 cannot continue a key"
        );
    }

    /// States of another language (or made up) are dead, never a panic.
    #[test]
    fn foreign_states_are_dead() {
        let big = KeyLang::new("[a-z]{1,20}", 31).unwrap();
        let small = KeyLang::new("a", 31).unwrap();
        let far = big.walk(b"abcdefghij").unwrap();
        assert_eq!(small.step(far, b'a'), None);
        assert!(!small.accepts(far));
        assert_eq!(small.completions(far, 0, 1), 0);
        assert_eq!(small.next_completion_len(far, 0, 0), None);
        assert_eq!(small.completions(small.start(), U32, U32), 0);
        assert_eq!(small.next_completion_len(small.start(), U32, U32), None);
        assert_eq!(small.keys_from(U32, U32).unwrap().next(), None);
    }

    #[test]
    fn tables_are_minimal_and_canonical() {
        // Equivalent patterns give identical automata.
        let a = KeyLang::new("(ab)+", 31).unwrap();
        let b = KeyLang::new("ab(ab)*|abab(ab)*", 31).unwrap();
        // dead, start, after an odd number of bytes, after a whole `ab`.
        assert_eq!(a.state_count(), 4);
        assert_eq!(b.state_count(), 4);
        assert_eq!(a.inner.dfa.trans, b.inner.dfa.trans);
        assert_ne!(a, b, "equality is by pattern, not by language");
        assert_eq!(a, KeyLang::new("(ab)+", 31).unwrap());
        assert_ne!(a, KeyLang::new("(ab)+", 30).unwrap());
        assert_eq!(format!("{a:?}"), r#"KeyLang { pattern: "(ab)+", max_len: 31 }"#);
        // alnum: the start and one accepting state, plus dead.
        assert_eq!(KeyLang::new("[A-Za-z0-9_]+", 31).unwrap().state_count(), 3);
        assert_eq!(KeyLang::new("[A-Za-z0-9_]+", 31).unwrap().inner.dfa.nclasses, 2);
        // A dead end (`c` after `a` can never finish) is trimmed away.
        let t = KeyLang::new("ab|ac[^\\x00-\\x{10FFFF}]", 31).unwrap();
        assert_eq!(t.walk(b"ac"), None);
        assert_eq!(t.check(b"ac"), Err(KeyError::Byte { pos: 1, byte: b'c' }));
    }

    /// The state limit is exact: an automaton of exactly `MAX_STATES`
    /// states (dead not counted) is accepted and one more is refused, both
    /// as `regex-automata` builds it and as the product of a difference.
    #[test]
    fn the_state_limit_is_exact() {
        // `build(n)` has one live state more than `build(n - 1)` from
        // `from` on: the offset is measured there, far below the limit,
        // where the limit cannot interfere, and the limit is met exactly.
        fn exact_at_the_limit(what: &str, from: usize, build: impl Fn(usize) -> Result<Raw, LangError>) {
            let live = |n: usize| build(n).unwrap().len() - 1;
            let extra = live(from) - from;
            for n in from..from + 5 {
                assert_eq!(live(n), n + extra, "{what}, n = {n}");
            }
            let n = MAX_STATES - extra;
            assert_eq!(live(n), MAX_STATES, "{what}, n = {n}");
            assert!(
                matches!(build(n + 1), Err(LangError::TooManyStates { .. })),
                "{what}, n = {}",
                n + 1
            );
        }
        let chain = |n: usize| raw_from_pattern(&format!("[a-z]{{{n}}}"));
        exact_at_the_limit("[a-z]{n}", 1, chain);
        // `[a-z]{n}` minus `b{100}`: along the first 100 b's the pairs
        // follow both chains, and every other letter leads to a pair with
        // the dead state of `b{100}`: for n of 100 or more, one state per
        // letter plus a constant.
        let b100 = Dfa::from_raw(raw_from_pattern("b{100}").unwrap());
        exact_at_the_limit("[a-z]{n} minus b{100}", 200, |n| {
            product(&Dfa::from_raw(chain(n).unwrap()), &b100, |x, y| x && !y, "p")
        });
    }

    /// The cell limit is exact. `x{4093}a*b*` has 4096 states with dead
    /// (start, 4092 more along the x's, the a*b* state, the b* state) and
    /// counts that never repeat (the a*b* state has r + 1 keys of length
    /// r), so a cap of 4095 stores 4096 × 4096 = `MAX_CELLS` cells, and a
    /// cap of 4096 needs one row more.
    #[test]
    fn the_cell_limit_is_exact() {
        assert_eq!(MAX_CELLS, 4096 * 4096);
        let lang = KeyLang::new("x{4093}a*b*", 4095).unwrap();
        assert_eq!(lang.state_count(), 4096);
        assert_eq!(lang.keys_of_len(4095), 3);
        assert_eq!(
            KeyLang::new("x{4093}a*b*", 4096).unwrap_err(),
            LangError::TooManyCells {
                pattern: "x{4093}a*b*".to_string(),
                states: 4096,
                lengths: 4096,
                limit: MAX_CELLS
            }
        );
    }

    /// The first saturated length from each length on agrees with a scan
    /// of the stored counts, in languages that saturate at some residues
    /// of their period and not others (so the distances wrap around it).
    #[test]
    fn next_saturated_matches_a_scan() {
        let mut checked = 0;
        let mut found = 0;
        for pattern in [
            "([a-z]{5})+",
            "x([a-z]{4})+",
            "([a-z]{6})+yz",
            "([a-z]{7})+|q{3}",
            "[a-z]+",
            "(ab)+",
        ] {
            let counts = &KeyLang::new(pattern, U32).unwrap().inner.counts;
            for r in (0..120u64).chain(U32 - 20..U32) {
                let scan = (r..r + 20).find(|s| counts.start_count(*s) == SATURATED);
                assert_eq!(counts.next_saturated(r), scan, "{pattern} from {r}");
                checked += 1;
                found += scan.is_some() as u32;
            }
        }
        assert_eq!(checked, 6 * 140);
        // Every language but `(ab)+` saturates from about length 14 on.
        assert!(found > 5 * 100, "{found}");
    }

    /// Where the key number is past 2^64 (so the period arithmetic leaves
    /// u64), the length of the k-th key still follows the counts: `[a-z]+`
    /// has 321,272,406 keys of lengths 1 to 6 and 2^32 − 1 (saturated) of
    /// every length from 7 on.
    #[test]
    fn kth_len_past_two_to_the_64() {
        let counts = &KeyLang::new("[a-z]+", U32).unwrap().inner.counts;
        let below: u128 = (1..=6).map(|r| 26u128.pow(r)).sum();
        assert_eq!(below, 321_272_406);
        let sat = SATURATED as u128;
        let expected = |k: u128| 6 + (k - below).div_ceil(sat);
        for q in [(1u128 << 32) + 2, (1 << 32) + 3, (1 << 40) + 3] {
            for k in [below + q * sat - 1, below + q * sat, below + q * sat + 1] {
                assert!(k - below > 1 << 64);
                assert_eq!(counts.kth_len(k).map(u128::from), Some(expected(k)), "key {k}");
            }
        }
    }

    /// Hopcroft's refinement against Moore's (split by the blocks of each
    /// byte's successor until nothing splits) on random tables with random
    /// initial partitions: the same partition every time.
    #[test]
    fn hopcroft_matches_moore() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |below: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % below as u64) as usize
        };
        let mut nontrivial = 0;
        for _ in 0..3000 {
            let n = 1 + next(40);
            let classes = 1 + next(3);
            let mut trans = vec![0u32; n * 256];
            for s in 0..n {
                for b in 0..256 {
                    trans[s * 256 + b] = if b < classes { next(n) as u32 } else { trans[s * 256] };
                }
            }
            let initial: Vec<u32> = (0..n).map(|_| next(3) as u32).collect();
            let reps: Vec<u8> = (0..classes as u8).collect();
            let fast = hopcroft(&trans, n, &reps, &initial);
            let mut moore = initial.clone();
            loop {
                let mut ids: HashMap<Vec<u32>, u32> = HashMap::new();
                let next_part: Vec<u32> = (0..n)
                    .map(|s| {
                        let mut sig = vec![moore[s]];
                        sig.extend(reps.iter().map(|b| moore[trans[s * 256 + *b as usize] as usize]));
                        let id = ids.len() as u32;
                        *ids.entry(sig).or_insert(id)
                    })
                    .collect();
                let before = moore.iter().collect::<HashSet<_>>().len();
                moore = next_part;
                if ids.len() == before {
                    break;
                }
            }
            for s in 0..n {
                for t in 0..n {
                    assert_eq!(fast[s] == fast[t], moore[s] == moore[t], "{n} states, {s} and {t}");
                }
            }
            let blocks = moore.iter().collect::<HashSet<_>>().len();
            let first = initial.iter().collect::<HashSet<_>>().len();
            nontrivial += (blocks > first && blocks < n) as u32;
        }
        // Most tables split their initial blocks, but not all the way.
        assert!(nontrivial > 1000, "{nontrivial}");
    }

    #[test]
    fn languages_are_shareable_across_threads() {
        fn shareable<T: Send + Sync + Clone>(_: &T) {}
        let lang = KeyLang::new("[A-Za-z0-9_]+", 31).unwrap();
        shareable(&lang);
        let copy = lang.clone();
        assert!(Arc::ptr_eq(&lang.inner, &copy.inner));
        let counted = std::thread::spawn(move || copy.keys_of_len(2)).join().unwrap();
        assert_eq!(counted, 63 * 63);
    }

    #[test]
    fn headers_follow_profiles() {
        let mut checked = 0;
        for p in Profile::ALL {
            let h = StrHeaders::for_profile(p);
            assert!(StrHeaders::new(h.ranges()).is_ok());
            for len in [0u64, 1, 31, 32, 33, 255, 256, 65_535, 65_536, U32] {
                assert_eq!(h.header_size(len), p.min_header_size(Kind::Str, len), "{p} {len}");
                checked += 1;
            }
        }
        assert_eq!(checked, Profile::ALL.len() * 10);
        assert_eq!(
            StrHeaders::for_profile(Profile::Canonical).ranges(),
            &[(0, 31, 1), (32, 255, 2), (256, 65_535, 3), (65_536, U32, 5)]
        );
        assert_eq!(
            StrHeaders::for_profile(Profile::Legacy).ranges(),
            &[(0, 31, 1), (32, 65_535, 3), (65_536, U32, 5)]
        );
    }

    /// The presets agree with the alphabet-based reference.
    #[test]
    fn presets_match_keyspec() {
        let mut checked = 0;
        let caps = [
            Kmax::Bounded(31),
            Kmax::Bounded(255),
            Kmax::Bounded(65_535),
            Kmax::Unbounded,
            Kmax::Bounded(2),
        ];
        let takens: [&[(u64, u64)]; 5] = [
            &[],
            &[(1, 1)],
            &[(1, 53)],
            &[(1, 5), (2, 7)],
            &[(3, 1000), (1, 2), (2, 3)],
        ];
        let ns = [
            0u64,
            1,
            2,
            52,
            53,
            62,
            63,
            64,
            3_969,
            4_031,
            4_032,
            70_000,
            1_000_000,
            16_000_000,
            1_000_000_000,
            3_000_000_000,
            U32 - 1_010,
        ];
        for (first, pattern) in [
            (FirstChar::Alnum, "[A-Za-z0-9_]+"),
            (FirstChar::Ident, "[A-Za-z_][A-Za-z0-9_]*"),
        ] {
            for kmax in caps {
                let spec = AlphabetSpec::new(first, kmax);
                let lang = KeyLang::new(pattern, kmax.max_len()).unwrap();
                let lens = (0..=40u64).chain([254, 255, 256, 65_535, 65_536, 1 << 20, U32 - 1, U32]);
                for len in lens {
                    let expected = spec.keys_of_len(len).min(SATURATED as u128) as u64;
                    assert_eq!(lang.keys_of_len(len), expected, "{pattern} {kmax} len {len}");
                    checked += 1;
                }
                for profile in [Profile::Canonical, Profile::Legacy] {
                    let headers = StrHeaders::for_profile(profile);
                    for taken in takens {
                        for n in ns {
                            assert_eq!(
                                lang.cheapest_keys_size(&headers, n, taken),
                                Ok(spec.cheapest_keys_size(profile, n, taken)),
                                "{pattern} {kmax} {profile} n={n} taken={taken:?}"
                            );
                            checked += 1;
                        }
                    }
                }
                // Completions after a prefix of `a`s, and keys by index.
                for (len, from) in [(1u64, 1u64), (5, 1), (5, 4), (31, 2), (40, 39), (300, 299)] {
                    let s = lang.walk(&vec![b'a'; from as usize]).unwrap();
                    let expected = if spec.allows_len(len) {
                        spec.completions(len, from).min(SATURATED as u128) as u64
                    } else {
                        0
                    };
                    assert_eq!(
                        lang.completions(s, from, len - from),
                        expected,
                        "{pattern} {kmax} {len} {from}"
                    );
                    checked += 1;
                }
                for (len, index) in [(1u64, 0u64), (1, 52), (2, 0), (2, 3_968), (3, 123_456), (6, 1 << 31)] {
                    let expected = spec.key_at(len, index as u128);
                    assert_eq!(
                        lang.key_at(len, index),
                        Ok(expected.clone()),
                        "{pattern} {kmax} {len} {index}"
                    );
                    let from: Vec<Vec<u8>> = lang.keys_from(len, index).unwrap().take(300).collect();
                    let spec_from: Vec<Vec<u8>> = spec.keys_from(len, index as u128).take(300).collect();
                    assert_eq!(from, spec_from, "{pattern} {kmax} keys_from {len} {index}");
                    checked += 2;
                }
            }
        }
        assert_eq!(checked, 2 * 5 * (49 + 2 * 5 * 17 + 6 + 12));
    }

    /// Listing is fast from any index: the ~1.2 million keys a witness
    /// needs, starting deep inside a length.
    #[test]
    fn keys_from_streams() {
        let lang = KeyLang::new("[A-Za-z0-9_]+", U32).unwrap();
        let spec = AlphabetSpec::new(FirstChar::Alnum, Kmax::Unbounded);
        let count = 1_200_000;
        let mut ours = lang.keys_from(3, 200_000).unwrap();
        let mut theirs = spec.keys_from(3, 200_000);
        for i in 0..count {
            assert_eq!(ours.next(), theirs.next(), "key {i}");
        }
        let mut all = lang.keys_in_order();
        assert_eq!(all.nth(63 + 3969), Some(b"000".to_vec()));
    }
}
