//! A BSON document read a byte at a time, as the polyglot search needs it:
//! which bytes can come next in a document of a known total length.
//!
//! It rejects a prefix only when no document the `bson` crate accepts
//! starts with it, by rules the crate enforces (each one is tested against
//! the crate in this module's tests): the element types, names that are
//! UTF-8 C-strings, booleans of 0 or 1, strings whose declared length fits
//! and whose text is UTF-8 ending in 0x00, embedded documents of at least
//! five bytes that fit in their parent and end in 0x00, and every length
//! inside the document. Where the crate checks more (a binary's old
//! subtype, a code-with-scope's total), this reader checks less: the search
//! may then keep a branch that no valid document has, which weakens a lower
//! bound but never makes it wrong. Witnesses are judged by the crate itself.

use std::rc::Rc;

use crate::msgpack::utf8::Utf8State;

/// What the next byte is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Next {
    /// An element's type, or the document's terminator.
    Type,
    /// A name's next byte (a C-string), then the value of `ty`.
    Name { ty: u8, utf8: Utf8State },
    /// An int32 length, little-endian, for a value of type `ty`.
    Len { ty: u8, got: u8, acc: u32 },
    /// Bytes whose values are free: a number's, an ObjectId's, a binary's
    /// data (and its subtype byte).
    Free { left: u64 },
    /// A boolean: 0x00 or 0x01.
    Bool,
    /// String text: `left` bytes, the last of them 0x00.
    Text { left: u64, utf8: Utf8State },
    /// A regular expression's two C-strings (`second` once the first ended).
    Regex { second: bool, utf8: Utf8State },
    /// Nothing: the document is complete.
    Done,
}

/// A BSON document of known total length, read so far.
#[derive(Clone, Debug)]
pub(crate) struct BsonPrefix {
    /// Bytes read.
    pos: u64,
    /// For each open document, the offset of its terminator, innermost
    /// first: a shared list, so that the search's clone of a reader for
    /// every byte it tries copies one pointer.
    ends: Option<Rc<Ends>>,
    next: Next,
    /// A string value that, once read, is followed by 12 more bytes
    /// (a DBPointer).
    then_id: bool,
}

/// An open document's terminator offset, and those of the documents
/// around it.
#[derive(Debug)]
struct Ends {
    end: u64,
    outer: Option<Rc<Ends>>,
}

/// The element types the `bson` crate reads.
pub(crate) fn is_element_type(b: u8) -> bool {
    matches!(b, 0x01..=0x13 | 0x7f | 0xff)
}

impl BsonPrefix {
    /// After the four length bytes of a document of `len` bytes.
    pub(crate) fn after_length(len: u64) -> Option<BsonPrefix> {
        (len >= 5).then(|| BsonPrefix {
            pos: 4,
            ends: Some(Rc::new(Ends {
                end: len - 1,
                outer: None,
            })),
            next: Next::Type,
            then_id: false,
        })
    }

    /// Bytes read so far.
    pub(crate) fn pos(&self) -> u64 {
        self.pos
    }

    /// Whether the document is complete.
    pub(crate) fn done(&self) -> bool {
        self.next == Next::Done
    }

    /// The innermost open document's terminator.
    fn end(&self) -> u64 {
        self.ends.as_ref().map_or(0, |e| e.end)
    }

    /// Bytes left before the innermost document's terminator.
    fn room(&self) -> u64 {
        self.end().saturating_sub(self.pos)
    }

    /// A cheap first look at the next byte: `false` only for a byte that
    /// [`BsonPrefix::feed`] refuses (an element type, a boolean, the first
    /// byte of a UTF-8 character); `feed` decides the rest.
    pub(crate) fn may_accept(&self, b: u8) -> bool {
        let char_start = |utf8: Utf8State| utf8.pending() > 0 || matches!(b, 0x00..=0x7f | 0xc2..=0xf4);
        match self.next {
            Next::Type => b == 0 || is_element_type(b),
            Next::Name { utf8, .. } | Next::Regex { utf8, .. } => char_start(utf8),
            Next::Bool => b <= 1,
            Next::Done => false,
            Next::Len { .. } | Next::Free { .. } | Next::Text { .. } => true,
        }
    }

