//! Decoding a stored blob the way the detector dispatches it: BSON with the
//! `bson` crate, msgpack with `rmpv`.
//!
//! Untrusted input must never panic, hang or make us allocate by a header's
//! word: `bson`'s raw reader checks the declared length against the slice,
//! and `rmpv` caps preallocation at 64 KiB and recursion at a depth we set;
//! everything it reads comes from the slice, so work and memory stay
//! proportional to the input.

use crate::detector::{classify, Classification, Format};

/// Deepest nesting accepted in a msgpack blob.
pub const MAX_DEPTH: usize = 256;

/// A successfully decoded blob.
#[derive(Clone, Debug, PartialEq)]
pub enum Decoded {
    Bson(bson::Document),
    MsgPack(rmpv::Value),
}

/// Why a blob could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("classified as BSON ({0}) but not a valid BSON document: {1}")]
    Bson(String, String),
    #[error("classified as msgpack ({0}) but the blob is empty")]
    Empty(String),
    #[error("msgpack value is truncated: {0}")]
    Truncated(String),
    #[error("invalid msgpack: {0}")]
    MsgPack(String),
    #[error("msgpack nesting deeper than {MAX_DEPTH}")]
    TooDeep,
    #[error("{trailing} trailing bytes after a {consumed}-byte msgpack value")]
    TrailingBytes { consumed: usize, trailing: usize },
}

/// Classify `blob` and decode it with the matching decoder.
pub fn decode(blob: &[u8]) -> Result<Decoded, DecodeError> {
    let c = classify(blob);
    match c.format {
        Format::Bson => decode_bson(blob, &c).map(Decoded::Bson),
        Format::MsgPack => decode_msgpack(blob).map_err(|e| match e {
            DecodeError::Truncated(_) if blob.is_empty() => DecodeError::Empty(c.reason.to_string()),
            e => e,
        })
        .map(Decoded::MsgPack),
    }
}

fn decode_bson(blob: &[u8], c: &Classification) -> Result<bson::Document, DecodeError> {
    let raw = bson::RawDocument::from_bytes(blob).map_err(|e| DecodeError::Bson(c.reason.to_string(), e.to_string()))?;
    bson::Document::try_from(raw).map_err(|e| DecodeError::Bson(c.reason.to_string(), e.to_string()))
}

/// Decode exactly one msgpack value filling the whole blob.
pub fn decode_msgpack(blob: &[u8]) -> Result<rmpv::Value, DecodeError> {
    let mut rd = blob;
    let value = rmpv::decode::read_value_with_max_depth(&mut rd, MAX_DEPTH).map_err(|e| {
        use rmpv::decode::Error;
        match &e {
            Error::DepthLimitExceeded => DecodeError::TooDeep,
            Error::InvalidMarkerRead(io) | Error::InvalidDataRead(io)
                if io.kind() == std::io::ErrorKind::UnexpectedEof =>
            {
                DecodeError::Truncated(e.to_string())
            }
            _ => DecodeError::MsgPack(e.to_string()),
        }
    })?;
    if !rd.is_empty() {
        return Err(DecodeError::TrailingBytes { consumed: blob.len() - rd.len(), trailing: rd.len() });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_errors() {
        assert!(matches!(decode(b""), Err(DecodeError::Empty(_))));
        assert!(matches!(decode(&[0x82, 0xa1]), Err(DecodeError::Truncated(_))));
        assert!(matches!(decode(&[0x80, 0x00]), Err(DecodeError::TrailingBytes { consumed: 1, trailing: 1 })));
        assert!(matches!(decode(&[0xc1]), Err(DecodeError::MsgPack(_))));
        // A str32 header claiming 4 GiB over a 9-byte blob: an error, not an allocation.
        assert!(matches!(decode(&[0x81, 0xa1, 0x61, 0xdb, 0xff, 0xff, 0xff, 0xff, 0x00]), Err(DecodeError::Truncated(_))));
        // Length prefix 5 on a 5-byte blob that is not BSON.
        assert!(matches!(decode(&[5, 0, 0, 0, 1]), Err(DecodeError::Bson(..))));
        let deep = vec![0x91u8; 10_000];
        assert!(matches!(decode(&deep), Err(DecodeError::TooDeep)));
    }

    #[test]
    fn decodes_both_formats() {
        let doc = bson::doc! { "a": 1i32 };
        let bytes = bson::to_vec(&doc).unwrap();
        assert_eq!(decode(&bytes).unwrap(), Decoded::Bson(doc));
        let v = decode(&[0x81, 0xa1, 0x61, 0x01]).unwrap();
        assert_eq!(v, Decoded::MsgPack(rmpv::Value::Map(vec![("a".into(), 1.into())])));
    }
}
