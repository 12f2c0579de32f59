//! Raw bytes (first byte: configuration): the oracle agrees with the
//! conformance checker on whole blobs, never drops the length of a conforming
//! blob, and its sets only shrink as the prefix grows.
//!
//! The check is `prefixproof_testkit::fuzz_checks::oracle_vs_raw`, which
//! `tests/fuzz_regressions.rs` also runs on every saved input under
//! `fuzz/regressions/oracle_vs_raw/`.
#![no_main]

use libfuzzer_sys::{fuzz_target, Corpus};
use prefixproof_testkit::fuzz_checks;

fuzz_target!(|data: &[u8]| -> Corpus {
    if fuzz_checks::fuzz(fuzz_checks::oracle_vs_raw, data) {
        Corpus::Keep
    } else {
        Corpus::Reject
    }
});
