//! Writes the fuzz targets' seed corpora (witnesses at the bounds, encoded
//! documents, BSON) with the test kit:
//!
//! ```sh
//! cargo run --example seed_corpus -- [DIR]
//! ```
//!
//! (default `fuzz/corpus`). The fuzz scripts run it before fuzzing. An
//! example of the tool's crate rather than a binary of the test kit: `cargo
//! test` already builds it, with the features the tests resolve, so the fuzz
//! scripts run it without compiling anything more.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let dir = match (args.next(), args.next()) {
        (Some(flag), _) if flag == "-h" || flag == "--help" => {
            println!("usage: cargo run --example seed_corpus -- [DIR]   (default: fuzz/corpus; one subdirectory per fuzz target)");
            return ExitCode::SUCCESS;
        }
        (dir, None) => PathBuf::from(dir.unwrap_or_else(|| "fuzz/corpus".into())),
        (_, Some(extra)) => {
            eprintln!("error: unexpected argument {extra:?}; usage: cargo run --example seed_corpus -- [DIR]");
            return ExitCode::from(2);
        }
    };
    match prefixproof_testkit::corpus::write_seed_corpora(&dir) {
        Ok(n) => {
            println!("wrote {n} seed files under {}", dir.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
