//! Witnesses: concrete blobs of an exact length that start with a given
//! prefix, and the independent checks that make them evidence.
//!
//! Building is greedy and driven by the oracle: at each step the builder
//! appends the cheapest token (or, inside headers, the smallest byte) that
//! keeps the target length in the oracle's set. Because the oracle is
//! exact, greedy never gets stuck; if it does, the oracle admitted a length
//! no document has, and the builder says so. Verification then trusts
//! nothing the builder used: `rmpv` decodes the blob, the conformance
//! checker walks it, the detector classifies it, and for the canonical
//! profile `rmp-serde` must re-encode it to the same bytes.

use ahash::AHashSet as HashSet;

use crate::conformance;
use crate::decode::decode_msgpack;
use crate::detector::{classify, Format};
use crate::encode::{padding_value, write_narrowest_header};
use crate::keyspec::KeySpec;
use crate::oracle::{Expect, KeySet, Parser};
use crate::profile::{Kind, Profile};

/// Why a witness could not be built or does not check out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    #[error("length {0} must be in [4, 2^31) to be a colliding length")]
    OutOfRange(u64),
    #[error("no conforming document of length {len} starts with {prefix}: oracle set is {set}")]
    Impossible { len: u64, prefix: String, set: String },
    #[error("builder stuck at byte {at} ({state}): the oracle admitted a length it cannot reach")]
    Stuck { at: usize, state: String },
    #[error("witness check failed: {0}")]
    Check(String),
}

/// Build a blob of exactly `len` bytes starting with `len`'s own four-byte
/// little-endian encoding: a blob the detector misreads as BSON.
pub fn build_colliding(profile: Profile, keys: &KeySpec, len: u64) -> Result<Vec<u8>, WitnessError> {
    if !(4..1 << 31).contains(&len) {
        return Err(WitnessError::OutOfRange(len));
    }
    build(profile, keys, len, &(len as u32).to_le_bytes())
}

