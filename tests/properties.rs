//! Property tests: the bound checked on real documents.
//!
//! Documents come from `prefixproof_testkit::generate` (proptest strategies over the
//! model in `prefixproof_testkit::model`) and are written by
//! `prefixproof_testkit::encode` exactly as each encoder profile writes
//! them. The properties:
//!
//! * soundness: the oracle's length set for every short prefix of a real
//!   document contains the document's length;
//! * below the bound: documents shorter than a configuration's bound
//!   (including exact lengths in the last 4 KiB below it) are classified
//!   msgpack and decode to the same document;
//! * tightness: documents at the first colliding lengths (the bound and the
//!   next ones), built with random keys and values around the forced
//!   prefix, are classified BSON and conform to their profile;
//! * BSON is always BSON;
//! * `strict` never guesses on generated documents, written either way, and
//!   `bson-valid` calls BSON only what the `bson` crate accepts;
//! * every encoder's output conforms to its profile, canonical output is
//!   rmp-serde's byte for byte, and `Arbitrary` documents fit any spec;
//! * hostile bytes (truncations, bit flips, appended bytes) never make the
//!   decoder, the oracle or the conformance checker panic, and whatever the
//!   checker accepts the oracle admits.
//!
//! Each property runs `PROPTEST_CASES` cases when that is set, otherwise a
//! default sized to keep `cargo test` quick. Failing seeds are persisted in
//! the top-level `proptest-regressions/` directory (committed) and replayed
//! first on every run. Each test reports how many cases it ran on stderr
//! (written past the test harness's capture, so it shows in plain
//! `cargo test` output).

mod common;

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use arbitrary::{Arbitrary, Unstructured};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config as PtConfig, FileFailurePersistence, TestCaseError, TestRunner};

use prefixproof::app::config::Config;
use prefixproof::detect::decode::{decode, decode_msgpack, Decoded};
use prefixproof::detect::detectors::{self, decide, Detector, Verdict, Written};
use prefixproof::detect::{classify, Format};
use prefixproof::hex::hex;
use prefixproof::msgpack::KeySpec;
use prefixproof::msgpack::{Kind, Profile};
use prefixproof::proof::conformance;
use prefixproof::proof::oracle;
use prefixproof::proof::polyglot;
use prefixproof::proof::search::{brute, LIMIT};
use prefixproof::proof::witness;
use prefixproof_testkit::encode::{self, Choices, EncodeError};
use prefixproof_testkit::generate::{self, Encoded, Origin};
use prefixproof_testkit::model::{bson_same, to_bson, Document, Value};

// ---------------------------------------------------------------------------
// Harness

/// `PROPTEST_CASES` if set, else this property's default.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// A runner persisting failures to `proptest-regressions/<file>`.
fn runner(file: &'static str, default_cases: u32) -> TestRunner {
    TestRunner::new(PtConfig {
        cases: cases(default_cases),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(file))),
        ..PtConfig::default()
    })
}

/// Run `test` on `strategy`, panic with the minimal failing input, and
/// report the case count (plus `extra`) past the harness's capture.
fn run<S: Strategy>(
    name: &str,
    file: &'static str,
    default_cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
    extra: impl FnOnce() -> String,
) {
    let count = AtomicUsize::new(0);
    let start = Instant::now();
    let mut r = runner(file, default_cases);
    let result = r.run(&strategy, |v| {
        count.fetch_add(1, Ordering::Relaxed);
        test(v)
    });
    let secs = start.elapsed().as_secs_f64();
    let n = count.load(Ordering::Relaxed);
    let line = format!(
        "{name}: {n} cases in {secs:.2} s ({:.0} cases/s){}",
        n as f64 / secs.max(1e-9),
        extra()
    );
    // Straight to the stream: the harness captures only print!/eprint!.
    let _ = writeln!(std::io::stderr(), "{line}");
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
}

fn all_configs() -> Vec<Config> {
    Config::all()
}

