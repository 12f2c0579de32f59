//! The CSV reports: every number in them is computed here, at generation
//! time, and every row is proved before it is written.
//!
//! For each configuration: the walk lists every colliding length; the
//! brute-force oracle sweep confirms that the smallest of them is the
//! first length in `[4, 2^31)` it cannot rule out (for "none", that it
//! rules out the whole range); and a witness blob is built and verified
//! for each of the smallest colliding lengths listed.

use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::hex::hex;
use crate::proof::oracle;
use crate::proof::search::{brute, prefix_of, walk, FIRST, LIMIT};
use crate::proof::witness;

use crate::msgpack::keys::FORMAT_MAX_KEY_LEN;
use crate::msgpack::{KeySpec, Profile};

use super::config::Config;
use super::fixtures::{self, FixtureSet, LoadedSet};

pub(crate) const BOUNDS: &str = "bounds.csv";
pub(crate) const PREFIXES: &str = "smallest_colliding_prefixes.csv";
/// How many of the smallest colliding lengths each configuration lists.
pub(crate) const RANKS: usize = 20;

/// What is proved about one profile and key specification.
pub(crate) struct Proof {
    /// The smallest colliding length, if any below 2^31.
    pub bound: Option<u64>,
    /// What the prefix at the bound forces (empty for none).
    pub structure: String,
    /// Every colliding length below 2^31, sorted.
    pub colliding: Vec<u32>,
    /// How many of the smallest colliding lengths have a verified witness.
    pub witnesses: usize,
    /// Where the time went.
    pub took: Took,
}

/// Wall time of each part of a proof.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Took {
    pub walk: Duration,
    pub sweep: Duration,
    /// Building and verifying the witnesses.
    pub witnesses: Duration,
}

impl fmt::Display for Took {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "walk {:.1?}, sweep {:.1?}, witnesses {:.1?}",
            self.walk, self.sweep, self.witnesses
        )
    }
}

/// The proved result for one report configuration.
pub(crate) struct Row {
    pub config: Config,
    pub proof: Proof,
}

