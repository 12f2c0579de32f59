//! The oracle's explanation, checked against expectations written by hand
//! from the msgpack spec: what each byte of a prefix means, why a byte
//! rules every document out, what the rest must contain, and the lengths.
//! A wrong trace, a reason that names the wrong rule, or a wrong summary
//! fails here.

use prefixproof::msgpack::{FirstChar, KeySpec, Kmax, Profile};
use prefixproof::proof::oracle::answer;

fn alnum31() -> KeySpec {
    KeySpec::new(FirstChar::Alnum, Kmax::Bounded(31))
}

/// Check every step, the summary and the length set of one prefix.
#[track_caller]
fn expect(profile: Profile, keys: &KeySpec, hex: &str, steps: &[&str], summary: &str, lengths: &str) {
    let prefix = prefixproof::hex::parse_hex(hex).unwrap();
    let a = answer(profile, keys, &prefix);
    assert_eq!(a.steps, steps, "{profile} {hex}: steps");
    assert_eq!(a.summary, summary, "{profile} {hex}: summary");
    assert_eq!(a.lengths.to_string(), lengths, "{profile} {hex}: lengths");
}

#[test]
fn the_canonical_bound_prefix() {
    // fixmap(2), fixstr(1) "0", the integer 0: one more entry, whose
    // cheapest form is a one-character key and a one-byte value.
    expect(
        Profile::Canonical,
        &alnum31(),
        "82 a1 30 00",
        &[
            "byte 0: 0x82: fixmap(2): the top-level map with 2 entries",
            "byte 1: 0xa1: fixstr(1): a key with 1 byte",
            "byte 2: 0x30: the key \"0\" is complete",
            "byte 3: 0x00: the integer 0 (positive fixint 0)",
        ],
        "the top-level map needs 1 more entry (its keys so far: \"0\")",
        "[7, ∞)",
    );
}

#[test]
fn a_map32_header_read_three_quarters() {
    // df 00 00 00: the count's high three bytes are 0, so 0 to 255 entries;
    // an empty map ends after the fourth length byte (5 bytes), one entry
    // needs at least a 2-byte key and a 1-byte value (8 bytes).
    expect(
        Profile::Map32Header,
        &alnum31(),
        "df 00 00 00",
        &[
            "byte 0: 0xdf: map32 (0xdf): the top-level map with 0 to 4294967295 entries here",
            "byte 1: 0x00: length byte: 0 to 16777215 entries possible",
            "byte 2: 0x00: length byte: 0 to 65535 entries possible",
            "byte 3: 0x00: length byte: 0 to 255 entries possible",
        ],
        "the map32 (0xdf) header of the top-level map has 3 of its 4 length bytes: 0 to 255 entries possible",
        "{5} ∪ [8, ∞)",
    );
}

