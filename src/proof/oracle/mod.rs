//! The oracle: for a byte prefix, the exact set of total lengths that
//! conforming documents starting with that prefix can have.
//!
//! It is a partial parser over the msgpack grammar ([`parser`]): feeding
//! bytes moves a stack of open containers plus at most one half-read token,
//! and any byte no conforming document can have at that point kills the
//! parse. The completion set of a live state is then computed from the
//! state alone ([`completion`]). What each byte meant is reported to a
//! recorder ([`explain`]), which costs nothing in sweeps.
//!
//! The result is sound (it never drops a length a real document has) and
//! complete (every length in it has a document); the witness builder relies
//! on the latter to build blobs greedily, and the tests check both.
//!
//! This module owns the grammar of conforming documents and the length
//! arithmetic over it. It does not own the format's vocabulary
//! ([`crate::msgpack`]) or the searches that ask it about many prefixes
//! ([`crate::proof::search`]).

mod completion;
mod explain;
mod keyset;
mod parser;

use crate::msgpack::{KeySpec, Profile};
use crate::proof::lengths::LengthSet;

pub use explain::{answer, Answer, Dead, Recorder, Silent, Trace};
pub use keyset::KeySet;
pub use parser::{Expect, Parser};

impl<R: Recorder> Parser<R> {
    /// The exact set of total lengths of conforming documents that start
    /// with the bytes fed so far.
    pub fn lengths(&self) -> LengthSet {
        self.state.completion().shift(self.state.pos as u128)
    }

    /// When a new value is expected: the set of total lengths if that value
    /// took no bytes at all (so a value of `s` bytes gives this set shifted
    /// by `s`). The rest of a document never depends on a value's content.
    pub fn lengths_after_next_value(&self) -> Option<LengthSet> {
        (self.expect() == Expect::Value).then(|| self.state.rest_after_next_value().shift(self.state.pos as u128))
    }
}

/// Just the length set for `prefix`.
pub fn lengths(profile: Profile, keys: &KeySpec, prefix: &[u8]) -> LengthSet {
    let mut p = Parser::new(profile, keys.clone());
    p.feed(prefix);
    p.lengths()
}
