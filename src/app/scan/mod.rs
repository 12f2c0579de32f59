//! `prefixproof scan`: is a real store safe? Every blob of a store is read,
//! examined by both decoders, the detector and the conformance checker,
//! and added up into a summary that ends with the exact bound for the
//! configuration the data shows.
//!
//! - [`source`]: reading stores (files, mongodump, SQLite, PostgreSQL).
//! - [`blob`]: the verdict on one blob, and its re-encoding as msgpack.
//! - [`summary`]: adding verdicts up, and merging the tallies of shards.
//! - [`verdict`]: the bounds the tally calls for, and the readable summary.
//!
//! This module drives them: one thread reads records in batches bounded in
//! bytes, while every core examines the batch before; the findings are added
//! up in the store's order (so the per-blob CSV is in that order too).
//! Memory holds three batches (being read, waiting, being examined), each
//! at most one blob past its bound.

pub mod blob;
pub mod source;
pub mod summary;
pub mod verdict;

use std::io::Write;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::Serialize;

use crate::msgpack::KeySpec;

use self::blob::{examine, Finding};
use self::source::{Content, Record, Source, SourceError, Total};
use self::summary::{non_conforming_note, profile_names, Tally};
use super::report::progress_bar;

/// A batch is examined once it holds this many bytes of blobs...
const BATCH_BYTES: usize = 16 << 20;
/// ...or this many records.
const BATCH_RECORDS: usize = 4096;

/// A small store's blobs are all timed, whatever `time_every` says.
pub const TIME_ALL_FIRST: u64 = 1024;

/// What to check and how to show progress.
pub struct Options<'a> {
    /// The key rules msgpack blobs must follow.
    pub keys: &'a KeySpec,
    /// The same rules in words, for the summary.
    pub key_rules: String,
    /// Blobs longer than this are counted, not read.
    pub max_blob: u64,
    /// Time both decoders on each of the first [`TIME_ALL_FIRST`] records'
    /// blobs and on every this many-th blob after (see [`blob::examine`]);
    /// 1 times every blob.
    pub time_every: u64,
    pub show_progress: bool,
}

/// One row of the per-blob CSV.
#[derive(Serialize)]
struct CsvRow<'a> {
    id: &'a str,
    bytes: Option<u64>,
    detector: &'a str,
    decodes_as: &'a str,
    profiles: String,
    flags: String,
    note: String,
}

fn csv_row<'a>(record: &'a Record, finding: Option<&Finding>) -> CsvRow<'a> {
    let mut row = CsvRow {
        id: &record.id,
        bytes: None,
        detector: "",
        decodes_as: "",
        profiles: String::new(),
        flags: String::new(),
        note: String::new(),
    };
    match (&record.content, finding) {
        (Content::Blob(_), Some(f)) => {
            row.bytes = Some(f.size);
            row.detector = match f.detector {
                crate::detect::Format::Bson => "bson",
                crate::detect::Format::MsgPack => "msgpack",
            };
            row.decodes_as = f.decodes.name();
            row.profiles = profile_names(f.profiles);
            let mut flags = Vec::new();
            if f.misread() {
                flags.push("misread");
            }
            if f.ambiguous() {
                flags.push("ambiguous");
            }
            if f.corrupt() {
                flags.push("corrupt");
            }
            if f.non_conforming.is_some() {
                flags.push("non-conforming");
            }
            row.flags = flags.join(" ");
            row.note = match (&f.non_conforming, &f.errors) {
                (Some(n), _) => non_conforming_note(n),
                (None, Some((bson, msgpack))) => format!("BSON: {bson}; msgpack: {msgpack}"),
                (None, None) => String::new(),
            };
        }
        (Content::Null, _) => row.flags = "null".into(),
        (Content::NotABlob(kind), _) => {
            row.flags = "not-a-blob".into();
            row.note = format!("a value of type {kind}");
        }
        (Content::TooLarge(n), _) => {
            row.bytes = Some(*n);
            row.flags = "too-large".into();
            row.note = "over --max-blob; not read".into();
        }
        (Content::Unreadable(why), _) => {
            row.flags = "unreadable".into();
            row.note = why.clone();
        }
        (Content::Blob(_), None) => unreachable!("every blob is examined"),
    }
    row
}