/// The bound of each configuration (the smallest colliding length), as
/// derived by hand in `tests/common/mod.rs`, checked cheaply against the
/// oracle once per configuration: nothing collides in the 4 KiB below it
/// and the bound itself does. (`tests/bounds.rs` checks all of [4, B).)
fn checked_bound(c: &Config) -> u64 {
    static CHECKED: OnceLock<Mutex<HashMap<Config, u64>>> = OnceLock::new();
    let cache = CHECKED.get_or_init(Default::default);
    if let Some(b) = cache.lock().unwrap().get(c) {
        return *b;
    }
    let b = common::reported_bound(c);
    let from = b.saturating_sub(4096).max(4);
    assert_eq!(
        brute::first_colliding(c.profile, &c.keys(), from..b + 1, None),
        Some(b),
        "{c}: bound"
    );
    cache.lock().unwrap().insert(*c, b);
    b
}

/// Colliding lengths used for tightness stay below this: 16 MiB + 128 KiB.
/// Past it the colliding lengths of the map32 family (16842975, ...) need
/// top-level maps of 65536+ entries, a second or more per case; the
/// map16-header bound (16842975) is the one such length kept.
const TIGHT_CAP: u64 = (1 << 24) + (1 << 17);
/// How many colliding lengths the tightness property uses.
const TIGHT_COUNT: usize = 20;

/// The first colliding lengths of a configuration (at most
/// [`TIGHT_COUNT`], all below [`TIGHT_CAP`]), by the oracle's sweep over
/// growing windows above the bound. (The structural walk lists all of
/// [4, 2^31); the two are compared in `tests/cross_check.rs`.)
fn tight_lengths(c: &Config) -> Vec<u64> {
    static LENGTHS: OnceLock<Mutex<HashMap<Config, Vec<u64>>>> = OnceLock::new();
    let cache = LENGTHS.get_or_init(Default::default);
    if let Some(v) = cache.lock().unwrap().get(c) {
        return v.clone();
    }
    let b = checked_bound(c);
    let mut window = 1u64 << 16;
    let found = loop {
        let end = (b + window).min(TIGHT_CAP).min(LIMIT);
        let found = brute::colliding_lengths(c.profile, &c.keys(), b..end, None);
        if found.len() >= TIGHT_COUNT || end == TIGHT_CAP.min(LIMIT) {
            break found;
        }
        window *= 4;
    };
    let v: Vec<u64> = found.into_iter().take(TIGHT_COUNT).map(u64::from).collect();
    assert_eq!(v.first(), Some(&b), "{c}: the first colliding length is the bound");
    cache.lock().unwrap().insert(*c, v.clone());
    v
}

/// Blobs up to this size are also fed to the oracle whole (a 16 MiB blob
/// takes half a second).
const WHOLE_BLOB_MAX: usize = 4 << 20;

/// Soundness of the oracle on one blob: every prefix of up to 16 bytes,
/// plus `extra` cut points and (up to [`WHOLE_BLOB_MAX`]) the whole blob,
/// admits the blob's length.
fn assert_sound(profile: Profile, keys: &KeySpec, bytes: &[u8], extra: &[usize]) -> Result<(), TestCaseError> {
    let len = bytes.len() as u128;
    let whole = (bytes.len() <= WHOLE_BLOB_MAX).then_some(bytes.len());
    let cuts = (0..=bytes.len().min(16))
        .chain(extra.iter().map(|k| k % (bytes.len() + 1)))
        .chain(whole);
    for k in cuts {
        let set = oracle::lengths(profile, keys, &bytes[..k]);
        prop_assert!(
            set.contains(len),
            "oracle unsound: {profile}, keys {keys:?}: prefix {} ({k} bytes) of a {len}-byte conforming blob gives {set}",
            hex(&bytes[..k.min(64)])
        );
    }
    Ok(())
}

/// The document a msgpack blob decodes to, through `rmpv` (independent of
/// this crate's encoders).
fn decoded_doc(bytes: &[u8]) -> Result<Document, TestCaseError> {
    let v = decode_msgpack(bytes).map_err(|e| TestCaseError::fail(format!("rmpv: {e}")))?;
    Document::from_rmpv(&v).map_err(|e| TestCaseError::fail(format!("model: {e}")))
}

