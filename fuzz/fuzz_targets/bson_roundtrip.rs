//! Structure-aware: an arbitrary document written as BSON must be classified
//! BSON and decode to the same document.
//!
//! The check is `prefixproof_testkit::fuzz_checks::bson_roundtrip`, which
//! `tests/fuzz_regressions.rs` also runs on every saved input under
//! `fuzz/regressions/bson_roundtrip/`.
#![no_main]

use libfuzzer_sys::{fuzz_target, Corpus};
use prefixproof_testkit::fuzz_checks;

fuzz_target!(|data: &[u8]| -> Corpus {
    if fuzz_checks::fuzz(fuzz_checks::bson_roundtrip, data) {
        Corpus::Keep
    } else {
        Corpus::Reject
    }
});
