//! What a scan's tally means: the exact bound for the configuration the
//! data shows, proved by the engine, and the summary a person reads.
//!
//! This module owns choosing the configurations to prove (the profiles every
//! msgpack blob conforms to, with the observed vocabulary and with the
//! character class that covers it as key rules) and the readable summary.
//! The proofs themselves are [`crate::app::report::prove`]'s: the walk, the
//! oracle's sweep up to the bound, and a verified witness.

use std::fmt::Write as _;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::msgpack::lang::KeyLang;
use crate::msgpack::{KeySpec, Profile};

use super::super::report::{prove, Sweep};
use super::summary::Tally;

/// One proved bound.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BoundRow {
    /// The profile, and those that follow exactly the same rules.
    pub profiles: Vec<String>,
    /// Which key rule: "observed vocabulary" or "character class".
    pub keys: String,
    /// The key rule itself (the vocabulary by its size).
    pub rule: String,
    /// The smallest length at which a conforming blob is misread; none
    /// below 2^31 when absent.
    pub bound: Option<u64>,
    /// bound ÷ the largest msgpack blob after the migration.
    pub margin: Option<f64>,
    /// Whether a blob of exactly the bound was built and verified (it is
    /// not when over the report's witness size limit).
    pub witness: bool,
}

/// The bounds, or why there are none.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The largest msgpack blob once every BSON document is re-encoded: the
    /// larger of the largest stored msgpack blob and the largest re-encoding.
    pub largest_msgpack_after: u64,
    pub rows: Vec<BoundRow>,
    /// Why some or all bounds are missing, in words.
    pub notes: Vec<String>,
}

/// Prove the bounds a tally calls for.
pub fn verdict(t: &Tally, show_progress: bool) -> Result<Verdict> {
    let mut v = Verdict {
        largest_msgpack_after: t
            .largest_msgpack
            .as_ref()
            .map_or(0, |l| l.bytes)
            .max(t.payoff.largest_msgpack),
        ..Verdict::default()
    };
    let profiles = if t.msgpack_blobs() == 0 {
        v.notes
            .push("no msgpack blob yet: the bounds are for canonical msgpack, which the migration would write".into());
        vec![Profile::Canonical]
    } else {
        t.common_profiles()
    };
    if profiles.is_empty() {
        v.notes
            .push("no profile covers every msgpack blob, so no bound applies to this data as a whole".into());
        return Ok(v);
    }
    let vocab = &t.keys;
    if vocab.is_empty() {
        v.notes
            .push("no key was seen, so there is no key rule to prove a bound for".into());
        return Ok(v);
    }
    if vocab.not_utf8 > 0 {
        v.notes.push(format!(
            "{} keys are not UTF-8: no key rule below covers them, so no bound is proved",
            vocab.not_utf8
        ));
        return Ok(v);
    }
    let mut rules: Vec<(String, String, KeySpec)> = Vec::new();
    if vocab.complete {
        let lang = KeyLang::from_words(&vocab.words, vocab.max_bytes).context("the observed vocabulary")?;
        let spec = KeySpec::from_langs(lang, None).context("the observed vocabulary")?;
        rules.push((
            "observed vocabulary".into(),
            format!("the {} keys seen", vocab.words.len()),
            spec,
        ));
    } else {
        v.notes.push(format!(
            "more than {} distinct keys: no bound for the vocabulary itself, only for its character class",
            super::summary::VOCABULARY_CAP
        ));
    }
    if let Some(class) = vocab.class_pattern() {
        let spec = KeySpec::from_patterns(&class, None, vocab.max_bytes)
            .with_context(|| format!("the character class {class}"))?;
        rules.push(("character class".into(), class, spec));
    }
    // Profiles with the same rules have the same bounds: prove each rule
    // set once.
    let mut groups: Vec<Vec<Profile>> = Vec::new();
    for p in profiles {
        match groups.iter_mut().find(|g| g[0].same_rules(p)) {
            Some(g) => g.push(p),
            None => groups.push(vec![p]),
        }
    }
    for group in groups {
        let profile = group[0];
        for (keys, rule, spec) in &rules {
            let label = format!("{profile} / {keys}");
            let proof = prove(profile, spec, &label, Sweep::UpToBound, 1, show_progress)?;
            v.rows.push(BoundRow {
                profiles: group.iter().map(|p| p.name().to_string()).collect(),
                witness: proof.witnesses > 0,
                keys: keys.clone(),
                rule: rule.clone(),
                bound: proof.bound,
                margin: proof
                    .bound
                    .filter(|_| v.largest_msgpack_after > 0)
                    .map(|b| b as f64 / v.largest_msgpack_after as f64),
            });
        }
    }
    Ok(v)
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `count` with thousands separators and the noun that agrees with it.
fn counted(count: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(count), if count == 1 { one } else { many })
}

fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// The summary a person reads.
pub fn render(t: &Tally, v: &Verdict) -> String {
    let mut s = String::new();
    let n = thousands;
    let _ = writeln!(s, "scanned: {}", t.sources.join("; "));
    let skipped = t.records - t.blobs;
    let _ = writeln!(
        s,
        "records: {} ({} blobs, {} bytes; {} without a blob: {} NULL, {} not a blob, {} over the size limit, {} unreadable)",
        n(t.records),
        n(t.blobs),
        n(t.blob_bytes),
        n(skipped),
        n(t.skipped.null),
        n(t.skipped.not_a_blob),
        n(t.skipped.too_large),
        n(t.skipped.unreadable)
    );
    let _ = writeln!(
        s,
        "the detector says: BSON {}, msgpack {}",
        n(t.detector.bson),
        n(t.detector.msgpack)
    );
    let d = &t.decodes;
    let _ = writeln!(
        s,
        "decodes as: BSON only {}, msgpack only {}, both {}, neither {}",
        n(d.bson),
        n(d.msgpack),
        n(d.both),
        n(d.neither)
    );
    let f = &t.flags;
    let _ = writeln!(
        s,
        "flags: misread {}, ambiguous {}, corrupt {}, non-conforming {}",
        n(f.misread),
        n(f.ambiguous),
        n(f.corrupt),
        n(f.non_conforming)
    );
    for (what, ids, count) in [
        (
            "misread (the detector says BSON; only msgpack decodes it)",
            &t.examples.misread,
            f.misread,
        ),
        ("corrupt (neither format decodes it)", &t.examples.corrupt, f.corrupt),
        ("non-conforming", &t.examples.non_conforming, f.non_conforming),
    ] {
        if count > 0 {
            let more = if count > ids.len() as u64 {
                format!(" and {} more", n(count - ids.len() as u64))
            } else {
                String::new()
            };
            let _ = writeln!(s, "  {what}, by id: {}{more}", ids.join(", "));
        }
    }
    for (what, l) in [("BSON", &t.largest_bson), ("msgpack", &t.largest_msgpack)] {
        match l {
            Some(l) => _ = writeln!(s, "largest {what} blob: {} bytes ({})", n(l.bytes), l.id),
            None => _ = writeln!(s, "largest {what} blob: none"),
        }
    }
    let m = t.msgpack_blobs();
    if m > 0 {
        let per: Vec<String> = Profile::ALL
            .iter()
            .filter_map(|p| t.profiles.get(p.name()).map(|c| format!("{p} {}", n(*c))))
            .collect();
        let _ = writeln!(
            s,
            "msgpack blobs ({}) that conform to each profile: {}",
            n(m),
            per.join(", ")
        );
        let common: Vec<&str> = t.common_profiles().iter().map(|p| p.name()).collect();
        let common = if common.is_empty() {
            "none".to_string()
        } else {
            common.join(", ")
        };
        let _ = writeln!(s, "profiles every msgpack blob conforms to: {common}");
    }
    let _ = writeln!(s, "key rules checked: {}", t.key_rules);
    let k = &t.keys;
    if let Some(min) = k.min_chars {
        let distinct = if k.complete {
            counted(k.words.len() as u64, "distinct key", "distinct keys")
        } else {
            format!("more than {} distinct keys", n(super::summary::VOCABULARY_CAP as u64))
        };
        let presets: Vec<&str> = k.covering_presets().iter().map(|p| p.name()).collect();
        let presets = if presets.is_empty() {
            "none".into()
        } else {
            presets.join(", ")
        };
        let chars = if min == k.max_chars {
            counted(min, "character", "characters")
        } else {
            format!("{min} to {} characters", n(k.max_chars))
        };
        let _ = writeln!(
            s,
            "keys: {distinct}, {chars}, at most {}; presets that cover them: {presets}; character class: {}",
            counted(k.max_bytes, "byte", "bytes"),
            k.class_pattern().unwrap_or_default()
        );
    }
    if !v.rows.is_empty() {
        let _ = writeln!(
            s,
            "bounds (exact: proved by the oracle's sweep and the walk), against the largest msgpack blob after migration ({} bytes):",
            n(v.largest_msgpack_after)
        );
        for r in &v.rows {
            let bound = r.bound.map_or("none below 2^31".to_string(), n);
            let margin = match r.margin {
                Some(m) if m <= 1.0 => format!("UNSAFE: blobs this large exist (margin {m:.2}x)"),
                Some(m) if m >= 100.0 => format!("margin {}x", n(m as u64)),
                Some(m) => format!("margin {m:.1}x"),
                None => "safe at every length below 2^31".into(),
            };
            let witness = match (r.bound, r.witness) {
                (Some(_), true) => "; a blob of that length is built and verified",
                (Some(_), false) => "; `prefixproof witness` builds a blob of that length",
                (None, _) => "",
            };
            let _ = writeln!(
                s,
                "  {} with the {} ({}): bound {bound}, {margin}{witness}",
                r.profiles.join(" = "),
                r.keys,
                r.rule
            );
        }
    }
    for note in &v.notes {
        let _ = writeln!(s, "note: {note}");
    }
    let p = &t.payoff;
    if let (Some(total), Some(median)) = (p.total_ratio(), p.median_ratio()) {
        let _ = writeln!(
            s,
            "migration payoff, {} re-encoded as canonical msgpack: {} -> {} bytes, {} of BSON's size in total, median document {}",
            counted(p.documents, "BSON document", "BSON documents"),
            n(p.bson_bytes),
            n(p.msgpack_bytes),
            percent(total),
            percent(median)
        );
        if let Some(((bm, bd), (mm, md))) = p.throughput() {
            let _ = writeln!(
                s,
                "decode speed per core, timed on {} of them: BSON (bson crate) {bm:.0} MB/s, {bd:.0} documents/s; msgpack (rmpv) {mm:.0} MB/s, {md:.0} documents/s ({:.1}x the documents/s)",
                n(p.timed_documents),
                md / bd
            );
        }
    }
    for e in &t.errors {
        let _ = writeln!(s, "error: {e}");
    }
    let status = if !t.errors.is_empty() {
        "INCOMPLETE: a source could not be read to the end"
    } else if f.misread > 0 || f.corrupt > 0 {
        "FAIL: misread or corrupt blobs"
    } else {
        "OK: no blob is misread or corrupt"
    };
    let _ = writeln!(s, "result: {status}");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(121_473), "121,473");
        assert_eq!(thousands(2_147_483_648), "2,147,483,648");
    }

    #[test]
    fn nouns_agree_with_their_counts() {
        assert_eq!(counted(1, "byte", "bytes"), "1 byte");
        assert_eq!(counted(0, "byte", "bytes"), "0 bytes");
        assert_eq!(
            counted(1_077_501, "BSON document", "BSON documents"),
            "1,077,501 BSON documents"
        );
    }
}
