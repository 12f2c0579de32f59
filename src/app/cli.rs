//! The command-line interface: argument parsing (clap) and one function per
//! subcommand. Errors are reported as one clear line and a non-zero exit.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::detect::classify;
use crate::hex::{hex, parse_hex};
use crate::msgpack::{FirstChar, KeySpec, Kmax, Profile};
use crate::proof::conformance::conform_all;
use crate::proof::oracle;
use crate::proof::{polyglot, search, witness};

use super::config::Config;
use super::fixtures;
use super::plot;
use super::report::{self, Splice, Sweep};
use super::scan;

#[derive(Parser)]
#[command(
    name = "prefixproof",
    version,
    about = "Proves exactly when the BSON-vs-MessagePack length-prefix detector is safe",
    disable_help_subcommand = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Prove and write the reports for the 40 configurations of the post's
    /// question (the CSVs, the plot and the README's tables). Takes about a
    /// minute on two cores, more than half of it building and verifying 800
    /// witnesses; shows progress on a terminal.
    Report {
        /// Directory for bounds.csv, smallest_colliding_prefixes.csv,
        /// encoders.csv, your_keys.csv and colliding_lengths.svg.
        #[arg(long, default_value = "reports")]
        out_dir: PathBuf,
        /// Hide progress bars.
        #[arg(long)]
        quiet: bool,
        /// README whose generated tables to refresh (skipped, with a note,
        /// if the file or its markers are missing).
        #[arg(long, default_value = "README.md")]
        readme: PathBuf,
        /// Folder of documents written by real encoders, for
        /// reports/encoders.csv and the README's table of which encoder
        /// writes which profile (skipped, with a note, if missing).
        #[arg(long, default_value = "tests/fixtures/encoders")]
        fixtures: PathBuf,
        /// Sweep the oracle over all of [4, 2^31) for every configuration and
        /// require the walk's list of colliding lengths to match exactly
        /// (a few minutes more), instead of only up to each bound.
        #[arg(long)]
        cross_check: bool,
    },
    /// Prove the bound for one profile and key rule: every shorter length
    /// is impossible, and a blob of exactly the bound is built and checked.
    /// Seconds, even for a bound near 2^31.
    Bound {
        #[command(flatten)]
        setup: SetupArgs,
        /// Also run the full brute-force sweep over [4, 2^31) and compare
        /// it with the walk (seconds).
        #[arg(long)]
        cross_check: bool,
    },
    /// Build and verify a blob of an exact length that the detector misreads.
    Witness {
        #[command(flatten)]
        setup: SetupArgs,
        /// Length of the blob; must be a length at which a misread blob
        /// exists (`bound` lists the smallest).
        #[arg(long)]
        length: u64,
        /// Where to write the blob.
        #[arg(long)]
        out: PathBuf,
    },
    /// For each of the 40 configurations, and the same key rules under the
    /// profiles named after encoders, from what length on each detector
    /// (post, post+eoo, bson-valid, msgpack-first, strict) can misclassify
    /// a blob, exact or as a proved lower bound: writes
    /// reports/detectors.csv and the README's "Which detector should I
    /// use?" tables. A few minutes on two cores.
    Detectors {
        /// Directory for detectors.csv.
        #[arg(long, default_value = "reports")]
        out_dir: PathBuf,
        /// README whose table to refresh (skipped, with a note, if the file
        /// or its markers are missing).
        #[arg(long, default_value = "README.md")]
        readme: PathBuf,
        /// Hide the progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Search for the smallest polyglot: a blob that is both a valid BSON
    /// document and a conforming msgpack map, which is what it takes to
    /// fool the bson-valid and msgpack-first detectors (and to make strict
    /// answer "ambiguous"). Candidates are the lengths the post's detector
    /// misreads, in increasing order; each is read on from its four-byte
    /// prefix by both a BSON reader and the msgpack oracle. Where the search
    /// stops with a branch open, a polyglot is laid out on purpose at that
    /// length or the next candidates. The answer is "none", an exact length
    /// with a witness, a proved lower bound, or a lower bound and a longer
    /// polyglot found.
    Polyglot {
        #[command(flatten)]
        setup: SetupArgs,
        /// Bytes read past each candidate's four-byte prefix.
        #[arg(long, default_value_t = 3)]
        depth: u64,
        /// Joint states (bytes read by both readers) to visit at most.
        #[arg(long, default_value_t = 4_000_000_000)]
        max_states: u64,
        /// Where to write the polyglot, when one is found.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Show what each byte of a prefix means, what the rest of a document
    /// must contain, and the exact set of document lengths.
    Explain {
        /// The prefix as hex, e.g. 82a13000, "82 a1 30 00" or
        /// "0x82 0xa1 0x30 0x00" (spaces, commas, underscores and 0x are
        /// allowed). Or use --file.
        #[arg(conflicts_with = "file")]
        hex_prefix: Option<String>,
        /// Read the prefix's bytes from a file (`-`: standard input) instead.
        #[arg(long, value_name = "PATH")]
        file: Option<PathBuf>,
        #[command(flatten)]
        setup: SetupArgs,
    },
    /// Say how the detector classifies each file, and why.
    Classify {
        /// Files to classify.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Say which encoder profiles each msgpack blob conforms to, and for each
    /// profile it does not, the first header that breaks it.
    Conform {
        /// Files holding one msgpack blob each; `-` reads one blob from stdin.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        keys: KeyArgs,
    },
    /// Read every blob of a store and say, for each, what the detector
    /// decides and which decoders accept it; then sum up: misread, ambiguous
    /// and corrupt blobs, the profiles and keys the msgpack blobs use, the
    /// exact bound for that configuration, and what migrating the BSON
    /// documents to msgpack would save. Exit status: 0 when every blob is
    /// fine, 1 when a blob is misread or corrupt or a source could not be
    /// read to the end, 2 on a usage error.
    Scan(ScanArgs),
    /// Print help for the tool or for one subcommand.
    Help {
        /// The subcommand.
        command: Option<String>,
    },
}

/// Where `scan` reads, and what it writes.
#[derive(Args)]
struct ScanArgs {
    /// A file holding one blob, a directory of blob files (read
    /// recursively: files in name order, then subdirectories), or with
    /// --mongodump a file of concatenated BSON documents.
    #[arg(value_name = "PATH", required_unless_present_any = ["sqlite", "postgres", "merge"])]
    source: Option<PathBuf>,
    /// PATH is a mongodump file: concatenated BSON documents. Each document
    /// is a blob, or with --column its binary field of that name is.
    #[arg(long, requires = "source")]
    mongodump: bool,
    /// Read a SQLite database (with --table and --column).
    #[arg(long, value_name = "PATH", conflicts_with_all = ["source", "postgres"], requires_all = ["table", "column"])]
    sqlite: Option<PathBuf>,
    /// Read a PostgreSQL database (with --table and a bytea --column), e.g.
    /// postgres://user:password@localhost/db (no TLS).
    #[arg(long, value_name = "URL", conflicts_with_all = ["source"], requires_all = ["table", "column"])]
    postgres: Option<String>,
    /// The table holding the blobs (`schema.table` allowed).
    #[arg(long)]
    table: Option<String>,
    /// The column (or, with --mongodump, the field) holding the blobs.
    #[arg(long)]
    column: Option<String>,
    /// A column (or field) whose value names each row in the reports.
    /// Default: the row's position (for mongodump, the `_id` field).
    #[arg(long)]
    key: Option<String>,
    /// Blobs longer than this are counted and listed, not read: a number of
    /// bytes, or with a suffix KiB, MiB or GiB.
    #[arg(long, default_value = "64MiB", value_parser = parse_size)]
    max_blob: u64,
    /// Time the BSON and msgpack decoders on every N-th blob (and on each of
    /// the first 1024), for the migration's decode speeds (1: every blob;
    /// each timing decodes the document twice more, which at every 8th blob
    /// cost a sixth of the scan).
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..))]
    time_every: u64,
    /// Write one row per record: id, size, the detector's answer, what it
    /// decodes as, the profiles it conforms to, flags and a note.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Write the summary as JSON (what --merge reads).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Instead of scanning, merge the JSON summaries of several scans
    /// (shards of one store) into the summary of the whole.
    #[arg(long, value_name = "JSON", num_args = 1.., conflicts_with_all = ["source", "sqlite", "postgres", "csv"])]
    merge: Vec<PathBuf>,
    /// Hide the progress bar.
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    keys: KeyArgs,
}