    /// Read one byte; `false` if no accepted document has it here.
    pub(crate) fn feed(&mut self, b: u8) -> bool {
        let ok = self.step(b);
        self.pos += 1;
        ok
    }

    fn step(&mut self, b: u8) -> bool {
        match self.next {
            Next::Done => false,
            Next::Type if self.pos == self.end() => {
                // The terminator.
                if b != 0 {
                    return false;
                }
                self.ends = self.ends.take().and_then(|e| e.outer.clone());
                self.next = if self.ends.is_none() { Next::Done } else { Next::Type };
                true
            }
            // An element needs its type, a name's terminator, and its value.
            Next::Type => {
                if !is_element_type(b) || self.room() < 2 {
                    return false;
                }
                self.next = Next::Name {
                    ty: b,
                    utf8: Utf8State::default(),
                };
                true
            }
            Next::Name { ty, mut utf8 } => {
                if b == 0 {
                    return utf8.pending() == 0 && self.value_starts(ty);
                }
                if !utf8.feed(b) || self.room() <= 1 {
                    return false;
                }
                self.next = Next::Name { ty, utf8 };
                true
            }
            Next::Len { ty, got, acc } => {
                let acc = acc | (b as u32) << (8 * got);
                if got < 3 {
                    self.next = Next::Len { ty, got: got + 1, acc };
                    return true;
                }
                self.length_read(ty, acc as i32)
            }
            Next::Free { left } => {
                self.next = if left == 1 {
                    Next::Type
                } else {
                    Next::Free { left: left - 1 }
                };
                true
            }
            Next::Bool => {
                self.next = Next::Type;
                b <= 1
            }
            Next::Text { left, mut utf8 } => {
                if left == 1 {
                    if b != 0 || utf8.pending() != 0 {
                        return false;
                    }
                    // A DBPointer's 12-byte id follows its string.
                    self.next = if std::mem::take(&mut self.then_id) {
                        Next::Free { left: 12 }
                    } else {
                        Next::Type
                    };
                    return true;
                }
                if !utf8.feed(b) {
                    return false;
                }
                self.next = Next::Text { left: left - 1, utf8 };
                true
            }
            Next::Regex { second, mut utf8 } => {
                if b == 0 {
                    if utf8.pending() != 0 {
                        return false;
                    }
                    self.next = if second {
                        Next::Type
                    } else {
                        Next::Regex {
                            second: true,
                            utf8: Utf8State::default(),
                        }
                    };
                    return true;
                }
                if !utf8.feed(b) || self.room() <= 1 + !second as u64 {
                    return false;
                }
                self.next = Next::Regex { second, utf8 };
                true
            }
        }
    }

    /// The name of an element of type `ty` ended at the current byte: set
    /// up its value, if it fits.
    fn value_starts(&mut self, ty: u8) -> bool {
        // Bytes after this one up to the document's terminator.
        let room = self.room() - 1;
        let fixed = |n: u64, s: &mut Self| {
            s.next = if n == 0 { Next::Type } else { Next::Free { left: n } };
            n <= room
        };
        match ty {
            0x01 | 0x09 | 0x11 | 0x12 => fixed(8, self),
            0x07 => fixed(12, self),
            0x10 => fixed(4, self),
            0x13 => fixed(16, self),
            0x06 | 0x0a | 0x7f | 0xff => fixed(0, self),
            0x08 => {
                self.next = Next::Bool;
                room >= 1
            }
            0x0b => {
                self.next = Next::Regex {
                    second: false,
                    utf8: Utf8State::default(),
                };
                room >= 2
            }
            // Strings, documents, binaries, DBPointers, code with scope:
            // an int32 length first.
            _ => {
                self.next = Next::Len { ty, got: 0, acc: 0 };
                room >= 4
            }
        }
    }

