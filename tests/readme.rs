//! The README's prose quotes numbers from the proofs ("What the numbers
//! say"). The results table above it is generated, but the prose is
//! written by hand, so this test ties every number in it to
//! `reports/bounds.csv` (which CI regenerates and `tests/bounds.rs`
//! proves): a bound that moves cannot leave a stale sentence behind.

use std::collections::{HashMap, HashSet};

use prefixproof::app::config::Config;
use prefixproof::app::report;
use prefixproof::msgpack::Profile;
use prefixproof::msgpack::{FirstChar, Kmax};

/// Numbers the prose may use that are format constants, not results.
const FORMAT_CONSTANTS: &[u64] = &[255, 256, 65535];

struct Report {
    bounds: HashSet<u64>,
    claims: HashSet<u64>,
    /// `(bound, prefix_hex)` of every row.
    prefixes: HashSet<(u64, String)>,
    by_config: HashMap<Config, u64>,
}

fn report() -> Report {
    let rows = report::read_bounds(include_str!("../reports/bounds.csv")).unwrap_or_else(|e| panic!("{e}"));
    let mut r = Report {
        bounds: HashSet::new(),
        claims: HashSet::new(),
        prefixes: HashSet::new(),
        by_config: HashMap::new(),
    };
    for row in rows {
        r.claims.insert(row.blog_claim);
        if let Some(b) = row.bound {
            r.bounds.insert(b);
            r.prefixes.insert((b, row.prefix_hex));
            r.by_config.insert(row.config, b);
        }
    }
    r
}

/// The bullets of the "What the numbers say" section, each joined into
/// one line.
fn numbers_section_bullets() -> Vec<String> {
    let readme = include_str!("../README.md");
    let start = readme
        .find("What the numbers say")
        .expect("README has a 'What the numbers say' section");
    let section = &readme[start..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let mut bullets: Vec<String> = Vec::new();
    for line in section.lines() {
        if let Some(rest) = line.strip_prefix("* ") {
            bullets.push(rest.to_string());
        } else if line.starts_with("  ") && !bullets.is_empty() {
            let last = bullets.last_mut().unwrap();
            last.push(' ');
            last.push_str(line.trim());
        } else if line.trim().is_empty() && !bullets.is_empty() {
            bullets.push(String::new());
        }
    }
    bullets.retain(|b| !b.is_empty());
    bullets
}

/// Maximal runs of ASCII digits in `text` (digits inside hex words such as
/// `a1` or `df000000` are skipped: only numbers standing alone count).
fn standalone_numbers(text: &str) -> Vec<u64> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|w| w.parse().ok())
        .collect()
}

/// Spaced four-byte prefixes written as `82 a1 30 00`.
fn spaced_prefixes(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| {
            let parts: Vec<&str> = s.split(' ').collect();
            parts.len() == 4 && parts.iter().all(|p| p.len() == 2 && u8::from_str_radix(p, 16).is_ok())
        })
        .map(|s| s.replace(' ', ""))
        .collect()
}

#[test]
fn the_section_exists_and_quotes_bounds() {
    let bullets = numbers_section_bullets();
    assert!(
        bullets.len() >= 4,
        "expected the bullets of 'What the numbers say', got {bullets:?}"
    );
    let report = report();
    let quoted: HashSet<u64> = bullets.iter().flat_map(|b| standalone_numbers(b)).collect();
    let missing: Vec<_> = report.bounds.iter().filter(|b| !quoted.contains(b)).collect();
    assert!(
        missing.is_empty(),
        "bounds the README prose never mentions: {missing:?}"
    );
}

#[test]
fn every_number_in_the_prose_is_a_bound_a_claim_or_a_format_constant() {
    let report = report();
    for bullet in numbers_section_bullets() {
        for n in standalone_numbers(&bullet) {
            if n < 100 || FORMAT_CONSTANTS.contains(&n) {
                continue; // counts such as "26-fold" or "3 bytes" are prose
            }
            assert!(
                report.bounds.contains(&n) || report.claims.contains(&n),
                "README says {n}, which is neither a bound nor the post's claim in reports/bounds.csv:\n{bullet}"
            );
        }
    }
}

