//! The detectors a service can choose from to tell a BSON blob from a
//! msgpack one, each with the reason for its decision.
//!
//! - `post`: the 2013 post's rule ([`super::classify`]).
//! - `post+eoo`: the post's rule, and the last byte is 0x00 (BSON's
//!   terminator).
//! - `bson-valid`: the post's rule, and the whole blob is a well-formed BSON
//!   document by the `bson` crate's own validation.
//! - `msgpack-first`: msgpack when the blob is exactly one conforming map
//!   (the profile and key rules the service writes by), BSON otherwise.
//! - `strict`: both checks; BSON, msgpack, ambiguous (both) or neither.
//!   It never guesses, so it never misreads; a blob it calls ambiguous is a
//!   polyglot.
//!
//! A misclassification of `bson-valid` or `msgpack-first`, and an
//! ambiguous answer of `strict`, all need the same thing: a polyglot, a
//! blob that is both a valid BSON document and a conforming msgpack map.
//!
//! This module runs the detectors. Which blobs fool them, and from what
//! length on, is the proof core's question ([`crate::proof`]).

use std::fmt;

use crate::msgpack::{KeySpec, Profile};
use crate::proof::conformance;

use super::{classify, Format, Reason};

/// A detector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Detector {
    Post,
    PostEoo,
    BsonValid,
    MsgpackFirst,
    Strict,
}

impl Detector {
    pub const ALL: [Detector; 5] = [
        Detector::Post,
        Detector::PostEoo,
        Detector::BsonValid,
        Detector::MsgpackFirst,
        Detector::Strict,
    ];

    /// The detector's name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Detector::Post => "post",
            Detector::PostEoo => "post+eoo",
            Detector::BsonValid => "bson-valid",
            Detector::MsgpackFirst => "msgpack-first",
            Detector::Strict => "strict",
        }
    }

    /// The rule, in one line.
    pub fn rule(self) -> &'static str {
        match self {
            Detector::Post => "BSON iff the first four bytes (int32 LE) equal the blob's length",
            Detector::PostEoo => "BSON iff the first four bytes (int32 LE) equal the length and the last byte is 0x00",
            Detector::BsonValid => {
                "BSON iff the first four bytes (int32 LE) equal the length and the bson crate accepts the \
                 whole document"
            }
            Detector::MsgpackFirst => "msgpack iff the blob is exactly one conforming map, else BSON",
            Detector::Strict => "BSON, msgpack, ambiguous (both) or neither: decodes both ways, never guesses",
        }
    }

    /// Whether fooling the detector takes a polyglot: a blob that is both a
    /// valid BSON document and a conforming msgpack map.
    pub fn needs_polyglot(self) -> bool {
        matches!(self, Detector::BsonValid | Detector::MsgpackFirst | Detector::Strict)
    }
}

impl fmt::Display for Detector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown detector name.
#[derive(Debug, thiserror::Error)]
#[error("unknown detector {0:?}: expected one of post, post+eoo, bson-valid, msgpack-first, strict")]
pub struct UnknownDetector(String);

impl std::str::FromStr for Detector {
    type Err = UnknownDetector;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Detector::ALL
            .into_iter()
            .find(|d| d.name() == s)
            .ok_or_else(|| UnknownDetector(s.to_string()))
    }
}

/// A detector's answer. Only `strict` answers `Ambiguous` or `Neither`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Bson,
    Msgpack,
    /// Both a valid BSON document and a conforming msgpack map.
    Ambiguous,
    /// Neither.
    Neither,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Bson => "bson",
            Verdict::Msgpack => "msgpack",
            Verdict::Ambiguous => "ambiguous",
            Verdict::Neither => "neither",
        })
    }
}

