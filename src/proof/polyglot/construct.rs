//! Polyglots built on purpose: where the search stops with a branch still
//! open, a polyglot laid out by a construction bounds the answer from
//! above, and one at the search's lower bound makes that bound exact.
//!
//! The construction, for a candidate length `L` (bytes as both readers see
//! them):
//!
//! ```text
//! bytes:   L's 4 bytes  05      key headers, keys  cf  c   00  N (4)  00   d   rest of the map ... 00
//! BSON:    length       binary  its name (UTF-8, no 0x00)  end  length  sub  data ................. end
//! msgpack: the prefix   byte 4  keys, as the oracle allows   a uint64's 8 payload bytes, the rest, ending in 0
//! ```
//!
//! - Byte 4 is 0x05, a BSON binary; the msgpack side reads it as whatever
//!   the prefix leaves open there (a map count's low byte, say).
//! - Every msgpack byte from there to the first value is also a byte of
//!   the binary's name: a str8 key header whose length byte is a UTF-8
//!   continuation (a key of 128 to 191 bytes) is a two-byte character, and
//!   the key's own bytes are ASCII.
//! - The first value ends the name and starts the binary: the integer 0
//!   (the name's terminator) if the bytes after it can be the binary's
//!   int32 length and subtype; else a uint64 (0xcf, a UTF-8 lead byte)
//!   whose payload starts with a continuation byte, so the name is valid
//!   UTF-8, then holds the terminator, the length, the subtype and the
//!   first byte of data (a payload of 0x80 or more is a number only a
//!   uint64 holds, so every profile writes it so); else, where the value
//!   must hold the rest of the document, an array16 or map16 (0xdc, 0xde)
//!   whose count's high byte is a continuation and low byte the
//!   terminator, its first elements or entries then spelling the length
//!   and subtype.
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

use crate::msgpack::{KeySpec, Profile};
use crate::proof::oracle::{Expect, Parser};
use crate::proof::search::prefix_of;
use crate::proof::witness;

use super::bson::BsonPrefix;
use super::STARTS_A_STR;

/// BSON's element type for a binary: the element whose data can hold
/// anything, and so the rest of the msgpack document.
const BINARY: u8 = 0x05;

/// Value markers that are UTF-8 lead bytes of two-byte characters and
/// whose next bytes the msgpack side constrains little: a uint64 (eight
/// payload bytes; one of 0x80 or more is a number only a uint64 holds),
/// then an array16 and a map16 (a count of 0x8000 or more, whose elements
/// or entries follow).
const OPENERS: [u8; 3] = [0xcf, 0xdc, 0xde];