#[test]
fn values_of_every_kind() {
    let keys = alnum31();
    expect(
        Profile::Canonical,
        &keys,
        "81 a1 61 a2 c3 a9",
        &[
            "byte 0: 0x81: fixmap(1): the top-level map with 1 entry",
            "byte 1: 0xa1: fixstr(1): a key with 1 byte",
            "byte 2: 0x61: the key \"a\" is complete",
            "byte 3: 0xa2: fixstr(2): a str value with 2 bytes",
            "byte 5: 0xa9: end of the 2-byte str body",
        ],
        "the document is complete",
        "{6}",
    );
    // A timestamp 32: fixext 4 with type -1.
    expect(
        Profile::Canonical,
        &keys,
        "81 a1 61 d6 ff 00 00 00 00",
        &[
            "byte 0: 0x81: fixmap(1): the top-level map with 1 entry",
            "byte 1: 0xa1: fixstr(1): a key with 1 byte",
            "byte 2: 0x61: the key \"a\" is complete",
            "byte 3: 0xd6: fixext4 (0xd6): an ext value with a type byte and 4 data bytes",
            "byte 8: 0x00: end of the ext value's type byte and 4 data bytes",
        ],
        "the document is complete",
        "{9}",
    );
    // An array of two, one element read: at least one more byte.
    expect(
        Profile::Canonical,
        &keys,
        "81 a1 61 92 c0",
        &[
            "byte 0: 0x81: fixmap(1): the top-level map with 1 entry",
            "byte 1: 0xa1: fixstr(1): a key with 1 byte",
            "byte 2: 0x61: the key \"a\" is complete",
            "byte 3: 0x92: fixarray(2): an array with 2 elements",
            "byte 4: 0xc0: nil",
        ],
        "the top-level map needs 1 more entry (its keys so far: \"a\"); the value of its current entry comes next; \
         an array needs 1 more element",
        "[6, ∞)",
    );
    // A float 64: exactly eight more bytes.
    expect(
        Profile::Canonical,
        &keys,
        "81 a1 61 cb",
        &[
            "byte 0: 0x81: fixmap(1): the top-level map with 1 entry",
            "byte 1: 0xa1: fixstr(1): a key with 1 byte",
            "byte 2: 0x61: the key \"a\" is complete",
            "byte 3: 0xcb: f64 (0xcb): a float in the next 8 bytes",
        ],
        "the top-level map needs 1 more entry (its keys so far: \"a\"); the value of its current entry comes next; \
         a float needs 8 more bytes",
        "{12}",
    );
    // A u16 payload 0x0100 = 256, the smallest u16 canonical writes.
    expect(
        Profile::Canonical,
        &keys,
        "81 a1 61 cd 01 00",
        &[
            "byte 0: 0x81: fixmap(1): the top-level map with 1 entry",
            "byte 1: 0xa1: fixstr(1): a key with 1 byte",
            "byte 2: 0x61: the key \"a\" is complete",
            "byte 3: 0xcd: u16 (0xcd): an integer in the next 2 bytes",
            "byte 5: 0x00: the integer is 256",
        ],
        "the document is complete",
        "{6}",
    );
}

