//! The checks the fuzz targets run, as ordinary library functions.
//!
//! Each fuzz target in `fuzz/fuzz_targets/` is a one-line wrapper around
//! one function here, and `tests/fuzz_regressions.rs` replays every saved
//! input under `fuzz/regressions/<target>/` through the same function, so
//! a crash or misread the fuzzer finds becomes an ordinary test that runs
//! exactly the code the fuzzer ran. A check returns a [`Finding`] for a
//! property that does not hold; a panic inside the library is a finding
//! too (the fuzzer reports it as a crash, the regression test as a failed
//! file).
//!
//! Inputs are byte strings. The structure-aware targets turn them into a
//! [`DocInput`] (or a [`Document`]) with [`arbitrary`]; the raw targets
//! read a configuration selector from the first byte and take the rest as
//! the blob. Every target skips inputs over [`MAX_INPUT`] bytes, so no
//! input can make a check run long.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};

use prefixproof::app::config::Config;
use prefixproof::app::report;
use prefixproof::detect::decode::{decode, decode_msgpack, Decoded};
use prefixproof::detect::{classify, Format};
use prefixproof::hex::hex;
use prefixproof::msgpack::{Profile, MAX_DEPTH};
use prefixproof::proof::conformance;
use prefixproof::proof::lengths::LengthSet;
use prefixproof::proof::oracle::{self, Parser};
use prefixproof::proof::witness;

use crate::encode::{encode, encode_choices, Choices};
use crate::model::{bson_same, rmpv_bytes, to_bson, Document};

/// Inputs longer than this are skipped (and rejected from the corpus).
pub const MAX_INPUT: usize = 64 * 1024;

/// The oracle is asked about every prefix of up to this many bytes (plus
/// the whole blob): the length prefix and the structure it forces live in
/// the first bytes, and each question costs a parse of the prefix.
pub const PREFIXES_CHECKED: usize = 16;

/// Blobs nesting deeper than this are left out of the oracle-vs-checker
/// comparison in the "not conforming" direction: the conformance checker
/// gives up at [`MAX_DEPTH`], the oracle has no depth limit.
pub const DEPTH_COMPARED: usize = MAX_DEPTH / 2;

/// A property that does not hold for an input: a bug in the library (or in
/// the check).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding(pub String);

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Finding {}

/// What a check did with an input that broke nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Run {
    /// The input was checked.
    Checked,
    /// The input is out of scope (too large, unparseable as structured
    /// input); the fuzzer should not keep it.
    Skipped,
}

/// The result of one check.
pub type Outcome = Result<Run, Finding>;

/// A check over the raw bytes of one fuzz input.
pub type Check = fn(&[u8]) -> Outcome;

/// Every fuzz target, by name, with the check it runs. The names are the
/// file names in `fuzz/fuzz_targets/` and the directories in
/// `fuzz/corpus/` and `fuzz/regressions/`.
pub const TARGETS: [(&str, Check); 6] = [
    ("misread_below_bound", misread_below_bound),
    ("bson_roundtrip", bson_roundtrip),
    ("decode_bytes", decode_bytes),
    ("oracle_vs_raw", oracle_vs_raw),
    ("profile_conformance", profile_conformance),
    ("detectors", detectors),
];

/// The check of the target called `name`.
pub fn check_of(name: &str) -> Option<Check> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

/// What a fuzz target does with a check: `true` to keep the input in the
/// corpus, `false` to reject it (skipped); a finding panics, which
/// libFuzzer reports as a crash and saves as an artifact.
pub fn fuzz(check: Check, data: &[u8]) -> bool {
    match check(data) {
        Ok(Run::Checked) => true,
        Ok(Run::Skipped) => false,
        Err(f) => panic!("fuzz finding: {f}"),
    }
}

fn finding(msg: impl Into<String>) -> Finding {
    Finding(msg.into())
}

/// The 40 report configurations, computed once.
pub fn configs() -> &'static [Config] {
    static ALL: OnceLock<Vec<Config>> = OnceLock::new();
    ALL.get_or_init(Config::all)
}

/// The configuration a selector byte picks (modulo the number of
/// configurations). The seed corpus writer uses the inverse,
/// [`selector_of`].
pub fn config_of(selector: u8) -> Config {
    let all = configs();
    all[selector as usize % all.len()]
}

