//! Witnesses: concrete blobs of an exact length that start with a given
//! prefix, and the independent checks that make them evidence.
//!
//! Building is greedy and driven by the oracle: at each step the builder
//! appends the cheapest token (or, inside headers, the smallest byte) that
//! keeps the target length in the oracle's set. Because the oracle is
//! exact, greedy never gets stuck; if it does, the oracle admitted a length
//! no document has, and the builder says so. Verification then trusts
//! nothing the builder used: `rmp-serde` reads the blob, the conformance
//! checker walks it, the detector classifies it, and for the canonical
//! profile `rmp-serde` must re-encode it to the same bytes.

use crate::detect::{classify, Format, Reason};
use crate::hex::hex;
use crate::msgpack::keys::KeyError;
use crate::msgpack::lang::KeyCursor;
use crate::msgpack::write::{padding_value, write_narrowest_header};
use crate::msgpack::{KeySpec, Kind, Profile};
use crate::proof::conformance::{self, Violation};
use crate::proof::distinct::first_repeat;
use crate::proof::oracle::{self, Expect, KeySet, Parser};

/// Why a witness could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    #[error("length {0} must be in [4, 2^31) to be a colliding length")]
    OutOfRange(u64),
    #[error("no conforming document of length {len} starts with {prefix}: {why}")]
    Impossible { len: u64, prefix: String, why: String },
    #[error("builder stuck at byte {at} ({state}): the oracle admitted a length it cannot reach")]
    Stuck { at: usize, state: String },
    #[error("witness check failed: {0}")]
    Check(#[from] CheckError),
}

/// Why a blob is not a verified witness: the first independent check it
/// fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    #[error("rmp-serde does not read it as one value: {0}")]
    Undecodable(String),
    #[error("rmp-serde reads it, but not as a map")]
    NotAMap,
    #[error("{0}")]
    Keys(#[from] KeyProblem),
    #[error("does not conform to profile {profile}: {violation}")]
    Nonconforming { profile: Profile, violation: Violation },
    #[error("rmp-serde {0}")]
    RmpSerde(String),
    #[error("the detector says msgpack: {0}")]
    DetectorSaysMsgpack(Reason),
}