/// A progress bar on stderr (hidden when `show` is false or stderr is not
/// a terminal).
pub(crate) fn progress_bar(len: u64, what: &str, show: bool) -> ProgressBar {
    let target = if show {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let pb = ProgressBar::with_draw_target(Some(len), target);
    pb.set_style(
        ProgressStyle::with_template("{msg:>28} [{bar:30}] {percent:>3}% {per_sec} eta {eta}")
            .expect("static template")
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

/// What the oracle says the four-byte prefix of `len` forces.
pub(crate) fn structure_of(profile: Profile, keys: &KeySpec, len: u64) -> String {
    let a = oracle::answer(profile, keys, &prefix_of(len));
    let mut parts = a.steps;
    parts.push(format!("then: {}", a.summary));
    parts.join(" | ")
}

/// How much of the oracle's sweep backs a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sweep {
    /// Every length up to the bound: enough to prove the bound.
    UpToBound,
    /// Every length in [4, 2^31), compared with the walk's full list.
    Full,
}

/// Witnesses longer than this are left to `prefixproof witness` (and to
/// the release tests) rather than built by the report.
pub(crate) const WITNESS_BUILD_LIMIT: u64 = 64 << 20;

/// Prove what `profile` and `keys` allow: the walk lists every colliding
/// length; the oracle's sweep confirms the first (or, for [`Sweep::Full`],
/// all of them); a witness is built and verified for each of the `witnesses`
/// smallest colliding lengths no longer than [`WITNESS_BUILD_LIMIT`].
pub(crate) fn prove(
    profile: Profile,
    keys: &KeySpec,
    label: &str,
    sweep: Sweep,
    witnesses: usize,
    show_progress: bool,
) -> Result<Proof> {
    let mut took = Took::default();
    let start = Instant::now();
    let colliding = walk::colliding_lengths(profile, keys);
    let bound = colliding.first().map(|b| *b as u64);
    took.walk = start.elapsed();
    let start = Instant::now();
    match sweep {
        Sweep::UpToBound => {
            // The oracle, asked about every length below the walk's bound
            // (and the bound itself), must find the same first collision.
            let end = bound.map_or(LIMIT, |b| b + 1);
            let pb = progress_bar(end - FIRST, &format!("proving {label}"), show_progress);
            let by_oracle = brute::first_colliding(profile, keys, FIRST..end, Some(&pb));
            pb.finish_and_clear();
            ensure!(
                by_oracle == bound,
                "{label}: the oracle's first collision {by_oracle:?} differs from the walk's {bound:?}"
            );
        }
        Sweep::Full => {
            let pb = progress_bar(LIMIT - FIRST, &format!("sweeping {label}"), show_progress);
            let swept = brute::colliding_lengths(profile, keys, FIRST..LIMIT, Some(&pb));
            pb.finish_and_clear();
            ensure!(
                swept == colliding,
                "{label}: the oracle's sweep finds {} colliding lengths, the walk {}",
                swept.len(),
                colliding.len()
            );
        }
    }
    took.sweep = start.elapsed();
    let start = Instant::now();
    let mut built = 0;
    for &len in colliding.iter().take(witnesses) {
        if len as u64 > WITNESS_BUILD_LIMIT {
            break;
        }
        let blob = witness::build_colliding(profile, keys, len as u64)
            .with_context(|| format!("{label}: building the witness of length {len}"))?;
        witness::verify(profile, keys, &blob).with_context(|| format!("{label}: witness of length {len}"))?;
        built += 1;
    }
    let structure = bound.map(|b| structure_of(profile, keys, b)).unwrap_or_default();
    Ok(Proof {
        bound,
        structure,
        colliding,
        witnesses: built,
        took: Took {
            witnesses: start.elapsed(),
            ..took
        },
    })
}

/// Compute and prove one report configuration.
pub(crate) fn compute(config: &Config, sweep: Sweep, show_progress: bool) -> Result<Row> {
    let proof = prove(
        config.profile,
        &config.keys(),
        &short(config),
        sweep,
        RANKS,
        show_progress,
    )?;
    ensure!(
        proof.witnesses == proof.colliding.len().min(RANKS),
        "{config}: only {} witnesses built",
        proof.witnesses
    );
    Ok(Row { config: *config, proof })
}

/// Compute every configuration (in parallel), with an overall progress bar.
pub(crate) fn compute_all(configs: &[Config], sweep: Sweep, show_progress: bool) -> Result<Vec<Row>> {
    let overall = progress_bar(configs.len() as u64, "configurations proved", show_progress);
    let rows: Result<Vec<Row>> = configs
        .par_iter()
        .map(|c| {
            let row = compute(c, sweep, false);
            // One line per configuration, also when the bar is hidden (CI).
            let line = match &row {
                Ok(r) => format!(
                    "{}: bound {}, {} colliding lengths below 2^31 ({})",
                    short(c),
                    r.proof.bound.map_or("none".into(), |b| b.to_string()),
                    r.proof.colliding.len(),
                    r.proof.took
                ),
                Err(e) => format!("{}: FAILED: {e:#}", short(c)),
            };
            if overall.is_hidden() {
                eprintln!("{line}");
            } else {
                overall.println(line);
            }
            overall.inc(1);
            row
        })
        .collect();
    overall.finish_and_clear();
    rows
}

fn short(c: &Config) -> String {
    format!("{}/{}/{}", c.profile, c.first_char, c.kmax)
}

/// Write both CSV files into `dir`.
pub(crate) fn write(dir: &Path, rows: &[Row]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut bounds =
        csv::Writer::from_path(dir.join(BOUNDS)).with_context(|| format!("writing {}", dir.join(BOUNDS).display()))?;
    bounds.write_record([
        "profile",
        "first_char",
        "kmax",
        "bound",
        "prefix_hex",
        "structure",
        "colliding_lengths_below_2_31",
        "blog_claim",
    ])?;
    let mut prefixes = csv::Writer::from_path(dir.join(PREFIXES))?;
    prefixes.write_record([
        "profile",
        "first_char",
        "kmax",
        "rank",
        "length",
        "prefix_hex",
        "structure",
    ])?;
    for r in rows {
        let c = &r.config;
        let (profile, first, kmax) = (c.profile.to_string(), c.first_char.to_string(), c.kmax.to_string());
        bounds.write_record([
            profile.clone(),
            first.clone(),
            kmax.clone(),
            r.proof.bound.map_or("none".into(), |b| b.to_string()),
            r.proof.bound.map_or(String::new(), |b| hex(&prefix_of(b))),
            r.proof.structure.clone(),
            r.proof.colliding.len().to_string(),
            c.blog_claim().to_string(),
        ])?;
        for (rank, &len) in r.proof.colliding.iter().take(RANKS).enumerate() {
            prefixes.write_record([
                profile.clone(),
                first.clone(),
                kmax.clone(),
                (rank + 1).to_string(),
                len.to_string(),
                hex(&prefix_of(len as u64)),
                structure_of(c.profile, &c.keys(), len as u64),
            ])?;
        }
    }
    bounds.flush()?;
    prefixes.flush()?;
    if rows.is_empty() {
        bail!("no configurations to report");
    }
    Ok(())
}

/// One row of `bounds.csv` as read back: the columns other code uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundsRecord {
    pub config: Config,
    /// `None` for "none below 2^31".
    pub bound: Option<u64>,
    pub prefix_hex: String,
    pub blog_claim: u64,
}

/// Why a `bounds.csv` text does not read back.
#[derive(Debug, thiserror::Error)]
pub enum BoundsCsvError {
    #[error("bounds.csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("bounds.csv has no {0} column")]
    MissingColumn(&'static str),
    #[error("bounds.csv row {0:?} is not a report configuration")]
    UnknownConfig(Vec<String>),
    #[error("bounds.csv {column} {value:?} is not a number")]
    NotANumber { column: &'static str, value: String },
}

/// Read a `bounds.csv` text written by [`write()`]. Columns are found by
/// name; a row that names no report configuration is an error, so a
/// renamed profile cannot silently drop a bound.
pub fn read_bounds(text: &str) -> std::result::Result<Vec<BoundsRecord>, BoundsCsvError> {
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let headers = rd.headers()?.clone();
    let col = |name: &'static str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or(BoundsCsvError::MissingColumn(name))
    };
    let (p, f, k, b) = (col("profile")?, col("first_char")?, col("kmax")?, col("bound")?);
    let (x, claim) = (col("prefix_hex")?, col("blog_claim")?);
    let configs = Config::all();
    let mut out = Vec::new();
    for rec in rd.records() {
        let rec = rec?;
        let field = |i: usize| rec.get(i).unwrap_or_default();
        let number = |column: &'static str, value: &str| {
            value.parse::<u64>().map_err(|_| BoundsCsvError::NotANumber {
                column,
                value: value.to_string(),
            })
        };
        let config = *configs
            .iter()
            .find(|c| c.profile.name() == field(p) && c.first_char.name() == field(f) && c.kmax.to_string() == field(k))
            .ok_or_else(|| BoundsCsvError::UnknownConfig(rec.iter().map(str::to_string).collect()))?;
        let bound = match field(b) {
            "none" => None,
            s => Some(number("bound", s)?),
        };
        out.push(BoundsRecord {
            config,
            bound,
            prefix_hex: field(x).to_string(),
            blog_claim: number("blog_claim", field(claim))?,
        });
    }
    Ok(out)
}

/// A generated section of the README, between two marker lines.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Section {
    pub(crate) start: &'static str,
    pub(crate) end: &'static str,
}

