//! Times the proof's parts for one configuration (release build):
//!
//! ```sh
//! cargo run --release --example timing -- [PROFILE FIRST_CHAR KMAX [LENGTHS]]
//! ```
//!
//! (default: `canonical alnum 31 200000000`). Prints the structural walk's
//! wall time; the brute-force sweep over the first LENGTHS lengths on one
//! core, in lengths per second; one oracle question about a prefix that
//! dies on its first byte and about a live one; and building plus verifying
//! the largest witness the report builds for the configuration (its
//! twentieth colliding length), in MB/s, with verification's two
//! independent readers timed apart. The machine may be shared: compare
//! figures printed by one run, not across runs. `SKIP_WALK=1` skips the walk
//! and the witness.

use std::hint::black_box;
use std::time::Instant;

use prefixproof::app::config::Config;
use prefixproof::proof::search::{brute, walk, FIRST};
use prefixproof::proof::{conformance, witness};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |i: usize, d: &str| args.get(i).cloned().unwrap_or_else(|| d.to_string());
    let config = Config {
        profile: get(0, "canonical").parse().expect("profile"),
        first_char: get(1, "alnum").parse().expect("first char"),
        kmax: get(2, "31").parse().expect("kmax"),
    };
    let n: u64 = get(3, "200000000").parse().expect("number of lengths");
    let keys = config.keys();
    println!("configuration: {config}");

    let skip_walk = std::env::var_os("SKIP_WALK").is_some();
    let t = Instant::now();
    let colliding = if skip_walk {
        Vec::new()
    } else {
        walk::colliding_lengths(config.profile, &keys)
    };
    let walk_s = t.elapsed().as_secs_f64();
    if !skip_walk {
        println!(
            "walk: {walk_s:.2} s for all of [4, 2^31), {} colliding lengths",
            colliding.len()
        );
    }

    // One thread, so the figure is per core.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let t = Instant::now();
    let hits = pool.install(|| brute::colliding_lengths(config.profile, &keys, FIRST..FIRST + n, None));
    let brute_s = t.elapsed().as_secs_f64();
    let per_sec = n as f64 / brute_s;
    println!(
        "brute: {:.1} M lengths/s per core ({n} lengths in {brute_s:.2} s, {} hits); [4, 2^31) on one core: {:.0} s",
        per_sec / 1e6,
        hits.len(),
        (1u64 << 31) as f64 / per_sec
    );

    // `01 00 00 01` dies on its first byte; `82 a1 30 00` is a live
    // two-entry map for the presets.
    let mut asker = brute::Asker::new(config.profile, &keys);
    for (what, len) in [("dies on byte 0", 0x0100_0001u64), ("82a13000", 3_187_074)] {
        let rounds = 2_000_000;
        let t = Instant::now();
        for _ in 0..rounds {
            black_box(asker.collides(black_box(len)));
        }
        println!(
            "oracle question, {what}: {:.1} ns",
            t.elapsed().as_secs_f64() * 1e9 / rounds as f64
        );
    }

    if let Some(&len) = colliding.get(19) {
        let len = len as u64;
        let t = Instant::now();
        let blob = witness::build_colliding(config.profile, &keys, len).expect("witness");
        let build_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        witness::verify(config.profile, &keys, &blob).expect("verified");
        let verify_s = t.elapsed().as_secs_f64();
        let mb = len as f64 / 1e6;
        // Where verification's time goes, step by step.
        let keys_ref = &keys;
        let step = |what: &str, f: &dyn Fn()| {
            let t = Instant::now();
            f();
            println!("  verify step {what}: {:.0} MB/s", mb / t.elapsed().as_secs_f64());
        };
        step("rmp-serde reads it, keys checked", &|| {
            witness::check_decoded_keys(keys_ref, &blob).expect("keys");
        });
        step("conformance", &|| {
            conformance::check(config.profile, keys_ref, &blob).expect("conforms");
        });
        println!(
            "witness of {len} bytes: build {:.0} MB/s, verify {:.0} MB/s, both {:.0} MB/s",
            mb / build_s,
            mb / verify_s,
            mb / (build_s + verify_s)
        );
    }
}
