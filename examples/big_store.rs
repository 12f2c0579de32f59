//! Writes a large generated store for measuring `prefixproof scan`: blobs
//! that alternate between BSON documents and their msgpack re-encodings (a
//! half-finished migration), a few KiB each, with one 48 MiB blob at 512 MiB
//! and every GiB after, so that the largest blob, not the store, sets the
//! memory a scan needs. As a mongodump file of records `{_id: n, data:
//! <blob>}`, a SQLite table or a PostgreSQL table `blobs (id, data)`.
//! Nothing here is committed: generate, scan, delete.
//!
//! ```sh
//! cargo run --release --example big_store -- mongodump /tmp/big.bson 3072
//! /usr/bin/time -v target/release/prefixproof scan --mongodump /tmp/big.bson --column data --quiet
//! cargo run --release --example big_store -- sqlite /tmp/big.db 300
//! target/release/prefixproof scan --sqlite /tmp/big.db --table blobs --column data --quiet
//! scripts/with-postgres.sh sh -c 'cargo run --release --example big_store -- postgres "$PREFIXPROOF_POSTGRES_URL" 300 &&
//!     target/release/prefixproof scan --postgres "$PREFIXPROOF_POSTGRES_URL" --table blobs --column data --quiet'
//! ```

use std::io::{BufWriter, Write};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(format), Some(target), Some(mib)) = (
        args.get(1),
        args.get(2),
        args.get(3).and_then(|g| g.parse::<u64>().ok()),
    ) else {
        eprintln!("usage: big_store mongodump|sqlite|postgres PATH-OR-URL MIB");
        std::process::exit(2);
    };
    let mut sink: Box<Sink> = match format.as_str() {
        "mongodump" => {
            let file = std::fs::File::create(target).unwrap_or_else(|e| fail(&format!("{target}: {e}")));
            let mut out = BufWriter::with_capacity(1 << 20, file);
            Box::new(move |n, blob| {
                if n == 0 {
                    out.flush().unwrap_or_else(|e| fail(&e.to_string()));
                    return;
                }
                let record = bson::doc! {
                    "_id": n as i64,
                    "data": bson::Binary { subtype: bson::spec::BinarySubtype::Generic, bytes: blob.to_vec() },
                }
                .to_vec()
                .expect("a record serializes");
                out.write_all(&record).unwrap_or_else(|e| fail(&e.to_string()));
            })
        }
        "sqlite" => {
            let _ = std::fs::remove_file(target);
            let conn = rusqlite::Connection::open(target).unwrap_or_else(|e| fail(&e.to_string()));
            conn.execute_batch("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB); BEGIN")
                .unwrap_or_else(|e| fail(&e.to_string()));
            Box::new(move |n, blob| {
                if n == 0 {
                    conn.execute_batch("COMMIT").unwrap_or_else(|e| fail(&e.to_string()));
                    return;
                }
                conn.execute("INSERT INTO blobs VALUES (?1, ?2)", rusqlite::params![n as i64, blob])
                    .unwrap_or_else(|e| fail(&e.to_string()));
            })
        }
        "postgres" => {
            let mut client =
                postgres::Client::connect(target, postgres::NoTls).unwrap_or_else(|e| fail(&e.to_string()));
            client
                .batch_execute(
                    "DROP TABLE IF EXISTS blobs; CREATE TABLE blobs (id bigint PRIMARY KEY, data bytea); BEGIN",
                )
                .unwrap_or_else(|e| fail(&e.to_string()));
            let insert = client
                .prepare("INSERT INTO blobs VALUES ($1, $2)")
                .unwrap_or_else(|e| fail(&e.to_string()));
            Box::new(move |n, blob| {
                if n == 0 {
                    client.batch_execute("COMMIT").unwrap_or_else(|e| fail(&e.to_string()));
                    return;
                }
                client
                    .execute(&insert, &[&(n as i64), &blob])
                    .unwrap_or_else(|e| fail(&e.to_string()));
            })
        }
        other => fail(&format!("unknown format {other:?}: mongodump, sqlite or postgres")),
    };
    let target_bytes = mib << 20;
    let mut written = 0u64;
    let mut n = 0u64;
    // A small deterministic generator: the store is the same every run.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut next_big = 1u64 << 29;
    while written < target_bytes {
        n += 1;
        let blob = if written >= next_big {
            next_big += 1 << 30;
            // One large document: a single 48 MiB binary field.
            bson::doc! { "payload": bson::Binary { subtype: bson::spec::BinarySubtype::Generic, bytes: vec![0x5a; 48 << 20] } }
                .to_vec()
                .expect("a document serializes")
        } else {
            let doc = record(n, &mut next).to_vec().expect("a document serializes");
            if n % 2 == 0 {
                let mut b = Vec::new();
                prefixproof::app::scan::blob::reencode(&doc, &mut b, &mut Vec::new()).expect("a valid document");
                b
            } else {
                doc
            }
        };
        sink(n, &blob);
        written += blob.len() as u64;
    }
    // n = 0: finish (flush, commit).
    sink(0, &[]);
    eprintln!("{target}: {n} blobs, {written} bytes");
}

/// Stores blob `n` (n = 1, 2, ...); `n` = 0 finishes the store.
type Sink = dyn FnMut(u64, &[u8]);

fn fail(message: &str) -> ! {
    eprintln!("big_store: {message}");
    std::process::exit(1);
}

/// A user-like record of a few KiB.
fn record(n: u64, next: &mut impl FnMut() -> u64) -> bson::Document {
    let tags: Vec<String> = (0..next() % 8).map(|i| format!("tag{}", (next() % 50) + i)).collect();
    let events: Vec<bson::Document> = (0..10 + next() % 30)
        .map(|i| {
            let kind = ["view", "click", "buy", "share"][(next() % 4) as usize];
            bson::doc! {
                "at": (1_600_000_000 + next() % 100_000_000) as i64,
                "kind": kind,
                "amount": (next() % 100_000) as f64 / 100.0,
                "seq": i as i32,
            }
        })
        .collect();
    bson::doc! {
        "user_id": n as i64,
        "name": format!("user {n}"),
        "email": format!("user{n}@example.com"),
        "active": next() % 2 == 0,
        "score": (next() % 1_000_000) as f64 / 1000.0,
        "tags": tags,
        "address": { "city": format!("city {}", next() % 1000), "zip": format!("{:05}", next() % 100_000) },
        "events": events,
    }
}
