//! prefixproof: proves exactly when the length-prefix detector that tells
//! BSON from MessagePack is safe.
//!
//! The detector calls a blob BSON when its first four bytes, read as a
//! little-endian `i32`, equal its length. A msgpack blob of length `L` is
//! misread exactly when it starts with `L.to_le_bytes()`. For an encoder
//! profile and a key specification this crate computes the smallest such
//! `L` (the bound), proves every shorter length impossible with an exact
//! oracle, cross-checks that with an independent enumeration, and builds a
//! witness blob at the bound.
//!
//! One module per concept:
//! - [`detector`]: the rule under test.
//! - [`decode`]: decoding a blob the way the detector dispatches it.
//! - [`profile`]: which headers each encoder profile writes.
//! - [`keyspec`]: which keys are allowed, and key counting.
//! - [`lengths`]: sets of lengths (unions of ranges).
//! - [`utf8`]: incremental UTF-8 validation.
//! - [`oracle`]: prefix → exact set of document lengths.
//! - [`encode`]: writing headers of a chosen width, padding values.
//! - [`conformance`]: does a whole blob conform to a profile?
//! - [`config`]: the report's configurations.
//! - [`search`]: brute-force sweep and structural walk.
//! - [`witness`]: building and verifying colliding blobs.
//! - [`report`]: the CSV reports.
//! - [`plot`]: the report's plot of colliding lengths.

pub mod cli;
pub mod config;
pub mod conformance;
pub mod corpus;
pub mod decode;
pub mod detector;
pub mod encode;
pub mod fuzz_checks;
pub mod generate;
pub mod keyspec;
pub mod lengths;
pub mod model;
pub mod oracle;
pub mod plot;
pub mod profile;
pub mod profile_encode;
pub mod report;
pub mod search;
pub mod utf8;
pub mod witness;
