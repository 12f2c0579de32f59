//! The command-line tool as a user meets it: every subcommand's success
//! path on a small case, and bad input (unknown names, bad hex, missing
//! files, lengths that do not collide) answered with one `error:` line and
//! a non-zero exit, never a panic.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use prefixproof::app::config::Config;
use prefixproof::detect::{classify, Format};
use prefixproof::msgpack::Profile;
use prefixproof::msgpack::{FirstChar, Kmax};

fn prefixproof(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_prefixproof"))
        .args(args)
        .output()
        .expect("the prefixproof binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A failure the user can read: non-zero exit, an `error:` line, no panic.
fn assert_clean_error(o: &Output, mentions: &str) {
    let err = stderr(o);
    assert!(!o.status.success(), "expected failure, got success: {}", stdout(o));
    assert_ne!(o.status.code(), Some(101), "panicked: {err}");
    assert!(!err.contains("panicked"), "panicked: {err}");
    assert!(err.contains("error:"), "no error line: {err}");
    assert!(err.contains(mentions), "error should mention {mentions:?}: {err}");
}

/// A configuration's hand-derived bound (`tests/common`) and its prefix
/// as the tool prints it.
fn bound_of(profile: Profile, first_char: FirstChar, kmax: Kmax) -> (u64, String) {
    let b = common::reported_bound(&Config {
        profile,
        first_char,
        kmax,
    });
    let hex = (b as u32).to_le_bytes().iter().map(|x| format!("{x:02x}")).collect();
    (b, hex)
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("prefixproof-cli-{}-{name}", std::process::id()))
}

#[test]
fn explain_shows_the_structure_and_the_verdict() {
    let o = prefixproof(&["explain", "81a13000"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("fixmap(1)"), "{out}");
    assert!(
        out.contains("lengths of conforming documents with this prefix: {4}"),
        "{out}"
    );
    assert!(out.contains("3187073 is not in the set"), "{out}");

    let (b, hex) = bound_of(Profile::Map32Header, FirstChar::Alnum, Kmax::Bounded(31));
    let o = prefixproof(&["explain", &hex, "--profile", "map32-header"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(&format!("{b} is in the set")), "{}", stdout(&o));
}

#[test]
fn bad_hex_is_an_error_not_a_panic() {
    for bad in ["zz", "823", "a\u{e9}0", "\u{1f600}\u{1f600}"] {
        let o = prefixproof(&["explain", bad]);
        assert_clean_error(&o, "hex");
        assert_eq!(o.status.code(), Some(2));
    }
}

#[test]
fn unknown_names_are_rejected_with_the_choices() {
    let o = prefixproof(&["explain", "80", "--profile", "fluent"]);
    assert_clean_error(&o, "fluent");
    let o = prefixproof(&["explain", "80", "--first-char", "digits"]);
    assert_clean_error(&o, "alnum or ident");
    let o = prefixproof(&["explain", "80", "--kmax", "0"]);
    assert_clean_error(&o, "at least 1");
}

#[test]
fn witness_writes_a_blob_the_detector_misreads() {
    let path = temp_path("witness.bin");
    let path_str = path.to_str().unwrap();
    let (b, _) = bound_of(Profile::Map32Header, FirstChar::Alnum, Kmax::Bounded(31));
    let len = b.to_string();
    let o = prefixproof(&[
        "witness",
        "--profile",
        "map32-header",
        "--length",
        &len,
        "--out",
        path_str,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let blob = std::fs::read(&path).unwrap();
    assert_eq!(blob.len() as u64, b);
    assert_eq!(classify(&blob).format, Format::Bson);
    // rmpv, independently of the tool, reads one map filling the blob.
    let mut rd = blob.as_slice();
    let value = rmpv::decode::read_value(&mut rd).unwrap();
    assert!(rd.is_empty() && value.is_map(), "{value:?}");

    let o = prefixproof(&["classify", path_str]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(": bson ("), "{}", stdout(&o));
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn witness_refuses_lengths_that_do_not_collide() {
    let path = temp_path("never.bin");
    let path_str = path.to_str().unwrap();
    // The post's own number: `81 a1 30 00` is a complete 4-byte document.
    let o = prefixproof(&["witness", "--length", "3187073", "--out", path_str]);
    assert_clean_error(&o, "no conforming document of length 3187073");
    let o = prefixproof(&["witness", "--length", "3", "--out", path_str]);
    assert_clean_error(&o, "[4, 2^31)");
    let o = prefixproof(&["witness", "--length", "4294967296", "--out", path_str]);
    assert_clean_error(&o, "[4, 2^31)");
    assert!(!path.exists(), "nothing is written on failure");
}

#[test]
fn classify_reports_each_file_and_fails_on_unreadable_ones() {
    let msgpack = temp_path("small.msgpack");
    std::fs::write(&msgpack, [0x81, 0xa1, 0x61, 0x01]).unwrap();
    let missing = temp_path("missing.bin");
    let o = prefixproof(&["classify", msgpack.to_str().unwrap(), missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains(": msgpack ("), "{}", stdout(&o));
    assert!(stderr(&o).contains("missing.bin"), "{}", stderr(&o));
    std::fs::remove_file(&msgpack).unwrap();

    let o = prefixproof(&["classify"]);
    assert_clean_error(&o, "FILES");
}

#[test]
fn bound_proves_one_configuration() {
    let (b, hex) = bound_of(Profile::AnyWidth, FirstChar::Ident, Kmax::Bounded(255));
    let o = prefixproof(&[
        "bound",
        "--profile",
        "any-width",
        "--first-char",
        "ident",
        "--kmax",
        "255",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains(&format!("bound: {b} (prefix {hex})")), "{out}");
    assert!(
        out.contains(&format!("the oracle rules out every length in [4, {b})")),
        "{out}"
    );
}

#[test]
fn conform_names_every_profile_and_what_breaks_the_others() {
    // msgpack 0.5.6: {'a': b'\xff'} is 81 a1 61 a1 ff, a raw str.
    let legacy = temp_path("legacy.msgpack");
    std::fs::write(&legacy, [0x81, 0xa1, b'a', 0xa1, 0xff]).unwrap();
    let o = prefixproof(&["conform", legacy.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("5 bytes; conforms to: legacy, any-width, msgpack-python-legacy"),
        "{out}"
    );
    assert!(
        out.contains("not canonical: byte 4: a str value is not valid UTF-8, and canonical writes only UTF-8 strs"),
        "{out}"
    );
    assert!(
        out.contains("not map32-header: byte 0: the top-level map of 1 entry is written as fixmap(1); map32-header writes map32 (0xdf)"),
        "{out}"
    );
    std::fs::remove_file(&legacy).unwrap();

    // From stdin: msgpackr's pack({a: new Map([['b', 1]])}) fits only any-width.
    let mut child = Command::new(env!("CARGO_BIN_EXE_prefixproof"))
        .args(["conform", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&[0xde, 0x00, 0x01, 0xa1, b'a', 0x81, 0xa1, b'b', 0x01])
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("stdin: 9 bytes; conforms to: any-width\n"),
        "{}",
        stdout(&o)
    );

    let missing = temp_path("missing-conform.bin");
    let o = prefixproof(&["conform", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("error:") && stderr(&o).contains("missing-conform.bin"));
}

#[test]
fn help_lists_every_profile_with_who_writes_it() {
    let o = prefixproof(&["bound", "--help"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for p in Profile::ALL {
        let listed = out
            .lines()
            .any(|l| l.trim_start().starts_with(&format!("- {}:", p.name())) && l.ends_with(p.about()));
        assert!(listed, "{p} missing from:\n{out}");
    }
}

/// Every reason names the rule that excludes the byte: a str16 key header
/// under keys of at most 31 bytes is excluded by the key length, not by
/// the profile (which does write str16 for 256 to 65535 bytes).
#[test]
fn explain_names_the_rule_that_excludes_a_byte() {
    let o = prefixproof(&["explain", "81da0100"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("canonical writes str16 (0xda) only for strs of 256 to 65535 bytes, but a key (`[A-Za-z0-9_]+`) has at most 31 bytes"),
        "{out}"
    );
    assert!(!out.contains("never writes"), "{out}");
    // Under legacy, str8 is never written at all: that is the rule.
    let o = prefixproof(&["explain", "81d9", "--profile", "legacy"]);
    assert!(
        stdout(&o).contains("legacy never writes str8 (0xd9) for a key"),
        "{}",
        stdout(&o)
    );
}

/// Plain words, not the parser's internals.
#[test]
fn explain_speaks_plainly() {
    let o = prefixproof(&["explain", "df000000", "--profile", "map32-header"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    for internal in ["W32", "Map ", "length bytes read", "entries to finish", "1 entries"] {
        assert!(!out.contains(internal), "{internal:?} in:\n{out}");
    }
    assert!(
        out.contains("the top-level map with 0 to 4294967295 entries here"),
        "{out}"
    );
    assert!(
        out.contains(
            "the map32 (0xdf) header of the top-level map has 3 of its 4 length bytes: 0 to 255 entries possible"
        ),
        "{out}"
    );
    let o = prefixproof(&["explain", "82a13000"]);
    assert!(
        stdout(&o).contains("the top-level map needs 1 more entry (its keys so far: \"0\")"),
        "{}",
        stdout(&o)
    );
}

/// Hex with `0x` per byte or in capitals, a file, and standard input all
/// give the same prefix; large blobs go through a file.
#[test]
fn explain_takes_hex_in_any_spelling_a_file_or_stdin() {
    let plain = stdout(&prefixproof(&["explain", "82a13000"]));
    for spelling in [
        "0x82 0xa1 0x30 0x00",
        "0X82a13000",
        "82 a1 30 00",
        "0x82,0xa1,0x30,0x00",
    ] {
        let o = prefixproof(&["explain", spelling]);
        assert!(o.status.success(), "{spelling}: {}", stderr(&o));
        assert_eq!(stdout(&o), plain, "{spelling}");
    }
    // A 100 KiB blob: too long for a command line, fine as a file.
    let mut blob = vec![0x81, 0xa1, b'a', 0xc6, 0x00, 0x01, 0x86, 0xa0];
    blob.resize(8 + 100_000, 0xee);
    let path = temp_path("big-prefix.bin");
    std::fs::write(&path, &blob).unwrap();
    let o = prefixproof(&["explain", "--file", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("(100008 bytes)"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("lengths of conforming documents with this prefix: {100008}"),
        "{}",
        stdout(&o)
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_prefixproof"))
        .args(["explain", "--file", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&[0x82, 0xa1, 0x30, 0x00])
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(stdout(&o), plain);
    std::fs::remove_file(&path).unwrap();
    let o = prefixproof(&["explain"]);
    assert_clean_error(&o, "--file");
}

#[test]
fn out_of_range_kmax_is_rejected() {
    let o = prefixproof(&["explain", "80", "--kmax", "4294967296"]);
    assert_clean_error(&o, "above the format's longest str, 4294967295");
    let o = prefixproof(&["explain", "80", "--kmax", "4294967295"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// A length that cannot collide gets the reason, not an empty set.
#[test]
fn witness_says_why_a_length_cannot_collide() {
    let path = temp_path("never-long.bin");
    let o = prefixproof(&[
        "witness",
        "--kmax",
        "255",
        "--length",
        "121473",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert_clean_error(&o, "a key (`[A-Za-z0-9_]+`) has at most 255 bytes");
}

#[test]
fn help_works_as_a_subcommand_and_says_how_long_things_take() {
    let o = prefixproof(&["help", "--help"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = prefixproof(&["help", "bound"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("--keys <REGEX>"), "{}", stdout(&o));
    let o = prefixproof(&["help", "nosuch"]);
    assert_clean_error(&o, "no subcommand \"nosuch\"");
    let o = prefixproof(&["report", "--help"]);
    assert!(
        stdout(&o).contains("minutes") && stdout(&o).contains("progress"),
        "{}",
        stdout(&o)
    );
    let o = prefixproof(&["bound", "--help"]);
    assert!(stdout(&o).contains("Seconds"), "{}", stdout(&o));
}

/// Your own keys, from the command line: a vocabulary with a first key of
/// its own.
#[test]
fn bound_with_your_own_keys() {
    let o = prefixproof(&[
        "bound",
        "--profile",
        "map32-header",
        "--keys",
        "name|email",
        "--first-key",
        "_id",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("keys: first key `_id`, other keys `name|email`"), "{out}");
    // map32-header collides at `df 00 00 00` whatever the keys.
    assert!(out.contains("bound: 223 (prefix df000000)"), "{out}");
    let o = prefixproof(&["bound", "--keys", "a*b*"]);
    assert_clean_error(&o, "do not settle within 65536 lengths");
    let o = prefixproof(&["bound", "--keys", "[a-z"]);
    assert_clean_error(&o, "the key pattern is invalid");
    let o = prefixproof(&["bound", "--keys", "a", "--first-char", "ident"]);
    assert_clean_error(&o, "cannot be used with");
}

/// `polyglot`: keys of at most three letters leave nothing (a key header
/// would start the first BSON name, and a fixstr header is a UTF-8
/// continuation byte); keys of up to 255 bytes leave 223 open (a str8
/// header with a length of 128 to 191 is a two-byte UTF-8 character), and
/// alphanumeric ones of that length make a polyglot of exactly 223 bytes,
/// written out; keys that may hold any ASCII byte, NUL included, do not
/// (the construction needs a name without NUL): 223 stays a lower bound.
#[test]
fn polyglot_says_none_exact_or_a_lower_bound() {
    let o = prefixproof(&["polyglot", "--profile", "map32-header", "--keys", "[a-c]{1,3}"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("polyglot: none below 2^31"), "{}", stdout(&o));
    let out = temp_path("polyglot.bin");
    let o = prefixproof(&[
        "polyglot",
        "--profile",
        "map32-header",
        "--kmax",
        "255",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("polyglot: exactly 223 bytes (prefix df000000)"),
        "{}",
        stdout(&o)
    );
    let blob = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    assert_eq!(blob.len(), 223);
    assert!(bson::Document::from_reader(&blob[..]).is_ok());
    let o = prefixproof(&["polyglot", "--profile", "map32-header", "--keys", r"[\x00-\x7f]{1,255}"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("polyglot: 223 bytes or more (a lower bound, not exact)"),
        "{}",
        stdout(&o)
    );
    assert_clean_error(&prefixproof(&["polyglot", "--depth", "x"]), "--depth");
}
