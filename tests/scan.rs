//! `prefixproof scan` over real stores: a SQLite file, a mongodump file, a
//! directory of blob files and (the ignored test, which `.ci/run` runs
//! against the server it starts) a PostgreSQL table, each holding the same
//! half-migrated mix of BSON documents, msgpack blobs, a blob the detector
//! misreads, corrupt blobs, NULLs and values that are not blobs. Every
//! expected count is derived by hand from the rows below.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use prefixproof::app::scan::source::Source;
use prefixproof::app::scan::summary::Tally;
use prefixproof::app::scan::{scan, Options};
use prefixproof::msgpack::{KeySpec, Profile};

/// A stored value.
#[derive(Clone)]
enum Stored {
    Blob(Vec<u8>),
    Null,
    Text(&'static str),
    Int(i64),
}

fn bson(doc: bson::Document) -> Vec<u8> {
    doc.to_vec().unwrap()
}

fn msgpack(value: rmpv::Value) -> Vec<u8> {
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, &value).unwrap();
    out
}

/// df 00 00 00 is a map32 header, and read as a length, 223: a 223-byte
/// map of one entry {"k": <str of 214 bytes>} written with a map32 header
/// is misread as BSON (it is no BSON document: nothing ends it with 00).
fn misread_blob() -> Vec<u8> {
    let mut blob = vec![0xdf, 0x00, 0x00, 0x00, 0x01, 0xa1, b'k', 0xd9, 214];
    blob.extend(std::iter::repeat_n(b'a', 214));
    assert_eq!(blob.len(), 223);
    blob
}

/// 135 bytes both decoders accept. As BSON: length 135, one binary element
/// "a" of 122 bytes, the terminator. As msgpack: 0x87 (a map of 7 entries)
/// whose 14 values are 00 00 00, 05, 61, 00, 7a 00 00 00, 00, a bin8 of
/// 119 bytes, nil, 00. Its keys are integers, so no profile writes it.
fn polyglot_blob() -> Vec<u8> {
    let mut blob = vec![0x87, 0, 0, 0, 0x05, b'a', 0x00, 122, 0, 0, 0, 0x00, 0xc4, 119];
    blob.extend(std::iter::repeat_n(0x55, 119));
    blob.extend([0xc0, 0x00]);
    assert_eq!(blob.len(), 135);
    blob
}

/// The rows of the half-migrated store: (name, value).
fn rows() -> Vec<(&'static str, Stored)> {
    use rmpv::Value;
    let oid = bson::oid::ObjectId::from_bytes([7; 12]);
    vec![
        ("ada", Stored::Blob(bson(bson::doc! { "name": "Ada", "born": 1815i32 }))),
        (
            "nested",
            Stored::Blob(bson(
                bson::doc! { "_id": oid, "inner": { "x": 1.5, "tags": ["a", "b"] } },
            )),
        ),
        (
            "migrated",
            Stored::Blob(msgpack(Value::Map(vec![
                ("name".into(), "Grace".into()),
                ("born".into(), 1906.into()),
            ]))),
        ),
        ("misread", Stored::Blob(misread_blob())),
        ("bad-bson", Stored::Blob(vec![5, 0, 0, 0, 1])),
        ("reserved", Stored::Blob(vec![0xc1])),
        ("null", Stored::Null),
        ("text", Stored::Text("hello")),
        ("int", Stored::Int(42)),
        ("polyglot", Stored::Blob(polyglot_blob())),
        ("huge", Stored::Blob(vec![0x90; 3000])),
        (
            "dashed",
            Stored::Blob(msgpack(Value::Map(vec![("a-b".into(), 1.into())]))),
        ),
    ]
}

/// The scan's limit: "huge" is over it.
const MAX_BLOB: u64 = 2048;

fn key_rules() -> KeySpec {
    KeySpec::from_patterns("[a-z_]+", None, u32::MAX as u64).unwrap()
}

fn run(source: &Source) -> Tally {
    let keys = key_rules();
    let options = Options {
        keys: &keys,
        key_rules: "keys `[a-z_]+`".into(),
        max_blob: MAX_BLOB,
        time_every: 1,
        show_progress: false,
    };
    scan(source, &options, None).unwrap()
}

