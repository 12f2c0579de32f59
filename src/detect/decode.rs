//! Decoding a stored blob the way the detector dispatches it: BSON with the
//! `bson` crate, msgpack with `rmpv`.
//!
//! Untrusted input must never panic, hang or make us allocate by a header's
//! word: `bson`'s raw reader checks the declared length against the slice,
//! and `rmpv` caps preallocation at 64 KiB and recursion at a depth we set;
//! everything it reads comes from the slice, so work and memory stay
//! proportional to the input.

use crate::msgpack::marker::push_be_byte;
use crate::msgpack::{Kind, Marker, MAX_DEPTH};

use super::{classify, Classification, Format};

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
        Format::MsgPack => decode_msgpack(blob)
            .map_err(|e| match e {
                DecodeError::Truncated(_) if blob.is_empty() => DecodeError::Empty(c.reason.to_string()),
                e => e,
            })
            .map(Decoded::MsgPack),
    }
}

fn decode_bson(blob: &[u8], c: &Classification) -> Result<bson::Document, DecodeError> {
    let raw =
        bson::RawDocument::from_bytes(blob).map_err(|e| DecodeError::Bson(c.reason.to_string(), e.to_string()))?;
    bson::Document::try_from(raw).map_err(|e| DecodeError::Bson(c.reason.to_string(), e.to_string()))
}

/// Decode exactly one msgpack value filling the whole blob.
pub fn decode_msgpack(blob: &[u8]) -> Result<rmpv::Value, DecodeError> {
    let mut rd = blob;
    check_markers(blob)?;
    let value = rmpv::decode::read_value_with_max_depth(&mut rd, RMPV_DEPTH).map_err(rmpv_error)?;
    no_trailing_bytes(blob, rd)?;
    Ok(value)
}

/// [`decode_msgpack`], with strs and bins borrowed from the blob instead of
/// copied: the same decoder and the same answer, for readers that only
/// look (a store scan decodes millions of blobs).
pub fn decode_msgpack_ref(blob: &[u8]) -> Result<rmpv::ValueRef<'_>, DecodeError> {
    let mut rd = blob;
    check_markers(blob)?;
    let value = rmpv::decode::read_value_ref_with_max_depth(&mut rd, RMPV_DEPTH).map_err(rmpv_error)?;
    no_trailing_bytes(blob, rd)?;
    Ok(value)
}

// rmpv reads the reserved marker 0xc1 as nil; the format says it is never
// used, so `check_markers` finds it (and any truncation) before rmpv runs.
// It also bounds the nesting at MAX_DEPTH levels, the same limit the
// conformance checker uses. rmpv spends two units of its depth budget per
// level (and two more on a str or bin leaf), so give it room for
// everything that passed.
const RMPV_DEPTH: usize = 2 * MAX_DEPTH + 8;

fn rmpv_error(e: rmpv::decode::Error) -> DecodeError {
    use rmpv::decode::Error;
    match &e {
        Error::DepthLimitExceeded => DecodeError::TooDeep,
        Error::InvalidMarkerRead(io) | Error::InvalidDataRead(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            DecodeError::Truncated(e.to_string())
        }
        _ => DecodeError::MsgPack(e.to_string()),
    }
}

/// `rest` is what the decoder left of `blob`.
fn no_trailing_bytes(blob: &[u8], rest: &[u8]) -> Result<(), DecodeError> {
    if rest.is_empty() {
        return Ok(());
    }
    Err(DecodeError::TrailingBytes {
        consumed: blob.len() - rest.len(),
        trailing: rest.len(),
    })
}

