//! Test support shared by the integration tests (`mod common;`). Each test
//! binary uses part of it.
#![allow(dead_code)]
//!
//! It owns the one thing the tests must not take from the program: the
//! bounds derived by hand from the msgpack format.

use prefixproof::app::config::Config;
use prefixproof::msgpack::FirstChar;
use prefixproof::msgpack::Profile;

/// The bound each configuration must have, worked out by hand.
///
/// L = b0 + 2^8 b1 + 2^16 b2 + 2^24 b3 with b3 <= 0x7f, and b0 must be a
/// map marker.
/// * 0xde (map16) would need b3 to be a key's str marker (>= 0xa0): never.
/// * 0xdf (map32) puts the count's top three bytes in b1..b3:
///   count = 2^24 b1 + 2^16 b2 + 2^8 b3 + x. A map needs at least 3 bytes
///   per entry, and b1 adds 2^24 to the count but only 2^8 to L, so b1 = 0.
///   - Where map32 may carry small counts (map32-header, any-width),
///     `df 00 00 00` is a map of at most 255 entries: L = 0xdf = 223
///     (5-byte header, a 2-byte key, a 216-byte value).
///   - Where map32 means count >= 65536 (canonical, legacy, map16-header),
///     b2 >= 1 is needed. With b3 = 0 the count (>= 2^16 b2) is as
///     large as L itself: impossible. b3 = 1, b2 = 1 gives 65792+ entries,
///     whose cheapest keys (63 of 1 char, 3969 of 2, the rest of 3) and
///     1-byte values take ~325 kB, far below L = 0x010100df = 16842975.
/// * fixmap (b0 = 0x8X), b1 a key marker:
///   - fixstr(1) `8X a1 c v`: b3 = v must be a positive fixint, a whole
///     value, so the map needs a second entry (X >= 2):
///     L = 0x82 + 0xa100 + 2^16 c with c the smallest first key char:
///     '0' (alnum) gives 3187074, 'A' (ident) gives 4301186.
///   - str16 `8X da 01 00` (key of 256 bytes: needs kmax >= 256; every
///     profile writes 256 with str16) gives 0x01da81 = 121473.
///   - str8 and longer fixstr keys put a key byte (>= 0x30) in b3: huge.
///   - any-width also allows `81 db 00 00` = 56193, but 223 is smaller.
///
/// map16-header never writes fixmap, so only its map32 case counts.
///
/// The profiles named after encoders follow from the same cases: Python
/// msgpack, msgpackr with variableMapSize and msgpack-lite write the
/// canonical headers where the first four bytes lie (their differences are
/// in ints and bins, whose markers cannot stand in the first four bytes of
/// a colliding prefix), Python's legacy mode is legacy, and Fluent Bit's
/// map32 top-level header collides like map32-header's. msgpackr's `pack()`
/// writes only map16 (`de`), which never collides: no bound below 2^31.
pub fn expected_bound(c: &Config) -> Option<u64> {
    let long_keys = c.kmax.max_len() >= 256;
    let canonical = || match (long_keys, c.first_char) {
        (true, _) => 121_473,
        (false, FirstChar::Alnum) => 3_187_074,
        (false, FirstChar::Ident) => 4_301_186,
    };
    Some(match c.profile {
        Profile::Map32Header | Profile::AnyWidth | Profile::FluentBit => 223,
        Profile::Map16Header => 16_842_975,
        Profile::Msgpackr => return None,
        Profile::Canonical
        | Profile::Legacy
        | Profile::MsgpackPython
        | Profile::MsgpackPythonLegacy
        | Profile::MsgpackrVariableMapSize
        | Profile::MsgpackLite => canonical(),
    })
}

/// The bound of a report configuration (all of which have one).
pub fn reported_bound(c: &Config) -> u64 {
    expected_bound(c).unwrap_or_else(|| panic!("{c} is a report configuration, and every one has a bound"))
}