/// How many names (key header and key choices, each ending where a value
/// comes) one candidate length may try to start the binary after before
/// the construction gives up on it.
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
    /// value comes, where the binary can start.
    fn name(&self, p: &Parser, b: &BsonPrefix, blob: &mut Vec<u8>, tries: &mut u32) -> Option<Vec<u8>> {
        match p.expect() {
            Expect::Value => {
                *tries = tries.checked_sub(1)?;
                self.value_then_rest(p, b, blob)
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
                let langs = self.keys.languages_to_complete(first);
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

    /// Copies of both readers after `bytes`, if both take them and `len`
    /// stays reachable.
    fn both_take(&self, p: &Parser, b: &BsonPrefix, bytes: &[u8]) -> Option<(Parser, BsonPrefix)> {
        let mut b2 = b.clone();
        if !bytes.iter().all(|&x| b2.feed(x)) {
            return None;
        }
        let mut p2 = p.clone();
        (p2.feed(bytes) && p2.lengths().contains(self.len as u128)).then_some((p2, b2))
    }

    /// Go on with the name after `bytes`, none of them its end (0x00).
    fn try_bytes(
        &self,
        p: &Parser,
        b: &BsonPrefix,
        blob: &mut Vec<u8>,
        bytes: &[u8],
        tries: &mut u32,
    ) -> Option<Vec<u8>> {
        if bytes.contains(&0x00) {
            return None;
        }
        let (p2, b2) = self.both_take(p, b, bytes)?;
        let at = blob.len();
        blob.extend_from_slice(bytes);
        let found = self.name(&p2, &b2, blob, tries);
        blob.truncate(at);
        found
    }

    /// A value that ends the name and starts the binary, then the rest of
    /// the document, checked: the integer 0 as the name's end, else a
    /// marker in [`OPENERS`] and a continuation byte (one UTF-8 character)
    /// whose next byte can be 0x00.
    fn value_then_rest(&self, p: &Parser, b: &BsonPrefix, blob: &[u8]) -> Option<Vec<u8>> {
        if let Some(found) = self.binary_from_here(p, b, blob) {
            return Some(found);
        }
        for marker in OPENERS {
            for c in 0x80..=0xbfu8 {
                let bytes = [marker, c];
                let Some((p2, b2)) = self.both_take(p, b, &bytes) else {
                    continue;
                };
                let mut start = blob.to_vec();
                start.extend_from_slice(&bytes);
                if let Some(found) = self.binary_from_here(&p2, &b2, &start) {
                    return Some(found);
                }
            }
        }
        None
    }

    /// The name's terminator here, then the binary's int32 length and
    /// subtype (bytes the msgpack side must take as they are), then the
    /// witness builder's rest of the document as the binary's data, ending
    /// in 0x00: the blob, if the judges accept it.
    fn binary_from_here(&self, p: &Parser, b: &BsonPrefix, blob: &[u8]) -> Option<Vec<u8>> {
        // The data starts after the terminator, four length bytes and the
        // subtype, and runs up to the document's last byte, exclusive.
        let data_start = blob.len() as u64 + 6;
        let n = u32::try_from(self.len.checked_sub(data_start + 1)?).ok()?.to_le_bytes();
        let bytes = [0x00, n[0], n[1], n[2], n[3], 0x00];
        self.both_take(p, b, &bytes)?;
        let mut start = blob.to_vec();
        start.extend_from_slice(&bytes);
        let mut whole = witness::build(self.profile, self.keys, self.len, &start).ok()?;
        *whole.last_mut()? = 0x00;
        // The judges, not the readers that chose the bytes, decide.
        super::verify(self.profile, self.keys, &whole).is_ok().then_some(whole)
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
    /// 0x000105xx bytes, and byte 5, its length's last byte, is the
    /// smallest a name takes (0x01): a key of 0x00010501 = 66817 bytes.
    /// Its value, the document's last, must hold the rest: a uint64 would
    /// end the document 16.7 MB short, so it is an array16 (`dc 80`, a
    /// two-byte character) whose count's low byte ends the name. The
    /// binary's data then runs from 6 + 66817 + 8 = 66831 to the last byte
    /// but one: 16833409 - 66831 - 1 = 16766577 = 0x00ffd671, written as
    /// the array's first elements: the integer 0x71, then a fixext4 (0xd6)
    /// of type -1 (0xff, a timestamp) whose data starts with the length's
    /// 0x00 and the subtype 0x00.
    #[test]
    fn an_array_holds_what_a_uint64_cannot() {
        let keys = KeySpec::new(FirstChar::Alnum, Kmax::Unbounded);
        let blob = construct(Profile::Canonical, &keys, 16_833_409).expect("built");
        assert_eq!(blob.len(), 16_833_409);
        assert_eq!(blob[..6], [0x81, 0xdb, 0x00, 0x01, 0x05, 0x01]);
        assert!(blob[6..66823].iter().all(|&b| b == b'0'));
        assert_eq!(blob[66823..66831], [0xdc, 0x80, 0x00, 0x71, 0xd6, 0xff, 0x00, 0x00]);
        assert_eq!(blob[16_833_408], 0x00);
    }

    /// A candidate the construction cannot use is passed over: the post's
    /// first colliding length for these keys, 121473 (`81 da 01 00`), has
    /// a key's first byte at byte 4, which a key of `[A-Za-z0-9_]` never
    /// makes 0x05.
    #[test]
    fn the_first_candidate_built_is_taken() {
        let keys = KeySpec::new(FirstChar::Alnum, Kmax::Unbounded);
        assert_eq!(construct(Profile::Canonical, &keys, 121_473), None);
        let (len, _) = first_constructed(Profile::Canonical, &keys, &[121_473, 16_833_409], 2).expect("built");
        assert_eq!(len, 16_833_409);
        assert_eq!(
            first_constructed(Profile::Canonical, &keys, &[121_473, 16_833_409], 1),
            None
        );
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