/// The selector byte for a configuration.
pub fn selector_of(config: &Config) -> u8 {
    configs()
        .iter()
        .position(|c| c == config)
        .expect("a report configuration") as u8
}

// ---------------------------------------------------------------------------
// Bounds.

/// The committed `reports/detectors.csv`, built into the test kit like
/// [`COMMITTED_BOUNDS`].
pub const COMMITTED_DETECTORS: &str = include_str!("../../reports/detectors.csv");

/// From what length on the committed `reports/detectors.csv` says a
/// polyglot can exist for the configuration (its `bson-valid` row, exact
/// or a lower bound); `None` where it says none below 2^31.
pub fn polyglot_bound(config: &Config) -> Option<u64> {
    static REPORT: OnceLock<HashMap<String, Option<u64>>> = OnceLock::new();
    let report = REPORT.get_or_init(|| {
        let mut rows = HashMap::new();
        // detector,profile,first_char,kmax,from,exact,how: the first six
        // fields hold no commas.
        for line in COMMITTED_DETECTORS.lines().skip(1) {
            let fields: Vec<&str> = line.splitn(7, ',').collect();
            if let [detector, profile, first_char, kmax, from, ..] = fields[..] {
                if detector == "bson-valid" {
                    let from = match from {
                        "none" => None,
                        n => Some(n.parse().unwrap_or_else(|e| panic!("detectors.csv: {line}: {e}"))),
                    };
                    rows.insert(format!("{profile},{first_char},{kmax}"), from);
                }
            }
        }
        rows
    });
    let key = format!("{},{},{}", config.profile, config.first_char, config.kmax);
    *report
        .get(&key)
        .unwrap_or_else(|| panic!("{config} has no bson-valid row in the committed detectors.csv"))
}

/// The committed `reports/bounds.csv`, built into the test kit: CI proves
/// it and regenerates it byte for byte, and nothing reads the source tree
/// at run time.
pub const COMMITTED_BOUNDS: &str = include_str!("../../reports/bounds.csv");

/// The configuration's bound (`None`: no colliding length below 2^31), from
/// [`COMMITTED_BOUNDS`]. A configuration missing from it is a bug the
/// fuzzer should report, not paper over.
pub fn bound(config: &Config) -> Option<u64> {
    static REPORT: OnceLock<HashMap<Config, Option<u64>>> = OnceLock::new();
    let report = REPORT.get_or_init(|| {
        let rows = report::read_bounds(COMMITTED_BOUNDS).unwrap_or_else(|e| panic!("committed bounds.csv: {e}"));
        rows.into_iter().map(|r| (r.config, r.bound)).collect()
    });
    *report
        .get(config)
        .unwrap_or_else(|| panic!("{config} is not in the committed bounds.csv"))
}

// ---------------------------------------------------------------------------
// Shared properties.

/// The oracle is sound on `blob`, a conforming document: for every prefix
/// of up to [`PREFIXES_CHECKED`] bytes, and for the whole blob, the set of
/// lengths it gives contains the blob's length.
pub fn oracle_contains_own_length(config: &Config, blob: &[u8]) -> Result<(), Finding> {
    let (profile, keys) = (config.profile, config.keys());
    let len = blob.len() as u128;
    let ends = (0..=blob.len().min(PREFIXES_CHECKED)).chain(std::iter::once(blob.len()));
    for n in ends {
        let set = oracle::lengths(profile, &keys, &blob[..n]);
        if !set.contains(len) {
            return Err(finding(format!(
                "oracle unsound: {config}: the {n}-byte prefix {} has lengths {set}, \
                 but the conforming document {} has length {len}",
                hex(&blob[..n]),
                abbreviated_hex(blob),
            )));
        }
    }
    Ok(())
}