/// The counts every source of the full mix must give (derived by hand):
///
/// | row | detector | decodes | flags |
/// |---|---|---|---|
/// | ada, nested | BSON | BSON | |
/// | migrated | msgpack | msgpack | |
/// | misread | BSON (223) | msgpack | misread |
/// | bad-bson | BSON (5) | neither | corrupt |
/// | reserved | msgpack | neither | corrupt |
/// | polyglot | BSON (135) | both | ambiguous, non-conforming (int keys) |
/// | dashed | msgpack | msgpack | non-conforming (key `a-b`) |
///
/// and null (NULL), text and int (not a blob), huge (over the limit).
fn assert_full_mix(t: &Tally, not_a_blob: u64) {
    assert_eq!(t.records, 12);
    assert_eq!(t.blobs, 8);
    assert_eq!(
        (
            t.skipped.null,
            t.skipped.not_a_blob,
            t.skipped.too_large,
            t.skipped.unreadable
        ),
        (1, not_a_blob, 1, 0)
    );
    assert_eq!((t.detector.bson, t.detector.msgpack), (5, 3));
    assert_eq!(
        (t.decodes.bson, t.decodes.msgpack, t.decodes.both, t.decodes.neither),
        (2, 3, 1, 2)
    );
    assert_eq!(
        (
            t.flags.misread,
            t.flags.ambiguous,
            t.flags.corrupt,
            t.flags.non_conforming
        ),
        (1, 1, 2, 2)
    );
    assert_eq!(t.examples.misread, ["misread"]);
    assert_eq!(t.examples.corrupt, ["bad-bson", "reserved"]);
    assert_eq!(t.examples.non_conforming, ["polyglot", "dashed"]);
    let largest_bson = t.largest_bson.as_ref().unwrap();
    assert_eq!((largest_bson.bytes, largest_bson.id.as_str()), (135, "polyglot"));
    let largest_msgpack = t.largest_msgpack.as_ref().unwrap();
    assert_eq!((largest_msgpack.bytes, largest_msgpack.id.as_str()), (223, "misread"));
    // msgpack blobs: migrated (canonical and every profile with smallest
    // maps), misread (map32 header: map32-header, fluent-bit, any-width),
    // polyglot and dashed (none).
    assert_eq!(t.msgpack_blobs(), 4);
    assert_eq!(t.profiles.get("map32-header"), Some(&1));
    assert_eq!(t.profiles.get("fluent-bit"), Some(&1));
    assert_eq!(t.profiles.get("any-width"), Some(&2));
    assert_eq!(t.profiles.get("canonical"), Some(&1));
    assert!(t.common_profiles().is_empty());
    // Keys from both formats, at every depth; the polyglot's integer keys
    // are not names.
    let words: Vec<&str> = t.keys.words.iter().map(String::as_str).collect();
    assert_eq!(words, ["_id", "a-b", "born", "inner", "k", "name", "tags", "x"]);
    // The two BSON documents were re-encoded (the polyglot too: it is BSON).
    assert_eq!(t.payoff.documents, 3);
    assert!(t.failed());
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("prefixproof-scan-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn sqlite_store(path: &Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch("CREATE TABLE blobs (name TEXT, data BLOB)").unwrap();
    for (name, value) in rows() {
        let value: rusqlite::types::Value = match value {
            Stored::Blob(b) => b.into(),
            Stored::Null => rusqlite::types::Value::Null,
            Stored::Text(t) => t.to_string().into(),
            Stored::Int(i) => i.into(),
        };
        conn.execute("INSERT INTO blobs VALUES (?1, ?2)", rusqlite::params![name, value])
            .unwrap();
    }
}

#[test]
fn a_sqlite_store() {
    let dir = TempDir::new("sqlite");
    let db = dir.0.join("store.db");
    sqlite_store(&db);
    let source = Source::Sqlite {
        path: db.clone(),
        table: "blobs".into(),
        column: "data".into(),
        key: Some("name".into()),
    };
    assert_full_mix(&run(&source), 2);
    for (table, column, says) in [
        ("nope", "data", "no such table: nope"),
        ("blobs", "nope", "no such column"),
    ] {
        let source = Source::Sqlite {
            path: db.clone(),
            table: table.into(),
            column: column.into(),
            key: None,
        };
        let t = run(&source);
        assert_eq!(t.records, 0);
        assert!(t.errors[0].contains(says), "{:?}", t.errors);
    }
}

/// The mix as a mongodump file: one record per row, {_id: name, data: ...}
/// with the blob as binary, the text and integer as themselves, and no
/// `data` field for NULL.
fn mongodump_records() -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in rows() {
        let mut doc = bson::doc! { "_id": name };
        match value {
            Stored::Blob(b) => {
                doc.insert(
                    "data",
                    bson::Binary {
                        subtype: bson::spec::BinarySubtype::Generic,
                        bytes: b,
                    },
                );
            }
            Stored::Null => {}
            Stored::Text(t) => {
                doc.insert("data", t);
            }
            Stored::Int(i) => {
                doc.insert("data", i);
            }
        }
        out.extend(bson(doc));
    }
    out
}

