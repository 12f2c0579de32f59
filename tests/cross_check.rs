//! The two enumerations agree: for every reported configuration, the
//! brute-force oracle sweep over all of [4, 2^31) and the structural walk
//! return identical sorted lists of colliding lengths.
//!
//! Slow (minutes per configuration in debug): run in release with
//! `cargo test --release --test cross_check -- --ignored`.

use prefixproof::app::config::Config;
use prefixproof::proof::search::{brute, walk, FIRST, LIMIT};

#[test]
#[ignore = "release-mode sweep over 2^31 lengths per configuration"]
fn brute_force_and_walk_agree_on_every_configuration() {
    for c in Config::all() {
        let keys = c.keys();
        let walked = walk::colliding_lengths(c.profile, &keys);
        let swept = brute::colliding_lengths(c.profile, &keys, FIRST..LIMIT, None);
        if swept != walked {
            let only_brute: Vec<_> = swept
                .iter()
                .filter(|l| walked.binary_search(l).is_err())
                .take(5)
                .collect();
            let only_walk: Vec<_> = walked
                .iter()
                .filter(|l| swept.binary_search(l).is_err())
                .take(5)
                .collect();
            panic!(
                "{c}: brute {} vs walk {} lengths; only brute {only_brute:?}, only walk {only_walk:?}",
                swept.len(),
                walked.len()
            );
        }
        println!("{c}: brute force and walk agree on {} colliding lengths", swept.len());
    }
}
