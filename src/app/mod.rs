//! The application: what the `prefixproof` binary does with the proof
//! core.
//!
//! - [`config`]: the report's configurations (profile × key rules).
//! - [`report`]: computing, proving and writing the CSV reports and the
//!   README table.
//! - [`plot`]: the report's plot.
//! - [`scan`]: reading a real store and summing up what is in it.
//! - [`cli`]: argument parsing and one function per subcommand.
//!
//! Everything proved here is proved by [`crate::proof`]; this layer only
//! chooses what to ask and how to show it.

pub mod cli;
pub mod config;
pub(crate) mod detectors;
pub mod fixtures;
pub(crate) mod plot;
pub mod report;
pub mod scan;