#[test]
fn a_mongodump_file_and_its_truncation() {
    let dir = TempDir::new("mongodump");
    let path = dir.0.join("blobs.bson");
    let records = mongodump_records();
    std::fs::write(&path, &records).unwrap();
    let source = Source::Mongodump {
        path: path.clone(),
        column: Some("data".into()),
        key: None,
    };
    let t = run(&source);
    assert_full_mix(&t, 2);
    assert!(t.errors.is_empty());
    // Cut in the middle of the last record: everything before it is
    // reported, and the truncation is an error.
    let last = bson(
        bson::doc! { "_id": "x", "data": bson::Binary { subtype: bson::spec::BinarySubtype::Generic, bytes: vec![0x80] } },
    );
    let mut cut = records.clone();
    cut.extend(&last[..last.len() - 3]);
    std::fs::write(&path, &cut).unwrap();
    let t = run(&source);
    assert_full_mix(&t, 2);
    assert_eq!(t.errors.len(), 1);
    let declared = last.len();
    let left = last.len() - 3;
    let offset = records.len();
    assert!(
        t.errors[0].contains(&format!(
            "truncated: the record at byte {offset} declares {declared} bytes but only {left} remain"
        )),
        "{:?}",
        t.errors
    );
    // Without --column each record is itself a blob: 12 BSON documents
    // before the cut, one of them (huge's) over the limit.
    let whole = Source::Mongodump {
        path,
        column: None,
        key: Some("_id".into()),
    };
    let t = run(&whole);
    assert_eq!(
        (t.records, t.decodes.bson, t.skipped.too_large, t.errors.len()),
        (12, 11, 1, 1)
    );
}

#[test]
fn a_directory_of_blob_files() {
    let dir = TempDir::new("files");
    let mut expected_blobs = 0;
    for (i, (name, value)) in rows().into_iter().enumerate() {
        // Spread over a subdirectory, to be read recursively.
        let sub = if i % 2 == 0 { dir.0.clone() } else { dir.0.join("sub") };
        std::fs::create_dir_all(&sub).unwrap();
        if let Stored::Blob(b) = value {
            std::fs::write(sub.join(name), b).unwrap();
            expected_blobs += 1;
        }
    }
    let t = run(&Source::Files(dir.0.clone()));
    // Files hold only blobs: no NULL and no other types; "huge" is over
    // the limit.
    assert_eq!((t.records, t.blobs, t.skipped.too_large), (expected_blobs, 8, 1));
    assert_eq!((t.flags.misread, t.flags.corrupt, t.flags.ambiguous), (1, 2, 1));
    let t = run(&Source::Files(dir.0.join("nothing-here")));
    assert_eq!(t.records, 0);
    assert_eq!(t.errors.len(), 1, "{:?}", t.errors);
}

fn prefixproof(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_prefixproof"))
        .args(args)
        .output()
        .expect("the prefixproof binary runs")
}

