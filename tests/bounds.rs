//! `cargo test` proves the bound for every reported configuration: every
//! length in [4, B) is ruled out by the oracle, and a witness of exactly B
//! bytes is built and verified by independent decoders.
//!
//! The expected bounds below are derived by hand from the msgpack format,
//! not copied from the program (derivations in the comments); the test
//! fails if the program's proof disagrees with them.

use prefixproof::config::Config;
use prefixproof::keyspec::{FirstChar, Kmax};
use prefixproof::profile::Profile;
use prefixproof::search::{brute, prefix_of, walk, FIRST};
use prefixproof::witness::{self, hex};

/// The bound each configuration must have, worked out by hand.
///
/// L = b0 + 256 b1 + 65536 b2 + 2^24 b3 with b3 <= 0x7f. b0 must be a map
/// marker. 0xde (map16) would need b3 to be a key marker (>= 0xa0): never.
/// 0xdf (map32) puts the count's top three bytes in b1..b3; when map32 may
/// carry small counts (map32-header, any-width) `df 00 00 00` is a map of
/// at most 255 entries and L = 0xdf = 223 is reachable (5-byte header, one
/// 2-byte key, a 216-byte value). Otherwise (count >= 65536) the count
/// outgrows L. With fixmap (b0 = 0x8X) the cheapest b1 is a key marker:
/// * fixstr(1) `8X a1 c v`: b3 = v must be a positive fixint, a complete
///   value, so the map needs a second entry (X >= 2) and
///   L = 0x82 + 0xa100 + c * 65536, with c the smallest first key char:
///   '0' (alnum) gives 3187074, 'A' (ident) gives 4301186.
/// * str16 `8X da 01 00` (key of length 256, needs kmax >= 256 and a
///   profile that writes str16 for 256: all of them) gives
///   0x01da81 = 121473, smaller than both.
/// * any-width also allows `81 db 00 00` (str32 key, short length), but
///   223 is smaller still.
fn expected_bound(c: &Config) -> Option<u64> {
    let long_keys = c.kmax.max_len() >= 256;
    match c.profile {
        Profile::Map32Header | Profile::AnyWidth => Some(223),
        Profile::Map16Header => None,
        Profile::Canonical | Profile::Legacy => Some(if long_keys {
            121_473
        } else {
            match c.first_char {
                FirstChar::Alnum => 3_187_074,
                FirstChar::Ident => 4_301_186,
            }
        }),
    }
}

#[test]
fn every_reported_bound_is_proved() {
    let mut proved = Vec::new();
    for c in Config::all() {
        let keys = c.keys();
        let Some(bound) = expected_bound(&c) else { continue };
        // Every length below the bound is impossible, the bound is not.
        let first = brute::first_colliding(c.profile, &keys, FIRST..bound + 1);
        assert_eq!(first, Some(bound), "{c}: oracle's first colliding length");
        let blob = witness::build_colliding(c.profile, &keys, bound).unwrap_or_else(|e| panic!("{c}: {e}"));
        assert_eq!(blob.len() as u64, bound);
        witness::verify(c.profile, &keys, &blob).unwrap_or_else(|e| panic!("{c}: {e}"));
        proved.push(format!("{c}: bound {bound} (prefix {}) proved", hex(&prefix_of(bound))));
    }
    for line in &proved {
        println!("{line}");
    }
    assert_eq!(proved.len(), 32);
}

/// The configurations without a bound: the structural walk finds no
/// colliding length at all. (The oracle's sweep over all of [4, 2^31) is
/// the release-mode cross-check in `cross_check.rs`.)
#[test]
fn map16_header_never_collides_by_the_walk() {
    for first_char in FirstChar::ALL {
        for kmax in Kmax::REPORTED {
            let c = Config { profile: Profile::Map16Header, first_char, kmax };
            assert_eq!(expected_bound(&c), None);
            let found = walk::colliding_lengths(c.profile, &c.keys());
            assert!(found.is_empty(), "{c}: walk found {:?}", &found[..found.len().min(5)]);
            println!("{c}: no colliding length below 2^31 (walk)");
        }
    }
}

/// The post's own numbers are not bounds: 3187073 (`81 a1 30 00`) is a
/// complete 4-byte map, and 6398337 (`81 a1 61 00`) likewise.
#[test]
fn the_posts_numbers_do_not_collide() {
    for c in Config::all() {
        let keys = c.keys();
        let claim = c.blog_claim() as u64;
        let mut p = prefixproof::oracle::Parser::new(c.profile, keys);
        let hit = brute::collides_with(&mut p, claim);
        assert!(!hit, "{c}: {claim}");
    }
}
