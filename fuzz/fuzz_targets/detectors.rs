//! On raw bytes (a configuration selector, then the blob): `strict` answers
//! exactly what independent BSON and msgpack judges say, `bson-valid` and
//! `msgpack-first` call a format only what its judge accepts, and any
//! polyglot found is at least as long as `reports/detectors.csv` allows.
//!
//! The check is `prefixproof_testkit::fuzz_checks::detectors`, which
//! `tests/fuzz_regressions.rs` also runs on every saved input under
//! `fuzz/regressions/detectors/`.
#![no_main]

use libfuzzer_sys::{fuzz_target, Corpus};
use prefixproof_testkit::fuzz_checks;

fuzz_target!(|data: &[u8]| -> Corpus {
    if fuzz_checks::fuzz(fuzz_checks::detectors, data) {
        Corpus::Keep
    } else {
        Corpus::Reject
    }
});