fn config() -> impl Strategy<Value = Config> {
    select(all_configs())
}

// ---------------------------------------------------------------------------
// Properties

/// The oracle never calls impossible a length a real document has: every
/// generated document (values of every kind any profile writes: bins, raw
/// strs, ext values), under every profile (made writable by it; any-width
/// headers at random). msgpackr cannot write a map of more than 65535
/// entries: that one refusal is counted, and everything else must encode.
fn oracle_is_sound_on_generated_documents() {
    let encodings = AtomicUsize::new(0);
    let refused = AtomicUsize::new(0);
    let strategy = config().prop_flat_map(|c| {
        let keys = c.keys();
        (
            Just(keys.clone()),
            generate::document(Profile::AnyWidth, &keys),
            any::<u64>(),
            proptest::collection::vec(any::<usize>(), 0..4),
        )
    });
    let default_cases = 256;
    run(
        "soundness",
        "proptest-regressions/soundness.txt",
        default_cases,
        strategy,
        |(keys, doc, seed, cuts)| {
            prop_assert!(doc.conforms(&keys), "generator broke the key spec: {doc:?}");
            for profile in Profile::ALL {
                let doc = doc.fit(profile, &keys);
                let choices = if profile == Profile::AnyWidth {
                    Choices::seeded(seed)
                } else {
                    Choices::default()
                };
                let Some(bytes) = encode_unless_msgpackr_refuses(profile, &doc, &choices, &refused)? else {
                    continue;
                };
                encodings.fetch_add(1, Ordering::Relaxed);
                assert_sound(profile, &keys, &bytes, &cuts)?;
            }
            Ok(())
        },
        || {
            format!(
                ", {} profile encodings checked, {} refused by msgpackr (maps over 65535 entries)",
                encodings.load(Ordering::Relaxed),
                refused.load(Ordering::Relaxed)
            )
        },
    );
    // Every case checked every profile but at most msgpackr.
    let (checked, refused) = (encodings.load(Ordering::Relaxed), refused.load(Ordering::Relaxed));
    let cases = cases(default_cases) as usize;
    assert!(refused <= cases, "{refused} refusals in {cases} cases");
    assert!(
        checked >= cases * (Profile::ALL.len() - 1),
        "only {checked} encodings checked in {cases} cases"
    );
}

/// Below the bound the detector is right: documents shorter than the
/// bound are classified msgpack and decode to the same document. Every
/// case is checked (none is skipped): each configuration gets its own run
/// of documents encoded to an exact length below its bound, half in the
/// last 4 KiB below it and half anywhere from 64 bytes up (not every tiny
/// length has a document), and the test asserts how many each checked.
fn documents_below_the_bound_are_msgpack() {
    let configs = all_configs();
    let per_config = cases(256).div_ceil(configs.len() as u32);
    let mut checked: Vec<(Config, usize)> = Vec::new();
    let start = Instant::now();
    for c in configs {
        let keys = c.keys();
        let b = checked_bound(&c);
        let strategy = (any::<bool>(), any::<prop::sample::Index>()).prop_flat_map(move |(near, j)| {
            let lo = if near { b.saturating_sub(4096).max(64) } else { 64 };
            let len = lo + j.index((b - lo) as usize) as u64;
            (Just(len), generate::encoded_of_len(c.profile, &keys, len))
        });
        let count = AtomicUsize::new(0);
        let mut r = TestRunner::new(PtConfig {
            cases: per_config,
            failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
                "proptest-regressions/below-bound.txt",
            ))),
            ..PtConfig::default()
        });
        let result = r.run(&strategy, |(want, e): (u64, Encoded)| {
            let len = e.bytes.len() as u64;
            prop_assert_eq!(len, want, "{}: generator missed the exact length", c);
            prop_assert!(len < b, "{}: {} is not below the bound {}", c, len, b);
            let class = classify(&e.bytes);
            prop_assert_eq!(
                class.format,
                Format::MsgPack,
                "{}: {}-byte document misread: {}",
                c,
                len,
                class.reason
            );
            match decode(&e.bytes) {
                Ok(Decoded::MsgPack(v)) => {
                    let back = Document::from_rmpv(&v).map_err(|e| TestCaseError::fail(e.to_string()))?;
                    prop_assert_eq!(&back, &e.doc, "{}: decode does not give the document back", c);
                }
                other => return Err(TestCaseError::fail(format!("{c}: decode gave {other:?}"))),
            }
            count.fetch_add(1, Ordering::Relaxed);
            Ok(())
        });
        if let Err(e) = result {
            panic!("below the bound: {e}");
        }
        checked.push((c, count.load(Ordering::Relaxed)));
    }
    let total: usize = checked.iter().map(|(_, n)| n).sum();
    let secs = start.elapsed().as_secs_f64();
    let _ = writeln!(
        std::io::stderr(),
        "below the bound: {total} cases in {secs:.2} s ({:.0} cases/s), {per_config} checked in each of {} configurations",
        total as f64 / secs.max(1e-9),
        checked.len()
    );
    for (c, n) in &checked {
        assert_eq!(
            *n, per_config as usize,
            "{c}: only {n} of {per_config} documents below the bound checked"
        );
    }
}

