//! Brute force: ask the oracle about every length in `[4, 2^31)`.
//!
//! For each `L` the oracle parses `L.to_le_bytes()` and says whether `L`
//! is in its length set. No shortcut decides anything here: every length
//! is asked. Parallel with rayon; the parser is reused within a chunk.

use std::ops::Range;

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
///
/// Lengths are visited grouped by their low byte (the prefix's first byte,
/// which decides the parse's first branch) so the CPU's branch predictor
/// sees long runs of the same path; each length is still parsed from
/// scratch. The hits are sorted at the end.
pub fn colliding_lengths(
    profile: Profile,
    keys: &KeySpec,
    range: Range<u64>,
    progress: Option<&ProgressBar>,
) -> Vec<u32> {
    let high_end = (range.end + 255) >> 8;
    let mut work: Vec<(u8, Range<u64>)> = Vec::new();
    for low in 0..=255u8 {
        let mut start = range.start >> 8;
        while start < high_end {
            let end = (start + (CHUNK >> 8)).min(high_end);
            work.push((low, start..end));
            start = end;
        }
    }
    let found: Vec<Vec<u32>> = work
        .into_par_iter()
        .map(|(low, highs)| {
            let mut parser = Parser::new(profile, keys.clone());
            let mut hits = Vec::new();
            let mut asked = 0;
            for high in highs {
                let len = (high << 8) | low as u64;
                if !range.contains(&len) {
                    continue;
                }
                asked += 1;
                if collides_with(&mut parser, len) {
                    hits.push(len as u32);
                }
            }
            if let Some(pb) = progress {
                pb.inc(asked);
            }
            hits
        })
        .collect();
    let mut all = found.concat();
    all.sort_unstable();
    all
}

/// Whether the oracle admits a document of `len` bytes starting with
/// `len`'s prefix (reusing `parser`'s allocations).
pub fn collides_with(parser: &mut Parser, len: u64) -> bool {
    parser.reset();
    parser.feed(&prefix_of(len)) && parser.lengths().contains(len as u128)
}

/// The smallest colliding length in `range`: every smaller length in the
/// range has been asked and found impossible. Parallel over chunks in
/// order, stopping after the chunk holding the first hit; `progress` (if
/// any) advances by the lengths checked.
pub fn first_colliding(
    profile: Profile,
    keys: &KeySpec,
    range: Range<u64>,
    progress: Option<&ProgressBar>,
) -> Option<u64> {
    let mut start = range.start;
    while start < range.end {
        // One chunk per thread at a time, so no thread runs far past a hit.
        let span = CHUNK * rayon::current_num_threads() as u64;
        let end = start.saturating_add(span).min(range.end);
        let hit = (start..end)
            .into_par_iter()
            .map_init(
                || Parser::new(profile, keys.clone()),
                |parser, len| (len, collides_with(parser, len)),
            )
            .find_first(|(_, hit)| *hit)
            .map(|(len, _)| len);
        if let Some(pb) = progress {
            pb.inc(hit.map_or(end, |h| h + 1) - start);
        }
        if hit.is_some() {
            return hit;
        }
        start = end;
    }
    None
}
