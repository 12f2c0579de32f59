//! What one stored blob is: the detector's answer, whether each format's
//! decoder accepts it, the encoder profiles it conforms to, its keys, and
//! what migrating it would cost.
//!
//! This module owns the per-blob verdict ([`Finding`]) and the BSON to
//! msgpack re-encoding used to measure the migration's payoff. It does not
//! read stores (see `source`) or add findings up (see `summary`). Every
//! decision here is made by real decoders (`bson`, `rmpv`) and by the
//! conformance checker; nothing is inferred from the length prefix alone.

use std::time::Instant;

use crate::detect::decode::decode_msgpack_ref;
use crate::detect::{classify, Format};
use crate::msgpack::{KeySpec, Profile, ProfileSet, MAX_DEPTH};
use crate::proof::conformance::{check, conforming_profiles, Broken};

/// Which decoders accept a blob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodesAs {
    Bson,
    MsgPack,
    Both,
    Neither,
}

impl DecodesAs {
    pub fn name(self) -> &'static str {
        match self {
            DecodesAs::Bson => "bson",
            DecodesAs::MsgPack => "msgpack",
            DecodesAs::Both => "both",
            DecodesAs::Neither => "neither",
        }
    }
}

/// Why a msgpack blob is outside what the scan was told to expect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NonConforming {
    /// No profile writes it (its first problem under the any-width profile,
    /// which allows every header and integer width).
    NoProfile(String),
    /// A key outside the stated key rules.
    Key(String),
}

/// Why a blob is not a BSON document the migration could re-encode. Kept
/// as it is and put into words only for a blob neither decoder accepts:
/// formatting it for every msgpack blob of a store cost more than reading
/// the length prefix that refused it.
#[derive(Debug, thiserror::Error)]
pub enum NotBson {
    /// The `bson` crate's raw reader refuses it.
    #[error("{0}")]
    Invalid(#[from] bson::error::Error),
    #[error("BSON nesting deeper than {MAX_DEPTH}")]
    TooDeep,
}

/// What the migration would make of a BSON document.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Payoff {
    pub bson_bytes: u64,
    /// The document re-encoded as canonical msgpack.
    pub msgpack_bytes: u64,
    /// How long each format took to decode, when this blob was timed.
    pub timing: Option<DecodeTiming>,
}

/// Nanoseconds each decoder took on one document.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DecodeTiming {
    /// The `bson` crate, decoding the blob into a `Document`.
    pub bson_ns: u64,
    /// `rmpv`, decoding the re-encoding into a `Value`.
    pub msgpack_ns: u64,
}

/// The verdict on one blob.
#[derive(Clone, Debug)]
pub struct Finding {
    pub size: u64,
    pub detector: Format,
    pub decodes: DecodesAs,
    /// The profiles a msgpack blob conforms to with the stated keys (empty
    /// for a blob that is not msgpack).
    pub profiles: ProfileSet,
    pub non_conforming: Option<NonConforming>,
    /// Every map key in the document, at any depth, each once (BSON element
    /// names too: after the migration they are msgpack keys).
    pub keys: Vec<Vec<u8>>,
    pub payoff: Option<Payoff>,
    /// For a blob neither decoder accepts: each one's complaint.
    pub errors: Option<(String, String)>,
}

impl Finding {
    /// The detector says BSON, BSON decoding fails, msgpack decoding works:
    /// the service would fail on (or mangle) a good msgpack blob.
    pub fn misread(&self) -> bool {
        self.detector == Format::Bson && self.decodes == DecodesAs::MsgPack
    }

    /// Both decoders accept it: only the detector's rule decides.
    pub fn ambiguous(&self) -> bool {
        self.decodes == DecodesAs::Both
    }

    pub fn corrupt(&self) -> bool {
        self.decodes == DecodesAs::Neither
    }
}

