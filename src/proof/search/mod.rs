//! Finding every colliding length, two independent ways.
//!
//! A length `L` collides when a conforming document of exactly `L` bytes
//! starts with `L.to_le_bytes()`. [`brute`] asks the oracle about every
//! `L` in `[4, 2^31)`; [`walk`] enumerates the prefix space from the
//! grammar's side, generating bytes instead of parsing them, and never
//! touches the oracle. Both return the full sorted list of colliding
//! lengths; tests require the lists to be identical.

pub mod brute;
pub mod walk;

/// Lengths are searched in `[FIRST, LIMIT)`: the detector needs four bytes,
/// and an `i32` prefix cannot equal `2^31` or more.
pub const FIRST: u64 = 4;
pub const LIMIT: u64 = 1 << 31;

/// The four prefix bytes a blob of length `len` must start with to be
/// misread as BSON.
pub fn prefix_of(len: u64) -> [u8; 4] {
    (len as u32).to_le_bytes()
}
