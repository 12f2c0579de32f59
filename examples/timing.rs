//! Times the two searches for one configuration (release build):
//! `cargo run --release --example timing -- PROFILE FIRST_CHAR KMAX [LENGTHS]`.
//! Prints brute-force lengths per second per core, the walk's wall time,
//! and their ratio.

use std::time::Instant;

use prefixproof::app::config::Config;
use prefixproof::proof::search::{brute, walk, FIRST};

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

    let skip_walk = std::env::var_os("SKIP_WALK").is_some();
    let t = Instant::now();
    let lengths = if skip_walk {
        Vec::new()
    } else {
        walk::colliding_lengths(config.profile, &keys)
    };
    let walk_s = t.elapsed().as_secs_f64();

    // One thread, so the figure is per core.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let t = Instant::now();
    let hits = pool.install(|| brute::colliding_lengths(config.profile, &keys, FIRST..FIRST + n, None));
    let brute_s = t.elapsed().as_secs_f64();
    let per_sec = n as f64 / brute_s;
    let full_brute_s = (1u64 << 31) as f64 / per_sec;
    println!("configuration: {config}");
    println!(
        "walk: {walk_s:.2} s for all of [4, 2^31), {} colliding lengths",
        lengths.len()
    );
    println!(
        "brute: {:.1} M lengths/s per core ({n} lengths in {brute_s:.2} s, {} hits)",
        per_sec / 1e6,
        hits.len()
    );
    println!(
        "brute over [4, 2^31) on one core: {full_brute_s:.0} s; ratio brute/walk: {:.0}x",
        full_brute_s / walk_s
    );
}