/// The bound is tight, and not only by the witness: at each of the first
/// colliding lengths, documents with random keys and values around the
/// forced prefix are misread as BSON, conform to their profile, and pass
/// the witness checks (rmpv decodes them, rmp-serde re-encodes canonical
/// ones to the same bytes).
fn colliding_documents_are_misread_as_bson() {
    let randomised = AtomicUsize::new(0);
    let fallback = AtomicUsize::new(0);
    let strategy = (select(all_configs()), any::<prop::sample::Index>()).prop_flat_map(|(c, i)| {
        let keys = c.keys();
        let lens = tight_lengths(&c);
        let len = lens[i.index(lens.len())];
        (Just(c), Just(len), generate::colliding(c.profile, &keys, len))
    });
    run(
        "tightness",
        "proptest-regressions/tightness.txt",
        64,
        strategy,
        |(c, len, e): (Config, u64, Encoded)| {
            let keys = c.keys();
            match e.origin {
                Origin::Random => randomised.fetch_add(1, Ordering::Relaxed),
                Origin::Witness => fallback.fetch_add(1, Ordering::Relaxed),
            };
            prop_assert_eq!(e.bytes.len() as u64, len);
            prop_assert_eq!(&e.bytes[..4], &(len as u32).to_le_bytes()[..]);
            let again = encode::encode_choices(c.profile, &e.doc, &e.choices)
                .map_err(|err| TestCaseError::fail(err.to_string()))?;
            prop_assert!(again == e.bytes, "{c}: the blob is not the encoder's output");
            prop_assert!(e.doc.conforms(&keys), "{c}: keys do not conform");
            prop_assert_eq!(classify(&e.bytes).format, Format::Bson, "{}", c);
            if let Err(v) = conformance::check(c.profile, &keys, &e.bytes) {
                return Err(TestCaseError::fail(format!(
                    "{c}: {len}-byte colliding blob does not conform: {v}"
                )));
            }
            witness::verify(c.profile, &keys, &e.bytes).map_err(|err| TestCaseError::fail(format!("{c}: {err}")))?;
            prop_assert_eq!(&decoded_doc(&e.bytes)?, &e.doc);
            assert_sound(c.profile, &keys, &e.bytes, &[])?;
            Ok(())
        },
        || {
            format!(
                " ({} randomised around the prefix, {} fell back to the witness)",
                randomised.load(Ordering::Relaxed),
                fallback.load(Ordering::Relaxed)
            )
        },
    );
    assert_eq!(
        fallback.load(Ordering::Relaxed),
        0,
        "some colliding lengths could not be randomised"
    );
}

