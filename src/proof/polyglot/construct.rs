//! Polyglots built on purpose: where the search stops with a branch still
//! open, a polyglot laid out by a construction bounds the answer from
//! above, and one at the search's lower bound makes that bound exact.
//!
//! The construction, for a candidate length `L` (bytes as both readers see
//! them):
//!
//! ```text
//! L's 4 bytes  05      key headers and keys ...   cf  c   00  N (4)  00   d   rest of the map ... 00
//! BSON:  length  binary  its name (UTF-8, no 0x00) ......  end  length  sub  data ................. end
//! msgpack: the prefix, byte 4, then keys      ...  a uint64's 8 payload bytes  the document, ending in 0
//! ```
//!
//! - Byte 4 is 0x05, a BSON binary; the msgpack side reads it as whatever
//!   the prefix leaves open there (a map count's low byte, say).
//! - Every msgpack byte from there to the first value is also a byte of
//!   the binary's name: a str8 key header whose length byte is a UTF-8
//!   continuation (a key of 128 to 191 bytes) is a two-byte character, and
//!   the key's own bytes are ASCII.
//! - The first value is a uint64 (0xcf, a UTF-8 lead byte) whose payload
//!   starts with a continuation byte `c`, so the name is valid UTF-8, then
//!   holds the name's terminator, the binary's int32 length `N`, its
//!   subtype 0x00 and its first byte of data. A payload of 0x80 or more is
//!   a number only a uint64 can hold, so every profile writes it so.
//! - The binary's data then runs over the rest of the msgpack document,
//!   which the witness builder completes to exactly `L` bytes, and the
//!   document's last byte, 0x00 (the integer 0, or a body's last byte), is
//!   the BSON terminator.
//!
//! The msgpack bytes are chosen with the oracle (which keeps `L` reachable)
//! and the BSON reader of [`super::bson`] together; the finished blob is
//! judged by the `bson` crate and by the witness checks alone. A
//! construction that fails says nothing: only the search's lower bound is
//! proved, and a polyglot found above it is reported as found, not as the
//! smallest.
//!
//! This module owns the construction; the grammar is the oracle's, the
//! completion the witness builder's.

use crate::msgpack::lang::KeyLang;
use crate::msgpack::{KeySpec, Profile};
use crate::proof::oracle::{Expect, Parser};
use crate::proof::search::prefix_of;
use crate::proof::witness;

use super::bson::BsonPrefix;
use super::STARTS_A_STR;

/// BSON's element type for a binary: the element whose data can hold
/// anything, and so the rest of the msgpack document.
const BINARY: u8 = 0x05;

/// msgpack's uint64 marker: a UTF-8 lead byte, followed by eight bytes the
/// msgpack side does not constrain.
const UINT64: u8 = 0xcf;

/// How many ways of writing the name (key header and key choices) one
/// candidate length may try before the construction gives up on it.
const TRIES: u32 = 64;

/// A polyglot of exactly `len` bytes by the construction above, checked by
/// the `bson` crate and the witness checks; `None` if the construction
/// does not reach one.
pub fn construct(profile: Profile, keys: &KeySpec, len: u64) -> Option<Vec<u8>> {
    let mut parser = Parser::new(profile, keys.clone());
    let mut bson = BsonPrefix::after_length(len)?;
    let mut blob = prefix_of(len).to_vec();
    if !parser.feed(&blob) || !bson.feed(BINARY) {
        return None;
    }
    blob.push(BINARY);
    if !parser.feed(&[BINARY]) || !parser.lengths().contains(len as u128) {
        return None;
    }
    let build = Build { profile, keys, len };
    let mut tries = TRIES;
    build.name(&parser, &bson, &mut blob, &mut tries)
}

/// The smallest of `candidates` (increasing lengths) that the construction
/// reaches, trying at most `tries` of them, with its blob.
pub fn first_constructed(profile: Profile, keys: &KeySpec, candidates: &[u32], tries: usize) -> Option<(u64, Vec<u8>)> {
    candidates
        .iter()
        .take(tries)
        .find_map(|&len| construct(profile, keys, len as u64).map(|blob| (len as u64, blob)))
}

struct Build<'a> {
    profile: Profile,
    keys: &'a KeySpec,
    len: u64,
}