/// The results table.
pub(crate) const RESULTS: Section = Section {
    start: "<!-- results:start (generated by `prefixproof report`; do not edit) -->",
    end: "<!-- results:end -->",
};

/// The table of which encoder writes which profile.
pub(crate) const ENCODERS: Section = Section {
    start: "<!-- encoders:start (generated by `prefixproof report` from tests/fixtures/encoders; do not edit) -->",
    end: "<!-- encoders:end -->",
};

/// The bounds as a Markdown table, for the README.
pub(crate) fn markdown_table(rows: &[Row]) -> String {
    let mut s = String::from(
        "| profile | first char | kmax | bound | prefix | colliding lengths < 2^31 | post's claim |\n|---|---|---|---:|---|---:|---:|\n",
    );
    for r in rows {
        let c = &r.config;
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            c.profile,
            c.first_char,
            c.kmax,
            r.proof.bound.map_or("none".into(), |b| b.to_string()),
            r.proof
                .bound
                .map_or(String::new(), |b| format!("`{}`", hex(&prefix_of(b)))),
            r.proof.colliding.len(),
            c.blog_claim()
        ));
    }
    s
}

/// What [`splice_readme`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Splice {
    /// The file does not exist or cannot be read; nothing was written.
    NoFile,
    /// The file lacks the section's markers; nothing was written.
    NoMarkers,
    /// The text between the markers already matched.
    Unchanged,
    /// The text between the markers was replaced.
    Updated,
}

/// Replace the text between `section`'s markers in the file at `path` with
/// `table`, leaving the file alone if it or the markers are missing.
pub(crate) fn splice_readme(path: &Path, section: Section, table: &str) -> Result<Splice> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(Splice::NoFile);
    };
    let (Some(a), Some(b)) = (text.find(section.start), text.find(section.end)) else {
        return Ok(Splice::NoMarkers);
    };
    if b < a {
        return Ok(Splice::NoMarkers);
    }
    let new = format!("{}{}\n{table}{}", &text[..a], section.start, &text[b..]);
    if new == text {
        return Ok(Splice::Unchanged);
    }
    std::fs::write(path, new).with_context(|| format!("writing {}", path.display()))?;
    Ok(Splice::Updated)
}