#[test]
fn every_bold_bound_comes_with_its_own_prefix() {
    let report = report();
    for bullet in numbers_section_bullets() {
        let prefixes = spaced_prefixes(&bullet);
        for bold in bullet.split("**").skip(1).step_by(2) {
            let Ok(n) = bold.parse::<u64>() else { continue };
            assert!(
                report.bounds.contains(&n),
                "**{n}** is not a bound in reports/bounds.csv"
            );
            let hex: String = (n as u32).to_le_bytes().iter().map(|b| format!("{b:02x}")).collect();
            assert!(
                report.prefixes.contains(&(n, hex.clone())),
                "reports/bounds.csv does not give {n} the prefix {hex}"
            );
            assert!(
                prefixes.contains(&hex),
                "the bullet quoting **{n}** should show its prefix `{}`:\n{bullet}",
                hex.as_bytes()
                    .chunks(2)
                    .map(|c| std::str::from_utf8(c).unwrap())
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
    }
}

#[test]
fn the_fold_factor_matches_the_bounds() {
    // "Long keys cut the bound N-fold": N is the rounded ratio of the
    // canonical bounds with short keys (kmax 31) and unbounded keys.
    let bullets = numbers_section_bullets();
    let bullet = bullets
        .iter()
        .find(|b| b.contains("-fold"))
        .expect("the README's 'Long keys cut the bound N-fold' bullet");
    let before = &bullet[..bullet.find("-fold").unwrap()];
    let factor: u64 = before
        .rsplit(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|w| w.parse().ok())
        .expect("a number before -fold");
    let report = report();
    let canonical_alnum = |kmax| {
        let c = Config {
            profile: Profile::Canonical,
            first_char: FirstChar::Alnum,
            kmax,
        };
        report.by_config[&c] as f64
    };
    let short = canonical_alnum(Kmax::Bounded(31));
    let long = canonical_alnum(Kmax::Unbounded);
    assert_eq!((short / long).round() as u64, factor, "{bullet}");
}

/// The README's real-data table is `reports/real-data.csv`, row for row
/// (`scripts/real-data.sh` writes both; CI cannot rerun it, since its
/// decode speeds are measured, so this ties the two together instead).
#[test]
fn the_real_data_table_is_its_csv() {
    let readme = include_str!("../README.md");
    let start = readme
        .find("<!-- real-data:start")
        .expect("README has the real-data markers");
    let section = &readme[start..readme.find("<!-- real-data:end -->").expect("an end marker")];
    let table_rows: Vec<Vec<&str>> = section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| dataset"))
        .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
        .collect();
    let mut csv = csv::Reader::from_reader(include_str!("../reports/real-data.csv").as_bytes());
    let headers = csv.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let records: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert!(!records.is_empty(), "reports/real-data.csv has rows");
    assert_eq!(table_rows.len(), records.len(), "one table row per CSV row");
    let (mut bson, mut msgpack, mut documents) = (0u64, 0u64, 0u64);
    for (row, r) in table_rows.iter().zip(&records) {
        let f = |name: &str| &r[col(name)];
        let expected = [
            f("dataset").to_string(),
            commas(f("documents")),
            commas(f("bson_bytes")),
            commas(f("msgpack_bytes")),
            format!("{} / {}", f("msgpack_share"), f("median_share")),
            format!("{} / {}", f("bson_decode_mb_s"), f("msgpack_decode_mb_s")),
            commas(f("largest_msgpack_blob")),
            format!("{} / {}", commas(f("bound_vocabulary")), commas(f("bound_class"))),
            if f("margin").is_empty() {
                String::new()
            } else {
                format!("{}x", commas(f("margin")))
            },
        ];
        assert_eq!(row, &expected, "{}", f("dataset"));
        // The share is the two byte counts' quotient.
        let share = f("msgpack_bytes").parse::<f64>().unwrap() / f("bson_bytes").parse::<f64>().unwrap();
        assert_eq!(format!("{share:.3}"), f("msgpack_share"));
        bson += f("bson_bytes").parse::<u64>().unwrap();
        msgpack += f("msgpack_bytes").parse::<u64>().unwrap();
        documents += f("documents").parse::<u64>().unwrap();
    }
    let total = format!(
        "Over all {} documents msgpack takes {:.1}% of BSON's bytes",
        commas(&documents.to_string()),
        msgpack as f64 / bson as f64 * 100.0
    );
    assert!(section.contains(&total), "the summary sentence says: {total}");
}

/// A number with thousands separators, as the README writes it; anything
/// else as it is.
fn commas(s: &str) -> String {
    match s.parse::<u64>() {
        Ok(n) => {
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
        Err(_) => s.to_string(),
    }
}

/// The README with every run of whitespace one space, so a sentence can
/// be found across its line breaks.
fn readme_one_line() -> String {
    include_str!("../README.md")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The sentence on the mutation record states what `reports/mutants.csv`
/// and `reports/mutants-run.txt` hold.
#[test]
fn the_mutation_sentence_is_the_record() {
    let mut csv = csv::Reader::from_reader(include_str!("../reports/mutants.csv").as_bytes());
    let headers = csv.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (mut mutants, mut missed, mut equivalent) = (0u64, 0u64, 0u64);
    for r in csv.records().map(Result::unwrap) {
        let n = |name: &str| r[col(name)].parse::<u64>().unwrap();
        mutants += n("mutants");
        missed += n("missed");
        equivalent += n("equivalent");
    }
    // "sitting: core, 2 files, 161 mutants tested in 0 h 30 min on ..."
    let minutes: Vec<u64> = include_str!("../reports/mutants-run.txt")
        .lines()
        .filter(|l| l.starts_with("sitting: "))
        .map(|l| {
            let words: Vec<&str> = l.split(" tested in ").nth(1).unwrap().split(' ').collect();
            words[0].parse::<u64>().unwrap() * 60 + words[2].parse::<u64>().unwrap()
        })
        .collect();
    assert!(!minutes.is_empty(), "the run log has sittings");
    let total: u64 = minutes.iter().sum();
    let missed = if missed == 0 {
        "none is missed".to_string()
    } else {
        format!("{missed} are missed")
    };
    let expected = format!(
        "The committed record, {} mutants of which {missed} ({equivalent} declared equivalent), took {} sittings \
         of {} to {} minutes, {} h {} min in all",
        commas(&mutants.to_string()),
        minutes.len(),
        minutes.iter().min().unwrap(),
        minutes.iter().max().unwrap(),
        total / 60,
        total % 60
    );
    assert!(
        readme_one_line().contains(&expected),
        "the README should say: {expected}"
    );
}

/// What the README says of the encoders in the second detectors table is
/// what `reports/detectors.csv` has: msgpackr's default is misread by no
/// detector; msgpack-lite and msgpackr with variableMapSize have
/// canonical's answers, Fluent Bit map32-header's.
#[test]
fn the_named_encoders_prose_is_the_detectors_table() {
    let readme = readme_one_line();
    assert!(readme.contains("msgpackr's default `pack()` is safe with every detector"));
    assert!(readme.contains("msgpack-lite and msgpackr with `variableMapSize` differ from canonical encoders only in rules the bounds do not meet"));
    assert!(readme.contains("Fluent Bit's top-level map32 makes it a map32-header encoder at the top"));
    // Per profile, each row's (detector, first char, kmax) and its (from, exact).
    type Answers = HashMap<(String, String, String), (String, String)>;
    let mut by_profile: HashMap<String, Answers> = HashMap::new();
    let mut csv = csv::Reader::from_reader(include_str!("../reports/detectors.csv").as_bytes());
    for r in csv.records().map(Result::unwrap) {
        by_profile.entry(r[1].to_string()).or_default().insert(
            (r[0].to_string(), r[2].to_string(), r[3].to_string()),
            (r[4].to_string(), r[5].to_string()),
        );
    }
    let msgpackr = &by_profile["msgpackr"];
    assert_eq!(msgpackr.len(), 5 * 8, "five detectors, eight key rules");
    for (row, (from, exact)) in msgpackr {
        assert_eq!((from.as_str(), exact.as_str()), ("none", "exact"), "msgpackr {row:?}");
    }
    for (named, twin) in [
        ("msgpack-lite", "canonical"),
        ("msgpackr-variable-map-size", "canonical"),
        ("fluent-bit", "map32-header"),
    ] {
        assert_eq!(by_profile[named], by_profile[twin], "{named} against {twin}");
    }
}
