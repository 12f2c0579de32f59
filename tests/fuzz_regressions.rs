//! Every input the fuzzers ever failed on, replayed as an ordinary test.
//!
//! `fuzz/regressions/<target>/` holds the inputs (crashes, misreads,
//! out-of-memory and timeouts) that `scripts/fuzz-overnight.sh` copies out
//! of libFuzzer's artifacts, or that a developer saves by hand. Each file
//! goes through `prefixproof_testkit::fuzz_checks::<target>`, the same function
//! the fuzz target runs, and must pass: a finding or a panic fails the
//! test, naming the file. Directories with nothing but a `.gitkeep` pass.
//! See `fuzz/regressions/README.md`.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use prefixproof_testkit::fuzz_checks::{check_of, TARGETS};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// Saved inputs of one target: every file except hidden ones and READMEs.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.is_file())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            !name.starts_with('.') && !name.starts_with("README")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_saved_fuzz_input_passes_its_check() {
    let root = fuzz_dir().join("regressions");
    let mut failures = Vec::new();
    let mut replayed = 0;
    for (target, check) in TARGETS {
        for file in inputs(&root.join(target)) {
            let data = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            replayed += 1;
            match catch_unwind(AssertUnwindSafe(|| check(&data))) {
                Ok(Ok(_)) => {}
                Ok(Err(finding)) => failures.push(format!("{}: {finding}", file.display())),
                Err(panic) => {
                    let msg = panic
                        .downcast_ref::<String>()
                        .map(String::as_str)
                        .or_else(|| panic.downcast_ref::<&str>().copied())
                        .unwrap_or("(non-string panic)");
                    failures.push(format!("{}: panicked: {msg}", file.display()));
                }
            }
        }
    }
    println!("replayed {replayed} saved fuzz inputs");
    assert!(
        failures.is_empty(),
        "{} saved fuzz inputs fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A directory that names no target would be silently skipped: refuse it.
#[test]
fn regression_directories_name_fuzz_targets() {
    let root = fuzz_dir().join("regressions");
    for entry in std::fs::read_dir(&root).expect("fuzz/regressions exists") {
        let path = entry.expect("readable entry").path();
        if path.is_dir() {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            assert!(
                check_of(name).is_some(),
                "{} is not a fuzz target's directory",
                path.display()
            );
        }
    }
}

/// The library's target list, the fuzz crate's binaries and the regression
/// directories stay in step.
#[test]
fn every_target_has_a_fuzz_binary_and_a_regression_directory() {
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).expect("fuzz/Cargo.toml");
    for (target, _) in TARGETS {
        let source = fuzz_dir().join("fuzz_targets").join(format!("{target}.rs"));
        let text = std::fs::read_to_string(&source).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
        assert!(
            text.contains(&format!("fuzz_checks::{target}")),
            "{} does not run its check",
            source.display()
        );
        assert!(
            manifest.contains(&format!("name = \"{target}\"")),
            "fuzz/Cargo.toml has no [[bin]] {target}"
        );
        assert!(
            fuzz_dir().join("regressions").join(target).is_dir(),
            "no fuzz/regressions/{target}/"
        );
    }
}

/// The fuzz targets take each configuration's bound from the committed
/// report (built into the test kit): it must cover every configuration
/// and agree with the bounds derived by hand.
#[test]
fn committed_bounds_report_covers_every_configuration() {
    let configs = prefixproof_testkit::fuzz_checks::configs();
    assert_eq!(configs.len(), prefixproof::app::config::Config::all().len());
    for c in configs {
        assert_eq!(
            prefixproof_testkit::fuzz_checks::bound(c),
            common::expected_bound(c),
            "the committed bounds.csv disagrees with the hand-derived bound of {c}"
        );
    }
}
