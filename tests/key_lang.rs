//! The key-language counts against plain dynamic programming, on
//! languages whose counts repeat with a period and whose keys are sparse,
//! so that the answers cross the period's wrap-around: the next key length
//! from every state, the number of completions, the cheapest keys' total
//! size for many keys (past whole periods), and the k-th key of a length.
//!
//! The reference counts `c_s(r)` step by step over the automaton's
//! transitions (`step` and `accepts`, which the regex tests pin down), with
//! no period, no stored distances and no prefix sums: everything the
//! language's own counting structure derives is checked against it.

use std::collections::{HashMap, HashSet};

use prefixproof::msgpack::lang::{CountError, KeyLang, State, StrHeaders, SATURATED};
use prefixproof::msgpack::Profile;

/// Longest length the reference counts to.
const R: usize = 160;
/// `from` values asked about (the answers then lie within `R`).
const FROM: u64 = 70;

/// Sparse languages with periods from 2 to 7 and several cycles.
const PATTERNS: [&str; 5] = [
    "(abcde)+",
    "a(bc)*d?|x(yz)*",
    "(ab|cde)+",
    "((ab|cde)+f)?g",
    "(abcdefg)+|(ab)+x",
];

/// The automaton's live states (reachable from the start), numbered.
fn states(lang: &KeyLang) -> Vec<State> {
    let mut seen: HashSet<State> = HashSet::from([lang.start()]);
    let mut order = vec![lang.start()];
    let mut i = 0;
    while i < order.len() {
        let s = order[i];
        for b in 0..=255u8 {
            if let Some(t) = lang.step(s, b) {
                if seen.insert(t) {
                    order.push(t);
                }
            }
        }
        i += 1;
    }
    order
}

/// `counts[r][i]`: strings of exactly `r` bytes leading from state `i` to
/// acceptance (no cap), by `c(0) = accepts`, `c(r) = sum over bytes of
/// c(r - 1)` at the successor.
fn reference_counts(lang: &KeyLang, states: &[State]) -> Vec<Vec<u128>> {
    let index: HashMap<State, usize> = states.iter().enumerate().map(|(i, s)| (*s, i)).collect();
    let succ: Vec<Vec<usize>> = states
        .iter()
        .map(|s| {
            (0..=255u8)
                .filter_map(|b| lang.step(*s, b))
                .map(|t| index[&t])
                .collect()
        })
        .collect();
    let mut counts = vec![states.iter().map(|s| lang.accepts(*s) as u128).collect::<Vec<_>>()];
    for r in 1..=R {
        let prev = &counts[r - 1];
        let row = succ.iter().map(|ts| ts.iter().map(|t| prev[*t]).sum()).collect();
        counts.push(row);
    }
    counts
}

fn languages() -> Vec<(String, KeyLang)> {
    let mut out = Vec::new();
    for p in PATTERNS {
        for cap in [u32::MAX as u64, 23] {
            let lang = KeyLang::new(p, cap).unwrap_or_else(|e| panic!("{p}: {e}"));
            out.push((format!("{p} (cap {cap})"), lang));
        }
    }
    out
}

/// From every state, after 0 or 2 bytes: the number of completions of
/// every length (saturated) and the next length with one, against the
/// reference.
#[test]
fn completions_and_next_lengths_match_the_reference() {
    let mut asked = 0u64;
    for (name, lang) in languages() {
        let states = states(&lang);
        let counts = reference_counts(&lang, &states);
        let cap = lang.max_len();
        for (i, s) in states.iter().enumerate() {
            for got in [0u64, 2] {
                for more in 0..=R as u64 {
                    // Counts saturate at 2^32 - 1.
                    let expected = if got + more <= cap {
                        counts[more as usize][i].min(SATURATED as u128)
                    } else {
                        0
                    };
                    assert_eq!(
                        lang.completions(*s, got, more) as u128,
                        expected,
                        "{name}: state {i}, got {got}, more {more}"
                    );
                }
                for from in 0..=FROM {
                    let expected = (from..=R as u64).find(|m| got + m <= cap && counts[*m as usize][i] > 0);
                    assert_eq!(
                        lang.next_completion_len(*s, got, from),
                        expected,
                        "{name}: state {i}, got {got}, from {from}"
                    );
                    asked += 1;
                }
            }
        }
    }
    // 10 languages, 3 to 12 states each, 2 values of `got`, 71 of `from`.
    assert!(asked > 10 * 3 * 2 * 71, "asked {asked}");
}