/// Scan `source`: examine every blob, write a CSV row per record to `csv`
/// if given, and return the tally. A source that fails part way ends the
/// scan with its error recorded in the tally; what was read is kept.
pub fn scan(source: &Source, opts: &Options, mut csv: Option<&mut csv::Writer<Box<dyn Write>>>) -> Result<Tally> {
    let mut tally = Tally::new(source.to_string(), opts.key_rules.clone());
    let (len, what) = match source.total() {
        Some(Total::Bytes(n)) => (Some(n), "bytes"),
        Some(Total::Rows(n)) => (Some(n), "rows"),
        None => (None, "records"),
    };
    // On a terminal: how far, how fast, how long still.
    let pb = progress_bar(len.unwrap_or(0), "scanning", opts.show_progress);
    let template = match (len, what) {
        (Some(_), "bytes") => "{msg} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta}",
        (Some(_), _) => "{msg} [{bar:30}] {human_pos}/{human_len} rows, {per_sec} eta {eta}",
        (None, _) => "{msg} {human_pos} records, {per_sec}",
    };
    pb.set_style(
        indicatif::ProgressStyle::with_template(template)
            .expect("static template")
            .progress_chars("=> "),
    );
    if len.is_none() {
        pb.unset_length();
    }
    let by_bytes = what == "bytes";
    let every = opts.time_every.max(1);
    // The position of the next batch's first record in the source.
    let mut first = 0u64;
    let mut process = |batch: Vec<Record>, tally: &mut Tally| -> Result<()> {
        let start = first;
        let findings: Vec<Option<Finding>> = batch
            .par_iter()
            .enumerate()
            .map(|(i, r)| match &r.content {
                Content::Blob(b) => {
                    let at = start + i as u64;
                    Some(examine(b, opts.keys, at < TIME_ALL_FIRST || at % every == 0))
                }
                _ => None,
            })
            .collect();
        first += batch.len() as u64;
        for (record, finding) in batch.iter().zip(&findings) {
            match finding {
                Some(f) => tally.add(&record.id, f),
                None => tally.add_skipped(record),
            }
            if let Some(w) = csv.as_deref_mut() {
                w.serialize(csv_row(record, finding.as_ref()))
                    .context("writing the CSV")?;
            }
            pb.inc(if by_bytes {
                match &record.content {
                    Content::Blob(b) => b.len() as u64,
                    Content::TooLarge(n) => *n,
                    _ => 0,
                }
            } else {
                1
            });
        }
        Ok(())
    };
    // One thread reads the store into batches while the others examine
    // the batch before; at most one batch waits between them.
    let (batches, received) = std::sync::mpsc::sync_channel::<Vec<Record>>(1);
    let read = std::thread::scope(|scope| -> Result<Result<(), SourceError>> {
        let reader = scope.spawn(move || {
            let mut batch = Vec::new();
            let mut bytes = 0usize;
            // False once the examining side has stopped: read on, keep nothing.
            let mut wanted = true;
            let read = source.read(opts.max_blob, &mut |record| {
                if !wanted {
                    return;
                }
                if let Content::Blob(b) = &record.content {
                    bytes += b.len();
                }
                batch.push(record);
                if bytes >= BATCH_BYTES || batch.len() >= BATCH_RECORDS {
                    wanted = batches.send(std::mem::take(&mut batch)).is_ok();
                    bytes = 0;
                }
            });
            if wanted && !batch.is_empty() {
                let _ = batches.send(batch);
            }
            read
        });
        for batch in received.iter() {
            process(batch, &mut tally)?;
        }
        reader
            .join()
            .map_err(|_| anyhow::anyhow!("reading {source} failed unexpectedly"))
    })?;
    pb.finish_and_clear();
    if let Err(e) = read {
        tally.errors.push(e.to_string());
    }
    if let Some(w) = csv {
        w.flush().context("writing the CSV")?;
    }
    Ok(tally)
}