/// Look at one blob. `keys` are the stated key rules a msgpack blob's keys
/// must follow. With `time_decoders`, a BSON document is also decoded by
/// the `bson` crate into a `Document`, and its msgpack re-encoding by `rmpv`
/// into a `Value`, each timed: the migration's decode speeds. (Whether a
/// blob is BSON is decided by the `bson` crate's raw reader, which checks
/// the same things without building the tree: see [`reencode`].)
pub fn examine(blob: &[u8], keys: &KeySpec, time_decoders: bool) -> Finding {
    let detector = classify(blob).format;
    let mut encoded = Vec::new();
    // Keys as slices of the blob: owned only once, when distinct.
    let mut bson_keys: Vec<&[u8]> = Vec::new();
    let bson = reencode(blob, &mut encoded, &mut bson_keys);
    let msgpack = decode_msgpack_ref(blob);
    let decodes = match (&bson, &msgpack) {
        (Ok(_), Ok(_)) => DecodesAs::Both,
        (Ok(_), Err(_)) => DecodesAs::Bson,
        (Err(_), Ok(_)) => DecodesAs::MsgPack,
        (Err(_), Err(_)) => DecodesAs::Neither,
    };
    let mut finding = Finding {
        size: blob.len() as u64,
        detector,
        decodes,
        profiles: ProfileSet::default(),
        non_conforming: None,
        keys: Vec::new(),
        payoff: None,
        errors: None,
    };
    let mut found_keys: Vec<&[u8]> = Vec::new();
    match &msgpack {
        Ok(value) => {
            msgpack_keys(value, &mut found_keys);
            finding.profiles = conforming_profiles(keys, blob);
            if finding.profiles.is_empty() {
                finding.non_conforming = Some(match check(Profile::AnyWidth, keys, blob) {
                    Err(v) if matches!(v.broken, Broken::Key { .. }) => NonConforming::Key(v.to_string()),
                    Err(v) => NonConforming::NoProfile(v.to_string()),
                    // Any-width admits every header; if it accepts, some profile did.
                    Ok(()) => NonConforming::NoProfile("no profile accepts it".into()),
                });
            }
        }
        // The element names of a document that is only BSON: after the
        // migration they are msgpack keys.
        Err(_) => found_keys = bson_keys,
    }
    if bson.is_ok() {
        finding.payoff = Some(Payoff {
            bson_bytes: blob.len() as u64,
            msgpack_bytes: encoded.len() as u64,
            timing: time_decoders.then(|| time_decoders_on(blob, &encoded)),
        });
    }
    finding.keys = distinct_sorted(found_keys);
    if let (Err(b), Err(m)) = (bson, msgpack) {
        finding.errors = Some((b.to_string(), m.to_string()));
    }
    finding
}

/// Each key once, in byte order, owned. A document repeats its keys (every
/// object of an array has the same ones): dropping the repeats by hash
/// first leaves only the distinct few to sort, which took a fifth of a
/// scan's time per blob when all of them were sorted.
/// (Randomly seeded: a store's keys are untrusted, and must not be able to
/// pile up in one bucket.)
fn distinct_sorted(keys: Vec<&[u8]>) -> Vec<Vec<u8>> {
    let mut seen = hashbrown::HashSet::with_capacity_and_hasher(keys.len(), ahash::RandomState::new());
    let mut distinct: Vec<&[u8]> = keys.into_iter().filter(|k| seen.insert(*k)).collect();
    distinct.sort_unstable();
    distinct.into_iter().map(<[u8]>::to_vec).collect()
}

/// Decode a valid BSON document with the `bson` crate and its msgpack
/// re-encoding with `rmpv`, timing each.
fn time_decoders_on(blob: &[u8], encoded: &[u8]) -> DecodeTiming {
    let started = Instant::now();
    let doc = bson::RawDocument::from_bytes(blob).and_then(bson::Document::try_from);
    let bson_ns = started.elapsed().as_nanos() as u64;
    debug_assert!(doc.is_ok(), "the raw reader accepted it");
    drop(doc);
    let started = Instant::now();
    let value = rmpv::decode::read_value(&mut &encoded[..]);
    let msgpack_ns = started.elapsed().as_nanos() as u64;
    debug_assert!(value.is_ok(), "rmpv reads back what rmp wrote");
    DecodeTiming { bson_ns, msgpack_ns }
}