/// The misread property for a conforming blob of a configuration: a blob
/// the detector calls BSON is at least the configuration's bound long, and
/// is then a verifiable witness.
pub fn misread_only_from_bound(config: &Config, blob: &[u8]) -> Result<(), Finding> {
    if classify(blob).format != Format::Bson {
        return Ok(());
    }
    let len = blob.len() as u64;
    match bound(config) {
        Some(b) if len >= b => witness::verify(config.profile, &config.keys(), blob).map_err(|e| {
            finding(format!(
                "{config}: a {len}-byte colliding blob fails witness verification: {e}"
            ))
        }),
        b => Err(finding(format!(
            "MISREAD BELOW THE BOUND: {config}: a conforming {len}-byte blob is classified BSON, but the bound is {}; \
             blob {}",
            b.map_or("none".into(), |b| b.to_string()),
            abbreviated_hex(blob),
        ))),
    }
}

/// Hex of a blob, cut in the middle when long.
pub fn abbreviated_hex(blob: &[u8]) -> String {
    const SHOW: usize = 96;
    if blob.len() <= 2 * SHOW {
        hex(blob)
    } else {
        format!(
            "{}…({} bytes)…{}",
            hex(&blob[..SHOW]),
            blob.len() - 2 * SHOW,
            hex(&blob[blob.len() - SHOW..])
        )
    }
}

/// `a ⊆ b` for normalized length sets.
fn subset(a: &LengthSet, b: &LengthSet) -> bool {
    a.ranges()
        .iter()
        .all(|&(lo, hi)| b.ranges().iter().any(|&(l, h)| l <= lo && hi <= h))
}

// ---------------------------------------------------------------------------
// Structure-aware inputs.

/// The input of `misread_below_bound`: a configuration selector, header
/// choices for any-width (`None`: the encoder's default; `Some(seed)`:
/// random permitted widths), and a document (its keys are fitted to the
/// configuration before encoding).
#[derive(Clone, Debug, Arbitrary)]
pub struct DocInput {
    pub config: u8,
    pub choices: Option<u64>,
    pub doc: Document,
}

/// Turn fuzz bytes into a structured input exactly as `libfuzzer-sys`'s
/// typed `fuzz_target!` does (`arbitrary_take_rest`).
pub fn structured<'a, T: Arbitrary<'a>>(data: &'a [u8]) -> Option<T> {
    if data.len() > MAX_INPUT {
        return None;
    }
    T::arbitrary_take_rest(Unstructured::new(data)).ok()
}

/// Target `misread_below_bound`, on raw bytes.
pub fn misread_below_bound(data: &[u8]) -> Outcome {
    match structured::<DocInput>(data) {
        Some(input) => check_misread_below_bound(&input),
        None => Ok(Run::Skipped),
    }
}

/// Target `misread_below_bound`: encode a document (keys fitted to the
/// configuration) under the configuration's profile, then
/// * the profile's conformance checker accepts the blob;
/// * the oracle's set for each prefix (up to 16 bytes, and the whole blob)
///   contains the blob's length;
/// * a blob shorter than the configuration's bound is classified msgpack
///   (one classified BSON must be at least the bound long, and a valid
///   witness);
/// * classified msgpack, it decodes back to the same document.
pub fn check_misread_below_bound(input: &DocInput) -> Outcome {
    let config = config_of(input.config);
    let (profile, keys) = (config.profile, config.keys());
    let doc = input.doc.fit(profile, &keys);
    if !doc.conforms(&keys) {
        return Err(finding(format!(
            "{config}: Document::fit gave a document that does not conform: {doc:?}"
        )));
    }
    let encoded = match input.choices {
        Some(seed) => encode_choices(profile, &doc, &Choices::seeded(seed)),
        None => encode(profile, &doc),
    };
    let blob = encoded.map_err(|e| finding(format!("{config}: cannot encode a fitted document: {e}; {doc:?}")))?;
    if let Err(v) = conformance::check(profile, &keys, &blob) {
        return Err(finding(format!(
            "{config}: the profile encoder wrote a blob its conformance check rejects ({v}): {}",
            abbreviated_hex(&blob)
        )));
    }
    oracle_contains_own_length(&config, &blob)?;
    misread_only_from_bound(&config, &blob)?;
    if classify(&blob).format == Format::MsgPack {
        let decoded = match decode(&blob) {
            Ok(Decoded::MsgPack(v)) => v,
            Ok(Decoded::Bson(_)) => return Err(finding("classified msgpack but decoded as BSON")),
            Err(e) => return Err(finding(format!("{config}: decode fails on a conforming blob: {e}"))),
        };
        match Document::from_rmpv(&decoded) {
            Ok(back) if back == doc => {}
            Ok(back) => {
                return Err(finding(format!(
                    "{config}: round trip changed the document: {doc:?} -> {back:?}"
                )))
            }
            Err(e) => return Err(finding(format!("{config}: decoded value is not a model document: {e}"))),
        }
    }
    Ok(Run::Checked)
}

