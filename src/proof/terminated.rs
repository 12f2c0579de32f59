//! The `post+eoo` detector's smallest misread blob: a conforming msgpack
//! document the post's detector misreads whose last byte is 0x00, BSON's
//! terminator.
//!
//! Every blob `post+eoo` misreads, the post's detector misreads too, so
//! its bound is at least the post's. A blob of exactly the post's bound
//! that ends in 0x00 then makes that bound exact: the witness builder's
//! blob is given a last byte of 0x00 (the last byte of a document is the
//! last byte of its last value, and 0x00 is the integer 0, or a str's or
//! bin's last byte of content, in every profile) and checked again by the
//! independent judges. Where the judges refuse it, the bound is reported
//! as the post's bound or more, never as exact.
//!
//! This module owns that argument; the oracle and the builder are the
//! proof core's, the detector is [`crate::detect::detectors`]'.

use crate::detect::detectors::{decide, Detector, Verdict, Written};
use crate::msgpack::{KeySpec, Profile};
use crate::proof::search::walk;
use crate::proof::witness::{self, WitnessError};

/// The smallest blob `post+eoo` misreads, as far as it is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TerminatedBound {
    /// The post's detector misreads nothing below 2^31, so neither does
    /// `post+eoo`.
    None,
    /// Exactly this length: every shorter blob is read right by the post's
    /// detector already, and `witness` (this long) is misread.
    Exact { len: u64, witness: Vec<u8> },
    /// At least the post's bound; the smallest blob found is `found` long
    /// (if any was found among the lengths tried).
    AtLeast { lower: u64, found: Option<u64> },
}

/// Why no `post+eoo` witness of a length was made.
#[derive(Debug, thiserror::Error)]
pub enum TerminatedError {
    /// Building the post's witness, or checking the blob, failed.
    #[error(transparent)]
    Witness(#[from] WitnessError),
    /// The blob is a conforming document the post misreads, but the
    /// `post+eoo` detector reads it right.
    #[error("post+eoo does not misread it: {0}")]
    NotMisread(String),
}

/// A blob of exactly `len` bytes that `post+eoo` misreads: the post's
/// witness, ending in 0x00, checked again.
pub fn terminated_witness(profile: Profile, keys: &KeySpec, len: u64) -> Result<Vec<u8>, TerminatedError> {
    let mut blob = witness::build_colliding(profile, keys, len)?;
    if let Some(last) = blob.last_mut() {
        *last = 0;
    }
    witness::verify(profile, keys, &blob).map_err(WitnessError::from)?;
    let decision = decide(Detector::PostEoo, Written { profile, keys }, &blob);
    if decision.verdict != Verdict::Bson {
        return Err(TerminatedError::NotMisread(decision.why.to_string()));
    }
    Ok(blob)
}

/// `post+eoo`'s bound for `profile` and `keys`, trying at most `tries` of
/// the post's colliding lengths (in increasing order) when the first fails.
pub fn terminated_bound(profile: Profile, keys: &KeySpec, tries: usize) -> TerminatedBound {
    terminated_bound_among(profile, keys, &walk::colliding_lengths(profile, keys), tries)
}

/// [`terminated_bound`] given the post's colliding lengths in increasing
/// order (the walk's list).
pub fn terminated_bound_among(profile: Profile, keys: &KeySpec, colliding: &[u32], tries: usize) -> TerminatedBound {
    let Some(&bound) = colliding.first() else {
        return TerminatedBound::None;
    };
    for (i, &len) in colliding.iter().take(tries.max(1)).enumerate() {
        if let Ok(witness) = terminated_witness(profile, keys, len as u64) {
            return if i == 0 {
                TerminatedBound::Exact {
                    len: len as u64,
                    witness,
                }
            } else {
                TerminatedBound::AtLeast {
                    lower: bound as u64,
                    found: Some(len as u64),
                }
            };
        }
    }
    TerminatedBound::AtLeast {
        lower: bound as u64,
        found: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgpack::{FirstChar, Kmax};

    /// The map32-header bound, 223, holds for post+eoo too: the witness
    /// ends in 0x00 and every judge accepts it.
    #[test]
    fn the_map32_header_bound_holds_with_a_terminator() {
        let keys = KeySpec::new(FirstChar::Alnum, Kmax::Bounded(31));
        let TerminatedBound::Exact { len, witness } = terminated_bound(Profile::Map32Header, &keys, 1) else {
            panic!("not exact");
        };
        assert_eq!(len, 223);
        assert_eq!(witness.len(), 223);
        assert_eq!(witness[..4], [0xdf, 0, 0, 0]);
        assert_eq!(witness.last(), Some(&0));
        // A blob without the terminator is read right.
        let mut other = witness.clone();
        *other.last_mut().unwrap() = 0xc0;
        let written = Written {
            profile: Profile::Map32Header,
            keys: &keys,
        };
        assert_eq!(decide(Detector::PostEoo, written, &other).verdict, Verdict::Msgpack);
    }

    #[test]
    fn no_bound_without_collisions() {
        // Keys in Cyrillic: a key's first byte after its header (0xd0 or
        // 0xd1) would be the length's third byte, and its second byte (0x80
        // or more) the fourth: lengths of 2^31 or more.
        let keys = KeySpec::from_patterns("имя|почта", None, 255).unwrap();
        assert_eq!(terminated_bound(Profile::Canonical, &keys, 1), TerminatedBound::None);
    }
}