fn msgpack_keys<'a>(value: &'a rmpv::ValueRef<'a>, out: &mut Vec<&'a [u8]>) {
    match value {
        rmpv::ValueRef::Map(entries) => {
            for (k, v) in entries {
                if let rmpv::ValueRef::String(s) = k {
                    out.push(s.as_bytes());
                }
                msgpack_keys(v, out);
            }
        }
        rmpv::ValueRef::Array(items) => items.iter().for_each(|v| msgpack_keys(v, out)),
        _ => {}
    }
}

/// Read `blob` as a BSON document with the `bson` crate's raw reader,
/// which checks every element as its decoder does (type, length, C-string
/// name, UTF-8, terminator, recursively), and write the msgpack a migration
/// would store into `out`, collecting the element names into `keys`.
///
/// Types msgpack lacks become their nearest plain form: an ObjectId,
/// Decimal128 or binary its bytes, a date its milliseconds since the epoch,
/// a timestamp its 64-bit value, a regular expression `/pattern/options`,
/// code and symbols their text, code with scope a map {code, scope}, and
/// null, undefined, MinKey, MaxKey and DBPointer nil. Integers and lengths
/// take their smallest form: canonical msgpack.
pub fn reencode<'a>(blob: &'a [u8], out: &mut Vec<u8>, keys: &mut Vec<&'a [u8]>) -> Result<(), NotBson> {
    let doc = bson::RawDocument::from_bytes(blob)?;
    out.reserve(blob.len());
    reencode_document(doc, out, keys, 0)
}

fn reencode_document<'a>(
    doc: &'a bson::RawDocument,
    out: &mut Vec<u8>,
    keys: &mut Vec<&'a [u8]>,
    depth: usize,
) -> Result<(), NotBson> {
    // A map header needs the count first: read the elements, then write.
    let elements = doc.iter().collect::<Result<Vec<_>, _>>()?;
    rmp::encode::write_map_len(out, elements.len() as u32).expect("writing to a Vec cannot fail");
    for (name, value) in elements {
        keys.push(name.as_str().as_bytes());
        rmp::encode::write_str(out, name.as_str()).expect("writing to a Vec cannot fail");
        reencode_value(value, out, keys, depth)?;
    }
    Ok(())
}