/// Build a conforming blob of exactly `len` bytes starting with `prefix`.
pub fn build(profile: Profile, keys: &KeySpec, len: u64, prefix: &[u8]) -> Result<Vec<u8>, WitnessError> {
    let target = len as u128;
    let mut p = Parser::new(profile, *keys);
    let _ = p.feed(prefix);
    let set = p.lengths();
    if !set.contains(target) {
        return Err(WitnessError::Impossible {
            len,
            prefix: hex(prefix),
            set: set.to_string(),
        });
    }
    let mut out = prefix.to_vec();
    let mut cursor: Option<KeyCursor> = None;
    let mut steps: u64 = 0;
    let stuck = |out: &Vec<u8>, p: &Parser| WitnessError::Stuck {
        at: out.len(),
        state: p.summary(),
    };
    // Feed `bytes` into a copy of the parser; keep it if `len` stays reachable.
    let try_extend = |p: &mut Parser, out: &mut Vec<u8>, bytes: &[u8]| -> bool {
        let mut q = p.clone();
        if q.feed(bytes).is_ok() && q.lengths().contains(target) {
            *p = q;
            out.extend_from_slice(bytes);
            true
        } else {
            false
        }
    };
    loop {
        match p.expect() {
            Expect::Complete => break,
            Expect::Dead => return Err(stuck(&out, &p)),
            Expect::RootMarker | Expect::HeaderOrScalar => {
                if !(0..=255u8).any(|b| try_extend(&mut p, &mut out, &[b])) {
                    return Err(stuck(&out, &p));
                }
            }
            Expect::KeyBody { left, got } => {
                // Fill all but the last byte with the smallest allowed
                // symbols in one go; choose bytes one at a time otherwise.
                let bulk: Vec<u8> = (got..got + left - 1)
                    .map(|pos| (0..128u8).find(|b| keys.allows_byte(pos, *b)).unwrap_or(0))
                    .collect();
                if left > 1 && try_extend(&mut p, &mut out, &bulk) {
                    continue;
                }
                if !(0..128u8).any(|b| keys.allows_byte(got, b) && try_extend(&mut p, &mut out, &[b])) {
                    return Err(stuck(&out, &p));
                }
            }
            Expect::ValueBody { left, utf8_pending } => {
                if utf8_pending > 0 {
                    if !(0x80..=0xbfu8).any(|b| try_extend(&mut p, &mut out, &[b])) {
                        return Err(stuck(&out, &p));
                    }
                } else if !try_extend(&mut p, &mut out, &vec![b'x'; left as usize]) {
                    return Err(stuck(&out, &p));
                }
            }
            Expect::Key => {
                // Cheapest free key: the choice the oracle's minimum is
                // built from, so it keeps the target reachable. No trial
                // copy of the parser here: maps can have millions of
                // entries, and a wrong step is caught right after.
                let depth = p.depth();
                if cursor.as_ref().is_none_or(|c| c.depth != depth) {
                    cursor = Some(KeyCursor::new(keys, depth));
                }
                let taken = p.current_map_keys().ok_or_else(|| stuck(&out, &p))?;
                let key = cursor
                    .as_mut()
                    .and_then(|c| c.next_free(taken))
                    .ok_or_else(|| stuck(&out, &p))?;
                let mut bytes = Vec::with_capacity(key.len() + 5);
                if !write_narrowest_header(&mut bytes, profile, Kind::Str, key.len() as u64) {
                    return Err(stuck(&out, &p));
                }
                bytes.extend_from_slice(&key);
                steps += 1;
                // Re-asking the oracle after every one of a million keys
                // would dominate; every 1024th (and the end) is enough to
                // notice a wrong turn.
                if !p.advance(&bytes) || (steps % 1024 == 0 && !p.lengths().contains(target)) {
                    return Err(stuck(&out, &p));
                }
                out.extend_from_slice(&bytes);
            }
            Expect::Value => {
                // The rest of the document does not depend on this value's
                // content: pad it to absorb everything the cheapest rest
                // does not need.
                let rest = p.lengths_after_next_value().ok_or_else(|| stuck(&out, &p))?;
                let Some(lo) = rest.ranges().iter().map(|r| r.0).find(|lo| *lo < target) else {
                    return Err(stuck(&out, &p));
                };
                let pad = padding_value(profile, (target - lo) as u64).ok_or_else(|| stuck(&out, &p))?;
                if !p.advance(&pad) || (pad.len() > 1 && !p.lengths().contains(target)) {
                    return Err(stuck(&out, &p));
                }
                out.extend_from_slice(&pad);
            }
        }
        if out.len() as u128 > target {
            return Err(stuck(&out, &p));
        }
    }
    if out.len() as u128 != target || !p.is_complete() {
        return Err(stuck(&out, &p));
    }
    Ok(out)
}

/// Walks the keys of a specification in order of encoded size (shortest
/// first, then bytewise) for one map, so that filling a map with `n`
/// cheapest keys costs O(n) rather than O(n^2).
struct KeyCursor {
    /// Parser depth of the map this cursor fills.
    depth: usize,
    /// Current key length and, per position, the index into its alphabet.
    len: u64,
    digits: Vec<usize>,
    first: Vec<u8>,
    rest: Vec<u8>,
    max_len: u64,
}

impl KeyCursor {
    fn new(keys: &KeySpec, depth: usize) -> Self {
        let symbols = |pos: u64| (0..128u8).filter(|b| keys.allows_byte(pos, *b)).collect::<Vec<u8>>();
        let len = keys.min_len.max(1);
        KeyCursor {
            depth,
            len,
            digits: vec![0; len as usize],
            first: symbols(0),
            rest: symbols(1),
            max_len: keys.max_len,
        }
    }

    fn alphabet(&self, pos: usize) -> &[u8] {
        if pos == 0 {
            &self.first
        } else {
            &self.rest
        }
    }