/// BSON is always recognised: every generated document written as BSON is
/// classified BSON and decodes to the same BSON document.
fn bson_is_always_bson() {
    let strategy = config().prop_flat_map(|c| generate::document(Profile::Canonical, &c.keys()));
    run(
        "bson",
        "proptest-regressions/bson.txt",
        256,
        strategy,
        |doc| {
            let b = to_bson(&doc);
            let bytes = b
                .to_vec()
                .map_err(|e| TestCaseError::fail(format!("bson encode: {e}")))?;
            prop_assert_eq!(classify(&bytes).format, Format::Bson);
            match decode(&bytes) {
                Ok(Decoded::Bson(back)) => prop_assert!(bson_same(&back, &b), "round trip changed {b:?} into {back:?}"),
                other => return Err(TestCaseError::fail(format!("decode gave {other:?}"))),
            }
            Ok(())
        },
        String::new,
    );
}

/// Every profile encoder's output conforms to its profile and decodes (by
/// rmpv) to the same document; canonical output is rmp-serde's byte for
/// byte; legacy refuses bins with a typed error.
fn encoders_conform_and_canonical_is_rmp_serde() {
    let refused = AtomicUsize::new(0);
    let strategy = config().prop_flat_map(|c| {
        let keys = c.keys();
        (
            Just(keys.clone()),
            generate::document(Profile::AnyWidth, &keys),
            any::<u64>(),
        )
    });
    let default_cases = 256;
    run(
        "conformance",
        "proptest-regressions/conformance.txt",
        default_cases,
        strategy,
        |(keys, doc, seed)| {
            let fitted = doc.fit(Profile::Canonical, &keys);
            let canonical =
                encode::encode(Profile::Canonical, &fitted).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let serde = rmp_serde::to_vec(&fitted.to_rmpv()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(
                canonical == serde,
                "canonical differs from rmp-serde: {} vs {}",
                hex(&canonical),
                hex(&serde)
            );
            if doc.any(&|v| matches!(v, Value::Bin(_))) {
                let refused = matches!(encode::encode(Profile::Legacy, &doc), Err(EncodeError::NoHeader { .. }));
                prop_assert!(refused, "legacy must refuse bin values");
            }
            for profile in Profile::ALL {
                let doc = doc.fit(profile, &keys);
                for choices in [Choices::default(), Choices::seeded(seed)] {
                    let Some(bytes) = encode_unless_msgpackr_refuses(profile, &doc, &choices, &refused)? else {
                        continue;
                    };
                    if let Err(v) = conformance::check(profile, &keys, &bytes) {
                        return Err(TestCaseError::fail(format!(
                            "{profile}: encoder output does not conform: {v}"
                        )));
                    }
                    prop_assert_eq!(&decoded_doc(&bytes)?, &doc, "{}", profile);
                }
            }
            Ok(())
        },
        || {
            format!(
                ", {} encodings refused by msgpackr (maps over 65535 entries)",
                refused.load(Ordering::Relaxed)
            )
        },
    );
    // msgpackr refuses at most the two encodings of each case.
    let refused = refused.load(Ordering::Relaxed);
    assert!(refused <= 2 * cases(default_cases) as usize, "{refused} refusals");
}

/// `doc` encoded under `profile`, or `None` (counted in `refused`) when
/// msgpackr cannot write one of its maps (more than 65535 entries: its
/// `pack()` throws). Any other refusal fails the test.
fn encode_unless_msgpackr_refuses(
    profile: Profile,
    doc: &Document,
    choices: &Choices,
    refused: &AtomicUsize,
) -> Result<Option<Vec<u8>>, TestCaseError> {
    match encode::encode_choices(profile, doc, choices) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(EncodeError::NoHeader {
            kind: Kind::Map, len, ..
        }) if profile == Profile::Msgpackr && len > 65_535 => {
            refused.fetch_add(1, Ordering::Relaxed);
            Ok(None)
        }
        Err(e) => Err(TestCaseError::fail(format!("{profile}: {e}"))),
    }
}