fn reencode_value<'a>(
    value: bson::RawBsonRef<'a>,
    out: &mut Vec<u8>,
    keys: &mut Vec<&'a [u8]>,
    depth: usize,
) -> Result<(), NotBson> {
    use bson::RawBsonRef as B;
    use rmp::encode as w;
    // Writing to a Vec cannot fail.
    let ok = |r: Result<(), rmp::encode::ValueWriteError>| r.expect("writing to a Vec cannot fail");
    let nested = |depth: usize| {
        if depth >= MAX_DEPTH {
            Err(NotBson::TooDeep)
        } else {
            Ok(depth + 1)
        }
    };
    match value {
        B::Double(f) => ok(w::write_f64(out, f)),
        B::String(s) | B::JavaScriptCode(s) | B::Symbol(s) => ok(w::write_str(out, s)),
        B::Array(items) => {
            let depth = nested(depth)?;
            let items = items.into_iter().collect::<Result<Vec<_>, _>>()?;
            w::write_array_len(out, items.len() as u32).expect("writing to a Vec cannot fail");
            for item in items {
                reencode_value(item, out, keys, depth)?;
            }
        }
        B::Document(d) => reencode_document(d, out, keys, nested(depth)?)?,
        B::Boolean(b) => w::write_bool(out, b).expect("writing to a Vec cannot fail"),
        B::Null | B::Undefined | B::MaxKey | B::MinKey | B::DbPointer(_) => {
            w::write_nil(out).expect("writing to a Vec cannot fail")
        }
        B::RegularExpression(r) => ok(w::write_str(
            out,
            &format!("/{}/{}", r.pattern.as_str(), r.options.as_str()),
        )),
        B::JavaScriptCodeWithScope(c) => {
            w::write_map_len(out, 2).expect("writing to a Vec cannot fail");
            ok(w::write_str(out, "code"));
            ok(w::write_str(out, c.code));
            ok(w::write_str(out, "scope"));
            keys.extend([&b"code"[..], b"scope"]);
            reencode_document(c.scope, out, keys, nested(depth)?)?;
        }
        B::Int32(i) => {
            w::write_sint(out, i as i64).expect("writing to a Vec cannot fail");
        }
        B::Int64(i) => {
            w::write_sint(out, i).expect("writing to a Vec cannot fail");
        }
        B::Timestamp(t) => {
            w::write_uint(out, ((t.time as u64) << 32) | t.increment as u64).expect("writing to a Vec cannot fail");
        }
        B::Binary(b) => ok(w::write_bin(out, b.bytes)),
        B::ObjectId(oid) => ok(w::write_bin(out, &oid.bytes())),
        B::DateTime(d) => {
            w::write_sint(out, d.timestamp_millis()).expect("writing to a Vec cannot fail");
        }
        B::Decimal128(d) => ok(w::write_bin(out, &d.bytes())),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgpack::{FirstChar, Kmax};

    fn any_keys() -> KeySpec {
        KeySpec::from_patterns("(?s:.)*", None, u32::MAX as u64).unwrap()
    }

    #[test]
    fn a_bson_document_and_its_migration() {
        let doc = bson::doc! { "name": "Ada", "born": 1815i32, "tags": ["math"], "inner": { "x": 1.5 } };
        let blob = doc.to_vec().unwrap();
        let f = examine(&blob, &any_keys(), true);
        assert_eq!((f.detector, f.decodes), (Format::Bson, DecodesAs::Bson));
        assert!(!f.misread() && !f.corrupt() && !f.ambiguous());
        assert!(f.profiles.is_empty() && f.non_conforming.is_none());
        let keys: Vec<&[u8]> = f.keys.iter().map(|k| &k[..]).collect();
        assert_eq!(keys, [&b"born"[..], b"inner", b"name", b"tags", b"x"]);
        let payoff = f.payoff.unwrap();
        assert_eq!(payoff.bson_bytes, blob.len() as u64);
        // Written by hand: 84 a4 name a3 Ada a4 born cd 07 17 a4 tags 91 a4
        // math a5 inner 81 a1 x cb <8 bytes>.
        let expected = 1 + 5 + 4 + 5 + 3 + 5 + 1 + 5 + 6 + 1 + 2 + 9;
        assert_eq!(payoff.msgpack_bytes, expected);
        assert!(payoff.timing.is_some());
        let mut encoded = Vec::new();
        reencode(&blob, &mut encoded, &mut Vec::new()).unwrap();
        assert_eq!(check(Profile::Canonical, &any_keys(), &encoded), Ok(()));
    }

    #[test]
    fn a_msgpack_blob_the_detector_misreads() {
        // A map32 header, df 00 00 00, read as a length, is 223: a 223-byte
        // map of one entry {"k": <str of 214 bytes>} is misread.
        let mut blob = vec![0xdf, 0x00, 0x00, 0x00, 0x01];
        // One entry: key "k" then a str value padding the blob to 223 bytes.
        blob.extend_from_slice(&[0xa1, b'k', 0xd9]);
        let pad = 223 - blob.len() - 1;
        blob.push(pad as u8);
        blob.extend(std::iter::repeat_n(b'a', pad));
        assert_eq!(blob.len(), 223);
        let f = examine(&blob, &any_keys(), true);
        assert_eq!((f.detector, f.decodes), (Format::Bson, DecodesAs::MsgPack));
        assert!(f.misread());
        assert!(f.profiles.contains(Profile::Map32Header) && !f.profiles.contains(Profile::Canonical));
        assert_eq!(f.keys, vec![b"k".to_vec()]);
        assert!(f.payoff.is_none());
    }

    #[test]
    fn keys_outside_the_rules_and_corrupt_blobs() {
        let alnum = KeySpec::new(FirstChar::Alnum, Kmax::Bounded(31));
        let blob = [0x81, 0xa2, b'a', b'-', 0x01];
        let f = examine(&blob, &alnum, false);
        assert_eq!(f.decodes, DecodesAs::MsgPack);
        assert!(
            matches!(f.non_conforming, Some(NonConforming::Key(_))),
            "{:?}",
            f.non_conforming
        );
        // An array at the top: msgpack, but no profile writes a document so.
        let f = examine(&[0x91, 0x01], &alnum, false);
        assert!(matches!(f.non_conforming, Some(NonConforming::NoProfile(_))));
        let f = examine(&[0x05, 0x00, 0x00, 0x00, 0x01], &alnum, false);
        assert_eq!((f.detector, f.decodes), (Format::Bson, DecodesAs::Neither));
        assert!(f.corrupt() && f.errors.is_some());
        assert!(examine(&[], &alnum, false).corrupt());
    }

    /// Every BSON type, and integers at each width boundary: the
    /// re-encoding is canonical msgpack, and reads back as the values
    /// the doc comment of `reencode` promises.
    #[test]
    fn every_bson_type_reencodes_canonically() {
        use rmpv::Value;
        let oid = bson::oid::ObjectId::from_bytes([1; 12]);
        let doc = bson::doc! {
            "f": 1.5, "s": "é", "a": [1i32, "x"], "d": { "k": true },
            "n": bson::Bson::Null, "u": bson::Bson::Undefined, "max": bson::Bson::MaxKey, "min": bson::Bson::MinKey,
            "re": bson::Regex { pattern: "a+".try_into().unwrap(), options: "i".try_into().unwrap() },
            "js": bson::Bson::JavaScriptCode("f()".into()),
            "jss": bson::JavaScriptCodeWithScope { code: "g()".into(), scope: bson::doc! { "v": 1i32 } },
            "sym": bson::Bson::Symbol("sy".into()),
            "i127": 127i32, "i128": 128i32, "i256": 256i64, "i65536": 65536i64, "big": 1i64 << 40,
            "m33": -33i32, "m32": -32i32, "m129": -129i64, "m2p40": -(1i64 << 40),
            "ts": bson::Timestamp { time: 1, increment: 2 },
            "bin": bson::Binary { subtype: bson::spec::BinarySubtype::Generic, bytes: vec![9; 3] },
            "oid": oid,
            "dt": bson::DateTime::from_millis(-5),
            "dec": bson::Decimal128::from_bytes([3; 16]),
        };
        let blob = doc.to_vec().unwrap();
        let mut encoded = Vec::new();
        let mut keys = Vec::new();
        reencode(&blob, &mut encoded, &mut keys).unwrap();
        assert_eq!(check(Profile::Canonical, &any_keys(), &encoded), Ok(()));
        let Value::Map(entries) = rmpv::decode::read_value(&mut &encoded[..]).unwrap() else {
            panic!("a map")
        };
        let get = |k: &str| entries.iter().find(|(n, _)| n.as_str() == Some(k)).unwrap().1.clone();
        assert_eq!(get("f"), Value::F64(1.5));
        assert_eq!(get("s"), Value::from("é"));
        assert_eq!(get("a"), Value::Array(vec![1.into(), "x".into()]));
        assert_eq!(get("d"), Value::Map(vec![("k".into(), true.into())]));
        for nil in ["n", "u", "max", "min"] {
            assert_eq!(get(nil), Value::Nil, "{nil}");
        }
        assert_eq!(get("re"), Value::from("/a+/i"));
        assert_eq!(get("js"), Value::from("f()"));
        assert_eq!(
            get("jss"),
            Value::Map(vec![
                ("code".into(), "g()".into()),
                ("scope".into(), Value::Map(vec![("v".into(), 1.into())]))
            ])
        );
        assert_eq!(get("sym"), Value::from("sy"));
        assert_eq!(get("big"), Value::from(1u64 << 40));
        assert_eq!(get("m2p40"), Value::from(-(1i64 << 40)));
        assert_eq!(get("ts"), Value::from((1u64 << 32) | 2));
        assert_eq!(get("bin"), Value::Binary(vec![9; 3]));
        assert_eq!(get("oid"), Value::Binary(vec![1; 12]));
        assert_eq!(get("dt"), Value::from(-5));
        assert_eq!(get("dec"), Value::Binary(vec![3; 16]));
        // Element names at every depth, code-with-scope's own included.
        for k in ["k", "v", "code", "scope", "oid"] {
            assert!(keys.contains(&k.as_bytes()), "{k}");
        }
    }

    /// The raw reader accepts exactly what the `bson` crate's decoder
    /// accepts: every single-byte change of a document with nested
    /// documents, arrays, strings and binaries, at every position, to a
    /// spread of byte values.
    #[test]
    fn the_raw_reader_agrees_with_the_decoder() {
        let doc = bson::doc! { "a": "xyz", "b": { "c": [1i32, 2.5, "é"] }, "d": bson::Binary { subtype: bson::spec::BinarySubtype::Generic, bytes: vec![1, 2] }, "e": true };
        let blob = doc.to_vec().unwrap();
        let mut checked = 0;
        let mut rejected = 0;
        for at in 0..blob.len() {
            for v in [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x10, 0x7f, 0x80, 0xc3, 0xff] {
                let mut m = blob.clone();
                m[at] = v;
                let decoder = bson::RawDocument::from_bytes(&m)
                    .and_then(bson::Document::try_from)
                    .is_ok();
                let raw = reencode(&m, &mut Vec::new(), &mut Vec::new()).is_ok();
                assert_eq!(raw, decoder, "byte {at} set to {v:#04x}");
                checked += 1;
                rejected += usize::from(!decoder);
            }
        }
        assert_eq!(checked, blob.len() * 12);
        // Most changes break the document, but not all.
        assert!(rejected > checked / 3 && rejected < checked, "{rejected} of {checked}");
    }

    /// Keys repeated across a document's objects are listed once, in byte
    /// order, whichever format the blob is in.
    #[test]
    fn repeated_keys_are_listed_once() {
        let doc = bson::doc! { "z": 1i32, "rows": [{ "b": 1i32, "a": 2i32 }, { "a": 3i32, "b": 4i32 }], "a": 5i32 };
        let blob = doc.to_vec().unwrap();
        let bson_finding = examine(&blob, &any_keys(), false);
        let mut encoded = Vec::new();
        reencode(&blob, &mut encoded, &mut Vec::new()).unwrap();
        let msgpack_finding = examine(&encoded, &any_keys(), false);
        assert_eq!(msgpack_finding.decodes, DecodesAs::MsgPack);
        for f in [bson_finding, msgpack_finding] {
            let keys: Vec<&[u8]> = f.keys.iter().map(|k| &k[..]).collect();
            assert_eq!(keys, [&b"a"[..], b"b", b"rows", b"z"]);
        }
    }

    /// Nesting deeper than the decoders' limit is refused, not followed
    /// down the stack.
    #[test]
    fn deep_bson_nesting_is_refused() {
        let mut doc = bson::doc! { "x": 1i32 };
        for _ in 0..MAX_DEPTH + 1 {
            doc = bson::doc! { "x": doc };
        }
        let blob = doc.to_vec().unwrap();
        let e = reencode(&blob, &mut Vec::new(), &mut Vec::new()).unwrap_err();
        assert!(matches!(e, NotBson::TooDeep), "{e}");
        assert!(e.to_string().contains("nesting deeper"), "{e}");
    }
}