#[test]
fn every_reason_names_its_rule() {
    let keys = alnum31();
    let dead = |profile: Profile, keys: &KeySpec, hex: &str, at: usize, byte: &str, why: &str, before: &[&str]| {
        let mut steps: Vec<String> = before.iter().map(|s| s.to_string()).collect();
        steps.push(format!("byte {at}: {byte}: impossible: {why}"));
        let steps: Vec<&str> = steps.iter().map(String::as_str).collect();
        expect(
            profile,
            keys,
            hex,
            &steps,
            &format!("impossible at byte {at}: {why}"),
            "{}",
        );
    };
    let map1 = "byte 0: 0x81: fixmap(1): the top-level map with 1 entry";
    let key_a = [
        "byte 1: 0xa1: fixstr(1): a key with 1 byte",
        "byte 2: 0x61: the key \"a\" is complete",
    ];
    let with_a = [map1, key_a[0], key_a[1]];
    dead(
        Profile::Canonical,
        &keys,
        "05",
        0,
        "0x05",
        "the top level must be a map, but this is positive fixint 5",
        &[],
    );
    dead(
        Profile::Canonical,
        &keys,
        "81 c0",
        1,
        "0xc0",
        "a map key must be a str, but this is nil",
        &[map1],
    );
    // The key-length rule, not the profile, excludes a 256-byte key.
    dead(
        Profile::Canonical,
        &keys,
        "81 da",
        1,
        "0xda",
        "canonical writes str16 (0xda) only for strs of 256 to 65535 bytes, but a key (`[A-Za-z0-9_]+`) has at \
         most 31 bytes",
        &[map1],
    );
    // Legacy never writes str8 at all.
    dead(
        Profile::Legacy,
        &keys,
        "81 d9",
        1,
        "0xd9",
        "legacy never writes str8 (0xd9) for a key",
        &[map1],
    );
    dead(
        Profile::Canonical,
        &KeySpec::new(FirstChar::Alnum, Kmax::Bounded(2)),
        "81 a3",
        1,
        "0xa3",
        "this key would have 3 bytes, but a key (`[A-Za-z0-9_]+`) has at most 2 bytes",
        &[map1],
    );
    dead(
        Profile::Canonical,
        &keys,
        "81 a1 2d",
        2,
        "0x2d",
        "no key starts with byte 0x2d ('-')",
        &[map1, key_a[0]],
    );
    dead(
        Profile::Canonical,
        &KeySpec::from_patterns("abc|de", None, 8).unwrap(),
        "81 a3 64",
        2,
        "0x64",
        "no key of 3 bytes starts with \"d\"",
        &[map1, "byte 1: 0xa3: fixstr(3): a key with 3 bytes"],
    );
    dead(
        Profile::Canonical,
        &keys,
        "82 a1 61 01 a1 61",
        5,
        "0x61",
        "the key \"a\" is already in this map",
        &[
            "byte 0: 0x82: fixmap(2): the top-level map with 2 entries",
            key_a[0],
            key_a[1],
            "byte 3: 0x01: the integer 1 (positive fixint 1)",
            "byte 4: 0xa1: fixstr(1): a key with 1 byte",
        ],
    );
    // 5 fits a positive fixint: canonical never writes it as a u8.
    dead(
        Profile::Canonical,
        &keys,
        "81 a1 61 cc 05",
        4,
        "0x05",
        "no integer canonical writes as u8 (0xcc) starts with these bytes",
        &[
            map1,
            key_a[0],
            key_a[1],
            "byte 3: 0xcc: u8 (0xcc): an integer in the next 1 byte",
        ],
    );
    dead(
        Profile::Canonical,
        &keys,
        "81 a1 61 d9 05",
        4,
        "0x05",
        "canonical does not write a str of 5 bytes as str8 (0xd9); it writes fixstr(5)",
        &[
            map1,
            key_a[0],
            key_a[1],
            "byte 3: 0xd9: str8 (0xd9): a str value with 32 to 255 bytes here",
        ],
    );
    // str16 lengths starting with a 0 byte are below 256: not canonical.
    dead(
        Profile::Canonical,
        &keys,
        "81 a1 61 da 00",
        4,
        "0x00",
        "no length canonical writes for a str value starts with these length bytes",
        &[
            map1,
            key_a[0],
            key_a[1],
            "byte 3: 0xda: str16 (0xda): a str value with 256 to 65535 bytes here",
        ],
    );
    dead(
        Profile::Canonical,
        &keys,
        "81 a1 61 a1 ff",
        4,
        "0xff",
        "a str value is not valid UTF-8, and canonical writes only UTF-8 strs",
        &[
            with_a[0],
            with_a[1],
            with_a[2],
            "byte 3: 0xa1: fixstr(1): a str value with 1 byte",
        ],
    );
    dead(
        Profile::Canonical,
        &keys,
        "81 a1 61 a1 c3",
        4,
        "0xc3",
        "the str value would end inside a UTF-8 character",
        &[
            with_a[0],
            with_a[1],
            with_a[2],
            "byte 3: 0xa1: fixstr(1): a str value with 1 byte",
        ],
    );
    dead(
        Profile::Canonical,
        &keys,
        "81 a1 61 c1",
        3,
        "0xc1",
        "0xc1 is reserved by the format and never written",
        &with_a,
    );
    dead(
        Profile::Map16Header,
        &keys,
        "81",
        0,
        "0x81",
        "map16-header does not write the top-level map of 1 entry as fixmap(1); it writes map16 (0xde)",
        &[],
    );
    dead(
        Profile::Canonical,
        &keys,
        "80 00",
        1,
        "0x00",
        "the document is already complete, and nothing may follow it",
        &["byte 0: 0x80: fixmap(0): the top-level map with 0 entries"],
    );
}

#[test]
fn a_first_key_of_its_own() {
    // Records start with `_id`; the other keys are lowercase words. After
    // "_i", one more key byte and at least a one-byte value.
    let keys = KeySpec::from_patterns("[a-z]+", Some("_id"), 64).unwrap();
    expect(
        Profile::Canonical,
        &keys,
        "81 a3 5f 69",
        &[
            "byte 0: 0x81: fixmap(1): the top-level map with 1 entry",
            "byte 1: 0xa3: fixstr(3): a key with 3 bytes",
        ],
        "the top-level map needs 1 more entry; a key of 3 bytes has 2 bytes so far: \"_i\" (hex 5f69)",
        "[6, ∞)",
    );
    // The first key must be `_id`, so `a` is not a first key.
    expect(
        Profile::Canonical,
        &keys,
        "81 a1 61",
        &[
            "byte 0: 0x81: fixmap(1): the top-level map with 1 entry",
            "byte 1: 0xa1: impossible: this key would have 1 byte, but the top-level map's first key (`_id`) \
             never has 1 byte",
        ],
        "impossible at byte 1: this key would have 1 byte, but the top-level map's first key (`_id`) never has 1 \
         byte",
        "{}",
    );
}

