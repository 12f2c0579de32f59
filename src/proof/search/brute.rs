//! Brute force: ask the oracle about every length in `[4, 2^31)`.
//!
//! For each `L` the oracle parses `L.to_le_bytes()` and says whether `L`
//! is in its length set. No shortcut from the grammar's side decides
//! anything here: every length gets the parser's own answer (see [`Asker`]
//! for what is remembered between questions). Parallel with rayon over
//! chunks of consecutive lengths; each thread reuses one parser.

use std::ops::Range;
use std::sync::Arc;

use indicatif::ProgressBar;
use rayon::prelude::*;

use crate::msgpack::{KeySpec, Profile};
use crate::proof::oracle::Parser;

use super::prefix_of;

/// Lengths per parallel work item.
const CHUNK: u64 = 1 << 20;

/// Every `L` in `range` for which the oracle admits a document of length
/// `L` starting with `L`'s own prefix, sorted. `progress` (if any) advances
/// by the number of lengths checked.
pub fn colliding_lengths(
    profile: Profile,
    keys: &KeySpec,
    range: Range<u64>,
    progress: Option<&ProgressBar>,
) -> Vec<u32> {
    let asker = Asker::new(profile, keys);
    let found: Vec<Vec<u32>> = chunks(range)
        .into_par_iter()
        .map_init(
            || asker.clone(),
            |asker, chunk| {
                let hits = asker.colliding_in(chunk.clone());
                if let Some(pb) = progress {
                    pb.inc(chunk.end - chunk.start);
                }
                hits
            },
        )
        .collect();
    let mut all = found.concat();
    all.sort_unstable();
    all
}

/// The smallest colliding length in `range`: every smaller length in the
/// range has been asked and found impossible. Parallel over chunks in
/// order, stopping after the chunks holding the first hit; `progress` (if
/// any) advances by the lengths checked.
pub fn first_colliding(
    profile: Profile,
    keys: &KeySpec,
    range: Range<u64>,
    progress: Option<&ProgressBar>,
) -> Option<u64> {
    let asker = Asker::new(profile, keys);
    let all = chunks(range);
    // A few chunks per thread at a time, so no thread runs far past a hit.
    for batch in all.chunks(2 * rayon::current_num_threads()) {
        let hits: Vec<Vec<u32>> = batch
            .par_iter()
            .map_init(|| asker.clone(), |asker, chunk| asker.colliding_in(chunk.clone()))
            .collect();
        // Chunks are in increasing order: the first with a hit has the
        // smallest one.
        let first = hits.iter().position(|h| !h.is_empty());
        if let Some(pb) = progress {
            let checked = &batch[..first.map_or(batch.len(), |i| i + 1)];
            pb.inc(checked.iter().map(|c| c.end - c.start).sum());
        }
        if let Some(i) = first {
            return hits[i].iter().min().map(|&len| len as u64);
        }
    }
    None
}

/// `range` cut into consecutive chunks of at most [`CHUNK`] lengths.
fn chunks(range: Range<u64>) -> Vec<Range<u64>> {
    let mut out = Vec::new();
    let mut start = range.start;
    while start < range.end {
        let end = start.saturating_add(CHUNK).min(range.end);
        out.push(start..end);
        start = end;
    }
    out
}

/// Asks the oracle whether lengths collide.
///
/// Whether the parser kills a prefix within its first two bytes depends on
/// those two bytes alone, so the parser's verdict on each of the 65,536
/// two-byte starts is asked once, when the asker is made, and remembered.
/// A length whose prefix dies there (nearly all of them: most first bytes
/// are not a map's marker, most second bytes not a key's) is answered from
/// that table; every other length is parsed from scratch and its length set
/// asked. The table holds the parser's own answers: no second grammar.
///
/// Clones share the table and have parsers of their own.
#[derive(Clone)]
pub struct Asker {
    parser: Parser,
    /// For each first byte, the second bytes the parser survives (bit `b1`
    /// of row `b0`).
    live_starts: Arc<[[u64; 4]; 256]>,
}

impl Asker {
    pub fn new(profile: Profile, keys: &KeySpec) -> Self {
        let mut parser = Parser::new(profile, keys.clone());
        let mut live_starts = Box::new([[0u64; 4]; 256]);
        for (b0, row) in live_starts.iter_mut().enumerate() {
            for b1 in 0..=255u8 {
                parser.reset();
                if parser.feed(&[b0 as u8, b1]) {
                    row[b1 as usize / 64] |= 1 << (b1 % 64);
                }
            }
        }
        Asker {
            parser,
            live_starts: Arc::from(live_starts),
        }
    }

    /// Whether the oracle admits a document of `len` bytes starting with
    /// `len`'s own four-byte prefix.
    #[inline]
    pub fn collides(&mut self, len: u64) -> bool {
        let [b0, b1, ..] = prefix_of(len);
        live(&self.live_starts[b0 as usize], b1) && self.parse_and_ask(len)
    }

    /// Every colliding length in `range`, in no particular order.
    ///
    /// Lengths are visited grouped by their first prefix byte, which decides
    /// the parse's first branch: a first byte that the parser kills for
    /// every second byte answers its whole group at once, and within a
    /// group the CPU's branch predictor sees long runs of the same path.
    fn colliding_in(&mut self, range: Range<u64>) -> Vec<u32> {
        let mut hits = Vec::new();
        if range.is_empty() {
            return hits;
        }
        let highs = range.start >> 8..=(range.end - 1) >> 8;
        for b0 in 0..=255u8 {
            let row = self.live_starts[b0 as usize];
            if row == [0; 4] {
                continue;
            }
            for high in highs.clone() {
                let len = (high << 8) | b0 as u64;
                if live(&row, high as u8) && range.contains(&len) && self.parse_and_ask(len) {
                    hits.push(len as u32);
                }
            }
        }
        hits
    }

    /// The whole question, for a prefix that survives its first two bytes.
    #[inline(never)]
    fn parse_and_ask(&mut self, len: u64) -> bool {
        let parser = &mut self.parser;
        parser.reset();
        parser.feed(&prefix_of(len)) && parser.lengths().contains(len as u128)
    }
}

/// Whether second byte `b1` is set in a first byte's row.
#[inline]
fn live(row: &[u64; 4], b1: u8) -> bool {
    row[b1 as usize / 64] & (1 << (b1 % 64)) != 0
}
