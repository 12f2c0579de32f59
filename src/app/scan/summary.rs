//! Adding findings up: counts, the largest blobs, the profiles every
//! msgpack blob conforms to, the key vocabulary, the migration's payoff;
//! and merging the tallies of several scans.
//!
//! This module owns the [`Tally`] (the part of a scan's summary that adds
//! up) and the JSON summary file that `--json` writes and `--merge` reads.
//! The bounds drawn from a tally are `verdict`'s; this module does not read
//! stores or decode blobs.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{ensure, Context, Result};
use serde::{Deserialize, Serialize};

use crate::detect::Format;
use crate::msgpack::{FirstChar, KeySpec, Kmax, Profile, ProfileSet};

use super::blob::{DecodesAs, Finding, NonConforming};
use super::source::{Content, Record};
use super::verdict::Verdict;

/// How many ids of misread, corrupt and non-conforming blobs a tally keeps
/// as examples.
const EXAMPLES: usize = 10;
/// The most distinct keys a tally keeps; past it the vocabulary is marked
/// incomplete (the character class and presets still cover every key).
pub const VOCABULARY_CAP: usize = 10_000;
/// The payoff's size ratios are counted in buckets of 1/1000.
const RATIO_BUCKETS_PER_UNIT: f64 = 1000.0;