/// Target `bson_roundtrip`, on raw bytes.
pub fn bson_roundtrip(data: &[u8]) -> Outcome {
    match structured::<Document>(data) {
        Some(doc) => check_bson_roundtrip(&doc),
        None => Ok(Run::Skipped),
    }
}

/// Target `bson_roundtrip`: a document written as BSON is classified BSON
/// and decodes to the same BSON document (doubles compared by bits).
pub fn check_bson_roundtrip(doc: &Document) -> Outcome {
    let expected = to_bson(doc);
    let bytes = expected
        .to_vec()
        .map_err(|e| finding(format!("bson cannot serialize {doc:?}: {e}")))?;
    let c = classify(&bytes);
    if c.format != Format::Bson {
        return Err(finding(format!(
            "a BSON document is classified {} ({}): {}",
            c.format,
            c.reason,
            hex(&bytes)
        )));
    }
    match decode(&bytes) {
        Ok(Decoded::Bson(back)) if bson_same(&back, &expected) => Ok(Run::Checked),
        Ok(Decoded::Bson(back)) => Err(finding(format!(
            "BSON round trip changed the document: {expected:?} -> {back:?}"
        ))),
        Ok(Decoded::MsgPack(v)) => Err(finding(format!("a BSON document decoded as msgpack: {v}"))),
        Err(e) => Err(finding(format!(
            "a BSON document does not decode: {e}; {}",
            abbreviated_hex(&bytes)
        ))),
    }
}

// ---------------------------------------------------------------------------
// Raw-bytes inputs.

/// Target `decode_bytes`: any bytes go into [`decode`], which must return
/// (never panic, hang or allocate by a header's word; the fuzz scripts set
/// a malloc limit), and whose answer must match the detector's format.
pub fn decode_bytes(data: &[u8]) -> Outcome {
    if data.len() > MAX_INPUT {
        return Ok(Run::Skipped);
    }
    let format = classify(data).format;
    match decode(data) {
        Ok(Decoded::Bson(_)) if format != Format::Bson => Err(finding("decoded as BSON but classified msgpack")),
        Ok(Decoded::MsgPack(_)) if format != Format::MsgPack => Err(finding("decoded as msgpack but classified BSON")),
        Ok(Decoded::MsgPack(v)) => {
            // Whatever decodes must re-encode to a blob that decodes to the
            // same value (rmpv is the independent decoder).
            let mut again = Vec::new();
            rmpv::encode::write_value(&mut again, &v)
                .map_err(|e| finding(format!("rmpv cannot re-encode {v}: {e}")))?;
            // rmpv writes a str that is not UTF-8 back as bin, so compare
            // what the two values encode to, not the values.
            match decode_msgpack(&again) {
                Ok(w) if rmpv_bytes(&w) == again => Ok(Run::Checked),
                Ok(w) => Err(finding(format!("msgpack re-encode changed the value: {v} -> {w}"))),
                Err(e) => Err(finding(format!("msgpack re-encode of {v} does not decode: {e}"))),
            }
        }
        _ => Ok(Run::Checked),
    }
}

/// Split a raw input into its configuration and blob.
pub fn split_raw(data: &[u8]) -> Option<(Config, &[u8])> {
    match data.split_first() {
        Some((&selector, blob)) if data.len() <= MAX_INPUT => Some((config_of(selector), blob)),
        _ => None,
    }
}