/// Walk the value structure without building anything: every marker is
/// defined (not 0xc1), every length fits in the blob, nesting stays below
/// [`MAX_DEPTH`]. Iterative, so hostile nesting cannot overflow the stack.
fn check_markers(blob: &[u8]) -> Result<(), DecodeError> {
    let truncated = |at: usize| DecodeError::Truncated(format!("value at byte {at} runs past the end"));
    let be = |at: usize, n: usize| -> Result<u64, DecodeError> {
        let bytes = blob.get(at..at + n).ok_or_else(|| truncated(at))?;
        Ok(bytes.iter().fold(0u64, |acc, b| push_be_byte(acc, *b)))
    };
    // Values still to read at each open nesting level.
    let mut pending: Vec<u64> = vec![1];
    let mut at = 0usize;
    while let Some(top) = pending.last_mut() {
        if *top == 0 {
            pending.pop();
            continue;
        }
        *top -= 1;
        let m = *blob.get(at).ok_or_else(|| truncated(at))?;
        let start = at;
        at += 1;
        // (bytes to skip, values contained)
        let (skip, children): (u64, u64) = match Marker::of(m) {
            Marker::Reserved => return Err(DecodeError::MsgPack(format!("reserved marker 0xc1 at byte {start}"))),
            Marker::Header { kind, width, fixed } => {
                let n = match width.length_bytes() {
                    0 => fixed as u64,
                    len => be(at, len as usize)?,
                };
                let len_bytes = width.length_bytes() as u64;
                match kind {
                    Kind::Array => (len_bytes, n),
                    Kind::Map => (len_bytes, 2 * n),
                    Kind::Str | Kind::Bin | Kind::Ext => (len_bytes + kind.body_bytes(n).unwrap_or(n), 0),
                }
            }
            other => (other.fixed_payload().unwrap_or(0) as u64, 0),
        };
        let end = (at as u64)
            .checked_add(skip)
            .filter(|e| *e <= blob.len() as u64)
            .ok_or_else(|| truncated(start))?;
        at = end as usize;
        if children > 0 {
            // Every contained value takes at least one byte.
            if children > (blob.len() - at) as u64 {
                return Err(truncated(start));
            }
            if pending.len() > MAX_DEPTH {
                return Err(DecodeError::TooDeep);
            }
            pending.push(children);
        }
    }
    if at < blob.len() {
        return Err(DecodeError::TrailingBytes {
            consumed: at,
            trailing: blob.len() - at,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_errors() {
        assert!(matches!(decode(b""), Err(DecodeError::Empty(_))));
        assert!(matches!(decode(&[0x82, 0xa1]), Err(DecodeError::Truncated(_))));
        assert!(matches!(
            decode(&[0x80, 0x00]),
            Err(DecodeError::TrailingBytes {
                consumed: 1,
                trailing: 1
            })
        ));
        assert!(matches!(decode(&[0xc1]), Err(DecodeError::MsgPack(_))));
        // A str32 header claiming 4 GiB over a 9-byte blob: an error, not an allocation.
        assert!(matches!(
            decode(&[0x81, 0xa1, 0x61, 0xdb, 0xff, 0xff, 0xff, 0xff, 0x00]),
            Err(DecodeError::Truncated(_))
        ));
        // Length prefix 5 on a 5-byte blob that is not BSON.
        assert!(matches!(decode(&[5, 0, 0, 0, 1]), Err(DecodeError::Bson(..))));
        let mut deep = vec![0x91u8; 10_000];
        deep.push(0xc0);
        assert!(matches!(decode(&deep), Err(DecodeError::TooDeep)));
        assert!(matches!(decode(&[0x92, 0xc0, 0xc1]), Err(DecodeError::MsgPack(_))));
    }

    #[test]
    fn decodes_both_formats() {
        let doc = bson::doc! { "a": 1i32 };
        let bytes = doc.to_vec().unwrap();
        assert_eq!(decode(&bytes).unwrap(), Decoded::Bson(doc));
        let v = decode(&[0x81, 0xa1, 0x61, 0x01]).unwrap();
        assert_eq!(v, Decoded::MsgPack(rmpv::Value::Map(vec![("a".into(), 1.into())])));
        let v = decode_msgpack_ref(&[0x81, 0xa1, 0x61, 0x01]).unwrap();
        assert_eq!(v.to_owned(), rmpv::Value::Map(vec![("a".into(), 1.into())]));
        // Both decoders refuse the same blobs, for the same reasons.
        for bad in [&[0x80, 0x00][..], &[0xc1], &[0x82, 0xa1], &[0x92, 0xc0, 0xc1], &[]] {
            assert_eq!(
                decode_msgpack_ref(bad).unwrap_err().to_string(),
                decode_msgpack(bad).unwrap_err().to_string()
            );
        }
    }
}
