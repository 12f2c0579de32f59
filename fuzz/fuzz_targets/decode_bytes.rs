//! Raw bytes into the detector-dispatched decoder: never panics, hangs or
//! allocates by a header's word (the scripts run it with a malloc limit).
//!
//! The check is `prefixproof_testkit::fuzz_checks::decode_bytes`, which
//! `tests/fuzz_regressions.rs` also runs on every saved input under
//! `fuzz/regressions/decode_bytes/`.
#![no_main]

use libfuzzer_sys::{fuzz_target, Corpus};
use prefixproof_testkit::fuzz_checks;

fuzz_target!(|data: &[u8]| -> Corpus {
    if fuzz_checks::fuzz(fuzz_checks::decode_bytes, data) {
        Corpus::Keep
    } else {
        Corpus::Reject
    }
});