/// A map key that breaks the key specification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyProblem {
    #[error("non-str key {0}")]
    NotStr(String),
    #[error("key {key:?}: {error}")]
    NotAllowed { key: String, error: KeyError },
    #[error("duplicate key {0:?}")]
    Duplicate(String),
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
    let mut p = Parser::new(profile, keys.clone());
    p.feed(prefix);
    let set = p.lengths();
    if !set.contains(target) {
        // Say why: the byte that rules every document out, or the lengths
        // documents with this start do have.
        let why = match oracle::answer(profile, keys, prefix).dead {
            Some(dead) => format!("byte {}: {}", dead.offset, dead.reason),
            None => format!("documents starting with these bytes have lengths {set}"),
        };
        return Err(WitnessError::Impossible {
            len,
            prefix: hex(prefix),
            why,
        });
    }
    // `len` is below 2^31 and is what the caller asked for.
    let mut out = Vec::with_capacity(len as usize);
    out.extend_from_slice(prefix);
    // The cheapest keys in order, for the map being filled (by depth).
    let mut cursor: Option<(usize, KeyCursor)> = None;
    let stuck = |out: &Vec<u8>, p: &Parser| WitnessError::Stuck {
        at: out.len(),
        state: p.summary(),
    };
    // Feed `bytes` into a copy of the parser; keep it if `len` stays reachable.
    let try_extend = |p: &mut Parser, out: &mut Vec<u8>, bytes: &[u8]| -> bool {
        let mut q = p.clone();
        if q.feed(bytes) && q.lengths().contains(target) {
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
            Expect::KeyBody => {
                // Inside a key (the prefix ends in one): its completions in
                // order, for a top-level first key of its own language those
                // outside the other keys' language first. Finished keys of
                // this length and prefix rule out at most as many
                // completions as the map has keys, so few are tried.
                let (prefix, total, first) = p.key_in_progress().ok_or_else(|| stuck(&out, &p))?;
                let (prefix, got) = (prefix.to_vec(), prefix.len() as u64);
                let langs = keys.languages_to_complete(first);
                let tries = p.current_map_keys().map_or(0, |k| k.len()) + 1;
                let done = langs.into_iter().any(|lang| {
                    lang.walk(&prefix).is_some_and(|s| {
                        lang.completions_from(s, got, total - got)
                            .take(tries)
                            .any(|rest| try_extend(&mut p, &mut out, &rest))
                    })
                });
                if !done {
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
            Expect::Key { first: true } if keys.has_first_key_rule() => {
                // The top-level map's first key, of its own language: the
                // shortest outside the other keys' language, or the shortest
                // inside it, whichever keeps the target reachable.
                let candidates = [keys.first_keys_outside(), keys.first_keys_inside()]
                    .into_iter()
                    .flatten()
                    .filter_map(|lang| lang.keys_in_order().next());
                let mut done = false;
                for key in candidates {
                    let mut bytes = Vec::with_capacity(key.len() + 5);
                    if write_narrowest_header(&mut bytes, profile, Kind::Str, key.len() as u64) {
                        bytes.extend_from_slice(&key);
                        if try_extend(&mut p, &mut out, &bytes) {
                            done = true;
                            break;
                        }
                    }
                }
                if !done {
                    return Err(stuck(&out, &p));
                }
            }
            Expect::Key { .. } => {
                // Cheapest free key: the choice the oracle's minimum is
                // built from, so it keeps the target reachable. No trial
                // copy of the parser and no question to the oracle here:
                // maps can have millions of entries, and a wrong turn
                // shows when the next value finds the target out of reach.
                let depth = p.depth();
                if cursor.as_ref().is_none_or(|(d, _)| *d != depth) {
                    cursor = Some((depth, keys.keys().keys_in_order()));
                }
                let taken = p.current_map_keys().ok_or_else(|| stuck(&out, &p))?;
                if let (Some(left), Some((_, c))) = (tight_top_level_map(&p, target), cursor.as_mut()) {
                    // Nothing is left to absorb: the rest of the document
                    // is the oracle's cheapest completion of the top-level
                    // map, its cheapest free keys with one-byte values.
                    // Written without the parser, which would check each
                    // of what can be a million entries for nothing; the
                    // length check below and the independent verification
                    // judge the result.
                    let one_byte = padding_value(profile, 1).ok_or_else(|| stuck(&out, &p))?;
                    for _ in 0..left {
                        let key = next_free(c, taken).ok_or_else(|| stuck(&out, &p))?;
                        if !write_narrowest_header(&mut out, profile, Kind::Str, key.len() as u64) {
                            return Err(stuck(&out, &p));
                        }
                        out.extend_from_slice(&key);
                        out.extend_from_slice(&one_byte);
                    }
                    break;
                }
                let key = cursor
                    .as_mut()
                    .and_then(|(_, c)| next_free(c, taken))
                    .ok_or_else(|| stuck(&out, &p))?;
                let mut bytes = Vec::with_capacity(key.len() + 5);
                if !write_narrowest_header(&mut bytes, profile, Kind::Str, key.len() as u64) {
                    return Err(stuck(&out, &p));
                }
                bytes.extend_from_slice(&key);
                if !p.feed(&bytes) {
                    return Err(stuck(&out, &p));
                }
                out.extend_from_slice(&bytes);
            }
            Expect::Value => {
                // The rest of the document does not depend on this value's
                // content: pad it to absorb everything the cheapest rest
                // does not need.
                // (A value has at least one byte: no padding has size 0.)
                let pad = p
                    .lengths_after_next_value()
                    .and_then(|rest| rest.min())
                    .and_then(|cheapest| target.checked_sub(cheapest))
                    .and_then(|spare| padding_value(profile, spare as u64))
                    .ok_or_else(|| stuck(&out, &p))?;
                if !p.feed(&pad) {
                    return Err(stuck(&out, &p));
                }
                out.extend_from_slice(&pad);
            }
        }
        if out.len() as u128 > target {
            return Err(stuck(&out, &p));
        }
    }
    // The loop ends on a complete document or after the cheapest rest.
    if out.len() as u128 != target {
        return Err(stuck(&out, &p));
    }
    Ok(out)
}

/// When the parser expects a key of the top-level map and its cheapest
/// completion is exactly `target` bytes: the number of entries left.
fn tight_top_level_map(p: &Parser, target: u128) -> Option<u64> {
    let left = p.top_level_entries_left()?;
    (p.lengths().min() == Some(target)).then_some(left)
}

/// The next key from `cursor` that is not in `taken`.
fn next_free(cursor: &mut KeyCursor, taken: &KeySet) -> Option<Vec<u8>> {
    cursor.find(|k| !taken.contains(k.as_slice()))
}

/// Check a blob claimed to be a colliding conforming document, using only
/// tools independent of the oracle and the builder.
pub fn verify(profile: Profile, keys: &KeySpec, blob: &[u8]) -> Result<(), CheckError> {
    verify_document(profile, keys, blob)?;
    let c = classify(blob);
    if c.format != Format::Bson {
        return Err(CheckError::DetectorSaysMsgpack(c.reason));
    }
    Ok(())
}

/// Check that a blob is one conforming document (whatever the detector
/// says): `rmp-serde` reads it as one map with allowed, distinct keys and
/// nothing after it, the conformance checker accepts it under `profile`,
/// and for `canonical`, `rmp-serde` re-encodes it to the same bytes.
pub fn verify_document(profile: Profile, keys: &KeySpec, blob: &[u8]) -> Result<(), CheckError> {
    check_decoded_keys(keys, blob)?;
    conformance::check(profile, keys, blob).map_err(|violation| CheckError::Nonconforming { profile, violation })?;
    if profile == Profile::Canonical {
        let v: rmpv::Value =
            rmp_serde::from_slice(blob).map_err(|e| CheckError::RmpSerde(format!("does not decode it: {e}")))?;
        match rmp_serde::to_vec(&v) {
            Ok(again) if again == blob => {}
            Ok(_) => return Err(CheckError::RmpSerde("re-encodes it to different bytes".into())),
            Err(e) => return Err(CheckError::RmpSerde(format!("cannot re-encode it: {e}"))),
        }
    }
    Ok(())
}

/// `rmp-serde`, a decoder independent of everything here, reads `blob` as
/// exactly one map (nothing after it) in which every map, at any depth,
/// has distinct str keys allowed by `keys` (the top-level map's first key
/// by its own language, if it has one).
///
/// It streams: a witness's map can have a million entries, and a decoded
/// tree of them (rmpv's) cost more than all the other checks together.
pub fn check_decoded_keys(keys: &KeySpec, blob: &[u8]) -> Result<(), CheckError> {
    use serde::de::{DeserializeSeed, IgnoredAny};
    use serde::Deserialize;

    let mut de = rmp_serde::Deserializer::from_read_ref(blob);
    // The conformance checker's limit decides; this one only keeps the
    // reader's recursion bounded.
    de.set_max_depth(crate::msgpack::MAX_DEPTH + 1);
    let problem = std::cell::RefCell::new(None);
    let visit = Visit {
        keys,
        problem: &problem,
        level: Level::Top,
    };
    let read = visit.deserialize(&mut de);
    if let Some(found) = problem.into_inner() {
        return Err(found);
    }
    read.map_err(|e| CheckError::Undecodable(e.to_string()))?;
    // After the one value, the reader must find no marker at all.
    match IgnoredAny::deserialize(&mut de) {
        Err(rmp_serde::decode::Error::InvalidMarkerRead(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(()),
        _ => Err(CheckError::Undecodable("bytes follow the one value".into())),
    }
}

/// Where a value sits, for [`Visit`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    /// The whole blob: must be a map, whose first key has its own language.
    Top,
    /// Anything inside it.
    Inner,
}

/// `rmp-serde`'s visitor for one value of the blob. The first problem it
/// finds is stored in `problem` (serde's own error type cannot carry it),
/// and the read is stopped with a placeholder error.
#[derive(Clone, Copy)]
struct Visit<'a, 'k> {
    keys: &'k KeySpec,
    problem: &'a std::cell::RefCell<Option<CheckError>>,
    level: Level,
}

impl Visit<'_, '_> {
    fn stop<E: serde::de::Error>(&self, found: CheckError) -> E {
        *self.problem.borrow_mut() = Some(found);
        E::custom("stopped by a problem the verification reports")
    }

    /// A value that is not a map: fine inside, not at the top.
    fn leaf<E: serde::de::Error>(&self) -> Result<(), E> {
        match self.level {
            Level::Top => Err(self.stop(CheckError::NotAMap)),
            Level::Inner => Ok(()),
        }
    }

    fn inner(&self) -> Self {
        Visit {
            level: Level::Inner,
            ..*self
        }
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Visit<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Visit<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a msgpack value")
    }

    fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        // The header's count is untrusted: never reserve by it.
        let mut names: Vec<&'de [u8]> = Vec::new();
        while let Some(key) = map.next_key_seed(Key)? {
            let key = match key {
                KeyRead::Str(k) => k.as_bytes(),
                KeyRead::Other(what) => return Err(self.stop(KeyProblem::NotStr(what).into())),
            };
            let allowed = if self.level == Level::Top && names.is_empty() {
                self.keys.check_first(key)
            } else {
                self.keys.check(key)
            };
            if let Err(error) = allowed {
                let key = String::from_utf8_lossy(key).into_owned();
                return Err(self.stop(KeyProblem::NotAllowed { key, error }.into()));
            }
            names.push(key);
            map.next_value_seed(self.inner())?;
        }
        match first_repeat(&names) {
            Some(i) => {
                let key = String::from_utf8_lossy(names[i]).into_owned();
                Err(self.stop(KeyProblem::Duplicate(key).into()))
            }
            None => Ok(()),
        }
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        self.leaf()?;
        while items.next_element_seed(self.inner())?.is_some() {}
        Ok(())
    }

    /// An ext (rmp-serde hands it over as its type and data).
    fn visit_newtype_struct<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.leaf()?;
        <serde::de::IgnoredAny as serde::Deserialize>::deserialize(d).map(|_| ())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.leaf()
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        self.leaf()
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        self.leaf()
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        self.leaf()
    }
    fn visit_f32<E: serde::de::Error>(self, _: f32) -> Result<(), E> {
        self.leaf()
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        self.leaf()
    }
    fn visit_borrowed_str<E: serde::de::Error>(self, _: &'de str) -> Result<(), E> {
        self.leaf()
    }
    /// A bin, or a str that is not UTF-8.
    fn visit_borrowed_bytes<E: serde::de::Error>(self, _: &'de [u8]) -> Result<(), E> {
        self.leaf()
    }
}