/// The summary of one or more scans that adds up. Written as JSON by
/// `--json`, read back by `--merge`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    /// What was scanned.
    pub sources: Vec<String>,
    /// The key rules msgpack blobs were checked against.
    pub key_rules: String,
    /// Every record the sources gave, blob or not.
    pub records: u64,
    /// Records holding a blob that was examined, and their bytes.
    pub blobs: u64,
    pub blob_bytes: u64,
    pub detector: DetectorCounts,
    pub decodes: DecodeCounts,
    pub flags: FlagCounts,
    pub skipped: SkipCounts,
    /// Failures that ended a scan before the end of its source.
    pub errors: Vec<String>,
    pub largest_bson: Option<Largest>,
    pub largest_msgpack: Option<Largest>,
    /// For each profile, how many msgpack blobs conform to it.
    pub profiles: BTreeMap<String, u64>,
    pub keys: Vocabulary,
    pub payoff: PayoffTally,
    pub examples: Examples,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DetectorCounts {
    pub bson: u64,
    pub msgpack: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DecodeCounts {
    pub bson: u64,
    pub msgpack: u64,
    pub both: u64,
    pub neither: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FlagCounts {
    pub misread: u64,
    pub ambiguous: u64,
    pub corrupt: u64,
    /// msgpack outside every profile, or with keys outside the key rules.
    pub non_conforming: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SkipCounts {
    pub null: u64,
    pub not_a_blob: u64,
    pub too_large: u64,
    pub unreadable: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Largest {
    pub bytes: u64,
    pub id: String,
}

/// Ids of blobs worth a look.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Examples {
    pub misread: Vec<String>,
    pub corrupt: Vec<String>,
    pub non_conforming: Vec<String>,
}

/// Every key seen, at any depth, in either format.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Vocabulary {
    /// The distinct keys, while there are at most [`VOCABULARY_CAP`].
    pub words: BTreeSet<String>,
    /// False once a key was dropped for the cap, or was not UTF-8.
    pub complete: bool,
    /// Every character of every UTF-8 key.
    pub chars: BTreeSet<char>,
    /// Key lengths: shortest and longest in characters, longest in bytes.
    pub min_chars: Option<u64>,
    pub max_chars: u64,
    pub max_bytes: u64,
    /// Keys that are not UTF-8 (the legacy profile allows them).
    pub not_utf8: u64,
    /// For each preset, whether every key so far fits it.
    pub fits_preset: BTreeMap<String, bool>,
}

impl Default for Vocabulary {
    fn default() -> Self {
        Vocabulary {
            words: BTreeSet::new(),
            complete: true,
            chars: BTreeSet::new(),
            min_chars: None,
            max_chars: 0,
            max_bytes: 0,
            not_utf8: 0,
            fits_preset: FirstChar::ALL.iter().map(|p| (p.name().to_string(), true)).collect(),
        }
    }
}

/// BSON documents re-encoded as canonical msgpack, and how long each
/// format took to decode (on the documents that were timed).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PayoffTally {
    pub documents: u64,
    pub bson_bytes: u64,
    pub msgpack_bytes: u64,
    /// The timed documents: how many, their bytes in each format, and the
    /// nanoseconds each decoder took on them.
    pub timed_documents: u64,
    pub timed_bson_bytes: u64,
    pub timed_msgpack_bytes: u64,
    pub bson_decode_ns: u64,
    pub msgpack_decode_ns: u64,
    /// The largest re-encoding.
    pub largest_msgpack: u64,
    /// msgpack size ÷ BSON size per document, in thousandths: bucket →
    /// documents.
    pub ratio_thousandths: BTreeMap<u32, u64>,
}

impl PayoffTally {
    /// Total msgpack bytes ÷ total BSON bytes.
    pub fn total_ratio(&self) -> Option<f64> {
        (self.bson_bytes > 0).then(|| self.msgpack_bytes as f64 / self.bson_bytes as f64)
    }

    /// The median document's ratio, to the nearest thousandth.
    pub fn median_ratio(&self) -> Option<f64> {
        if self.documents == 0 {
            return None;
        }
        // The lower median: the ((n+1)/2)th document in ratio order.
        let rank = self.documents.div_ceil(2);
        let mut seen = 0;
        for (bucket, n) in &self.ratio_thousandths {
            seen += n;
            if seen >= rank {
                return Some(*bucket as f64 / RATIO_BUCKETS_PER_UNIT);
            }
        }
        unreachable!("the buckets hold all {} documents", self.documents)
    }

    /// Decode throughput on the timed documents, MB/s (10^6 bytes) and
    /// documents/s: BSON, then msgpack.
    pub fn throughput(&self) -> Option<((f64, f64), (f64, f64))> {
        if self.bson_decode_ns == 0 || self.msgpack_decode_ns == 0 {
            return None;
        }
        let rate = |bytes: u64, ns: u64| {
            let s = ns as f64 / 1e9;
            (bytes as f64 / 1e6 / s, self.timed_documents as f64 / s)
        };
        Some((
            rate(self.timed_bson_bytes, self.bson_decode_ns),
            rate(self.timed_msgpack_bytes, self.msgpack_decode_ns),
        ))
    }
}

fn keep_example(list: &mut Vec<String>, id: &str) {
    if list.len() < EXAMPLES {
        list.push(id.to_string());
    }
}

fn keep_largest(slot: &mut Option<Largest>, bytes: u64, id: &str) {
    if slot.as_ref().is_none_or(|l| bytes > l.bytes) {
        *slot = Some(Largest {
            bytes,
            id: id.to_string(),
        });
    }
}

impl Tally {
    pub fn new(source: String, key_rules: String) -> Tally {
        Tally {
            sources: vec![source],
            key_rules,
            ..Tally::default()
        }
    }

    /// Count a record that held no blob to examine.
    pub fn add_skipped(&mut self, record: &Record) {
        self.records += 1;
        match &record.content {
            Content::Null => self.skipped.null += 1,
            Content::NotABlob(_) => self.skipped.not_a_blob += 1,
            Content::TooLarge(_) => self.skipped.too_large += 1,
            Content::Unreadable(_) => self.skipped.unreadable += 1,
            Content::Blob(_) => unreachable!("a blob is added with its finding"),
        }
    }

    /// Count an examined blob.
    pub fn add(&mut self, id: &str, f: &Finding) {
        self.records += 1;
        self.blobs += 1;
        self.blob_bytes += f.size;
        match f.detector {
            Format::Bson => self.detector.bson += 1,
            Format::MsgPack => self.detector.msgpack += 1,
        }
        match f.decodes {
            DecodesAs::Bson => self.decodes.bson += 1,
            DecodesAs::MsgPack => self.decodes.msgpack += 1,
            DecodesAs::Both => self.decodes.both += 1,
            DecodesAs::Neither => self.decodes.neither += 1,
        }
        if matches!(f.decodes, DecodesAs::Bson | DecodesAs::Both) {
            keep_largest(&mut self.largest_bson, f.size, id);
        }
        if matches!(f.decodes, DecodesAs::MsgPack | DecodesAs::Both) {
            keep_largest(&mut self.largest_msgpack, f.size, id);
            for p in f.profiles.iter() {
                *self.profiles.entry(p.name().to_string()).or_default() += 1;
            }
        }
        if f.misread() {
            self.flags.misread += 1;
            keep_example(&mut self.examples.misread, id);
        }
        if f.ambiguous() {
            self.flags.ambiguous += 1;
        }
        if f.corrupt() {
            self.flags.corrupt += 1;
            keep_example(&mut self.examples.corrupt, id);
        }
        if f.non_conforming.is_some() {
            self.flags.non_conforming += 1;
            keep_example(&mut self.examples.non_conforming, id);
        }
        for key in &f.keys {
            self.keys.add(key);
        }
        if let Some(p) = &f.payoff {
            let t = &mut self.payoff;
            t.documents += 1;
            t.bson_bytes += p.bson_bytes;
            t.msgpack_bytes += p.msgpack_bytes;
            if let Some(timing) = p.timing {
                t.timed_documents += 1;
                t.timed_bson_bytes += p.bson_bytes;
                t.timed_msgpack_bytes += p.msgpack_bytes;
                t.bson_decode_ns += timing.bson_ns;
                t.msgpack_decode_ns += timing.msgpack_ns;
            }
            t.largest_msgpack = t.largest_msgpack.max(p.msgpack_bytes);
            let ratio = p.msgpack_bytes as f64 / p.bson_bytes as f64;
            let bucket = (ratio * RATIO_BUCKETS_PER_UNIT).round() as u32;
            *t.ratio_thousandths.entry(bucket).or_default() += 1;
        }
    }

    /// Add another scan's tally (another shard of the same store).
    pub fn merge(&mut self, other: Tally) -> Result<()> {
        ensure!(
            self.key_rules == other.key_rules,
            "the scans checked different key rules ({:?} and {:?}); merge scans made with the same --keys",
            self.key_rules,
            other.key_rules
        );
        self.sources.extend(other.sources);
        self.records += other.records;
        self.blobs += other.blobs;
        self.blob_bytes += other.blob_bytes;
        self.detector.bson += other.detector.bson;
        self.detector.msgpack += other.detector.msgpack;
        let (d, o) = (&mut self.decodes, other.decodes);
        d.bson += o.bson;
        d.msgpack += o.msgpack;
        d.both += o.both;
        d.neither += o.neither;
        let (f, o) = (&mut self.flags, other.flags);
        f.misread += o.misread;
        f.ambiguous += o.ambiguous;
        f.corrupt += o.corrupt;
        f.non_conforming += o.non_conforming;
        let (s, o) = (&mut self.skipped, other.skipped);
        s.null += o.null;
        s.not_a_blob += o.not_a_blob;
        s.too_large += o.too_large;
        s.unreadable += o.unreadable;
        self.errors.extend(other.errors);
        if let Some(l) = other.largest_bson {
            keep_largest(&mut self.largest_bson, l.bytes, &l.id);
        }
        if let Some(l) = other.largest_msgpack {
            keep_largest(&mut self.largest_msgpack, l.bytes, &l.id);
        }
        for (p, n) in other.profiles {
            *self.profiles.entry(p).or_default() += n;
        }
        self.keys.merge(other.keys);
        let (t, o) = (&mut self.payoff, other.payoff);
        t.documents += o.documents;
        t.bson_bytes += o.bson_bytes;
        t.msgpack_bytes += o.msgpack_bytes;
        t.timed_documents += o.timed_documents;
        t.timed_bson_bytes += o.timed_bson_bytes;
        t.timed_msgpack_bytes += o.timed_msgpack_bytes;
        t.bson_decode_ns += o.bson_decode_ns;
        t.msgpack_decode_ns += o.msgpack_decode_ns;
        t.largest_msgpack = t.largest_msgpack.max(o.largest_msgpack);
        for (b, n) in o.ratio_thousandths {
            *t.ratio_thousandths.entry(b).or_default() += n;
        }
        let (e, o) = (&mut self.examples, other.examples);
        for id in o.misread {
            keep_example(&mut e.misread, &id);
        }
        for id in o.corrupt {
            keep_example(&mut e.corrupt, &id);
        }
        for id in o.non_conforming {
            keep_example(&mut e.non_conforming, &id);
        }
        Ok(())
    }

    /// msgpack blobs: those the msgpack decoder accepts.
    pub fn msgpack_blobs(&self) -> u64 {
        self.decodes.msgpack + self.decodes.both
    }

    /// The profiles every msgpack blob conforms to.
    pub fn common_profiles(&self) -> Vec<Profile> {
        let n = self.msgpack_blobs();
        Profile::ALL
            .into_iter()
            .filter(|p| n > 0 && self.profiles.get(p.name()) == Some(&n))
            .collect()
    }

    /// Whether a migration job should stop: a blob is misread or corrupt,
    /// or the scan did not reach the end of a source.
    pub fn failed(&self) -> bool {
        self.flags.misread > 0 || self.flags.corrupt > 0 || !self.errors.is_empty()
    }
}

impl Vocabulary {
    fn add(&mut self, key: &[u8]) {
        let Ok(text) = std::str::from_utf8(key) else {
            self.not_utf8 += 1;
            self.complete = false;
            self.words.clear();
            return;
        };
        // A word already in the vocabulary has been counted in every way.
        if self.words.contains(text) {
            return;
        }
        let chars = text.chars().count() as u64;
        self.min_chars = Some(self.min_chars.map_or(chars, |m| m.min(chars)));
        self.max_chars = self.max_chars.max(chars);
        self.max_bytes = self.max_bytes.max(key.len() as u64);
        self.chars.extend(text.chars());
        for preset in FirstChar::ALL {
            let fits = self.fits_preset.entry(preset.name().to_string()).or_insert(true);
            if *fits && preset_spec(preset).check(key).is_err() {
                *fits = false;
            }
        }
        if self.complete && !self.words.contains(text) {
            if self.words.len() < VOCABULARY_CAP {
                self.words.insert(text.to_string());
            } else {
                self.complete = false;
                self.words.clear();
            }
        }
    }

    fn merge(&mut self, other: Vocabulary) {
        self.complete &= other.complete;
        if self.complete {
            self.words.extend(other.words);
            if self.words.len() > VOCABULARY_CAP {
                self.complete = false;
            }
        }
        if !self.complete {
            self.words.clear();
        }
        self.chars.extend(other.chars);
        self.min_chars = match (self.min_chars, other.min_chars) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.max_chars = self.max_chars.max(other.max_chars);
        self.max_bytes = self.max_bytes.max(other.max_bytes);
        self.not_utf8 += other.not_utf8;
        for (preset, fits) in other.fits_preset {
            *self.fits_preset.entry(preset).or_insert(true) &= fits;
        }
    }

    /// Whether any key was seen.
    pub fn is_empty(&self) -> bool {
        self.min_chars.is_none() && self.not_utf8 == 0
    }

    /// The presets every key fits, narrowest first.
    pub fn covering_presets(&self) -> Vec<FirstChar> {
        // ident ⊂ alnum.
        [FirstChar::Ident, FirstChar::Alnum]
            .into_iter()
            .filter(|p| self.fits_preset.get(p.name()) == Some(&true))
            .collect()
    }

    /// The tightest character-class pattern that covers every key: the
    /// characters seen, repeated between the shortest and longest key's
    /// length.
    pub fn class_pattern(&self) -> Option<String> {
        let min = self.min_chars?;
        let mut class = String::from("[");
        let chars: Vec<char> = self.chars.iter().copied().collect();
        let mut i = 0;
        while i < chars.len() {
            // A run of consecutive code points becomes a range.
            let mut j = i;
            while j + 1 < chars.len() && chars[j + 1] as u32 == chars[j] as u32 + 1 {
                j += 1;
            }
            push_class_char(&mut class, chars[i]);
            if j > i {
                if j > i + 1 {
                    class.push('-');
                }
                push_class_char(&mut class, chars[j]);
            }
            i = j + 1;
        }
        class.push(']');
        let _ = write!(class, "{{{min},{}}}", self.max_chars);
        Some(class)
    }
}

/// A preset's key rule, with no length cap (the scan reports the longest
/// key separately). Built once: compiling a key rule is not cheap.
fn preset_spec(preset: FirstChar) -> &'static KeySpec {
    static SPECS: OnceLock<[KeySpec; 2]> = OnceLock::new();
    let specs = SPECS.get_or_init(|| FirstChar::ALL.map(|p| KeySpec::new(p, Kmax::Unbounded)));
    &specs[FirstChar::ALL
        .iter()
        .position(|p| *p == preset)
        .expect("FirstChar::ALL lists every preset")]
}

