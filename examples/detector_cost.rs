//! The cost of each detector per blob, on real documents: each BSON
//! document of a mongodump-format file (as `scripts/real-data.sh` writes
//! them), and its canonical msgpack re-encoding, classified by every
//! detector; the time per blob is the median of five passes.
//!
//! ```sh
//! scripts/real-data.sh   # downloads the datasets, writes the stores
//! cargo run --release --example detector_cost -- /tmp/prefixproof-real-data/stores/*.bson
//! ```
//!
//! The msgpack rules are canonical with keys of 1 to 255 bytes other than
//! NUL: the detectors that check conformance check every key against them.

use std::time::Instant;

use prefixproof::app::scan::blob::reencode;
use prefixproof::detect::detectors::{decide, Detector, Written};
use prefixproof::msgpack::{KeySpec, Profile};

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: detector_cost FILE.bson...");
        std::process::exit(2);
    }
    let keys = KeySpec::from_patterns(r"[^\x00]+", None, 255).expect("a valid pattern");
    let written = Written {
        profile: Profile::Canonical,
        keys: &keys,
    };
    println!(
        "dataset,format,blobs,bytes,{}",
        Detector::ALL.map(|d| format!("{d} ns/blob")).join(",")
    );
    for path in paths {
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let (mut bson, mut msgpack) = (Vec::new(), Vec::new());
        let mut at = 0;
        while at + 4 <= data.len() {
            let len = i32::from_le_bytes(data[at..at + 4].try_into().unwrap()) as usize;
            let doc = &data[at..at + len];
            let (mut out, mut names) = (Vec::new(), Vec::new());
            reencode(doc, &mut out, &mut names).unwrap_or_else(|e| panic!("{path} at {at}: {e}"));
            bson.push(doc);
            msgpack.push(out);
            at += len;
        }
        let name = std::path::Path::new(&path)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let msgpack: Vec<&[u8]> = msgpack.iter().map(Vec::as_slice).collect();
        for (format, blobs) in [("bson", &bson), ("msgpack", &msgpack)] {
            let bytes: usize = blobs.iter().map(|b| b.len()).sum();
            let costs = Detector::ALL.map(|d| {
                let mut passes: Vec<f64> = (0..5)
                    .map(|_| {
                        let start = Instant::now();
                        for blob in blobs.iter() {
                            std::hint::black_box(decide(d, written, std::hint::black_box(blob)));
                        }
                        start.elapsed().as_nanos() as f64 / blobs.len() as f64
                    })
                    .collect();
                passes.sort_by(f64::total_cmp);
                format!("{:.0}", passes[2])
            });
            println!("{name},{format},{},{bytes},{}", blobs.len(), costs.join(","));
        }
    }
}