/// A size: bytes, or a number with a KiB, MiB or GiB suffix.
fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t, ""),
    };
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kib" => 10,
        "m" | "mib" => 20,
        "g" | "gib" => 30,
        other => return Err(format!("unknown unit {other:?}: use KiB, MiB or GiB")),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a size (e.g. 1048576 or 64MiB)"))?;
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("{text:?} is too large"))
}

/// `--profile`'s values, each with one line on who writes it (shown by
/// `--help`).
fn profile_parser() -> impl TypedValueParser<Value = Profile> {
    PossibleValuesParser::new(Profile::ALL.map(|p| PossibleValue::new(p.name()).help(p.about())))
        .try_map(|name| name.parse::<Profile>())
}

/// A profile and a key rule.
#[derive(Args)]
struct SetupArgs {
    /// Encoder profile: which headers the encoder writes.
    #[arg(long, default_value = "canonical", value_parser = profile_parser())]
    profile: Profile,
    #[command(flatten)]
    keys: KeyArgs,
}

/// Which keys a document may have.
#[derive(Args)]
struct KeyArgs {
    /// Every key matches this regular expression as a whole, e.g.
    /// `[a-z_][a-z0-9_]{0,63}`, `_id|name|email|created_at` or `\w+`
    /// (Unicode classes allowed). Default: the --first-char preset.
    #[arg(long, value_name = "REGEX", conflicts_with = "first_char")]
    keys: Option<String>,
    /// The top-level map's first key matches this regular expression
    /// instead (the other keys still differ from it). Default: like every
    /// key.
    #[arg(long, value_name = "REGEX")]
    first_key: Option<String>,
    /// A preset key rule, the post's: alnum ([A-Za-z0-9_]+) or ident
    /// ([A-Za-z_][A-Za-z0-9_]*). Default: alnum.
    #[arg(long)]
    first_char: Option<FirstChar>,
    /// The longest key in bytes: a number up to 4294967295, or "unbounded".
    /// Default: 31 with a preset; unbounded with --keys (whose pattern can
    /// state its own lengths).
    #[arg(long)]
    kmax: Option<Kmax>,
}

