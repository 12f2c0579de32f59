//! The walk is exact, checked in seconds: for small key languages under
//! every profile, the walk's colliding lengths over all of `[4, 2^31)` are
//! exactly the lengths the oracle admits.
//!
//! Asking 2^31 lengths one by one takes minutes (that is the release
//! cross-check); here the oracle is asked through a prefix tree instead.
//! A length's prefix is its four little-endian bytes, so lengths that share
//! their low bytes share a parse: the oracle is fed byte 0, then byte 1,
//! then byte 2 on clones of the parsers still alive, and a length is asked
//! with all four bytes only if the three-byte set contains it (a length
//! below 2^31 has its top bit clear, so 128 top bytes per three-byte
//! prefix). What is skipped is settled by the oracle's own answers: a
//! prefix that died, or whose set is empty, has no document at any length,
//! and a document extending four bytes extends their first three, so a
//! length outside the three-byte set has none either. A mutant that
//! shrinks a set wrongly shows up as a length only the walk has; one that
//! grows it wrongly must survive the four-byte question as well. Every
//! length below 2^31 is counted as asked or settled.
//!
//! The walk shares only the format layer with the oracle, so a mutant of
//! either side's grammar or arithmetic shows up here as a length on one
//! side only.
//!
//! Four bytes in, nearly every state still has a value free to absorb any
//! length, so the walk's exact arithmetic for what is left near a
//! document's end (a key claimed from its map, a body written byte by byte,
//! a rigid remainder) is checked apart, on paths worked by hand to 223
//! bytes: `walk::extensions`, the walk's own generation past the prefix,
//! asked about one path at a time.

use prefixproof::msgpack::{FirstChar, KeySpec, Kmax, Profile};
use prefixproof::proof::oracle::Parser;
use prefixproof::proof::search::walk;
use prefixproof::proof::witness;

/// Every `L` in `[4, 2^31)` whose prefix the oracle admits at length `L`,
/// sorted, and how many lengths were asked with all four bytes fed.
fn oracle_lengths(profile: Profile, keys: &KeySpec) -> (Vec<u32>, u64) {
    let root = Parser::new(profile, keys.clone());
    let mut hits = Vec::new();
    let mut asked = 0u64;
    // Lengths settled without feeding all four bytes, counted so the test
    // can check that every length below 2^31 was accounted for.
    let mut pruned = 0u64;
    let prefix = |p: &Parser, b: u8, below: u64, pruned: &mut u64| {
        let mut next = p.clone();
        // A prefix no document extends (the parse died, or its set of
        // lengths is empty) settles every length below it.
        if next.feed(&[b]) && !next.lengths().is_empty() {
            Some(next)
        } else {
            *pruned += below;
            None
        }
    };
    for b0 in 0..=255u8 {
        let Some(p0) = prefix(&root, b0, 1 << 23, &mut pruned) else {
            continue;
        };
        for b1 in 0..=255u8 {
            let Some(p1) = prefix(&p0, b1, 1 << 15, &mut pruned) else {
                continue;
            };
            for b2 in 0..=255u8 {
                let Some(p2) = prefix(&p1, b2, 1 << 7, &mut pruned) else {
                    continue;
                };
                let within = p2.lengths();
                for b3 in 0..=0x7fu8 {
                    let len = u32::from_le_bytes([b0, b1, b2, b3]);
                    // Every document extending the four bytes extends the
                    // first three, so a length outside the three-byte set
                    // is settled; the rest are asked with all four bytes.
                    if len < 4 || !within.contains(len as u128) {
                        pruned += 1;
                        continue;
                    }
                    asked += 1;
                    let mut p3 = p2.clone();
                    if p3.feed(&[b3]) && p3.lengths().contains(len as u128) {
                        hits.push(len);
                    }
                }
            }
        }
    }
    assert_eq!(asked + pruned, 1 << 31, "every length below 2^31 is asked or settled");
    hits.sort_unstable();
    (hits, asked)
}