    /// The next key in order that is not in `taken`.
    fn next_free(&mut self, taken: &KeySet) -> Option<Vec<u8>> {
        if self.first.is_empty() || (self.len > 1 && self.rest.is_empty()) {
            return None;
        }
        loop {
            if self.len > self.max_len {
                return None;
            }
            let key: Vec<u8> = self
                .digits
                .iter()
                .enumerate()
                .map(|(i, d)| self.alphabet(i)[*d])
                .collect();
            // Advance the odometer; past the last key of this length, move
            // to the first key of the next length.
            let mut i = self.digits.len();
            loop {
                if i == 0 {
                    self.len += 1;
                    self.digits = vec![0; self.len as usize];
                    break;
                }
                i -= 1;
                self.digits[i] += 1;
                if self.digits[i] < self.alphabet(i).len() {
                    break;
                }
                self.digits[i] = 0;
            }
            if !taken.contains(key.as_slice()) {
                return Some(key);
            }
        }
    }
}

/// Check a blob claimed to be a colliding conforming document, using only
/// tools independent of the oracle and the builder.
pub fn verify(profile: Profile, keys: &KeySpec, blob: &[u8]) -> Result<(), WitnessError> {
    verify_document(profile, keys, blob)?;
    if classify(blob).format != Format::Bson {
        return Err(WitnessError::Check(format!(
            "the detector says msgpack: {}",
            classify(blob).reason
        )));
    }
    Ok(())
}

/// Check that a blob is one conforming document (whatever the detector
/// says): `rmpv` decodes it as one map with allowed, distinct keys, the
/// conformance checker accepts it under `profile`, and for `canonical`,
/// `rmp-serde` re-encodes it to the same bytes.
pub fn verify_document(profile: Profile, keys: &KeySpec, blob: &[u8]) -> Result<(), WitnessError> {
    let fail = |s: String| Err(WitnessError::Check(s));
    let value = match decode_msgpack(blob) {
        Ok(v) => v,
        Err(e) => return fail(format!("rmpv does not decode it as one value: {e}")),
    };
    if !matches!(value, rmpv::Value::Map(_)) {
        return fail("rmpv decodes it, but not as a map".into());
    }
    if let Err(e) = check_keys(keys, &value) {
        return fail(e);
    }
    if let Err(v) = conformance::check(profile, keys, blob) {
        return fail(format!("does not conform to profile {profile}: {v}"));
    }
    if profile == Profile::Canonical {
        let v: rmpv::Value = match rmp_serde::from_slice(blob) {
            Ok(v) => v,
            Err(e) => return fail(format!("rmp-serde does not decode it: {e}")),
        };
        match rmp_serde::to_vec(&v) {
            Ok(again) if again == blob => {}
            Ok(_) => return fail("rmp-serde re-encodes it to different bytes".into()),
            Err(e) => return fail(format!("rmp-serde cannot re-encode it: {e}")),
        }
    }
    Ok(())
}

/// Every map (at any depth) has distinct str keys allowed by `keys`.
pub fn check_keys(keys: &KeySpec, value: &rmpv::Value) -> Result<(), String> {
    match value {
        rmpv::Value::Map(entries) => {
            let mut seen = HashSet::new();
            for (k, v) in entries {
                let rmpv::Value::String(s) = k else {
                    return Err(format!("non-str key {k}"));
                };
                let bytes = s.as_bytes();
                keys.check(bytes)
                    .map_err(|e| format!("key {:?}: {e}", String::from_utf8_lossy(bytes)))?;
                if !seen.insert(bytes) {
                    return Err(format!("duplicate key {:?}", String::from_utf8_lossy(bytes)));
                }
                check_keys(keys, v)?;
            }
            Ok(())
        }
        rmpv::Value::Array(items) => items.iter().try_for_each(|v| check_keys(keys, v)),
        _ => Ok(()),
    }
}

/// Lowercase hex of a byte string.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
