//! Structure-aware: an arbitrary document and configuration, encoded by the
//! configuration's profile; the oracle must contain the blob's length for each
//! prefix, and a blob shorter than the configuration's bound must be classified
//! msgpack.
//!
//! The check is `prefixproof_testkit::fuzz_checks::misread_below_bound`, which
//! `tests/fuzz_regressions.rs` also runs on every saved input under
//! `fuzz/regressions/misread_below_bound/`.
#![no_main]

use libfuzzer_sys::{fuzz_target, Corpus};
use prefixproof_testkit::fuzz_checks;

fuzz_target!(|data: &[u8]| -> Corpus {
    if fuzz_checks::fuzz(fuzz_checks::misread_below_bound, data) {
        Corpus::Keep
    } else {
        Corpus::Reject
    }
});