/// Largest witness built here, in bytes.
const WITNESS_MAX: u32 = 1 << 16;

/// Small key languages that make every part of the key arithmetic matter:
/// keys that run out after one or two entries, a first key of its own
/// (inside and outside the others' language), keys only a str8 header can
/// carry, UTF-8 keys, a language with gaps in its lengths, and the empty
/// key (a key whose header is its whole encoding, after which the rest of
/// a document can be rigid: the walk once never finished such a key).
const LANGUAGES: &[(&str, Option<&str>)] = &[
    ("a|b", None),
    ("[ab]{1,2}", None),
    ("[ab]{1,2}", Some("c")),
    ("x|yy|zzz", Some("yy")),
    ("é|[ab]", None),
    ("(ab){1,3}", None),
    ("k{32}|k", None),
    ("a?", None),
];

/// Checks one language under every profile; returns the lengths asked with
/// all four bytes fed, the profiles under which some length collides and
/// the witnesses built.
fn check(keys_re: &str, first: Option<&str>) -> (u64, usize, usize) {
    let keys = KeySpec::from_patterns(keys_re, first, u32::MAX as u64).expect("a valid language");
    let mut asked = 0;
    let mut colliding_profiles = 0;
    let mut witnesses = 0;
    for profile in Profile::ALL {
        let walked = walk::colliding_lengths(profile, &keys);
        let (asked_here, n) = oracle_lengths(profile, &keys);
        asked += n;
        colliding_profiles += usize::from(!walked.is_empty());
        // The three smallest colliding lengths get witnesses that the
        // independent checks accept, where they are small enough to build
        // in a moment (some languages' first collision is past 2^30 bytes).
        for &len in walked.iter().take(3).filter(|&&len| len < WITNESS_MAX) {
            let blob = witness::build_colliding(profile, &keys, len as u64)
                .unwrap_or_else(|e| panic!("{profile} keys {keys_re}: no witness of {len} bytes: {e}"));
            assert_eq!(blob.len(), len as usize, "{profile} keys {keys_re}");
            assert_eq!(blob[..4], len.to_le_bytes(), "{profile} keys {keys_re}");
            witness::verify(profile, &keys, &blob)
                .unwrap_or_else(|e| panic!("{profile} keys {keys_re}: {len}-byte witness rejected: {e}"));
            witnesses += 1;
        }
        if walked != asked_here {
            let only_walk: Vec<_> = walked
                .iter()
                .filter(|l| asked_here.binary_search(l).is_err())
                .take(5)
                .collect();
            let only_oracle: Vec<_> = asked_here
                .iter()
                .filter(|l| walked.binary_search(l).is_err())
                .take(5)
                .collect();
            panic!(
                "{profile} keys {keys_re} first {first:?}: walk {} lengths, oracle {}; \
                 walk only {only_walk:?}, oracle only {only_oracle:?}",
                walked.len(),
                asked_here.len(),
            );
        }
    }
    (asked, colliding_profiles, witnesses)
}

#[test]
fn walk_and_oracle_agree_on_every_length_for_small_languages() {
    let mut witnesses = 0;
    for (keys, first) in LANGUAGES {
        let (asked, colliding_profiles, built) = check(keys, *first);
        eprintln!(
            "keys {keys} first {first:?}: {asked} lengths asked, collisions under {colliding_profiles} profiles, \
             {built} witnesses"
        );
        witnesses += built;
        // Each language was picked to collide somewhere: agreement on
        // empty sets alone would prove little.
        assert!(colliding_profiles > 0, "keys {keys}: no profile collides");
    }
    // Profiles that write the top-level header in four bytes (map32-header,
    // fluent-bit, any-width) collide at a few hundred bytes for every
    // language here, so at least one witness per language is built.
    assert!(witnesses >= LANGUAGES.len(), "only {witnesses} witnesses built");
}