/// Target `detectors`, on raw bytes (the configuration selector, then the
/// blob): the detectors that need a polyglot to go wrong, judged by
/// decoders they do not call in that way.
/// * BSON is judged by the `bson` crate's streaming reader
///   (`Document::from_reader`, on a blob whose length prefix is its
///   length, which it must use up), msgpack by the witness checks
///   (`rmpv`, the keys, the conformance checker).
/// * `strict` answers exactly what the two judges say (`ambiguous` when
///   both accept, `neither` when neither does): it never guesses.
/// * `bson-valid` calls BSON only what the BSON judge accepts, and
///   `msgpack-first` calls msgpack only what the msgpack judge accepts.
/// * A blob both judges accept is a polyglot: it must be at least as long
///   as the committed `reports/detectors.csv` says polyglots can be, and
///   where that says none, any is a finding.
pub fn detectors(data: &[u8]) -> Outcome {
    use prefixproof::detect::detectors::{decide, Detector, Verdict, Written};
    let Some((config, blob)) = split_raw(data) else {
        return Ok(Run::Skipped);
    };
    let keys = config.keys();
    let written = Written {
        profile: config.profile,
        keys: &keys,
    };
    // A whole-blob document's length prefix is the blob's length; the
    // reader is asked only then, because it allocates what the prefix
    // claims before reading (up to 2 GiB from a 5-byte input).
    let is_bson = blob.len() >= 4 && blob[..4] == (blob.len() as u32).to_le_bytes() && {
        let mut rest = blob;
        bson::Document::from_reader(&mut rest).is_ok() && rest.is_empty()
    };
    let is_msgpack = witness::verify_document(config.profile, &keys, blob).is_ok();
    let expected = match (is_bson, is_msgpack) {
        (true, true) => Verdict::Ambiguous,
        (true, false) => Verdict::Bson,
        (false, true) => Verdict::Msgpack,
        (false, false) => Verdict::Neither,
    };
    let says = |d| decide(d, written, blob);
    let strict = says(Detector::Strict);
    if strict.verdict != expected {
        return Err(finding(format!(
            "{config}: strict says {} ({}), the judges say {expected}: {}",
            strict.verdict,
            strict.why,
            abbreviated_hex(blob)
        )));
    }
    let valid = says(Detector::BsonValid);
    if valid.verdict == Verdict::Bson && !is_bson {
        return Err(finding(format!(
            "{config}: bson-valid calls BSON what the bson crate's reader refuses: {}",
            abbreviated_hex(blob)
        )));
    }
    let first = says(Detector::MsgpackFirst);
    if first.verdict == Verdict::Msgpack && !is_msgpack {
        return Err(finding(format!(
            "{config}: msgpack-first calls msgpack what the witness checks refuse: {}",
            abbreviated_hex(blob)
        )));
    }
    if is_bson && is_msgpack {
        let len = blob.len() as u64;
        match polyglot_bound(&config) {
            Some(from) if len >= from => {}
            from => {
                return Err(finding(format!(
                    "POLYGLOT BELOW THE REPORTED BOUND: {config}: a {len}-byte polyglot, but detectors.csv says {}: {}",
                    from.map_or("none".into(), |f| format!("from {f}")),
                    abbreviated_hex(blob)
                )))
            }
        }
    }
    Ok(Run::Checked)
}

/// A raw input for `config` and `blob` (what [`split_raw`] undoes).
pub fn raw_input(config: &Config, blob: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(blob.len() + 1);
    v.push(selector_of(config));
    v.extend_from_slice(blob);
    v
}