/// The README's "Your own keys" examples.
pub(crate) const EXAMPLES: Section = Section {
    start: "<!-- your-keys:start (generated by `prefixproof report`; do not edit) -->",
    end: "<!-- your-keys:end -->",
};

/// `reports/your_keys.csv`.
pub(crate) const EXAMPLES_CSV: &str = "your_keys.csv";

/// A worked example of a user's own key rules.
pub(crate) struct Example {
    pub(crate) what: &'static str,
    pub(crate) profile: Profile,
    pub(crate) keys: &'static str,
    pub(crate) first_key: Option<&'static str>,
    pub(crate) proof: Proof,
}

/// The examples: (what, profile, keys, first key).
const EXAMPLE_RULES: [(&str, Profile, &str, Option<&str>); 3] = [
    (
        "keys of any printable ASCII, up to 255 bytes",
        Profile::Canonical,
        r"[\x20-\x7e]{1,255}",
        None,
    ),
    (
        "a fixed vocabulary of field names, every record starting with _id",
        Profile::Canonical,
        "name|email|created_at|updated_at|tags",
        Some("_id"),
    ),
    (
        "a vocabulary of field names in Russian",
        Profile::Canonical,
        "имя|почта|создан|изменён|теги",
        None,
    ),
];

/// Prove the README's examples.
pub(crate) fn compute_examples(show_progress: bool) -> Result<Vec<Example>> {
    EXAMPLE_RULES
        .iter()
        .map(|&(what, profile, keys, first_key)| {
            let spec = KeySpec::from_patterns(keys, first_key, FORMAT_MAX_KEY_LEN)
                .with_context(|| format!("example {what:?}"))?;
            let proof = prove(profile, &spec, what, Sweep::UpToBound, 1, show_progress)?;
            eprintln!(
                "example {what}: bound {} ({})",
                proof.bound.map_or("none".into(), |b| b.to_string()),
                proof.took
            );
            Ok(Example {
                what,
                profile,
                keys,
                first_key,
                proof,
            })
        })
        .collect()
}

/// The command that proves an example.
fn example_command(e: &Example) -> String {
    let mut cmd = format!("prefixproof bound --profile {} --keys '{}'", e.profile, e.keys);
    if let Some(f) = e.first_key {
        cmd.push_str(&format!(" --first-key '{f}'"));
    }
    cmd
}

/// What backs an example's bound beyond the sweep and the walk.
fn example_witness(e: &Example) -> String {
    match e.proof.bound {
        None => "none to build".into(),
        Some(_) if e.proof.witnesses > 0 => "built and verified".into(),
        Some(b) => format!(
            "{b} bytes: built and verified by the release tests, not the report (over {} MiB)",
            WITNESS_BUILD_LIMIT >> 20
        ),
    }
}