/// The sets compared above must not be trivially empty: the languages were
/// chosen so that collisions exist under the profiles that fix header
/// widths and under the ones that do not.
#[test]
fn small_languages_do_collide() {
    let keys = KeySpec::from_patterns("a|b", None, u32::MAX as u64).unwrap();
    for (profile, expect_some) in [
        (Profile::Canonical, true),
        (Profile::AnyWidth, true),
        (Profile::Map16Header, false),
    ] {
        let (hits, _) = oracle_lengths(profile, &keys);
        assert_eq!(!hits.is_empty(), expect_some, "{profile}: {} hits", hits.len());
    }
}

/// One of the report's configurations, the post's key rules under a
/// profile that fixes the top-level header (the release cross-check does
/// all forty; those with free headers take seconds each here).
#[test]
fn walk_and_oracle_agree_on_a_report_configuration() {
    let keys = KeySpec::new(FirstChar::Ident, Kmax::Bounded(31));
    let walked = walk::colliding_lengths(Profile::Map32Header, &keys);
    let (asked, _) = oracle_lengths(Profile::Map32Header, &keys);
    assert_eq!(
        walked.len(),
        asked.len(),
        "map32-header ident 31: walk and oracle count differently"
    );
    assert!(walked == asked, "map32-header ident 31: walk and oracle disagree");
    // The bound of this configuration, derived by hand in
    // tests/common/mod.rs: the set starts there.
    assert_eq!(walked.first(), Some(&223));
}

/// Whether the walk, generating from `len`'s four-byte prefix, reaches a
/// document of exactly `len` bytes that starts with `path` (which starts
/// with that prefix): `walk::extensions` asked only about `path`'s own
/// bytes, so the answer is the walk's arithmetic on that one state.
fn walk_reaches(profile: Profile, keys: &str, len: u32, path: &[u8]) -> bool {
    walk_reaches_with_first(profile, keys, None, len, path)
}

/// [`walk_reaches`], with a top-level first key of its own language.
fn walk_reaches_with_first(profile: Profile, keys: &str, first: Option<&str>, len: u32, path: &[u8]) -> bool {
    assert_eq!(path[..4], len.to_le_bytes(), "the path starts with the length's prefix");
    let keys = KeySpec::from_patterns(keys, first, u32::MAX as u64).expect("a valid language");
    let (kept, asked) = walk::extensions(profile, &keys, len, path.len() as u64 - 4, &mut |bytes| {
        path.starts_with(bytes)
    });
    assert!(asked > 0, "the walk could not extend the prefix at all");
    kept == 1
}

