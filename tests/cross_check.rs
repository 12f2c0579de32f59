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

/// Key languages of users' own, beyond the presets: for each, the full
/// sweep and the walk agree on every colliding length below 2^31, and the
/// witness at the bound (if any) verifies with rmpv and the conformance
/// checker. One witness is 1.77 GB (a vocabulary whose records start with
/// `_id`): built and checked here, in release mode, with a few GB of memory.
#[test]
#[ignore = "release-mode sweep over 2^31 lengths per language"]
fn brute_force_and_walk_agree_on_your_own_keys() {
    use prefixproof::msgpack::{KeySpec, Profile};
    use prefixproof::proof::witness;
    // (keys, first key, longest key, profile)
    let languages: [(&str, Option<&str>, u64, Profile); 7] = [
        (
            "name|email|created_at|updated_at|tags",
            Some("_id"),
            u32::MAX as u64,
            Profile::Canonical,
        ),
        (r"[\x20-\x7e]{1,255}", None, u32::MAX as u64, Profile::Canonical),
        (
            "имя|почта|создан|изменён|теги",
            None,
            u32::MAX as u64,
            Profile::Canonical,
        ),
        ("[a-z_][a-z0-9_]{0,63}", None, u32::MAX as u64, Profile::Legacy),
        (r"\w+", None, u32::MAX as u64, Profile::Canonical),
        ("(ab)+", None, 40, Profile::MsgpackLite),
        ("[a-z]+", Some("v"), u32::MAX as u64, Profile::Canonical),
    ];
    for (keys, first, max_len, profile) in languages {
        let spec = KeySpec::from_patterns(keys, first, max_len).unwrap();
        let walked = walk::colliding_lengths(profile, &spec);
        let swept = brute::colliding_lengths(profile, &spec, FIRST..LIMIT, None);
        assert_eq!(
            swept.len(),
            walked.len(),
            "{profile} {}: brute {} vs walk {} colliding lengths",
            spec.describe(),
            swept.len(),
            walked.len()
        );
        assert!(swept == walked, "{profile} {}: the lists differ", spec.describe());
        let bound = walked.first().copied();
        if let Some(b) = bound {
            let blob = witness::build_colliding(profile, &spec, b as u64).unwrap();
            witness::verify(profile, &spec, &blob).unwrap();
        }
        println!(
            "{profile} {}: bound {}, {} colliding lengths; brute force and walk agree{}",
            spec.describe(),
            bound.map_or("none".into(), |b| b.to_string()),
            walked.len(),
            if bound.is_some() {
                "; witness at the bound verified"
            } else {
                ""
            }
        );
    }
}