#[test]
fn the_command_line_exit_status_csv_json_and_merge() {
    let dir = TempDir::new("cli");
    let db = dir.0.join("store.db");
    sqlite_store(&db);
    let csv = dir.0.join("blobs.csv");
    let json = dir.0.join("summary.json");
    let db_arg = db.to_str().unwrap();
    let o = prefixproof(&[
        "scan",
        "--sqlite",
        db_arg,
        "--table",
        "blobs",
        "--column",
        "data",
        "--key",
        "name",
        "--keys",
        "[a-z_]+",
        "--max-blob",
        "2KiB",
        "--quiet",
        "--csv",
        csv.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains("flags: misread 1, ambiguous 1, corrupt 2, non-conforming 2"),
        "{out}"
    );
    assert!(out.contains("result: FAIL"), "{out}");
    let lines: Vec<Vec<String>> = csv::Reader::from_path(&csv)
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(lines.len(), 12);
    let misread = lines.iter().find(|r| r[0] == "misread").unwrap();
    assert_eq!(
        &misread[1..6],
        ["223", "bson", "msgpack", "map32-header any-width fluent-bit", "misread"]
    );
    let huge = lines.iter().find(|r| r[0] == "huge").unwrap();
    assert_eq!((huge[1].as_str(), huge[5].as_str()), ("3000", "too-large"));

    // Two shards merge into the summary of both.
    let o = prefixproof(&[
        "scan",
        "--merge",
        json.to_str().unwrap(),
        json.to_str().unwrap(),
        "--keys",
        "[a-z_]+",
        "--quiet",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("flags: misread 2, ambiguous 2, corrupt 4, non-conforming 4"),
        "{out}"
    );

    // A clean store passes, and its bounds are proved: a BSON document and
    // a map32-header blob that is not misread (its 10 bytes are no length).
    let clean = dir.0.join("clean.db");
    let conn = rusqlite::Connection::open(&clean).unwrap();
    conn.execute_batch("CREATE TABLE t (b BLOB)").unwrap();
    let map32 = vec![0xdf, 0, 0, 0, 1, 0xa1, b'k', 0xa1, b'v'];
    for b in [bson(bson::doc! { "name": "Ada" }), map32] {
        conn.execute("INSERT INTO t VALUES (?1)", [b]).unwrap();
    }
    drop(conn);
    let o = prefixproof(&[
        "scan",
        "--sqlite",
        clean.to_str().unwrap(),
        "--table",
        "t",
        "--column",
        "b",
        "--quiet",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains("profiles every msgpack blob conforms to: map32-header, any-width, fluent-bit"),
        "{out}"
    );
    assert!(out.contains("map32-header with the observed vocabulary"), "{out}");
    assert!(out.contains("result: OK"), "{out}");

    // Bad input: one clear error line, exit 2, no panic.
    for (args, says) in [
        (vec!["scan", "--sqlite", db_arg, "--table", "blobs"], "--column"),
        (vec!["scan", "--max-blob", "12XB", "x"], "unknown unit"),
        (vec!["scan", "--merge", db_arg], "is not a summary"),
        (
            vec!["scan", dir.0.to_str().unwrap(), "--column", "c"],
            "apply to --sqlite",
        ),
    ] {
        let o = prefixproof(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says) && !err.contains("panicked"), "{args:?}: {err}");
    }
    // A missing table reports what it read (nothing) and fails.
    let o = prefixproof(&[
        "scan", "--sqlite", db_arg, "--table", "nope", "--column", "data", "--quiet",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("error: SQLite") && out.contains("no such table: nope"),
        "{out}"
    );
}

/// The bounds of a store of BSON only are the engine's, for canonical
/// msgpack (what the migration writes) and the key rule the data shows,
/// written here by hand: the vocabulary `born|name` of row "ada".
#[test]
fn the_bound_is_proved_for_the_observed_vocabulary() {
    use prefixproof::app::scan::verdict::verdict;
    let dir = TempDir::new("bound");
    let (name, Stored::Blob(ada)) = rows().swap_remove(0) else {
        panic!("the first row is a blob")
    };
    std::fs::write(dir.0.join(name), ada).unwrap();
    let t = run(&Source::Files(dir.0.clone()));
    assert_eq!(t.msgpack_blobs(), 0);
    let v = verdict(&t, false).unwrap();
    assert!(v.notes[0].contains("no msgpack blob yet"), "{:?}", v.notes);
    assert_eq!(v.rows.len(), 2);
    let by_hand = KeySpec::from_patterns("born|name", None, 4).unwrap();
    let expected = prefixproof::proof::search::walk::colliding_lengths(Profile::Canonical, &by_hand)
        .first()
        .map(|b| *b as u64);
    let row = v
        .rows
        .iter()
        .find(|r| r.profiles[0] == "canonical" && r.keys == "observed vocabulary")
        .unwrap();
    assert_eq!(row.bound, expected);
    let class = v
        .rows
        .iter()
        .find(|r| r.profiles[0] == "canonical" && r.keys == "character class")
        .unwrap();
    // The letters of born and name: a b e m n o r, runs a-b and m-o.
    assert_eq!(class.rule, "[abem-or]{4,4}");
}

/// The PostgreSQL server `.ci/run` starts; `PREFIXPROOF_POSTGRES_URL` names
/// it. Ignored in a plain `cargo test` (there is no server); CI runs it
/// with `--ignored`, and there a missing server fails it.
#[test]
#[ignore = "needs a PostgreSQL server: set PREFIXPROOF_POSTGRES_URL (.ci/run starts one)"]
fn a_postgres_table() {
    let url = std::env::var("PREFIXPROOF_POSTGRES_URL")
        .expect("PREFIXPROOF_POSTGRES_URL names the PostgreSQL server to test against");
    let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("the PostgreSQL server is up");
    let table = format!("scan_test_{}", std::process::id());
    client
        .batch_execute(&format!(
            "DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (name text, data bytea, note text)"
        ))
        .unwrap();
    for (name, value) in rows() {
        // A bytea column holds no text or integer: those rows are NULL here.
        let data: Option<Vec<u8>> = match value {
            Stored::Blob(b) => Some(b),
            _ => None,
        };
        client
            .execute(&format!("INSERT INTO {table} VALUES ($1, $2, 'x')"), &[&name, &data])
            .unwrap();
    }
    let source = |column: &str, url: &str| Source::Postgres {
        url: url.into(),
        table: table.clone(),
        column: column.into(),
        key: Some("name".into()),
    };
    let t = run(&source("data", &url));
    assert!(t.errors.is_empty(), "{:?}", t.errors);
    // Text and int are NULL in bytea: three NULLs, nothing else of another type.
    assert_eq!(t.skipped.null, 3);
    assert_full_mix_but_nulls(&t);
    let t = run(&source("note", &url));
    assert!(
        t.errors[0].contains("is of type text; scan reads bytea columns"),
        "{:?}",
        t.errors
    );
    let t = run(&source("data", "postgres://nobody@127.0.0.1:1/none"));
    assert!(t.errors[0].contains("connecting to"), "{:?}", t.errors);

    // A connection lost mid-scan: 400 rows of a view trickle out 5 ms
    // apart (the server sends them some 8 KiB at a time), and another
    // session ends the scan's after a second. What was read is kept, and
    // the error says how much that was.
    let slow = format!("{table}_slow");
    client
        .batch_execute(&format!(
            "CREATE VIEW {slow} AS SELECT t.name, t.data FROM generate_series(1, 400) AS g(i) CROSS JOIN LATERAL (SELECT name, data FROM {table} WHERE name = 'misread') AS t, LATERAL (SELECT pg_sleep(0.005 + 0 * g.i)) AS pause"
        ))
        .unwrap();
    let killer = {
        let url = url.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(1000));
            let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            c.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%octet_length%' AND pid <> pg_backend_pid()",
                &[],
            )
            .unwrap()
        })
    };
    let t = run(&Source::Postgres {
        url: url.clone(),
        table: slow.clone(),
        column: "data".into(),
        key: None,
    });
    killer.join().unwrap();
    assert_eq!(t.errors.len(), 1, "{:?}", t.errors);
    let said = format!("the connection was lost after {} rows", t.records);
    assert!(t.errors[0].contains(&said), "{:?} (read {})", t.errors, t.records);
    assert!(t.records > 0 && t.records < 400, "{}", t.records);
    client
        .batch_execute(&format!("DROP VIEW {slow}; DROP TABLE {table}"))
        .unwrap();
}

fn assert_full_mix_but_nulls(t: &Tally) {
    assert_eq!((t.records, t.blobs), (12, 8));
    assert_eq!(
        (
            t.flags.misread,
            t.flags.ambiguous,
            t.flags.corrupt,
            t.flags.non_conforming
        ),
        (1, 1, 2, 2)
    );
    assert_eq!(t.examples.misread, ["misread"]);
}
