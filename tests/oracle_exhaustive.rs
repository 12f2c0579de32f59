//! The oracle is exact where keys run out: with key languages of one or
//! two keys per length (so a map's keys are exhausted within a few entries),
//! candidate documents of up to [`MAX`] bytes are enumerated from the
//! grammar, independently of the oracle (keys may repeat: running out is
//! the point), the conformance checker keeps those each profile writes, and
//! for every prefix of every candidate the oracle's set of lengths (cut at
//! [`MAX`]) must be exactly the lengths of the conforming documents that
//! extend it: no length missing (soundness), none extra (completeness).
//!
//! The enumeration writes every header width the format has for every
//! length and count, every key of the language, and values of every kind.
//! Where the bytes inside a value (a str's text, an integer's payload) do
//! not change which lengths can follow, it writes representatives: for
//! integers, one value each format may carry under some profile and one it
//! may not; for strs, ASCII, a two-byte UTF-8 letter, a byte that is not
//! UTF-8, and a str ending inside a UTF-8 character. The conformance
//! checker (the independent judge) then keeps the documents each profile
//! writes.

use std::collections::{BTreeSet, HashMap};

use prefixproof::msgpack::write::write_header;
use prefixproof::msgpack::{KeySpec, Kind, Profile, Width};
use prefixproof::proof::conformance;
use prefixproof::proof::oracle;

/// Longest document enumerated.
const MAX: usize = 8;

/// Nesting below the top-level map.
const DEPTH: usize = 1;

/// Every header of `kind` for `n`, in every width the format has.
fn headers(kind: Kind, n: u64) -> Vec<Vec<u8>> {
    Width::ALL
        .into_iter()
        .filter_map(|w| {
            let mut h = Vec::new();
            write_header(&mut h, kind, w, n).then_some(h)
        })
        .collect()
}

/// Integers: for each format, a value it carries as the smallest encoding
/// and one it does not (both conform under any-width), as raw bytes.
fn integers() -> Vec<Vec<u8>> {
    vec![
        vec![0x00],
        vec![0x7f],
        vec![0xff],
        vec![0xcc, 0x05],
        vec![0xcc, 0xff],
        vec![0xcd, 0x00, 0x05],
        vec![0xcd, 0x01, 0x00],
        vec![0xd0, 0xff],
        vec![0xd0, 0x80],
        vec![0xd1, 0xff, 0x7f],
        vec![0xd1, 0x00, 0x05],
        vec![0xce, 0x00, 0x01, 0x00, 0x00],
        vec![0xce, 0x00, 0x00, 0x00, 0x05],
        vec![0xd2, 0xff, 0xff, 0x7f, 0xff],
    ]
}

/// Every value of at most `budget` bytes (containers at most `depth` deep).
fn values(keys: &[Vec<u8>], budget: usize, depth: usize) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = vec![vec![0xc0], vec![0xc2], vec![0xc3]];
    out.extend(integers());
    out.push([&[0xca][..], &[0; 4]].concat());
    out.push([&[0xcb][..], &[0; 8]].concat());
    for n in 0..budget as u64 {
        for h in headers(Kind::Str, n) {
            let mut texts: Vec<Vec<u8>> = vec![vec![b'x'; n as usize]];
            if n >= 2 {
                texts.push([&b"\xc3\xa9"[..], &vec![b'x'; n as usize - 2]].concat());
            }
            if n >= 1 {
                texts.push([&[0xff][..], &vec![b'x'; n as usize - 1]].concat());
                // Ends inside a two-byte UTF-8 character.
                texts.push([&vec![b'x'; n as usize - 1][..], &[0xc3]].concat());
            }
            out.extend(texts.into_iter().map(|t| [h.clone(), t].concat()));
        }
        for h in headers(Kind::Bin, n) {
            out.push([h, vec![0; n as usize]].concat());
        }
        for h in headers(Kind::Ext, n) {
            out.push([h, vec![0xff], vec![0; n as usize]].concat());
        }
    }
    if depth > 0 {
        for n in 0..budget as u64 {
            for h in headers(Kind::Array, n) {
                for body in sequences(keys, n, budget.saturating_sub(h.len()), depth - 1, false) {
                    out.push([h.clone(), body].concat());
                }
            }
            for h in headers(Kind::Map, n) {
                for body in sequences(keys, n, budget.saturating_sub(h.len()), depth - 1, true) {
                    out.push([h.clone(), body].concat());
                }
            }
        }
    }
    out.retain(|v| v.len() <= budget);
    out
}

/// Every body of `n` elements, or (`entries`) of `n` entries with any key
/// of the language (repeats included), of at most `budget` bytes.
fn sequences(keys: &[Vec<u8>], n: u64, budget: usize, depth: usize, entries: bool) -> Vec<Vec<u8>> {
    if n == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    let firsts: Vec<Vec<u8>> = if entries {
        keys.iter()
            .flat_map(|k| {
                headers(Kind::Str, k.len() as u64)
                    .into_iter()
                    .map(move |h| [h, k.clone()].concat())
            })
            .filter(|key| key.len() < budget)
            .collect()
    } else {
        vec![vec![]]
    };
    for key in firsts {
        for v in values(keys, budget - key.len(), depth) {
            let used = key.len() + v.len();
            for rest in sequences(keys, n - 1, budget - used, depth, entries) {
                out.push([key.clone(), v.clone(), rest].concat());
            }
        }
    }
    out
}

