//! `cargo test` proves the bound for every reported configuration: every
//! length in [4, B) is ruled out by the oracle, and a witness of exactly B
//! bytes is built and verified by independent decoders.
//!
//! The expected bounds are derived by hand from the msgpack format, not
//! copied from the program (`tests/common/mod.rs`, derivations in its
//! comments); the test fails if the program's proof disagrees with them.

mod common;

use common::reported_bound;
use prefixproof::app::config::Config;
use prefixproof::hex::hex;
use prefixproof::proof::search::{brute, prefix_of, FIRST};
use prefixproof::proof::witness;

/// Prove one configuration's bound: the oracle rules out every length
/// below it and admits it, and its witness passes the independent checks.
fn prove(c: &Config) -> Result<String, String> {
    let keys = c.keys();
    let bound = reported_bound(c);
    let first = brute::first_colliding(c.profile, &keys, FIRST..bound + 1, None);
    if first != Some(bound) {
        return Err(format!(
            "{c}: oracle's first colliding length is {first:?}, expected {bound}"
        ));
    }
    let blob = witness::build_colliding(c.profile, &keys, bound).map_err(|e| format!("{c}: {e}"))?;
    if blob.len() as u64 != bound {
        return Err(format!("{c}: witness has {} bytes", blob.len()));
    }
    witness::verify(c.profile, &keys, &blob).map_err(|e| format!("{c}: {e}"))?;
    Ok(format!(
        "proved {c}: bound {bound} (prefix {}); all of [4, {bound}) impossible; {bound}-byte witness verified",
        hex(&prefix_of(bound))
    ))
}

/// The post's own numbers are not bounds: 3187073 (`81 a1 30 00`) is a
/// complete 4-byte map, and 6398337 (`81 a1 61 00`) likewise.
fn posts_number_does_not_collide(c: &Config) -> Result<String, String> {
    let claim = c.blog_claim() as u64;
    if brute::Asker::new(c.profile, &c.keys()).collides(claim) {
        return Err(format!("{c}: the post's {claim} collides"));
    }
    Ok(format!("checked {c}: the post's {claim} is not a colliding length"))
}

/// A custom harness (`harness = false`) so the proved bounds are printed
/// on every `cargo test`, not captured.
fn main() {
    let mut passed = 0;
    let mut failed = Vec::new();
    for c in Config::all() {
        for result in [prove(&c), posts_number_does_not_collide(&c)] {
            match result {
                Ok(line) => {
                    println!("{line}");
                    passed += 1;
                }
                Err(e) => {
                    println!("FAILED {e}");
                    failed.push(e);
                }
            }
        }
    }
    println!();
    println!("bounds: {passed} passed, {} failed", failed.len());
    if !failed.is_empty() {
        std::process::exit(1);
    }
}