/// One character inside a class: letters, digits and `_` as themselves,
/// anything else as a `\x{..}` escape (never misread as class syntax).
fn push_class_char(class: &mut String, c: char) {
    if c.is_ascii_alphanumeric() || c == '_' {
        class.push(c);
    } else {
        let _ = write!(class, "\\x{{{:x}}}", c as u32);
    }
}

/// The JSON summary `scan --json` writes and `scan --merge` reads.
#[derive(Serialize, Deserialize)]
struct SummaryJson {
    /// Names the layout, so a file from elsewhere is refused clearly.
    format: String,
    tally: Tally,
    verdict: Verdict,
}

const SUMMARY_FORMAT: &str = "prefixproof scan summary 1";

/// Write a scan's summary as JSON: the tally, which [`read_merged`] reads
/// back, and the verdict drawn from it.
pub fn write_json(path: &Path, tally: Tally, verdict: Verdict) -> Result<()> {
    let json = SummaryJson {
        format: SUMMARY_FORMAT.into(),
        tally,
        verdict,
    };
    let text = serde_json::to_string_pretty(&json).expect("a summary serializes");
    std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))
}

/// The tallies of the JSON summaries at `paths`, merged (the verdicts in
/// them are drawn again from the whole).
pub fn read_merged(paths: &[PathBuf]) -> Result<Tally> {
    let mut whole: Option<Tally> = None;
    for path in paths {
        let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let part: SummaryJson = serde_json::from_slice(&text)
            .with_context(|| format!("{} is not a summary written by `scan --json`", path.display()))?;
        ensure!(
            part.format == SUMMARY_FORMAT,
            "{}: summary format {:?}, expected {SUMMARY_FORMAT:?}",
            path.display(),
            part.format
        );
        match &mut whole {
            None => whole = Some(part.tally),
            Some(w) => w
                .merge(part.tally)
                .with_context(|| format!("merging {}", path.display()))?,
        }
    }
    whole.context("no summary to merge")
}