/// Every candidate document of at most [`MAX`] bytes: a top-level map whose
/// first key comes from `first` and the others from `keys`.
fn documents(keys: &[Vec<u8>], first: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for n in 0..=MAX as u64 / 2 {
        for h in headers(Kind::Map, n) {
            let budget = MAX - h.len();
            if n == 0 {
                out.push(h.clone());
                continue;
            }
            // The first entry, then the rest from the other language.
            for k in first {
                for kh in headers(Kind::Str, k.len() as u64) {
                    let key = [kh, k.clone()].concat();
                    if key.len() >= budget {
                        continue;
                    }
                    for v in values(keys, budget - key.len(), DEPTH) {
                        let used = key.len() + v.len();
                        for rest in sequences(keys, n - 1, budget - used, DEPTH, true) {
                            out.push([h.clone(), key.clone(), v.clone(), rest].concat());
                        }
                    }
                }
            }
        }
    }
    out
}

/// Every key of at most `max` bytes matching `pattern`, by brute force
/// over the bytes the tests' languages use (judged by the `regex` crate).
fn keys_of(pattern: &str, max: usize) -> Vec<Vec<u8>> {
    let re = regex::bytes::Regex::new(&format!("^(?:{pattern})$")).unwrap();
    let alphabet = [b'a', b'b', b'c'];
    let mut all: Vec<Vec<u8>> = vec![vec![]];
    let mut frontier: Vec<Vec<u8>> = vec![vec![]];
    for _ in 0..max {
        frontier = frontier
            .iter()
            .flat_map(|p| alphabet.iter().map(move |b| [p.clone(), vec![*b]].concat()))
            .collect();
        all.extend(frontier.iter().cloned());
    }
    all.retain(|k| re.is_match(k));
    all
}

#[test]
fn exact_where_keys_run_out() {
    // (keys, first key): at most two keys of a length, so maps of two or
    // three entries exhaust them; the last two give the top-level map's
    // first key a language of its own (overlapping the others', and not).
    let languages: [(&str, Option<&str>); 5] = [
        ("|a", None),
        ("a|bb", None),
        ("[ab]", None),
        ("a|b", Some("a|c")),
        ("b", Some("c")),
    ];
    let mut prefixes_checked = 0;
    let mut documents_checked = 0;
    // Prefixes no conforming document extends (keys run out, or repeat).
    let mut exhausted = 0;
    for (pattern, first) in languages {
        let spec = KeySpec::from_patterns(pattern, first, 8).unwrap();
        let keys = keys_of(pattern, 2);
        let firsts = keys_of(first.unwrap_or(pattern), 2);
        let candidates = documents(&keys, &firsts);
        for profile in Profile::ALL {
            // Lengths of the conforming documents that extend each prefix of
            // any candidate (none, for a prefix no conforming one has).
            let mut extending: HashMap<&[u8], BTreeSet<usize>> = HashMap::new();
            let mut count = 0;
            for doc in &candidates {
                let conforms = conformance::check(profile, &spec, doc).is_ok();
                count += conforms as usize;
                for k in 0..=doc.len() {
                    let lengths = extending.entry(&doc[..k]).or_default();
                    if conforms {
                        lengths.insert(doc.len());
                    }
                }
            }
            assert!(count > 0, "{profile} {pattern}: no document at all");
            documents_checked += count;
            for (prefix, lengths) in &extending {
                let set = oracle::lengths(profile, &spec, prefix);
                let admitted: BTreeSet<usize> = (prefix.len()..=MAX).filter(|l| set.contains(*l as u128)).collect();
                assert_eq!(
                    &admitted, lengths,
                    "{profile}, keys {pattern}, first key {first:?}: prefix {prefix:02x?}: the oracle's set {set} \
                     (cut at {MAX}) differs from the lengths of the documents that extend it"
                );
                prefixes_checked += 1;
                exhausted += (lengths.is_empty() && !prefix.is_empty()) as usize;
            }
        }
    }
    println!(
        "{documents_checked} conforming documents; {prefixes_checked} prefixes checked, {exhausted} of them dead ends"
    );
    assert!(exhausted > 0, "no prefix where the keys run out was checked");
}

/// Where keys run out beyond [`MAX`] bytes, by hand: the enumeration cuts
/// the oracle's sets at [`MAX`], so a length admitted only past it (by a
/// map that counts a used key as free) would go unseen there.
#[test]
fn keys_run_out_past_the_enumeration() {
    let canonical = |keys: &KeySpec, hex: &str| {
        oracle::lengths(Profile::Canonical, keys, &prefixproof::hex::parse_hex(hex).unwrap()).to_string()
    };
    // Keys `a` and `b`. After {a: nil}, one more entry: "b" and a one-byte
    // value (7 bytes in all, or more with a larger value).
    let ab = KeySpec::from_patterns("a|b", None, 8).unwrap();
    assert_eq!(canonical(&ab, "82 a1 61 c0"), "[7, ∞)");
    // After {a: nil, b: nil} a third entry has no key left.
    assert_eq!(canonical(&ab, "83 a1 61 c0 a1 62 c0"), "{}");
    assert_eq!(canonical(&ab, "83 a1 61 c0 a1 62 c0 a1"), "{}");
    // Keys `aa` and `bb`, and a top-level first key `aa` or `c`. After the
    // first key "aa", a second key starting with "a" can only be "aa"
    // again; starting with "b", it ends as "bb" (one more key byte and a
    // one-byte value: 9 bytes).
    let first = KeySpec::from_patterns("aa|bb", Some("aa|c"), 8).unwrap();
    assert_eq!(canonical(&first, "82 a2 61 61 c0 a2 61"), "{}");
    assert_eq!(canonical(&first, "82 a2 61 61 c0 a2 62"), "[9, ∞)");
    // The same in a nested map, which has no first-key rule.
    assert_eq!(canonical(&first, "81 a1 63 82 a2 61 61 c0 a2 61"), "{}");
    assert_eq!(canonical(&first, "81 a1 63 82 a2 61 61 c0 a2 62"), "[12, ∞)");
}
