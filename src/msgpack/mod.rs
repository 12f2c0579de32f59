//! The msgpack format layer: everything the project knows about the wire
//! format, each fact once.
//!
//! - [`marker`]: the marker table (which byte starts which kind and width),
//!   integer formats, header sizes.
//! - [`write`]: laying out headers of a chosen width; padding values.
//! - [`profile`]: which headers and integer encodings an encoder writes.
//! - [`keys`]: which keys a map may have, and counting them.
//! - [`lang`]: key languages given as regular expressions, compiled to
//!   automata, with exact counting over them.
//! - [`utf8`]: incremental UTF-8 validation of str bodies.
//!
//! Nothing here knows about lengths of whole documents, the detector or
//! the proofs; those live in [`crate::proof`] and [`crate::detect`].

pub mod keys;
pub mod lang;
pub mod marker;
pub mod profile;
pub(crate) mod utf8;
pub mod write;

/// Deepest container nesting any part of the project reads or writes: the
/// conformance checker's limit, which `decode` and the encoders share, so
/// every conforming blob decodes and every encoded one can be checked.
pub const MAX_DEPTH: usize = 256;

pub use keys::{FirstChar, KeySpec, Kmax};
pub use marker::{IntFormat, Kind, Marker, Width};
pub use profile::{Profile, ProfileSet};