/// Write `your_keys.csv` into `dir`.
pub(crate) fn write_examples(dir: &Path, examples: &[Example]) -> Result<()> {
    let path = dir.join(EXAMPLES_CSV);
    let mut w = csv::Writer::from_path(&path).with_context(|| format!("writing {}", path.display()))?;
    w.write_record([
        "example",
        "profile",
        "keys",
        "first_key",
        "bound",
        "prefix_hex",
        "colliding_lengths_below_2_31",
        "witness",
    ])?;
    for e in examples {
        w.write_record([
            e.what.to_string(),
            e.profile.to_string(),
            e.keys.to_string(),
            e.first_key.unwrap_or_default().to_string(),
            e.proof.bound.map_or("none".into(), |b| b.to_string()),
            e.proof.bound.map_or(String::new(), |b| hex(&prefix_of(b))),
            e.proof.colliding.len().to_string(),
            example_witness(e),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// The examples as Markdown for the README.
pub(crate) fn examples_markdown(examples: &[Example]) -> String {
    let mut s = String::new();
    for e in examples {
        let bound = match e.proof.bound {
            Some(b) => format!("**{b}** (prefix `{}`)", hex(&prefix_of(b))),
            None => "**none below 2^31**".into(),
        };
        s.push_str(&format!(
            "* {}:\n\n  ```sh\n  {}\n  ```\n\n  bound {bound}; {} colliding lengths below 2^31; witness: {}.\n",
            e.what,
            example_command(e),
            e.proof.colliding.len(),
            example_witness(e)
        ));
    }
    s
}

/// `reports/encoders.csv`.
pub(crate) const ENCODERS_CSV: &str = "encoders.csv";

/// One fixture set and the profiles all of its documents conform to.
pub(crate) struct EncoderRow {
    pub(crate) set: FixtureSet,
    pub(crate) conforms_to: Vec<Profile>,
}

/// Which profiles every document of each fixture set conforms to.
pub(crate) fn encoder_rows(sets: &[LoadedSet]) -> Vec<EncoderRow> {
    let keys = fixtures::fixture_keys();
    sets.par_iter()
        .map(|s| EncoderRow {
            set: s.meta.clone(),
            conforms_to: fixtures::profiles_of_all(&keys, &s.blobs),
        })
        .collect()
}

fn profile_list(ps: &[Profile]) -> String {
    if ps.is_empty() {
        "none".to_string()
    } else {
        ps.iter().map(|p| p.name()).collect::<Vec<_>>().join(" ")
    }
}

/// Write `encoders.csv` into `dir`.
pub(crate) fn write_encoders(dir: &Path, rows: &[EncoderRow]) -> Result<()> {
    let path = dir.join(ENCODERS_CSV);
    let mut w = csv::Writer::from_path(&path).with_context(|| format!("writing {}", path.display()))?;
    w.write_record([
        "set",
        "encoder",
        "version",
        "options",
        "documents",
        "expected_profile",
        "conforms_to",
    ])?;
    for r in rows {
        let s = &r.set;
        w.write_record([
            s.set.clone(),
            s.encoder.clone(),
            s.version.clone(),
            s.options.clone(),
            s.documents.to_string(),
            s.expected.map_or("none".to_string(), |p| p.to_string()),
            profile_list(&r.conforms_to),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Who writes what, as a Markdown table for the README.
pub(crate) fn encoders_markdown(rows: &[EncoderRow]) -> String {
    let mut s = String::from(
        "| encoder | version | options | documents | every document conforms to |\n|---|---|---|---:|---|\n",
    );
    for r in rows {
        let set = &r.set;
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            set.encoder,
            set.version,
            set.options.replace('|', "\\|"),
            set.documents,
            profile_list(&r.conforms_to)
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_replaces_only_between_the_markers() {
        let path = std::env::temp_dir().join(format!("prefixproof-splice-{}.md", std::process::id()));
        let (start, end) = (RESULTS.start, RESULTS.end);
        let stale = format!("intro\n{start}\nold table\n{end}\noutro\n");
        std::fs::write(&path, &stale).unwrap();
        assert_eq!(splice_readme(&path, RESULTS, "new table\n").unwrap(), Splice::Updated);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, format!("intro\n{start}\nnew table\n{end}\noutro\n"));
        assert_eq!(splice_readme(&path, RESULTS, "new table\n").unwrap(), Splice::Unchanged);
        assert_eq!(splice_readme(&path, ENCODERS, "t\n").unwrap(), Splice::NoMarkers);

        std::fs::write(&path, "no markers here\n").unwrap();
        assert_eq!(splice_readme(&path, RESULTS, "new table\n").unwrap(), Splice::NoMarkers);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "no markers here\n");
        std::fs::remove_file(&path).unwrap();
        assert_eq!(splice_readme(&path, RESULTS, "t\n").unwrap(), Splice::NoFile);
    }

    #[test]
    fn bounds_csv_reads_back() {
        use crate::msgpack::{FirstChar, Kmax, Profile};
        let text = "profile,first_char,kmax,bound,prefix_hex,structure,colliding_lengths_below_2_31,blog_claim\n\
                    map32-header,alnum,31,223,df000000,\"a, b\",5,3187073\n\
                    canonical,ident,unbounded,none,,,0,6398337\n";
        let rows = read_bounds(text).unwrap();
        let c = |profile, first_char, kmax| Config {
            profile,
            first_char,
            kmax,
        };
        assert_eq!(
            rows,
            vec![
                BoundsRecord {
                    config: c(Profile::Map32Header, FirstChar::Alnum, Kmax::Bounded(31)),
                    bound: Some(223),
                    prefix_hex: "df000000".into(),
                    blog_claim: 3187073,
                },
                BoundsRecord {
                    config: c(Profile::Canonical, FirstChar::Ident, Kmax::Unbounded),
                    bound: None,
                    prefix_hex: String::new(),
                    blog_claim: 6398337,
                },
            ]
        );
        assert!(read_bounds("profile,first_char,kmax,bound,prefix_hex,blog_claim\nnope,alnum,31,5,,1\n").is_err());
        assert!(read_bounds("profile,first_char,kmax\n").is_err());
    }
}