/// What a map key read as.
enum KeyRead<'de> {
    Str(&'de str),
    /// Anything else, described for the error.
    Other(String),
}

/// Reads one map key.
struct Key;

impl<'de> serde::de::DeserializeSeed<'de> for Key {
    type Value = KeyRead<'de>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<KeyRead<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Key {
    type Value = KeyRead<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a map key")
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, s: &'de str) -> Result<KeyRead<'de>, E> {
        Ok(KeyRead::Str(s))
    }
    fn visit_borrowed_bytes<E: serde::de::Error>(self, b: &'de [u8]) -> Result<KeyRead<'de>, E> {
        Ok(KeyRead::Other(format!("bin or non-UTF-8 str of {} bytes", b.len())))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<KeyRead<'de>, E> {
        Ok(KeyRead::Other("nil".into()))
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<KeyRead<'de>, E> {
        Ok(KeyRead::Other(v.to_string()))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<KeyRead<'de>, E> {
        Ok(KeyRead::Other(v.to_string()))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<KeyRead<'de>, E> {
        Ok(KeyRead::Other(v.to_string()))
    }
    fn visit_f32<E: serde::de::Error>(self, v: f32) -> Result<KeyRead<'de>, E> {
        Ok(KeyRead::Other(v.to_string()))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<KeyRead<'de>, E> {
        Ok(KeyRead::Other(v.to_string()))
    }
    // Containers are read to their end (the reader checks their counts)
    // before the key is refused.
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut items: A) -> Result<KeyRead<'de>, A::Error> {
        while items.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(KeyRead::Other("an array".into()))
    }
    fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<KeyRead<'de>, M::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(KeyRead::Other("a map".into()))
    }
    fn visit_newtype_struct<D: serde::Deserializer<'de>>(self, d: D) -> Result<KeyRead<'de>, D::Error> {
        serde::Deserialize::deserialize(d).map(|serde::de::IgnoredAny| KeyRead::Other("an ext".into()))
    }
}