/// The cheapest total size of `n` keys (a canonical str header plus the
/// bytes, shortest keys first), for `n` up to far past a period's worth of
/// keys, with and without taken keys, against the reference counts.
#[test]
fn the_cheapest_keys_match_the_reference() {
    let headers = StrHeaders::of(Profile::Canonical);
    let mut checked = 0;
    for (name, lang) in languages() {
        let states = states(&lang);
        let counts = reference_counts(&lang, &states);
        let cap = lang.max_len().min(R as u64);
        // Taken keys (as a map's finished keys would be): one of the
        // shortest length, then also up to two of the third length.
        let lengths: Vec<u64> = (0..=cap).filter(|l| counts[*l as usize][0] > 0).collect();
        let third = (lengths[2], counts[lengths[2] as usize][0].min(2) as u64);
        for taken in [vec![], vec![(lengths[0], 1u64)], vec![(lengths[0], 1), third]] {
            // The free keys of each length, shortest first.
            let free: Vec<(u64, u128)> = (0..=cap)
                .map(|len| {
                    let t: u64 = taken.iter().filter(|(l, _)| *l == len).map(|(_, t)| *t).sum();
                    (len, counts[len as usize][0].saturating_sub(t as u128))
                })
                .collect();
            for n in (1..=60u64).chain([100, 250, 1000]) {
                let mut left = n as u128;
                let mut total = 0u128;
                for &(len, c) in &free {
                    let used = c.min(left);
                    total += used * (headers.header_size(len).unwrap() as u128 + len as u128);
                    left -= used;
                }
                // Past the reference's lengths nothing is known: only
                // compare where it settles the answer.
                let expected = if left == 0 {
                    Some(total)
                } else if lang.max_len() <= R as u64 {
                    None
                } else {
                    continue;
                };
                assert_eq!(
                    lang.cheapest_keys_size(headers, n, &taken),
                    Ok(expected),
                    "{name}: {n} keys, taken {taken:?}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "checked {checked}");
}

/// Every key of each length up to 24, in bytewise order, by a depth-first
/// walk of the automaton, against `key_at`.
#[test]
fn the_kth_key_of_a_length_matches_a_walk() {
    fn walk(lang: &KeyLang, s: State, left: u64, key: &mut Vec<u8>, out: &mut Vec<Vec<u8>>) {
        if left == 0 {
            if lang.accepts(s) {
                out.push(key.clone());
            }
            return;
        }
        for b in 0..=255u8 {
            if let Some(t) = lang.step(s, b) {
                key.push(b);
                walk(lang, t, left - 1, key, out);
                key.pop();
            }
        }
    }
    let mut keys_seen = 0;
    for (name, lang) in languages() {
        for len in 0..=24u64 {
            let mut all = Vec::new();
            if len <= lang.max_len() {
                walk(&lang, lang.start(), len, &mut Vec::new(), &mut all);
            }
            for (i, key) in all.iter().enumerate() {
                assert_eq!(
                    lang.key_at(len, i as u64),
                    Ok(Some(key.clone())),
                    "{name}: length {len}, key {i}"
                );
            }
            assert_eq!(
                lang.key_at(len, all.len() as u64),
                Ok(None),
                "{name}: length {len}, one past the end"
            );
            assert_eq!(lang.keys_of_len(len), all.len() as u64, "{name}: length {len}");
            keys_seen += all.len();
        }
    }
    assert!(keys_seen > 500, "keys seen {keys_seen}");
}

/// What a language says it is: a vocabulary's words escaped (letters,
/// digits and `_` as they are), a difference named with its operands, and
/// the second operand's cap when it differs.
#[test]
fn languages_name_themselves() {
    let words = KeyLang::from_words(["b_1", "a-z", "é"], 10).unwrap();
    assert_eq!(words.pattern(), r"a\x{2D}z|b_1|\x{E9}");
    assert_eq!(words.keys_of_len(3), 2);
    assert_eq!(words.keys_of_len(2), 1);
    let all = KeyLang::new("[a-z]+", 5).unwrap();
    let a = KeyLang::new("a", 5).unwrap();
    assert_eq!(all.minus(&a).unwrap().pattern(), "([a-z]+) minus (a)");
    let a3 = KeyLang::new("a", 3).unwrap();
    assert_eq!(all.minus(&a3).unwrap().pattern(), "([a-z]+) minus (a, at most 3 bytes)");
}

/// Where a length holds 2^32 - 1 keys or more (counts saturate), the
/// cheapest keys are still exact while they fit below it, and refused past
/// it: `[a-z]+` has 26^r keys of length r, so lengths 1 to 6 hold
/// 321,272,406 keys together and length 7 (8,031,810,176) saturates.
#[test]
fn the_cheapest_keys_past_a_saturated_length() {
    let lang = KeyLang::new("[a-z]+", u32::MAX as u64).unwrap();
    let headers = StrHeaders::of(Profile::Canonical);
    let below: u64 = (1..=6).map(|r| 26u64.pow(r)).sum();
    assert_eq!(below, 321_272_406);
    // Every key up to 31 bytes has a one-byte fixstr header.
    let size_below: u128 = (1..=6u32).map(|r| 26u128.pow(r) * (1 + r as u128)).sum();
    assert_cheapest_past_saturation(&lang, headers, below, size_below, 10, 8);
}

/// The cheapest `below + few` and `below + SATURATED` keys of `lang`, where
/// the `below` keys shorter than its first saturated length take
/// `size_below` bytes and a key of that length `key_size`; one key more is
/// more than a map holds.
fn assert_cheapest_past_saturation(
    lang: &KeyLang,
    headers: &StrHeaders,
    below: u64,
    size_below: u128,
    few: u64,
    key_size: u128,
) {
    assert_eq!(
        lang.cheapest_keys_size(headers, below + few, &[]),
        Ok(Some(size_below + few as u128 * key_size))
    );
    assert_eq!(
        lang.cheapest_keys_size(headers, below + SATURATED, &[]),
        Ok(Some(size_below + SATURATED as u128 * key_size))
    );
    assert!(matches!(
        lang.cheapest_keys_size(headers, below + SATURATED + 1, &[]),
        Err(CountError::TooManyKeys { .. })
    ));
}

/// Past a saturated length when the counts repeat with period 3:
/// `([a-z]{3})+` has 26^3 keys of length 3, 26^6 of length 6, and length 9
/// (26^9) saturates, as every third length after it does.
#[test]
fn the_cheapest_keys_past_a_saturated_length_in_a_period() {
    let lang = KeyLang::new("([a-z]{3})+", u32::MAX as u64).unwrap();
    let headers = StrHeaders::of(Profile::Canonical);
    let below = 26u64.pow(3) + 26u64.pow(6);
    let size_below = 26u128.pow(3) * 4 + 26u128.pow(6) * 7;
    assert_cheapest_past_saturation(&lang, headers, below, size_below, 5, 10);
}

/// Completions stop at the cap: none when the bytes asked for would make
/// the key longer than it, whatever the pattern allows.
#[test]
fn completions_stop_at_the_cap() {
    let lang = KeyLang::new("[a-z]+", 3).unwrap();
    let s = lang.walk(b"a").unwrap();
    let rest: Vec<Vec<u8>> = lang.completions_from(s, 1, 2).take(3).collect();
    assert_eq!(rest, [b"aa".to_vec(), b"ab".to_vec(), b"ac".to_vec()]);
    assert_eq!(lang.completions_from(s, 1, 3).next(), None);
    assert_eq!(lang.completions_from(lang.start(), 0, 4).next(), None);
}