/// Target `oracle_vs_raw`: the first byte picks a configuration, the rest
/// is a blob. Then
/// * the oracle's sets only shrink as the prefix grows (up to 16 bytes);
/// * if the conformance checker accepts the blob, every prefix's set (up
///   to 16 bytes, and the whole blob) contains its length, and the
///   misread property holds for it;
/// * conversely, the oracle says the whole blob is a complete document
///   (its set contains the blob's length) exactly when the checker accepts
///   it (for blobs nesting at most [`DEPTH_COMPARED`] deep).
pub fn oracle_vs_raw(data: &[u8]) -> Outcome {
    let Some((config, blob)) = split_raw(data) else {
        return Ok(Run::Skipped);
    };
    let (profile, keys) = (config.profile, config.keys());
    let len = blob.len() as u128;
    let mut previous: Option<LengthSet> = None;
    for n in 0..=blob.len().min(PREFIXES_CHECKED) {
        let set = oracle::lengths(profile, &keys, &blob[..n]);
        if let Some(prev) = &previous {
            if !subset(&set, prev) {
                return Err(finding(format!(
                    "{config}: oracle sets grow with the prefix: {} gives {prev}, {} gives {set}",
                    hex(&blob[..n - 1]),
                    hex(&blob[..n])
                )));
            }
        }
        previous = Some(set);
    }
    let conforms = conformance::check(profile, &keys, blob);
    if conforms.is_ok() {
        oracle_contains_own_length(&config, blob)?;
        misread_only_from_bound(&config, blob)?;
    }
    // The converse direction, on the whole blob.
    let mut p = Parser::new(profile, keys);
    let mut deepest = p.depth();
    for &b in blob {
        if !p.feed(&[b]) {
            break;
        }
        deepest = deepest.max(p.depth());
    }
    let complete = p.lengths().contains(len);
    if complete != p.is_complete() {
        return Err(finding(format!(
            "{config}: oracle's set {} {} the blob's length {len}, but is_complete() = {}; blob {}",
            p.lengths(),
            if complete { "contains" } else { "lacks" },
            p.is_complete(),
            abbreviated_hex(blob)
        )));
    }
    if let (true, Err(v)) = (complete, &conforms) {
        if deepest <= DEPTH_COMPARED {
            return Err(finding(format!(
                "{config}: the oracle accepts the whole blob as a document but the conformance check says {v}; blob {}",
                abbreviated_hex(blob)
            )));
        }
    }
    Ok(Run::Checked)
}

/// Target `profile_conformance`: the first byte picks a configuration, the
/// rest is a blob. If the profile's conformance check accepts it:
/// * rmpv decodes it to a model document that conforms to the keys;
/// * re-encoding that document with the header widths the blob used
///   (forced choices) gives back the identical bytes;
/// * for the profiles that permit exactly one form per length, count and
///   integer ([`Profile::one_form_per_value`]) the default encoder gives
///   the identical bytes too; for the others (any-width), the default
///   re-encoding conforms.
pub fn profile_conformance(data: &[u8]) -> Outcome {
    let Some((config, blob)) = split_raw(data) else {
        return Ok(Run::Skipped);
    };
    let (profile, keys) = (config.profile, config.keys());
    // The one-pass reader keeps exactly the profiles the one-profile
    // checks accept.
    let one_pass = conformance::conforming_profiles(&keys, blob);
    for p in Profile::ALL {
        if one_pass.contains(p) != conformance::check(p, &keys, blob).is_ok() {
            return Err(finding(format!(
                "{config}: the one-pass conformance reader and the check of {p} disagree on {}",
                abbreviated_hex(blob)
            )));
        }
    }
    if conformance::check(profile, &keys, blob).is_err() {
        return Ok(Run::Checked);
    }
    let value = decode_msgpack(blob).map_err(|e| {
        finding(format!(
            "{config}: conforming blob that rmpv rejects ({e}): {}",
            abbreviated_hex(blob)
        ))
    })?;
    let doc = Document::from_rmpv(&value).map_err(|e| {
        finding(format!(
            "{config}: conforming blob that is not a model document ({e}): {}",
            abbreviated_hex(blob)
        ))
    })?;
    if !doc.conforms(&keys) {
        return Err(finding(format!(
            "{config}: conforming blob whose keys do not conform: {}",
            abbreviated_hex(blob)
        )));
    }
    let forced = Choices {
        forced: blob.to_vec(),
        seed: None,
        random_until: 0,
    };
    let again =
        encode_choices(profile, &doc, &forced).map_err(|e| finding(format!("{config}: cannot re-encode: {e}")))?;
    if again != blob {
        return Err(finding(format!(
            "{config}: re-encoding with the blob's own header widths differs: {} -> {}",
            abbreviated_hex(blob),
            abbreviated_hex(&again)
        )));
    }
    let default = encode(profile, &doc).map_err(|e| finding(format!("{config}: cannot re-encode: {e}")))?;
    if !profile.one_form_per_value() {
        if let Err(v) = conformance::check(profile, &keys, &default) {
            return Err(finding(format!(
                "{config}: the default re-encoding does not conform ({v})"
            )));
        }
    } else if default != blob {
        return Err(finding(format!(
            "{config}: profile {profile} permits one encoding per value, but re-encoding differs: {} -> {}",
            abbreviated_hex(blob),
            abbreviated_hex(&default)
        )));
    }
    Ok(Run::Checked)
}