/// A top-level header still being read: the cheapest non-empty map is
/// priced with the top-level first key's own language (`ccc`, 4 bytes with
/// its header), not the other keys' (`a`, 2 bytes).
#[test]
fn a_top_level_header_prices_its_first_key() {
    let keys = KeySpec::from_patterns("[ab]", Some("ccc"), 3).unwrap();
    // Empty: de 00 00 (3 bytes). One entry: 3 + 4 + a 1-byte value = 8.
    expect(
        Profile::AnyWidth,
        &keys,
        "de 00",
        &[
            "byte 0: 0xde: map16 (0xde): the top-level map with 0 to 65535 entries here",
            "byte 1: 0x00: length byte: 0 to 255 entries possible",
        ],
        "the map16 (0xde) header of the top-level map has 1 of its 2 length bytes: 0 to 255 entries possible",
        "{3} ∪ [8, ∞)",
    );
    // A nested map's header is priced with the other keys' language:
    // 81 a3 "ccc" de 00, then an empty map (8 bytes in all), or one entry
    // of "a" and a 1-byte value (11).
    let nested = prefixproof::hex::parse_hex("81 a3 63 63 63 de 00").unwrap();
    assert_eq!(
        prefixproof::proof::oracle::lengths(Profile::AnyWidth, &keys, &nested).to_string(),
        "{8} ∪ [11, ∞)"
    );
}

/// Before any byte; then inside a nested map, whose summary line must not
/// call it the top-level map.
#[test]
fn the_summary_names_each_map() {
    let keys = alnum31();
    // The smallest document is the empty map 80; a one-entry map needs a
    // key and a value, 81 a1 61 00: 4 bytes.
    expect(
        Profile::Canonical,
        &keys,
        "",
        &[],
        "nothing read yet: the top-level map comes next",
        "{1} ∪ [4, ∞)",
    );
    // 81 a1 61, then a nested fixmap(1): its entry needs at least a
    // one-byte key and a one-byte value (3 more bytes).
    expect(
        Profile::Canonical,
        &keys,
        "81 a1 61 81",
        &[
            "byte 0: 0x81: fixmap(1): the top-level map with 1 entry",
            "byte 1: 0xa1: fixstr(1): a key with 1 byte",
            "byte 2: 0x61: the key \"a\" is complete",
            "byte 3: 0x81: fixmap(1): a map with 1 entry",
        ],
        "the top-level map needs 1 more entry (its keys so far: \"a\"); the value of its current entry comes next; \
         a nested map needs 1 more entry",
        "[7, ∞)",
    );
}

/// A key's header read in part: the lengths possible are the keys', not
/// every str's (any-width writes str8 for 0 to 255 bytes, the keys have 1
/// to 31).
#[test]
fn a_key_header_read_in_part() {
    expect(
        Profile::AnyWidth,
        &alnum31(),
        "81 d9",
        &[
            "byte 0: 0x81: fixmap(1): the top-level map with 1 entry",
            "byte 1: 0xd9: str8 (0xd9): a key with 1 to 31 bytes here",
        ],
        "the top-level map needs 1 more entry; the str8 (0xd9) header of a key has 0 of its 1 length bytes: 1 to \
         31 bytes possible",
        "[5, ∞)",
    );
}

