//! Test scaffolding for `prefixproof`, kept out of the tool's dependency
//! graph: the tests and the fuzz targets depend on it, the CLI does not.
//!
//! - [`model`]: the document model (conforming dictionaries as plain Rust
//!   data), its `Arbitrary` instances and the BSON mapping.
//! - [`encode`]: writing model documents exactly as each profile does.
//! - [`generate`]: proptest strategies that build real documents, of exact
//!   lengths and around colliding prefixes (feature `strategies`, which the
//!   tests turn on; the fuzz targets build without proptest).
//! - [`fuzz_checks`]: what each fuzz target checks, as plain functions the
//!   regression tests replay.
//! - [`corpus`]: the fuzz targets' seed corpora (written by the tool's `seed_corpus` example).

pub mod corpus;
pub mod encode;
pub mod fuzz_checks;
#[cfg(feature = "strategies")]
pub mod generate;
pub mod model;