/// `Arbitrary` documents (the fuzzers' input) fit any key specification and
/// profile after `fit`, and then encode conformingly and soundly.
fn arbitrary_documents_fit_every_configuration() {
    let strategy = (config(), proptest::collection::vec(any::<u8>(), 0..2048));
    run(
        "arbitrary",
        "proptest-regressions/arbitrary.txt",
        256,
        strategy,
        |(c, data)| {
            let keys = c.keys();
            let Ok(doc) = Document::arbitrary(&mut Unstructured::new(&data)) else {
                return Ok(());
            };
            let doc = doc.fit(c.profile, &keys);
            prop_assert!(doc.conforms(&keys));
            let bytes = encode::encode(c.profile, &doc).map_err(|e| TestCaseError::fail(e.to_string()))?;
            if let Err(v) = conformance::check(c.profile, &keys, &bytes) {
                return Err(TestCaseError::fail(format!("{c}: {v}")));
            }
            assert_sound(c.profile, &keys, &bytes, &[])
        },
        String::new,
    );
}

/// A change to a valid blob.
#[derive(Clone, Debug)]
enum Mutation {
    Truncate(prop::sample::Index),
    FlipBit(prop::sample::Index, u8),
    SetByte(prop::sample::Index, u8),
    Append(Vec<u8>),
    Remove(prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Mutation::Truncate),
        (any::<prop::sample::Index>(), 0u8..8).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::SetByte(i, b)),
        proptest::collection::vec(any::<u8>(), 1..8).prop_map(Mutation::Append),
        any::<prop::sample::Index>().prop_map(Mutation::Remove),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    match m {
        Mutation::Truncate(i) => bytes.truncate(i.index(bytes.len() + 1)),
        Mutation::FlipBit(i, bit) if !bytes.is_empty() => {
            let at = i.index(bytes.len());
            bytes[at] ^= 1 << bit;
        }
        Mutation::SetByte(i, b) if !bytes.is_empty() => {
            let at = i.index(bytes.len());
            bytes[at] = *b;
        }
        Mutation::Append(tail) => bytes.extend_from_slice(tail),
        Mutation::Remove(i) if !bytes.is_empty() => {
            bytes.remove(i.index(bytes.len()));
        }
        _ => {}
    }
}

/// A small random key language: a vocabulary of short words over a few
/// letters (one a two-byte UTF-8 letter), a class with length bounds, or a
/// periodic pattern; sometimes with a first key of its own.
fn small_key_spec() -> impl Strategy<Value = KeySpec> {
    let word = proptest::collection::vec(select(vec!["a", "b", "é", "0"]), 1..4).prop_map(|w| w.concat());
    let vocabulary = proptest::collection::vec(word, 1..5).prop_map(|ws| {
        let mut ws = ws;
        ws.sort();
        ws.dedup();
        ws.join("|")
    });
    let class = (select(vec!["[ab]", "[a-c]", "[aé]", "[0-9a]"]), 0u32..3, 1u32..5)
        .prop_map(|(c, lo, extra)| format!("{c}{{{},{}}}", lo.max(1), lo.max(1) + extra));
    let periodic = select(vec!["(ab)+", "(ab|c)+", "a(bb)*", "(é|ab)+"]).prop_map(str::to_string);
    let pattern = prop_oneof![vocabulary, class, periodic];
    (
        pattern.clone(),
        proptest::option::weighted(0.3, pattern),
        select(vec![4u64, 40, u32::MAX as u64]),
    )
        .prop_filter_map("not a usable key language", |(keys, first, max_len)| {
            let spec = KeySpec::from_patterns(&keys, first.as_deref(), max_len).ok()?;
            // A document needs at least its first key, and the generators
            // build maps of several entries from the other keys: with none
            // (a first-key language and other keys all longer than the
            // cap) their key strategy can never yield, and the run aborts
            // after proptest's 65,536 rejections.
            (spec.first_keys().min_len().is_some() && spec.keys().min_len().is_some()).then_some(spec)
        })
}