/// Why a detector answered as it did: the checks it made, in order, up to
/// the one that decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    /// The length prefix, as the post's rule reads it.
    Prefix(Reason),
    /// The prefix matches but the last byte is not BSON's terminator.
    LastByte {
        byte: u8,
    },
    /// The prefix matches and the last byte is 0x00.
    PrefixAndTerminator,
    /// The `bson` crate accepts the whole blob as a document.
    BsonValid,
    /// The prefix matches but the `bson` crate rejects the blob.
    BsonInvalid {
        error: String,
    },
    /// The blob is a conforming msgpack map.
    Conforms {
        profile: Profile,
    },
    /// The blob is not a conforming msgpack map.
    DoesNotConform {
        profile: Profile,
        error: String,
    },
    /// `strict`: what each decoder said.
    Both {
        profile: Profile,
    },
    OnlyBson {
        msgpack: String,
    },
    OnlyMsgpack {
        bson: String,
    },
    NeitherDecodes {
        bson: String,
        msgpack: String,
    },
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::Prefix(reason) => reason.fmt(f),
            Why::LastByte { byte } => write!(
                f,
                "the length prefix matches but the last byte is {byte:#04x}, not 0x00"
            ),
            Why::PrefixAndTerminator => f.write_str("the length prefix matches and the last byte is 0x00"),
            Why::BsonValid => f.write_str("a valid BSON document"),
            Why::BsonInvalid { error } => write!(f, "the length prefix matches but it is not valid BSON: {error}"),
            Why::Conforms { profile } => write!(f, "a conforming msgpack map ({profile})"),
            Why::DoesNotConform { profile, error } => {
                write!(f, "not a conforming msgpack map ({profile}): {error}")
            }
            Why::Both { profile } => {
                write!(f, "both a valid BSON document and a conforming msgpack map ({profile})")
            }
            Why::OnlyBson { msgpack } => write!(f, "valid BSON; not a conforming msgpack map: {msgpack}"),
            Why::OnlyMsgpack { bson } => write!(f, "a conforming msgpack map; not valid BSON: {bson}"),
            Why::NeitherDecodes { bson, msgpack } => {
                write!(f, "not valid BSON ({bson}), not a conforming msgpack map ({msgpack})")
            }
        }
    }
}

/// A detector's answer and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub verdict: Verdict,
    pub why: Why,
}

/// What the service writes: the rules `msgpack-first` and `strict` check
/// msgpack blobs against.
#[derive(Clone, Copy, Debug)]
pub struct Written<'a> {
    pub profile: Profile,
    pub keys: &'a KeySpec,
}

/// Whether the `bson` crate accepts `blob` as one whole document: every
/// element's type, length, C-string name, UTF-8 and terminator, recursively
/// (its raw reader checks the outer frame, converting to a `Document`
/// checks the rest).
pub fn bson_valid(blob: &[u8]) -> Result<(), String> {
    let raw = bson::RawDocument::from_bytes(blob).map_err(|e| e.to_string())?;
    bson::Document::try_from(raw).map(drop).map_err(|e| e.to_string())
}

/// Run `detector` on `blob`.
pub fn decide(detector: Detector, written: Written<'_>, blob: &[u8]) -> Decision {
    let decision = |verdict, why| Decision { verdict, why };
    let conforms = || conformance::check(written.profile, written.keys, blob).map_err(|e| e.to_string());
    let post = classify(blob);
    match detector {
        Detector::Post => decision(verdict_of(post.format), Why::Prefix(post.reason)),
        Detector::PostEoo | Detector::BsonValid if post.format == Format::MsgPack => {
            decision(Verdict::Msgpack, Why::Prefix(post.reason))
        }
        Detector::PostEoo => match blob.last() {
            Some(0) => decision(Verdict::Bson, Why::PrefixAndTerminator),
            // A matching prefix means at least four bytes.
            last => decision(
                Verdict::Msgpack,
                Why::LastByte {
                    byte: last.copied().unwrap_or_default(),
                },
            ),
        },
        Detector::BsonValid => match bson_valid(blob) {
            Ok(()) => decision(Verdict::Bson, Why::BsonValid),
            Err(error) => decision(Verdict::Msgpack, Why::BsonInvalid { error }),
        },
        Detector::MsgpackFirst => match conforms() {
            Ok(()) => decision(
                Verdict::Msgpack,
                Why::Conforms {
                    profile: written.profile,
                },
            ),
            Err(error) => decision(
                Verdict::Bson,
                Why::DoesNotConform {
                    profile: written.profile,
                    error,
                },
            ),
        },
        Detector::Strict => match (bson_valid(blob), conforms()) {
            (Ok(()), Ok(())) => decision(
                Verdict::Ambiguous,
                Why::Both {
                    profile: written.profile,
                },
            ),
            (Ok(()), Err(msgpack)) => decision(Verdict::Bson, Why::OnlyBson { msgpack }),
            (Err(bson), Ok(())) => decision(Verdict::Msgpack, Why::OnlyMsgpack { bson }),
            (Err(bson), Err(msgpack)) => decision(Verdict::Neither, Why::NeitherDecodes { bson, msgpack }),
        },
    }
}