/// Every key: `conform`'s and `scan`'s default.
const ANY_KEY: &str = "(?s:.)*";

impl KeyArgs {
    /// The key specification, and a short description of it. `any`: the
    /// default when no rule is given is any key at all, not a preset.
    fn spec(&self, any: bool) -> Result<(KeySpec, String)> {
        let preset = self.first_char.unwrap_or(FirstChar::Alnum);
        let (pattern, kmax) = match (&self.keys, any && self.first_char.is_none()) {
            (Some(p), _) => (p.clone(), self.kmax.unwrap_or(Kmax::Unbounded)),
            (None, true) => (ANY_KEY.to_string(), self.kmax.unwrap_or(Kmax::Unbounded)),
            (None, false) => (preset.pattern().to_string(), self.kmax.unwrap_or(Kmax::Bounded(31))),
        };
        if self.keys.is_none() && self.first_key.is_none() && !(any && self.first_char.is_none()) {
            let keys = KeySpec::new(preset, kmax);
            return Ok((
                keys,
                format!("{preset} keys (`{}`), at most {kmax} bytes", preset.pattern()),
            ));
        }
        let keys = KeySpec::from_patterns(&pattern, self.first_key.as_deref(), kmax.max_len())
            .with_context(|| "the key rules cannot be used")?;
        let label = if pattern == ANY_KEY && self.first_key.is_none() && self.kmax.is_none() {
            "any key (no --keys given)".to_string()
        } else {
            keys.describe()
        };
        Ok((keys, label))
    }
}

