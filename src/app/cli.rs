//! The command-line interface: argument parsing (clap) and one function per
//! subcommand. Errors are reported as one clear line and a non-zero exit.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};

use crate::detect::classify;
use crate::hex::{hex, parse_hex};
use crate::msgpack::{FirstChar, Kmax, Profile};
use crate::proof::conformance::conform_all;
use crate::proof::oracle;
use crate::proof::{search, witness};

use super::config::Config;
use super::fixtures;
use super::plot;
use super::report::{self, Splice, Sweep};

#[derive(Parser)]
#[command(
    name = "prefixproof",
    version,
    about = "Proves exactly when the BSON-vs-MessagePack length-prefix detector is safe"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compute, prove and write the reports (CSVs and plot) for all 40 configurations.
    Report {
        /// Directory for bounds.csv, smallest_colliding_prefixes.csv and colliding_lengths.svg.
        #[arg(long, default_value = "reports")]
        out_dir: PathBuf,
        /// Hide progress bars.
        #[arg(long)]
        quiet: bool,
        /// README whose generated results table to refresh (skipped if the
        /// file or its markers are missing).
        #[arg(long, default_value = "README.md")]
        readme: PathBuf,
        /// Folder of documents written by real encoders, for
        /// reports/encoders.csv and the README's table of which encoder
        /// writes which profile (skipped if missing).
        #[arg(long, default_value = "tests/fixtures/encoders")]
        fixtures: PathBuf,
        /// Sweep the oracle over all of [4, 2^31) for every configuration and
        /// require the walk's list of colliding lengths to match exactly
        /// (about 30 CPU-seconds per configuration), instead of only up to
        /// each bound.
        #[arg(long)]
        cross_check: bool,
    },
    /// Prove the bound for one configuration.
    Bound {
        #[command(flatten)]
        config: ConfigArgs,
        /// Also run the full brute-force sweep and compare it with the walk.
        #[arg(long)]
        cross_check: bool,
    },
    /// Build and verify a colliding blob of an exact length.
    Witness {
        #[command(flatten)]
        config: ConfigArgs,
        /// Length of the blob; must be a colliding length.
        #[arg(long)]
        length: u64,
        /// Where to write the blob.
        #[arg(long)]
        out: PathBuf,
    },
    /// Show the oracle's length set and the structure a prefix forces.
    Explain {
        /// The prefix as hex, e.g. 82a13000 (spaces and 0x allowed).
        hex_prefix: String,
        #[command(flatten)]
        config: ConfigArgs,
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
        /// First key character: alnum ([A-Za-z0-9_]) or ident ([A-Za-z_]).
        #[arg(long, default_value = "alnum")]
        first_char: FirstChar,
        /// Largest key length: a number or "unbounded".
        #[arg(long, default_value = "unbounded")]
        kmax: Kmax,
    },
}

/// `--profile`'s values, each with one line on who writes it (shown by
/// `--help`).
fn profile_parser() -> impl TypedValueParser<Value = Profile> {
    PossibleValuesParser::new(Profile::ALL.map(|p| PossibleValue::new(p.name()).help(p.about())))
        .try_map(|name| name.parse::<Profile>())
}

#[derive(Args)]
struct ConfigArgs {
    /// Encoder profile: which headers the encoder writes.
    #[arg(long, default_value = "canonical", value_parser = profile_parser())]
    profile: Profile,
    /// First key character: alnum ([A-Za-z0-9_]) or ident ([A-Za-z_]).
    #[arg(long, default_value = "alnum")]
    first_char: FirstChar,
    /// Largest key length: a number or "unbounded".
    #[arg(long, default_value = "31")]
    kmax: Kmax,
}