    /// The int32 length of a value of type `ty` was read (its last byte is
    /// the current one).
    fn length_read(&mut self, ty: u8, len: i32) -> bool {
        // Bytes after this one up to the document's terminator.
        let room = self.room() - 1;
        let Ok(len) = u64::try_from(len) else {
            return false;
        };
        match ty {
            // A string: `len` bytes of text ending in 0x00.
            0x02 | 0x0c | 0x0d | 0x0e => {
                let id = if ty == 0x0c { 12 } else { 0 };
                if len < 1 || len + id > room {
                    return false;
                }
                self.then_id = ty == 0x0c;
                self.next = Next::Text {
                    left: len,
                    utf8: Utf8State::default(),
                };
                true
            }
            // A document or array: its length counts these four bytes.
            0x03 | 0x04 => {
                if len < 5 || len - 4 > room {
                    return false;
                }
                let end = self.pos + len - 4;
                self.ends = Some(Rc::new(Ends {
                    end,
                    outer: self.ends.take(),
                }));
                self.next = Next::Type;
                true
            }
            // A binary: a subtype byte, then `len` bytes of data.
            0x05 => {
                if len + 1 > room {
                    return false;
                }
                self.next = Next::Free { left: len + 1 };
                true
            }
            // Code with scope: its total counts these four bytes; a string
            // and a document follow (at least 4 + 1 and 5 bytes). What
            // follows is read as free bytes: checking less is safe here.
            0x0f => {
                if len < 14 || len - 4 > room {
                    return false;
                }
                self.next = Next::Free { left: len - 4 };
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::{doc, Bson};

    /// Whether the reader accepts every prefix of `blob` and ends complete.
    fn reads_whole(blob: &[u8]) -> Result<(), usize> {
        let len = u32::from_le_bytes(blob[..4].try_into().unwrap()) as u64;
        let mut r = BsonPrefix::after_length(len).ok_or(0usize)?;
        for (i, &b) in blob.iter().enumerate().skip(4) {
            if !r.feed(b) {
                return Err(i);
            }
        }
        if r.done() {
            Ok(())
        } else {
            Err(blob.len())
        }
    }

    fn crate_accepts(blob: &[u8]) -> bool {
        crate::detect::detectors::bson_valid(blob).is_ok()
    }

    fn every_type() -> bson::Document {
        doc! {
            "double": 1.5,
            "string": "héllo",
            "document": { "a": 1, "": { } },
            "array": [1, "two", [], { }],
            "binary": Bson::Binary(bson::Binary { subtype: bson::spec::BinarySubtype::Generic, bytes: vec![0, 1, 2] }),
            "undefined": Bson::Undefined,
            "oid": bson::oid::ObjectId::from_bytes([7; 12]),
            "true": true,
            "false": false,
            "date": bson::DateTime::from_millis(12345),
            "null": Bson::Null,
            "regex": Bson::RegularExpression(bson::Regex { pattern: "a+b".to_string().try_into().unwrap(), options: "i".to_string().try_into().unwrap() }),
            "code": Bson::JavaScriptCode("x()".into()),
            "symbol": Bson::Symbol("sym".into()),
            "scoped": Bson::JavaScriptCodeWithScope(bson::JavaScriptCodeWithScope { code: "y".into(), scope: doc! { "z": 1 } }),
            "int32": 7i32,
            "timestamp": Bson::Timestamp(bson::Timestamp { time: 1, increment: 2 }),
            "int64": 8i64,
            "decimal": Bson::Decimal128(bson::Decimal128::from_bytes([3; 16])),
            "max": Bson::MaxKey,
            "min": Bson::MinKey,
            "dbpointer": Bson::DbPointer(dbpointer()),
        }
    }

    /// A DBPointer, which the crate builds only by reading one.
    fn dbpointer() -> bson::DbPointer {
        let mut raw = vec![0u8; 4];
        raw.extend([0x0c, b'p', 0]);
        raw.extend(4i32.to_le_bytes());
        raw.extend(b"ns.\0");
        raw.extend([9; 12]);
        raw.push(0);
        let len = raw.len() as i32;
        raw[..4].copy_from_slice(&len.to_le_bytes());
        let doc = bson::Document::try_from(bson::RawDocument::from_bytes(&raw).unwrap()).unwrap();
        match doc.get("p") {
            Some(Bson::DbPointer(p)) => p.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_every_type_the_crate_writes() {
        let blob = every_type().to_vec().unwrap();
        assert!(crate_accepts(&blob));
        assert_eq!(reads_whole(&blob), Ok(()));
    }

    /// Every one-byte change of a document with every type: whatever the
    /// crate accepts, the reader accepts (it may accept more).
    #[test]
    fn never_rejects_what_the_crate_accepts() {
        let blob = every_type().to_vec().unwrap();
        let (mut accepted, mut rejected_by_both) = (0, 0);
        for i in 4..blob.len() {
            for v in [
                0x00,
                0x01,
                0x02,
                0x05,
                0x0a,
                0x41,
                0x7f,
                0x80,
                0xc3,
                0xff,
                blob[i] ^ 1,
                blob[i].wrapping_add(1),
            ] {
                let mut m = blob.clone();
                m[i] = v;
                let ours = reads_whole(&m);
                if crate_accepts(&m) {
                    accepted += 1;
                    assert_eq!(
                        ours,
                        Ok(()),
                        "byte {i} = {v:#04x}: the crate accepts, the reader does not"
                    );
                } else if ours.is_err() {
                    rejected_by_both += 1;
                }
            }
        }
        println!("{accepted} accepted by the crate, {rejected_by_both} rejected by both");
        assert!(
            accepted > 1000 && rejected_by_both > 1000,
            "{accepted} {rejected_by_both}"
        );
    }

    /// The first look never refuses a byte that `feed` accepts: at every
    /// prefix of a document with every type, every byte.
    #[test]
    fn the_first_look_refuses_only_what_feed_refuses() {
        let blob = every_type().to_vec().unwrap();
        let len = blob.len() as u64;
        let mut r = BsonPrefix::after_length(len).unwrap();
        let mut refused = 0;
        for &next in &blob[4..] {
            for b in 0..=255u8 {
                if !r.may_accept(b) {
                    refused += 1;
                    assert!(!r.clone().feed(b), "at {}: {b:#04x}", r.pos());
                }
            }
            assert!(r.feed(next));
        }
        assert!(refused > 10_000, "{refused}");
    }

    /// The rules the reader rejects by, each checked against the crate.
    #[test]
    fn each_rejection_is_the_crates() {
        let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
        let doc = |body: &[u8]| {
            let mut d = ((body.len() + 5) as i32).to_le_bytes().to_vec();
            d.extend(body);
            d.push(0);
            d
        };
        cases.push(("unknown type 0x14", doc(&[0x14, b'a', 0])));
        cases.push(("unknown type 0x80", doc(&[0x80, b'a', 0])));
        cases.push(("a name that is not UTF-8", doc(&[0x0a, 0xa1, 0])));
        cases.push(("a name cut inside a character", doc(&[0x0a, 0xc3, 0])));
        cases.push(("a boolean of 2", doc(&[0x08, b'a', 0, 2])));
        cases.push(("a string of length 0", doc(&[0x02, b'a', 0, 0, 0, 0, 0])));
        cases.push((
            "a string not ending in 0x00",
            doc(&[0x02, b'a', 0, 2, 0, 0, 0, b'x', b'y']),
        ));
        cases.push(("a string that is not UTF-8", doc(&[0x02, b'a', 0, 2, 0, 0, 0, 0xff, 0])));
        cases.push((
            "a string longer than the document",
            doc(&[0x02, b'a', 0, 9, 0, 0, 0, b'x', 0]),
        ));
        cases.push(("a nested document of 4 bytes", doc(&[0x03, b'a', 0, 4, 0, 0, 0])));
        cases.push((
            "a nested document not ending in 0x00",
            doc(&[0x03, b'a', 0, 5, 0, 0, 0, 1]),
        ));
        cases.push((
            "a binary longer than the document",
            doc(&[0x05, b'a', 0, 9, 0, 0, 0, 0]),
        ));
        cases.push((
            "a negative binary length",
            doc(&[0x05, b'a', 0, 0xff, 0xff, 0xff, 0xff, 0]),
        ));
        cases.push(("a double cut short", doc(&[0x01, b'a', 0, 0, 0, 0])));
        cases.push(("no terminator", {
            let mut d = doc(&[0x0a, b'a', 0]);
            *d.last_mut().unwrap() = 1;
            d
        }));
        for (what, blob) in cases {
            assert!(!crate_accepts(&blob), "{what}: the crate accepts {blob:02x?}");
            assert!(reads_whole(&blob).is_err(), "{what}: the reader accepts {blob:02x?}");
        }
    }
}
