//! The proof core: the oracle, the two searches that must agree, the
//! witnesses, and the independent judges that check them.
//!
//! - [`lengths`]: sets of document lengths (unions of ranges).
//! - [`oracle`]: prefix → exact set of lengths, with explanations.
//! - [`search`]: every colliding length, by brute force over the oracle and
//!   by an independent structural walk of the grammar.
//! - [`witness`]: building colliding blobs and verifying them with tools
//!   that share nothing with the oracle.
//! - [`conformance`]: the independent whole-blob judge of profile rules.
//! - `distinct`: the first repeated key of a map, for both judges.
//!
//! It builds on [`crate::msgpack`] and knows nothing about the CLI, the
//! reports or how blobs are stored.

pub mod conformance;
mod distinct;
pub mod lengths;
pub mod oracle;
pub mod polyglot;
pub mod search;
pub mod terminated;
pub mod witness;