impl ConfigArgs {
    fn config(&self) -> Config {
        Config {
            profile: self.profile,
            first_char: self.first_char,
            kmax: self.kmax,
        }
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
        } => {
            let start = Instant::now();
            let sweep = if cross_check { Sweep::Full } else { Sweep::UpToBound };
            let rows = report::compute_all(&Config::all(), sweep, !quiet)?;
            report::write(&out_dir, &rows)?;
            plot::write(&out_dir, &rows)?;
            let table = report::markdown_table(&rows);
            say_splice(
                &readme,
                "results",
                report::splice_readme(&readme, report::RESULTS, &table)?,
            );
            if fixtures.is_dir() {
                let sets = fixtures::load(&fixtures).with_context(|| format!("reading {}", fixtures.display()))?;
                let encoders = report::encoder_rows(&sets);
                report::write_encoders(&out_dir, &encoders)?;
                let table = report::encoders_markdown(&encoders);
                say_splice(
                    &readme,
                    "encoders",
                    report::splice_readme(&readme, report::ENCODERS, &table)?,
                );
            } else {
                eprintln!(
                    "no encoder fixtures at {}; reports/{} not written",
                    fixtures.display(),
                    report::ENCODERS_CSV
                );
            }
            eprintln!(
                "wrote {}, {} and {} in {:.1?}",
                out_dir.join(report::BOUNDS).display(),
                out_dir.join(report::PREFIXES).display(),
                out_dir.join(plot::PLOT).display(),
                start.elapsed()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Bound { config, cross_check } => {
            let c = config.config();
            let sweep = if cross_check { Sweep::Full } else { Sweep::UpToBound };
            let row = report::compute(&c, sweep, true)?;
            println!("configuration: {c}");
            match row.bound {
                Some(b) => {
                    println!("bound: {b} (prefix {})", hex(&search::prefix_of(b)));
                    println!("structure: {}", row.structure);
                    println!("proof: the oracle rules out every length in [4, {b}); witness of {b} bytes verified");
                }
                None => println!("bound: none below 2^31 (the oracle rules out every length in [4, 2^31))"),
            }
            println!("colliding lengths below 2^31: {}", row.colliding.len());
            if cross_check {
                println!("cross-check: the oracle's sweep over [4, 2^31) agrees with the walk");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Witness { config, length, out } => {
            let c = config.config();
            let blob = witness::build_colliding(c.profile, &c.keys(), length)?;
            witness::verify(c.profile, &c.keys(), &blob)?;
            std::fs::write(&out, &blob).with_context(|| format!("writing {}", out.display()))?;
            println!(
                "wrote {} bytes to {} (prefix {}); rmpv decodes it, it conforms to {}, the detector says BSON",
                blob.len(),
                out.display(),
                hex(&blob[..4]),
                c.profile
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { hex_prefix, config } => {
            let c = config.config();
            let prefix = parse_hex(&hex_prefix)?;
            let a = oracle::answer(c.profile, c.keys(), &prefix);
            println!("configuration: {c}");
            println!("prefix: {} ({} bytes)", hex(&prefix), prefix.len());
            for step in &a.steps {
                println!("  {step}");
            }
            println!(
                "state: {}",
                if a.summary.is_empty() {
                    "nothing read yet".into()
                } else {
                    a.summary.clone()
                }
            );
            println!("lengths of conforming documents with this prefix: {}", a.lengths);
            if prefix.len() == 4 {
                let own = u32::from_le_bytes(prefix[..4].try_into().unwrap()) as u128;
                let verdict = if prefix[3] >= 0x80 {
                    "negative as int32: never equal to a length".to_string()
                } else if a.lengths.contains(own) {
                    format!("{own} is in the set: a {own}-byte document with this prefix is misread as BSON")
                } else {
                    format!("{own} is not in the set: no document is misread with this prefix")
                };
                println!("as a length prefix: {verdict}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Conform {
            files,
            first_char,
            kmax,
        } => {
            let keys = crate::msgpack::KeySpec::new(first_char, kmax);
            let mut failed = false;
            for f in files {
                let (name, read) = if f.as_os_str() == "-" {
                    let mut blob = Vec::new();
                    let read = std::io::Read::read_to_end(&mut std::io::stdin(), &mut blob).map(|_| blob);
                    ("stdin".to_string(), read)
                } else {
                    (f.display().to_string(), std::fs::read(&f))
                };
                let blob = match read {
                    Ok(blob) => blob,
                    Err(e) => {
                        eprintln!("error: {name}: {e}");
                        failed = true;
                        continue;
                    }
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
    }
}

/// Say what splicing a README table did.
fn say_splice(readme: &std::path::Path, what: &str, splice: Splice) {
    match splice {
        Splice::Updated => eprintln!("updated the {what} table in {}", readme.display()),
        Splice::Unchanged => eprintln!("the {what} table in {} is up to date", readme.display()),
        Splice::NoFile => eprintln!("{} cannot be read; the {what} table is not written", readme.display()),
        Splice::NoMarkers => eprintln!("{} has no {what} markers; table not written", readme.display()),
    }
}