/// `strict`, the detector to call when a wrong guess is not acceptable.
pub fn strict(written: Written<'_>, blob: &[u8]) -> Decision {
    decide(Detector::Strict, written, blob)
}

fn verdict_of(format: Format) -> Verdict {
    match format {
        Format::Bson => Verdict::Bson,
        Format::MsgPack => Verdict::Msgpack,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdicts(written: Written<'_>, blob: &[u8]) -> Vec<Verdict> {
        Detector::ALL.map(|d| decide(d, written, blob).verdict).to_vec()
    }

    #[test]
    fn a_polyglot_fools_every_detector_but_strict() {
        let (keys, blob) = crate::proof::polyglot::hand_made_polyglot();
        // The independent decoders agree that it is both.
        bson::Document::try_from(bson::RawDocument::from_bytes(&blob).unwrap()).unwrap();
        let value = rmpv::decode::read_value(&mut &blob[..]).unwrap();
        assert_eq!(value.as_map().map(Vec::len), Some(1));
        for profile in [Profile::AnyWidth, Profile::Map32Header] {
            let written = Written { profile, keys: &keys };
            use Verdict::*;
            assert_eq!(
                verdicts(written, &blob),
                [Bson, Bson, Bson, Msgpack, Ambiguous],
                "{profile}"
            );
            assert_eq!(
                strict(written, &blob).why.to_string(),
                format!("both a valid BSON document and a conforming msgpack map ({profile})")
            );
        }
        // Canonical writes the top-level map as fixmap(1), not map32.
        let written = Written {
            profile: Profile::Canonical,
            keys: &keys,
        };
        assert_eq!(strict(written, &blob).verdict, Verdict::Bson);
    }

    #[test]
    fn each_detector_on_plain_blobs() {
        let keys = KeySpec::new(crate::msgpack::FirstChar::Alnum, crate::msgpack::Kmax::Bounded(31));
        let written = Written {
            profile: Profile::Canonical,
            keys: &keys,
        };
        use Verdict::*;
        // {"a": 1} in BSON: 12 bytes.
        let bson_doc = [12, 0, 0, 0, 0x10, b'a', 0, 1, 0, 0, 0, 0];
        assert_eq!(verdicts(written, &bson_doc), [Bson, Bson, Bson, Bson, Bson]);
        // {"a": 1} in msgpack.
        let msgpack = [0x81, 0xa1, b'a', 0x01];
        assert_eq!(verdicts(written, &msgpack), [Msgpack; 5]);
        // The length matches, the last byte is not 0x00, it is neither.
        let junk = [5, 0, 0, 0, 7];
        assert_eq!(verdicts(written, &junk), [Bson, Msgpack, Msgpack, Bson, Neither]);
        assert_eq!(
            decide(Detector::PostEoo, written, &junk).why.to_string(),
            "the length prefix matches but the last byte is 0x07, not 0x00"
        );
        // The length matches and it ends in 0x00, but element type 0x07
        // (an ObjectId) needs 12 more bytes.
        let cut = [6, 0, 0, 0, 7, 0];
        assert_eq!(verdicts(written, &cut), [Bson, Bson, Msgpack, Bson, Neither]);
        assert!(matches!(
            decide(Detector::BsonValid, written, &cut).why,
            Why::BsonInvalid { .. }
        ));
        // Nothing at all, and fewer than four bytes.
        assert_eq!(verdicts(written, &[]), [Msgpack, Msgpack, Msgpack, Bson, Neither]);
        assert_eq!(
            verdicts(written, &[0x80]),
            [Msgpack, Msgpack, Msgpack, Msgpack, Msgpack]
        );
    }

    #[test]
    fn names_round_trip() {
        for d in Detector::ALL {
            assert_eq!(d.name().parse::<Detector>().unwrap(), d);
        }
        assert!("bson".parse::<Detector>().is_err());
    }
}
