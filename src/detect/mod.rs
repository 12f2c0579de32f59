//! The detector under test, exactly as the 2013 post states it:
//! BSON if `len >= 4` and `i32_le(blob[0..4]) == len`, msgpack otherwise;
//! [`decode`], which decodes a blob the way the detector dispatches it; and
//! [`detectors`], the stricter detectors a service can use instead.
//!
//! This module is what a service would run. The post's detector knows
//! nothing of profiles, keys or proofs; the stricter ones check msgpack
//! blobs against the profile and key rules the service writes by, with the
//! conformance checker the proofs use as their judge.

pub mod decode;
pub mod detectors;

use std::fmt;

/// Which decoder the detector sends a blob to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Bson,
    MsgPack,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Bson => "bson",
            Format::MsgPack => "msgpack",
        })
    }
}

/// Why the detector decided as it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Fewer than four bytes: there is no length prefix.
    TooShort { len: usize },
    /// The prefix equals the length.
    PrefixMatches { prefix: i32 },
    /// The prefix differs from the length.
    PrefixDiffers { prefix: i32, len: usize },
}

/// The detector's decision and its reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Classification {
    pub format: Format,
    pub reason: Reason,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::TooShort { len } => write!(f, "{len} bytes is shorter than a 4-byte length prefix"),
            Reason::PrefixMatches { prefix } => write!(f, "first four bytes (int32 LE) = {prefix} = blob length"),
            Reason::PrefixDiffers { prefix, len } => {
                write!(f, "first four bytes (int32 LE) = {prefix} but blob length is {len}")
            }
        }
    }
}

/// Apply the post's rule.
pub fn classify(blob: &[u8]) -> Classification {
    let len = blob.len();
    let Some(head) = blob.first_chunk::<4>() else {
        return Classification {
            format: Format::MsgPack,
            reason: Reason::TooShort { len },
        };
    };
    let prefix = i32::from_le_bytes(*head);
    // Compare in i64 so lengths above i32::MAX never wrap into a match.
    if prefix as i64 == len as i64 {
        Classification {
            format: Format::Bson,
            reason: Reason::PrefixMatches { prefix },
        }
    } else {
        Classification {
            format: Format::MsgPack,
            reason: Reason::PrefixDiffers { prefix, len },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule() {
        assert_eq!(classify(b"").format, Format::MsgPack);
        assert_eq!(classify(&[5, 0, 0]).format, Format::MsgPack);
        assert_eq!(classify(&[5, 0, 0, 0, 0]).format, Format::Bson);
        assert_eq!(classify(&[4, 0, 0, 0]).format, Format::Bson);
        assert_eq!(classify(&[6, 0, 0, 0, 0]).format, Format::MsgPack);
        // A negative prefix never matches.
        assert_eq!(classify(&[0xff, 0xff, 0xff, 0xff]).format, Format::MsgPack);
        let c = classify(&[0x82, 0xa1, 0x30, 0x00]);
        assert_eq!(
            c.reason,
            Reason::PrefixDiffers {
                prefix: 0x0030a182,
                len: 4
            }
        );
    }
}