/// Run the tool; the binary's `main` calls this.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Report {
            out_dir,
            quiet,
            readme,
            fixtures,
            cross_check,
        } => report(&out_dir, quiet, &readme, &fixtures, cross_check),
        Command::Bound { setup, cross_check } => {
            let (keys, label) = setup.keys.spec(false)?;
            let sweep = if cross_check { Sweep::Full } else { Sweep::UpToBound };
            let name = format!("{} / {label}", setup.profile);
            let proof = report::prove(setup.profile, &keys, &name, sweep, 1, true)?;
            println!("profile: {}", setup.profile);
            println!("keys: {label}");
            match proof.bound {
                Some(b) => {
                    println!("bound: {b} (prefix {})", hex(&search::prefix_of(b)));
                    println!("structure: {}", proof.structure);
                    let witness = if proof.witnesses > 0 {
                        format!("a witness of {b} bytes is built and verified")
                    } else {
                        format!(
                            "a witness of {b} bytes is not built here (over {} MiB): `prefixproof witness --length {b}` builds and checks it",
                            report::WITNESS_BUILD_LIMIT >> 20
                        )
                    };
                    println!("proof: the oracle rules out every length in [4, {b}); {witness}");
                }
                None => println!("bound: none below 2^31 (the oracle rules out every length in [4, 2^31))"),
            }
            println!("colliding lengths below 2^31: {}", proof.colliding.len());
            if cross_check {
                println!("cross-check: the oracle's sweep over [4, 2^31) agrees with the walk");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Witness { setup, length, out } => {
            let (keys, _) = setup.keys.spec(false)?;
            let blob = witness::build_colliding(setup.profile, &keys, length)?;
            witness::verify(setup.profile, &keys, &blob)?;
            std::fs::write(&out, &blob).with_context(|| format!("writing {}", out.display()))?;
            println!(
                "wrote {} bytes to {} (prefix {}); rmp-serde reads it as one map of allowed, distinct keys, it conforms to {}, the detector says BSON",
                blob.len(),
                out.display(),
                hex(&blob[..4]),
                setup.profile
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Detectors { out_dir, readme, quiet } => {
            let splice = crate::app::detectors::run(&out_dir, &readme, quiet)?;
            say_splice(&readme, "detectors", splice);
            Ok(ExitCode::SUCCESS)
        }
        Command::Polyglot {
            setup,
            depth,
            max_states,
            out,
        } => {
            let (keys, label) = setup.keys.spec(false)?;
            println!("profile: {}", setup.profile);
            println!("keys: {label}");
            let started = std::time::Instant::now();
            let limits = polyglot::Limits {
                depth,
                states: max_states,
            };
            let (outcome, effort) = polyglot::search(setup.profile, &keys, limits);
            match outcome {
                polyglot::Outcome::None => {
                    println!("polyglot: none below 2^31: every length the post's detector misreads is ruled out within {depth} bytes of its prefix")
                }
                polyglot::Outcome::AtLeast { lower, budget_spent } => {
                    println!(
                        "polyglot: {lower} bytes or more (a lower bound, not exact): every shorter candidate is ruled out; {}; \
                         no polyglot was built at {lower} or the next {} candidates",
                        stopped_why(lower, budget_spent, depth, max_states),
                        polyglot::CONSTRUCTED_CANDIDATES - 1
                    );
                }
                polyglot::Outcome::Exact { len, blob } => {
                    polyglot::verify(setup.profile, &keys, &blob)
                        .map_err(|e| anyhow::anyhow!("the polyglot found fails verification: {e}"))?;
                    println!("polyglot: exactly {len} bytes (prefix {}): every shorter candidate is ruled out, and the bson crate accepts it, rmpv decodes it as a map, it conforms to {}", hex(&blob[..4]), setup.profile);
                    write_polyglot(out.as_deref(), &blob)?;
                }
                polyglot::Outcome::Between {
                    lower,
                    budget_spent,
                    len,
                    blob,
                } => {
                    polyglot::verify(setup.profile, &keys, &blob)
                        .map_err(|e| anyhow::anyhow!("the polyglot built fails verification: {e}"))?;
                    println!(
                        "polyglot: from {lower} to {len} bytes (not exact): every candidate below {lower} is ruled out; {}; \
                         a polyglot of {len} bytes (prefix {}) was built: the bson crate accepts it, rmpv decodes it as a map, it conforms to {}",
                        stopped_why(lower, budget_spent, depth, max_states),
                        hex(&blob[..4]),
                        setup.profile
                    );
                    write_polyglot(out.as_deref(), &blob)?;
                }
            }
            println!(
                "searched {} candidate lengths, {} joint states, in {:.1} s",
                effort.candidates,
                effort.states,
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain {
            hex_prefix,
            file,
            setup,
        } => {
            let (keys, label) = setup.keys.spec(false)?;
            let prefix = match (hex_prefix, file) {
                (_, Some(path)) => read_blob(&path)?,
                (Some(text), None) => parse_hex(&text)?,
                (None, None) => {
                    bail!("give the prefix as hex (e.g. `explain 82a13000`), or its bytes with --file PATH")
                }
            };
            explain(setup.profile, &keys, &label, &prefix);
            Ok(ExitCode::SUCCESS)
        }
        Command::Conform { files, keys } => {
            let (keys, label) = keys.spec(true)?;
            println!("keys: {label}");
            let mut failed = false;
            for f in files {
                let blob = match read_blob(&f) {
                    Ok(blob) => blob,
                    Err(e) => {
                        eprintln!("error: {e:#}");
                        failed = true;
                        continue;
                    }
                };
                let name = if f.as_os_str() == "-" {
                    "stdin".to_string()
                } else {
                    f.display().to_string()
                };
                let results = conform_all(&keys, &blob);
                let fits: Vec<&str> = results
                    .iter()
                    .filter(|(_, r)| r.is_ok())
                    .map(|(p, _)| p.name())
                    .collect();
                let fits = if fits.is_empty() {
                    "none".to_string()
                } else {
                    fits.join(", ")
                };
                println!("{name}: {} bytes; conforms to: {fits}", blob.len());
                for (p, r) in &results {
                    if let Err(v) = r {
                        println!("  not {p}: {v}");
                    }
                }
            }
            Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        Command::Classify { files } => {
            let mut failed = false;
            for f in files {
                match std::fs::read(&f) {
                    Ok(blob) => {
                        let c = classify(&blob);
                        println!("{}: {} ({})", f.display(), c.format, c.reason);
                    }
                    Err(e) => {
                        eprintln!("error: {}: {e}", f.display());
                        failed = true;
                    }
                }
            }
            Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        Command::Scan(args) => scan(args),
        Command::Help { command } => {
            let mut cli = Cli::command();
            match command {
                None => cli.print_long_help()?,
                Some(name) => match cli.find_subcommand_mut(&name) {
                    Some(sub) => sub.print_long_help()?,
                    None => bail!(
                        "no subcommand {name:?}; the subcommands are {}",
                        Cli::command()
                            .get_subcommands()
                            .map(|c| c.get_name().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                },
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `report`: prove the 40 configurations and the README's examples, and
/// write every report.
fn report(out_dir: &Path, quiet: bool, readme: &Path, fixtures: &Path, cross_check: bool) -> Result<ExitCode> {
    let start = Instant::now();
    let sweep = if cross_check { Sweep::Full } else { Sweep::UpToBound };
    let rows = report::compute_all(&Config::all(), sweep, !quiet)?;
    report::write(out_dir, &rows)?;
    plot::write(out_dir, &rows)?;
    let table = report::markdown_table(&rows);
    say_splice(
        readme,
        "results",
        report::splice_readme(readme, report::RESULTS, &table)?,
    );
    let examples = report::compute_examples(!quiet)?;
    report::write_examples(out_dir, &examples)?;
    let table = report::examples_markdown(&examples);
    say_splice(
        readme,
        "your-keys",
        report::splice_readme(readme, report::EXAMPLES, &table)?,
    );
    if fixtures.is_dir() {
        let sets = fixtures::load(fixtures).with_context(|| format!("reading {}", fixtures.display()))?;
        let encoders = report::encoder_rows(&sets);
        report::write_encoders(out_dir, &encoders)?;
        let table = report::encoders_markdown(&encoders);
        say_splice(
            readme,
            "encoders",
            report::splice_readme(readme, report::ENCODERS, &table)?,
        );
    } else {
        eprintln!(
            "no encoder fixtures at {}; reports/{} not written",
            fixtures.display(),
            report::ENCODERS_CSV
        );
    }
    eprintln!("wrote the reports to {}/ in {:.1?}", out_dir.display(), start.elapsed());
    Ok(ExitCode::SUCCESS)
}

/// `scan`: read a store (or merge summaries), print the summary, write the
/// reports asked for.
fn scan(args: ScanArgs) -> Result<ExitCode> {
    let (keys, key_rules) = args.keys.spec(true)?;
    let show = !args.quiet;
    let tally = if !args.merge.is_empty() {
        scan::summary::read_merged(&args.merge)?
    } else {
        let source = match (&args.source, &args.sqlite, &args.postgres) {
            (_, Some(path), _) => scan::source::Source::Sqlite {
                path: path.clone(),
                table: args.table.clone().expect("clap requires --table"),
                column: args.column.clone().expect("clap requires --column"),
                key: args.key.clone(),
            },
            (_, None, Some(url)) => scan::source::Source::Postgres {
                url: url.clone(),
                table: args.table.clone().expect("clap requires --table"),
                column: args.column.clone().expect("clap requires --column"),
                key: args.key.clone(),
            },
            (Some(path), None, None) if args.mongodump => scan::source::Source::Mongodump {
                path: path.clone(),
                column: args.column.clone(),
                key: args.key.clone(),
            },
            (Some(path), None, None) => {
                if args.column.is_some() || args.table.is_some() || args.key.is_some() {
                    bail!(
                        "--table, --column and --key apply to --sqlite, --postgres and --mongodump, not to plain files"
                    );
                }
                scan::source::Source::Files(path.clone())
            }
            (None, None, None) => bail!("say what to scan: a PATH, --sqlite PATH or --postgres URL"),
        };
        let mut csv = match &args.csv {
            Some(path) => {
                let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
                let sink: Box<dyn std::io::Write> = Box::new(std::io::BufWriter::new(file));
                Some(csv::Writer::from_writer(sink))
            }
            None => None,
        };
        let options = scan::Options {
            keys: &keys,
            key_rules: key_rules.clone(),
            max_blob: args.max_blob,
            time_every: args.time_every,
            show_progress: show,
        };
        let start = Instant::now();
        let tally = scan::scan(&source, &options, csv.as_mut())?;
        let took = start.elapsed().as_secs_f64();
        eprintln!(
            "read {} records ({:.1} MB of blobs) in {took:.2} s: {:.0} MB/s",
            tally.records,
            tally.blob_bytes as f64 / 1e6,
            tally.blob_bytes as f64 / 1e6 / took.max(1e-9)
        );
        tally
    };
    let verdict = scan::verdict::verdict(&tally, show)?;
    print!("{}", scan::verdict::render(&tally, &verdict));
    let failed = tally.failed();
    if let Some(path) = &args.json {
        scan::summary::write_json(path, tally, verdict)?;
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// `explain`: what the oracle says about `prefix`, in words.
fn explain(profile: Profile, keys: &KeySpec, label: &str, prefix: &[u8]) {
    let a = oracle::answer(profile, keys, prefix);
    println!("profile: {profile}");
    println!("keys: {label}");
    println!("prefix: {} ({} bytes)", hex(prefix), prefix.len());
    for step in &a.steps {
        println!("  {step}");
    }
    println!("state: {}", a.summary);
    println!("lengths of conforming documents with this prefix: {}", a.lengths);
    if let Some(head) = prefix.first_chunk::<4>() {
        let own = u32::from_le_bytes(*head) as u128;
        let verdict = if head[3] >= 0x80 {
            "negative as int32: never equal to a length".to_string()
        } else if a.lengths.contains(own) {
            format!("{own} is in the set: a {own}-byte document starting with these bytes is misread as BSON")
        } else {
            format!("{own} is not in the set: no document starting with these bytes is misread")
        };
        println!("first four bytes as a length: {verdict}");
    }
}

/// The bytes of `path` (`-`: standard input).
fn read_blob(path: &Path) -> Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut blob = Vec::new();
        std::io::stdin()
            .read_to_end(&mut blob)
            .context("reading standard input")?;
        return Ok(blob);
    }
    std::fs::read(path).with_context(|| format!("{}", path.display()))
}

/// Say what splicing a README table did.
fn say_splice(readme: &Path, what: &str, splice: Splice) {
    eprintln!("{}", splice_message(readme, what, splice));
}

fn splice_message(readme: &Path, what: &str, splice: Splice) -> String {
    let path = readme.display();
    match splice {
        Splice::Updated => format!("updated the {what} table in {path}"),
        Splice::Unchanged => format!("the {what} table in {path} is up to date"),
        Splice::NoFile => format!("{path}: no such file; the {what} table is not written"),
        Splice::NoMarkers => format!("{path} has no {what} markers; the table is not written"),
    }
}

/// Why the polyglot search stopped at `lower`.
fn stopped_why(lower: u64, budget_spent: bool, depth: u64, max_states: u64) -> String {
    if budget_spent {
        format!("the search stopped after {max_states} states")
    } else {
        format!("at {lower} a branch is still open {depth} bytes past the prefix; --depth goes further")
    }
}

/// Write a polyglot to `out`, if asked.
fn write_polyglot(out: Option<&std::path::Path>, blob: &[u8]) -> Result<()> {
    if let Some(out) = out {
        std::fs::write(out, blob).with_context(|| format!("writing {}", out.display()))?;
        println!("wrote it to {}", out.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_readme_is_called_missing() {
        let missing = std::env::temp_dir().join(format!("prefixproof-no-readme-{}.md", std::process::id()));
        let splice = report::splice_readme(&missing, report::RESULTS, "t\n").unwrap();
        assert_eq!(splice, Splice::NoFile);
        let message = splice_message(&missing, "results", splice);
        assert!(
            message.ends_with(": no such file; the results table is not written"),
            "{message}"
        );
    }

    #[test]
    fn key_rules_from_the_arguments() {
        let args = |keys: Option<&str>, first_key: Option<&str>, first_char, kmax| KeyArgs {
            keys: keys.map(str::to_string),
            first_key: first_key.map(str::to_string),
            first_char,
            kmax,
        };
        // The default is the post's preset, alnum with keys of at most 31.
        let (spec, _) = args(None, None, None, None).spec(false).unwrap();
        assert_eq!(spec, KeySpec::new(FirstChar::Alnum, Kmax::Bounded(31)));
        // With --keys the cap defaults to the format's.
        let (spec, label) = args(Some("[a-z]{1,8}"), None, None, None).spec(false).unwrap();
        assert_eq!(spec.max_len(), u32::MAX as u64);
        assert_eq!(label, "keys `[a-z]{1,8}`");
        let (spec, _) = args(Some("[a-z]+"), Some("_id"), None, Some(Kmax::Bounded(9)))
            .spec(false)
            .unwrap();
        assert!(spec.has_first_key_rule() && spec.max_len() == 9);
        // conform's default: any key.
        let (spec, _) = args(None, None, None, None).spec(true).unwrap();
        assert!(spec.check("any key at all: é".as_bytes()).is_ok());
        assert!(args(Some("("), None, None, None).spec(false).is_err());
    }
}