/// Reasons that quote a byte show it as a character only when it is
/// printable, and name an unbounded key language's lengths as such.
#[test]
fn reasons_quote_bytes_and_unbounded_keys() {
    let map1 = "byte 0: 0x81: fixmap(1): the top-level map with 1 entry";
    let dead = |keys: &KeySpec, hex: &str, before: &[&str], at: usize, byte: &str, why: &str| {
        let mut steps: Vec<String> = before.iter().map(|s| s.to_string()).collect();
        steps.push(format!("byte {at}: {byte}: impossible: {why}"));
        let steps: Vec<&str> = steps.iter().map(String::as_str).collect();
        expect(
            Profile::Canonical,
            keys,
            hex,
            &steps,
            &format!("impossible at byte {at}: {why}"),
            "{}",
        );
    };
    let keys = alnum31();
    dead(
        &keys,
        "81 a1 20",
        &[map1, "byte 1: 0xa1: fixstr(1): a key with 1 byte"],
        2,
        "0x20",
        "no key starts with byte 0x20 (' ')",
    );
    dead(
        &keys,
        "81 a2 61 00",
        &[map1, "byte 1: 0xa2: fixstr(2): a key with 2 bytes"],
        3,
        "0x00",
        "no key continues \"a\" with byte 0x00",
    );
    // Keys of 300 bytes or more, as long as the format allows: none fits
    // canonical's str8 (32 to 255 bytes).
    dead(
        &KeySpec::from_patterns("a{300,}", None, u32::MAX as u64).unwrap(),
        "81 d9",
        &[map1],
        1,
        "0xd9",
        "canonical writes str8 (0xd9) only for strs of 32 to 255 bytes, but a key (`a{300,}`) never has that many \
         bytes",
    );
    // A 2-byte str whose first byte starts a 3-byte UTF-8 character: it
    // cannot end within the str, which the first byte already shows.
    dead(
        &keys,
        "81 a1 61 a2 e2",
        &[
            map1,
            "byte 1: 0xa1: fixstr(1): a key with 1 byte",
            "byte 2: 0x61: the key \"a\" is complete",
            "byte 3: 0xa2: fixstr(2): a str value with 2 bytes",
        ],
        4,
        "0xe2",
        "the str value would end inside a UTF-8 character",
    );
}

/// A parser reset between prefixes (as the sweep reuses one) answers each
/// exactly as a new parser does: lengths, steps and summary.
#[test]
fn a_reset_parser_answers_as_a_new_one() {
    use prefixproof::proof::oracle::{Parser, Trace};
    let keys = KeySpec::from_patterns("a|b", Some("a|c"), 8).unwrap();
    // Nested maps left open, a complete document (one frame left), a
    // death on the first byte, a duplicate key, a key half read, nothing.
    let prefixes = [
        "82 a1 61 81 a1 62 82 a1 61",
        "80",
        "05",
        "82 a1 61 01 a1 61",
        "82 a1 63 c0 a1",
        "81 a1 61 81 a1 61 81",
        "",
        "82 a1 61 c0 a1 62 c0",
    ];
    for profile in [Profile::Canonical, Profile::AnyWidth] {
        let mut reused = Parser::with_recorder(profile, keys.clone(), Trace::default());
        let mut silent = Parser::new(profile, keys.clone());
        for hex in prefixes.iter().chain(prefixes.iter().rev()) {
            let prefix = prefixproof::hex::parse_hex(hex).unwrap();
            let new = answer(profile, &keys, &prefix);
            reused.reset();
            reused.feed(&prefix);
            silent.reset();
            silent.feed(&prefix);
            assert_eq!(reused.lengths(), new.lengths, "{profile} {hex}: lengths");
            assert_eq!(silent.lengths(), new.lengths, "{profile} {hex}: lengths, silent");
            assert_eq!(reused.summary(), new.summary, "{profile} {hex}: summary");
            assert_eq!(reused.recorder().steps, new.steps, "{profile} {hex}: steps");
            assert_eq!(reused.recorder().dead, new.dead, "{profile} {hex}: dead");
            // Whole documents: the empty map, and {a: nil, b: nil}.
            let whole = matches!(*hex, "80" | "82 a1 61 c0 a1 62 c0");
            assert_eq!(reused.is_complete(), whole, "{profile} {hex}: complete");
            assert_eq!(silent.is_complete(), whole, "{profile} {hex}: complete, silent");
        }
    }
}