/// The smallest rest of a document near its end, worked by hand, where the
/// walk must be exact and not merely a bound: at 223 bytes under
/// map32-header (`df 00 00 00`, then the map's count), with one path kept.
#[test]
fn the_walk_is_exact_near_the_end_of_a_document() {
    let p = Profile::Map32Header;
    let path = |parts: &[&[u8]]| parts.concat();
    // A key being written claims one key of its length from the rest of its
    // map. Keys bb, cc and a 208-byte one; 3 entries, the first key "b..."
    // (7 bytes so far): it must be bb, so the others are cc and the long
    // key: 5 + 4 + 4 + (2 + 208 + 1) = 224 bytes at least. Without the
    // claim bb and cc would do, with room to spare. With a 207-byte key
    // the same start makes exactly 223.
    let start: &[u8] = &[0xdf, 0, 0, 0, 3, 0xa2, b'b'];
    assert!(!walk_reaches(p, "bb|cc|d{208}", 223, start));
    assert!(walk_reaches(p, "bb|cc|d{207}", 223, start));
    // A key of 216 bytes with one written (8 bytes so far): 215 more, then
    // a value of at least one byte: 224 at least. A key of 215: 223. (The
    // key "a" lets other documents of 223 bytes exist, so the prefix
    // itself is alive.)
    assert!(!walk_reaches(p, "a|d{216}", 223, &[0xdf, 0, 0, 0, 1, 0xd9, 216, b'd']));
    assert!(walk_reaches(p, "a|d{215}", 223, &[0xdf, 0, 0, 0, 1, 0xd9, 215, b'd']));
    // An array's last element, once its header is written, is all that
    // is left: key "a", an array of one element, a bin8 of n bytes (10
    // bytes so far). Nothing is free any more, so only 10 + n is reached.
    let bin = |n: u8| path(&[&[0xdf, 0, 0, 0, 1, 0xa1, b'a', 0x91, 0xc4], &[n]]);
    assert!(walk_reaches(p, "a", 223, &bin(213)));
    assert!(!walk_reaches(p, "a", 223, &bin(212)));
    // A str value whose last byte must finish a UTF-8 character: a
    // 182-byte key, then a 32-byte str (`d9 20`) of 30 ASCII bytes and the
    // lead byte 0xc3: 222 bytes so far, and the one left must be its
    // continuation, which makes 223.
    let text = path(&[
        &[0xdf, 0, 0, 0, 1, 0xd9, 182],
        &[b'k'; 182],
        &[0xd9, 32],
        &[b'x'; 30],
        &[0xc3],
    ]);
    assert_eq!(text.len(), 222);
    assert!(walk_reaches(p, "k{182}", 223, &text));
    // A first key of its own language outside the others' takes none of
    // theirs: other keys `ab`, first keys `ab|ac`. After the first key "ac"
    // a second key "a..." can still be "ab" (then its value takes the rest);
    // after the first key "ab" it cannot be anything.
    let second_key = |first: u8| [0xdf, 0, 0, 0, 2, 0xa2, b'a', first, 0x00, 0xa2, b'a'];
    assert!(walk_reaches_with_first(p, "ab", Some("ab|ac"), 223, &second_key(b'c')));
    assert!(!walk_reaches_with_first(p, "ab", Some("ab|ac"), 223, &second_key(b'b')));
}

/// Bodies written byte by byte, worked by hand: a body ends with its last
/// byte (and the next element starts right after), a str's bytes are UTF-8
/// and its last byte cannot leave a character unfinished, and the raw
/// strs of any-width take any byte. Key "a", 223 bytes in all.
#[test]
fn the_walk_writes_bodies_byte_by_byte() {
    let m32 = Profile::Map32Header;
    let path = |parts: &[&[u8]]| parts.concat();
    let start: &[u8] = &[0xdf, 0, 0, 0, 1, 0xa1, b'a'];
    // An array of two bins: one byte (`c4 01 78`), then a bin8 of 210:
    // 13 bytes so far and 210 to come.
    assert!(walk_reaches(
        m32,
        "a",
        223,
        &path(&[start, &[0x92, 0xc4, 1, b'x', 0xc4, 210]])
    ));
    // The same with two strs: `a1 78`, then a str8 of 211.
    assert!(walk_reaches(
        m32,
        "a",
        223,
        &path(&[start, &[0x92, 0xa1, b'x', 0xd9, 211]])
    ));
    // A str8 of 214 whose first byte is 0xff: not UTF-8 under map32-header
    // (canonical strs), but a raw str's byte under any-width.
    let ff = path(&[start, &[0xd9, 214, 0xff]]);
    assert!(!walk_reaches(m32, "a", 223, &ff));
    assert!(walk_reaches(Profile::AnyWidth, "a", 223, &ff));
    // A str8 of 214 whose last byte is a lead byte (0xc3): the character
    // cannot be finished. With an ASCII last byte it can.
    let last = |b: u8| path(&[start, &[0xd9, 214], &[b'x'; 213], &[b]]);
    assert!(!walk_reaches(m32, "a", 223, &last(0xc3)));
    assert!(walk_reaches(m32, "a", 223, &last(b'x')));
}