/// The oracle is sound under random small key languages (vocabularies,
/// periodic lengths, UTF-8 letters, a first key of its own): documents
/// built from each language, under a random profile, conform, and every
/// prefix's set admits their length.
fn oracle_is_sound_under_small_key_languages() {
    let checked = AtomicUsize::new(0);
    let strategy = (small_key_spec(), select(Profile::ALL.to_vec()))
        .prop_flat_map(|(keys, profile)| (Just(keys.clone()), Just(profile), generate::encoded(profile, &keys)));
    let default_cases = 256;
    run(
        "small key languages",
        "proptest-regressions/small-key-languages.txt",
        default_cases,
        strategy,
        |(keys, profile, e)| {
            prop_assert!(
                e.doc.conforms(&keys),
                "generator broke the key language {}: {:?}",
                keys.describe(),
                e.doc
            );
            if let Err(v) = conformance::check(profile, &keys, &e.bytes) {
                return Err(TestCaseError::fail(format!("{profile} {}: {v}", keys.describe())));
            }
            assert_sound(profile, &keys, &e.bytes, &[])?;
            checked.fetch_add(1, Ordering::Relaxed);
            Ok(())
        },
        String::new,
    );
    let checked = checked.load(Ordering::Relaxed);
    assert!(
        checked >= cases(default_cases) as usize,
        "only {checked} documents checked"
    );
}

/// Hostile bytes: mutated valid blobs never make `decode`, the oracle or
/// the conformance checker panic; and any mutant the checker accepts is a
/// conforming document the oracle must admit (soundness on blobs no
/// generator would write).
fn hostile_bytes_never_panic() {
    let accepted = AtomicUsize::new(0);
    let strategy = config().prop_flat_map(|c| {
        (
            Just(c),
            generate::encoded(c.profile, &c.keys()),
            proptest::collection::vec(mutation(), 1..4),
        )
    });
    run(
        "hostile",
        "proptest-regressions/hostile.txt",
        512,
        strategy,
        |(c, e, mutations)| {
            let keys = c.keys();
            let mut bytes = e.bytes;
            for m in &mutations {
                apply(&mut bytes, m);
            }
            let _ = decode(&bytes);
            let _ = decode_msgpack(&bytes);
            if bytes.len() <= 4096 {
                let _ = oracle::answer(c.profile, &keys, &bytes);
            }
            let _ = oracle::lengths(c.profile, &keys, &bytes);
            for k in 0..=bytes.len().min(16) {
                let _ = oracle::lengths(c.profile, &keys, &bytes[..k]);
            }
            if conformance::check(c.profile, &keys, &bytes).is_ok() {
                accepted.fetch_add(1, Ordering::Relaxed);
                let doc = decoded_doc(&bytes)?;
                prop_assert!(doc.conforms(&keys));
                assert_sound(c.profile, &keys, &bytes, &[])?;
            }
            Ok(())
        },
        || {
            format!(
                " ({} mutants still conforming, checked for soundness)",
                accepted.load(Ordering::Relaxed)
            )
        },
    );
}

/// The encoders reproduce the witness builder's blobs (the builder works
/// from the oracle, the encoders from the profile table).
fn encoders_reproduce_witnesses() {
    for c in all_configs() {
        let b = common::reported_bound(&c);
        let keys = c.keys();
        let blob = witness::build_colliding(c.profile, &keys, b).unwrap();
        let doc = decoded_doc(&blob).unwrap();
        let choices = Choices {
            forced: blob.clone(),
            seed: None,
            random_until: 0,
        };
        assert_eq!(encode::encode_choices(c.profile, &doc, &choices).unwrap(), blob, "{c}");
        if c.profile != Profile::AnyWidth {
            assert_eq!(encode::encode(c.profile, &doc).unwrap(), blob, "{c}");
        }
    }
}

