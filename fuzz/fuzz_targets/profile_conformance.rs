//! Raw bytes (first byte: configuration) that a profile's conformance check
//! accepts re-encode to the identical bytes.
//!
//! The check is `prefixproof_testkit::fuzz_checks::profile_conformance`, which
//! `tests/fuzz_regressions.rs` also runs on every saved input under
//! `fuzz/regressions/profile_conformance/`.
#![no_main]

use libfuzzer_sys::{fuzz_target, Corpus};
use prefixproof_testkit::fuzz_checks;

fuzz_target!(|data: &[u8]| -> Corpus {
    if fuzz_checks::fuzz(fuzz_checks::profile_conformance, data) {
        Corpus::Keep
    } else {
        Corpus::Reject
    }
});