/// Names a blob's non-conformance for the per-blob CSV.
pub fn non_conforming_note(n: &NonConforming) -> String {
    match n {
        NonConforming::NoProfile(v) => format!("no profile writes it: {v}"),
        NonConforming::Key(v) => format!("key outside the key rules: {v}"),
    }
}

/// The profiles in a set, by name, for the per-blob CSV.
pub fn profile_names(p: ProfileSet) -> String {
    p.iter().map(|p| p.name()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary(words: &[&str]) -> Vocabulary {
        let mut v = Vocabulary::default();
        for w in words {
            v.add(w.as_bytes());
        }
        v
    }

    #[test]
    fn the_class_covers_exactly_the_characters_seen() {
        let v = vocabulary(&["name", "created_at", "id2"]);
        // Letters a c d e i m n r t, digit 2, underscore; runs c-e and m-n.
        assert_eq!(v.class_pattern().unwrap(), "[2_ac-eimnrt]{3,10}");
        assert_eq!(v.covering_presets(), [FirstChar::Ident, FirstChar::Alnum]);
        let v = vocabulary(&["2x", "é-"]);
        assert_eq!(v.class_pattern().unwrap(), r"[\x{2d}2x\x{e9}]{2,2}");
        assert!(v.covering_presets().is_empty());
        assert_eq!((v.max_chars, v.max_bytes), (2, 3));
        let v = vocabulary(&["2x"]);
        assert_eq!(v.covering_presets(), [FirstChar::Alnum]);
        assert_eq!(Vocabulary::default().class_pattern(), None);
    }

    #[test]
    fn the_class_pattern_is_a_key_rule_that_accepts_every_key() {
        let words = ["a", "ab", "b-c", "naïve", "日本"];
        let v = vocabulary(&words);
        let spec = KeySpec::from_patterns(&v.class_pattern().unwrap(), None, v.max_bytes).unwrap();
        for w in words {
            assert!(spec.check(w.as_bytes()).is_ok(), "{w}");
        }
        assert!(spec.check(b"z").is_err() && spec.check(b"abcdef").is_err());
    }

    #[test]
    fn medians_and_merges() {
        let mut t = PayoffTally::default();
        for (bucket, n) in [(400, 2), (463, 1), (900, 2)] {
            t.ratio_thousandths.insert(bucket, n);
            t.documents += n;
        }
        assert_eq!(t.median_ratio(), Some(0.463));
        let mut a = Tally::new("a".into(), "any".into());
        a.keys = vocabulary(&["x", "y"]);
        a.flags.misread = 1;
        let mut b = Tally::new("b".into(), "any".into());
        b.keys = vocabulary(&["y", "z-"]);
        b.decodes.neither = 2;
        a.merge(b).unwrap();
        assert_eq!(a.sources, ["a", "b"]);
        assert_eq!((a.flags.misread, a.decodes.neither), (1, 2));
        assert_eq!(a.keys.words.iter().collect::<Vec<_>>(), ["x", "y", "z-"]);
        assert_eq!(a.keys.covering_presets(), []);
        assert!(a.merge(Tally::new("c".into(), "alnum".into())).is_err());
    }

    #[test]
    fn a_vocabulary_past_the_cap_is_incomplete() {
        let mut v = Vocabulary::default();
        for i in 0..=VOCABULARY_CAP {
            v.add(format!("k{i}").as_bytes());
        }
        assert!(!v.complete);
        assert_eq!(v.covering_presets(), [FirstChar::Ident, FirstChar::Alnum]);
    }
}