/// `strict` never guesses, and `bson-valid` calls BSON only valid BSON:
/// every generated document, written as msgpack under its configuration's
/// profile and as BSON, is judged by each detector. A blob `strict` calls
/// ambiguous is a polyglot: the polyglot search must not have ruled its
/// length out (a shorter one would fail here).
fn strict_never_guesses() {
    let polyglots = AtomicUsize::new(0);
    let strategy = config().prop_flat_map(|c| (Just(c), generate::document(c.profile, &c.keys())));
    run(
        "strict",
        "proptest-regressions/strict.txt",
        256,
        strategy,
        |(c, doc)| {
            let keys = c.keys();
            let written = Written {
                profile: c.profile,
                keys: &keys,
            };
            let msgpack = encode::encode(c.profile, &doc).map_err(|e| TestCaseError::fail(format!("{c}: {e}")))?;
            let bson = to_bson(&doc)
                .to_vec()
                .map_err(|e| TestCaseError::fail(format!("bson encode: {e}")))?;
            for (blob, format) in [(&msgpack, Verdict::Msgpack), (&bson, Verdict::Bson)] {
                let strict = decide(Detector::Strict, written, blob);
                if strict.verdict == Verdict::Ambiguous {
                    polyglots.fetch_add(1, Ordering::Relaxed);
                    let limits = polyglot::Limits {
                        depth: 3,
                        states: 1 << 32,
                    };
                    match polyglot::search(c.profile, &keys, limits).0 {
                        polyglot::Outcome::None => {
                            return Err(TestCaseError::fail(format!(
                                "{c}: a polyglot the search ruled out: {}",
                                hex(blob)
                            )))
                        }
                        polyglot::Outcome::AtLeast { lower, .. }
                        | polyglot::Outcome::Between { lower, .. }
                        | polyglot::Outcome::Exact { len: lower, .. } => {
                            prop_assert!(
                                blob.len() as u64 >= lower,
                                "{}: a {}-byte polyglot below {}",
                                c,
                                blob.len(),
                                lower
                            )
                        }
                    }
                    continue;
                }
                prop_assert_eq!(strict.verdict, format, "{}: strict on {}: {}", c, hex(blob), strict.why);
                let valid = decide(Detector::BsonValid, written, blob);
                prop_assert_eq!(
                    valid.verdict == Verdict::Bson,
                    detectors::bson_valid(blob).is_ok(),
                    "{}: bson-valid on {}: {}",
                    c,
                    hex(blob),
                    valid.why
                );
            }
            Ok(())
        },
        || format!(", {} polyglots", polyglots.load(Ordering::Relaxed)),
    );
}

/// A custom harness (`harness = false`) so each property's case count is
/// printed on every `cargo test`, not captured: the evidence behind a
/// green run. An optional argument runs only the properties whose name
/// contains it. Properties run side by side, one per core.
fn main() {
    // The slowest first, so that the workers finish together.
    let properties: [(&str, fn()); 10] = [
        (
            "colliding_documents_are_misread_as_bson",
            colliding_documents_are_misread_as_bson,
        ),
        (
            "encoders_conform_and_canonical_is_rmp_serde",
            encoders_conform_and_canonical_is_rmp_serde,
        ),
        (
            "documents_below_the_bound_are_msgpack",
            documents_below_the_bound_are_msgpack,
        ),
        ("hostile_bytes_never_panic", hostile_bytes_never_panic),
        (
            "oracle_is_sound_on_generated_documents",
            oracle_is_sound_on_generated_documents,
        ),
        (
            "oracle_is_sound_under_small_key_languages",
            oracle_is_sound_under_small_key_languages,
        ),
        ("bson_is_always_bson", bson_is_always_bson),
        ("strict_never_guesses", strict_never_guesses),
        (
            "arbitrary_documents_fit_every_configuration",
            arbitrary_documents_fit_every_configuration,
        ),
        ("encoders_reproduce_witnesses", encoders_reproduce_witnesses),
    ];
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let selected: Vec<_> = properties
        .into_iter()
        .filter(|(name, _)| filter.as_deref().is_none_or(|f| name.contains(f)))
        .collect();
    // One property per core at a time: each is single-threaded.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = AtomicUsize::new(0);
    let failed = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..workers.min(selected.len()) {
            s.spawn(|| {
                while let Some((name, property)) = selected.get(next.fetch_add(1, Ordering::Relaxed)) {
                    if std::panic::catch_unwind(property).is_err() {
                        eprintln!("FAILED: {name}");
                        failed.lock().unwrap_or_else(|e| e.into_inner()).push(*name);
                    }
                }
            });
        }
    });
    let failed = failed.into_inner().unwrap_or_else(|e| e.into_inner());
    println!(
        "properties: {} passed, {} failed",
        selected.len() - failed.len(),
        failed.len()
    );
    if !failed.is_empty() {
        std::process::exit(1);
    }
}