impl Build<'_> {
    /// Extend the binary's name with msgpack bytes, depth first, until a
    /// value comes where the uint64 can go.
    fn name(&self, p: &Parser, b: &BsonPrefix, blob: &mut Vec<u8>, tries: &mut u32) -> Option<Vec<u8>> {
        match p.expect() {
            Expect::Value => {
                *tries = tries.checked_sub(1)?;
                self.uint64_then_rest(p, b, blob)
            }
            Expect::Key { .. } | Expect::HeaderOrScalar => {
                let key_start = matches!(p.expect(), Expect::Key { .. });
                for byte in 0..=255u8 {
                    if key_start && !STARTS_A_STR[byte as usize] {
                        continue;
                    }
                    let found = self.try_bytes(p, b, blob, &[byte], tries);
                    if found.is_some() || *tries == 0 {
                        return found;
                    }
                }
                None
            }
            Expect::KeyBody => {
                // The key's cheapest completions: the name needs them to be
                // UTF-8 without 0x00, the map needs them free; finished keys
                // rule out at most as many as the map has.
                let (written, total, first) = p.key_in_progress()?;
                let (written, got) = (written.to_vec(), written.len() as u64);
                let langs: Vec<&KeyLang> = match (first, self.keys.first_keys_outside(), self.keys.first_keys_inside())
                {
                    (true, Some(outside), Some(inside)) => vec![outside, inside],
                    (true, _, _) => vec![self.keys.first_keys()],
                    (false, _, _) => vec![self.keys.keys()],
                };
                let take = p.current_map_keys().map_or(0, |k| k.len()) + 1;
                for lang in langs {
                    let Some(state) = lang.walk(&written) else { continue };
                    for rest in lang.completions_from(state, got, total - got).take(take) {
                        let found = self.try_bytes(p, b, blob, &rest, tries);
                        if found.is_some() || *tries == 0 {
                            return found;
                        }
                    }
                }
                None
            }
            _ => None,
        }
    }

    /// Feed `bytes` to copies of both readers; if both take them and `len`
    /// stays reachable, go on with the name.
    fn try_bytes(
        &self,
        p: &Parser,
        b: &BsonPrefix,
        blob: &mut Vec<u8>,
        bytes: &[u8],
        tries: &mut u32,
    ) -> Option<Vec<u8>> {
        let mut b2 = b.clone();
        if !bytes.iter().all(|&x| x != 0 && b2.may_accept(x) && b2.feed(x)) {
            return None;
        }
        let mut p2 = p.clone();
        if !p2.feed(bytes) || !p2.lengths().contains(self.len as u128) {
            return None;
        }
        let at = blob.len();
        blob.extend_from_slice(bytes);
        let found = self.name(&p2, &b2, blob, tries);
        blob.truncate(at);
        found
    }

    /// The uint64 that ends the name and starts the binary, then the rest
    /// of the document, checked.
    fn uint64_then_rest(&self, p: &Parser, b: &BsonPrefix, blob: &[u8]) -> Option<Vec<u8>> {
        // The binary's data starts at the payload's last byte and runs up
        // to the terminator, the document's last byte.
        let data_start = blob.len() as u64 + 8;
        let data_len = u32::try_from(self.len.checked_sub(data_start + 1)?).ok()?;
        let n = data_len.to_le_bytes();
        for c in 0x80..=0xbfu8 {
            let bytes = [UINT64, c, 0x00, n[0], n[1], n[2], n[3], 0x00, 0x00];
            let mut b2 = b.clone();
            if !bytes.iter().all(|&x| b2.feed(x)) {
                continue;
            }
            let mut start = blob.to_vec();
            start.extend_from_slice(&bytes);
            let mut p2 = p.clone();
            if !p2.feed(&bytes) || !p2.lengths().contains(self.len as u128) {
                continue;
            }
            let mut whole = witness::build(self.profile, self.keys, self.len, &start).ok()?;
            *whole.last_mut()? = 0x00;
            // The judges, not the readers that chose the bytes, decide.
            return super::verify(self.profile, self.keys, &whole).is_ok().then_some(whole);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgpack::{FirstChar, Kmax};

    /// Keys of up to 255 alphanumeric bytes under map32-header: at 223,
    /// worked by hand. `df 00 00 00` is a map32 header and BSON's length;
    /// byte 4, 0x05, is the map's count (5 entries) and a binary's type.
    /// The first key's header `d9 80` is U+0640 in the name, then the
    /// cheapest 128-byte key, "000...0"; the uint64 `cf 80` is U+03C0, then
    /// the name's end, the binary's length 223 - 1 - 143 = 79 (its data
    /// runs from byte 143, the payload's last, to byte 221), subtype 0 and
    /// the first data byte. Four more entries fill bytes 144 to 222, and
    /// the last byte is the terminator.
    #[test]
    fn a_binary_over_the_map_at_223() {
        let keys = KeySpec::new(FirstChar::Alnum, Kmax::Bounded(255));
        let blob = construct(Profile::Map32Header, &keys, 223).expect("a polyglot");
        let mut start = vec![0xdf, 0x00, 0x00, 0x00, 0x05, 0xd9, 0x80];
        start.extend([b'0'; 128]);
        start.extend([0xcf, 0x80, 0x00, 79, 0, 0, 0, 0x00, 0x00]);
        assert_eq!(blob.len(), 223);
        assert_eq!(blob[..start.len()], start[..]);
        assert_eq!(blob[222], 0x00);
        let doc = bson::Document::from_reader(&blob[..]).expect("BSON");
        let name = format!("\u{640}{}\u{3c0}", "0".repeat(128));
        match doc.get(&name) {
            Some(bson::Bson::Binary(bin)) => assert_eq!(bin.bytes.len(), 79),
            other => panic!("{other:?} in {doc:?}"),
        }
        assert_eq!(doc.len(), 1);
        let map = rmpv::decode::read_value(&mut &blob[..]).expect("msgpack");
        assert_eq!(map.as_map().map(Vec::len), Some(5));
    }

    /// Unbounded keys under canonical, worked by hand: at 16833409
    /// (`81 db 00 01`) byte 4 makes the map's only key a str32 of
    /// 0x000105xx bytes, and the uint64 after it ends the document some
    /// 16.7 MB short. At 16833410 (`82 db 00 01`) a second entry takes the
    /// rest: the key is `0x00010501` = 66817 bytes (byte 5, its length's
    /// last byte, is the smallest a name takes: 0x01), so the uint64 is at
    /// 6 + 66817 = 66823 and the binary's data runs from 66831 to the
    /// last byte but one: 16833410 - 66831 - 1 = 16766578 = 0x00ffd672.
    #[test]
    fn the_next_candidate_when_the_first_cannot_hold_it() {
        let keys = KeySpec::new(FirstChar::Alnum, Kmax::Unbounded);
        let (len, blob) = first_constructed(Profile::Canonical, &keys, &[16_833_409, 16_833_410], 2).expect("built");
        assert_eq!(len, 16_833_410);
        assert_eq!(blob.len(), 16_833_410);
        assert_eq!(blob[..6], [0x82, 0xdb, 0x00, 0x01, 0x05, 0x01]);
        assert!(blob[6..66823].iter().all(|&b| b == b'0'));
        assert_eq!(
            blob[66823..66832],
            [0xcf, 0x80, 0x00, 0x72, 0xd6, 0xff, 0x00, 0x00, 0x00]
        );
        assert_eq!(first_constructed(Profile::Canonical, &keys, &[16_833_409], 1), None);
    }

    /// Keys of at most 31 bytes: no str header is the start of a UTF-8
    /// character (a fixstr header is a continuation byte, and a longer
    /// header's length byte would have to be 0x80 or more), so the name
    /// cannot begin.
    #[test]
    fn short_keys_cannot_start_the_name() {
        let keys = KeySpec::new(FirstChar::Alnum, Kmax::Bounded(31));
        assert_eq!(construct(Profile::Map32Header, &keys, 223), None);
        assert_eq!(construct(Profile::AnyWidth, &keys, 223), None);
    }

    /// A length whose byte 4 cannot be 0x05: `81 a1 30 00` is a whole map
    /// already.
    #[test]
    fn a_whole_prefix_has_no_byte_4() {
        let keys = KeySpec::new(FirstChar::Alnum, Kmax::Bounded(255));
        assert_eq!(construct(Profile::Canonical, &keys, 3_187_073), None);
    }
}
