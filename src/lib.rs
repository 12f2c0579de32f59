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
//! The modules follow the architecture:
//! - [`msgpack`]: the format layer, each fact once: the marker table,
//!   header writing, encoder profiles, key specifications, UTF-8.
//! - [`proof`]: the proof core: length sets, the oracle, the brute-force
//!   sweep and the structural walk, witnesses, the conformance judge.
//! - [`detect`]: the detector under test and dispatching decode.
//! - [`app`]: the application: configurations, reports, the plot, the CLI.
//! - [`hex`]: hex text for byte strings.
//!
//! Test scaffolding (the document model, profile encoders, generators, fuzz
//! checks, seed corpora) lives in the `prefixproof-testkit` crate beside
//! this one, outside the tool's dependency graph.

pub mod app;
pub mod detect;
pub mod hex;
pub mod msgpack;
pub mod proof;
