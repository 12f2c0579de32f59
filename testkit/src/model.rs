//! The document model: the values a conforming dictionary can hold, as plain
//! Rust data, independent of any wire format.
//!
//! Property tests and fuzz targets generate documents here and then encode
//! them ([`crate::profile_encode`] for msgpack, [`to_bson`] for BSON), so one
//! definition drives every check. The model owns:
//!
//! * the types ([`Value`], [`Int`], [`Map`], [`Document`]);
//! * conversion to and from `rmpv` (the independent msgpack decoder's
//!   model) and to `bson`;
//! * conformance to a [`KeySpec`] and repairing keys to fit one;
//! * [`arbitrary::Arbitrary`] for fuzzing, on these same types.
//!
//! Floats compare by bit pattern (`NaN == NaN`, `0.0 != -0.0`), so equality
//! means "encodes to the same value", which is what round-trip tests need.

use std::collections::HashSet;
use std::fmt;

use arbitrary::{Arbitrary, Unstructured};

use prefixproof::msgpack::lang::KeyLang;
use prefixproof::msgpack::{KeySpec, Profile, MAX_DEPTH};

/// An integer msgpack can carry: any `i64` or any `u64`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Int(i128);

impl Int {
    /// Smallest representable value, `i64::MIN`.
    pub const MIN: i128 = i64::MIN as i128;
    /// Largest representable value, `u64::MAX`.
    pub const MAX: i128 = u64::MAX as i128;

    /// `None` outside `[i64::MIN, u64::MAX]`.
    pub fn new(v: i128) -> Option<Int> {
        (Self::MIN..=Self::MAX).contains(&v).then_some(Int(v))
    }

    pub fn get(self) -> i128 {
        self.0
    }

    /// The `i64` value, if it fits.
    pub fn as_i64(self) -> Option<i64> {
        i64::try_from(self.0).ok()
    }

    /// The `u64` value, if it fits.
    pub fn as_u64(self) -> Option<u64> {
        u64::try_from(self.0).ok()
    }
}

impl fmt::Debug for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

macro_rules! int_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Int {
            fn from(v: $t) -> Int {
                Int(v as i128)
            }
        }
    )*};
}
int_from!(i8, i16, i32, i64, u8, u16, u32, u64);

/// One value of a conforming document.
#[derive(Clone)]
pub enum Value {
    Nil,
    Bool(bool),
    Int(Int),
    F32(f32),
    F64(f64),
    /// A str value: always valid UTF-8 (msgpack str must be).
    Str(String),
    Bin(Vec<u8>),
    /// A str-family value of any bytes: the "raw" type of the pre-2013
    /// spec, which legacy encoders use for byte strings. Written only under
    /// profiles whose strs may hold any bytes.
    Raw(Vec<u8>),
    /// An extension value: its type and data (a timestamp is type -1 with
    /// 4, 8 or 12 bytes).
    Ext(i8, Vec<u8>),
    Array(Vec<Value>),
    Map(Map),
}

/// A map with string keys, in encoding order. Keys are meant to be
/// distinct; [`Document::conforms`] checks it, and every constructor here
/// (`from_rmpv`, `fit_keys`, `Arbitrary`) guarantees it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Map(pub Vec<(String, Value)>);

/// A whole stored dictionary: a map at the top level.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Document(pub Map);

/// "The same value" means "the same bytes": equal encodings (for model
/// values, [`crate::encode::wire_bytes`]; for rmpv values, [`rmpv_bytes`];
/// for BSON documents, the `bson` crate's). Floats thus compare by bit
/// pattern, so a NaN equals itself (round trips of a NaN must compare
/// equal) and `0.0` differs from `-0.0`; a raw str equals the str of the
/// same bytes (they are one wire value) but not a bin; and no float
/// comparison is written out anywhere.
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        crate::encode::wire_bytes(self) == crate::encode::wire_bytes(other)
    }
}

/// The bytes rmpv writes for `v` (rmpv writes a str that is not UTF-8 as
/// a bin).
pub fn rmpv_bytes(v: &rmpv::Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = rmpv::encode::write_value(&mut out, v);
    out
}

/// A raw str as rmpv holds it. rmpv can hold a str that is not UTF-8 but
/// only builds one when decoding, so decode one.
fn raw_to_rmpv(bytes: &[u8]) -> rmpv::Value {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return rmpv::Value::String(text.into());
    }
    let mut wire = Vec::with_capacity(bytes.len() + 5);
    // A str32 header carries any length a Vec here can have.
    let _ = rmp::encode::write_str_len(&mut wire, bytes.len() as u32);
    wire.extend_from_slice(bytes);
    rmpv::decode::read_value(&mut wire.as_slice()).unwrap_or(rmpv::Value::Binary(bytes.to_vec()))
}

/// Long strings and binaries (padding runs to megabytes) are abbreviated,
/// so failing property-test cases stay readable.
impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOW: usize = 48;
        match self {
            Value::Nil => f.write_str("Nil"),
            Value::Bool(b) => write!(f, "Bool({b})"),
            Value::Int(i) => write!(f, "Int({i:?})"),
            Value::F32(x) => write!(f, "F32({x:?} = {:#010x})", x.to_bits()),
            Value::F64(x) => write!(f, "F64({x:?} = {:#018x})", x.to_bits()),
            Value::Str(s) if s.len() > SHOW => {
                let cut = (0..=SHOW).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0);
                write!(f, "Str(<{} bytes> {:?}…)", s.len(), &s[..cut])
            }
            Value::Str(s) => write!(f, "Str({s:?})"),
            Value::Bin(b) if b.len() > SHOW => write!(f, "Bin(<{} bytes> {:02x?}…)", b.len(), &b[..SHOW]),
            Value::Bin(b) => write!(f, "Bin({b:02x?})"),
            Value::Raw(b) if b.len() > SHOW => write!(f, "Raw(<{} bytes> {:02x?}…)", b.len(), &b[..SHOW]),
            Value::Raw(b) => write!(f, "Raw({b:02x?})"),
            Value::Ext(t, d) if d.len() > SHOW => write!(f, "Ext({t}, <{} bytes> {:02x?}…)", d.len(), &d[..SHOW]),
            Value::Ext(t, d) => write!(f, "Ext({t}, {d:02x?})"),
            Value::Array(a) => f.debug_tuple("Array").field(a).finish(),
            Value::Map(m) => f.debug_tuple("Map").field(m).finish(),
        }
    }
}

/// Why an `rmpv` value is not a model value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("the top level is not a map")]
    NotAMap,
    #[error("a map key is not a str: {0}")]
    NonStrKey(String),
    #[error("a str is not valid UTF-8")]
    InvalidUtf8,
    #[error("ext type {0} is not in the data model")]
    Ext(i8),
    #[error("duplicate key {0:?}")]
    DuplicateKey(String),
    #[error("nesting deeper than {MAX_DEPTH}")]
    TooDeep,
}

impl Value {
    /// The same value in `rmpv`'s model.
    pub fn to_rmpv(&self) -> rmpv::Value {
        match self {
            Value::Nil => rmpv::Value::Nil,
            Value::Bool(b) => rmpv::Value::Boolean(*b),
            // rmpv stores non-negative integers as unsigned, like msgpack.
            Value::Int(i) => match i.as_u64() {
                Some(u) => rmpv::Value::from(u),
                None => rmpv::Value::from(i.0 as i64),
            },
            Value::F32(x) => rmpv::Value::F32(*x),
            Value::F64(x) => rmpv::Value::F64(*x),
            Value::Str(s) => rmpv::Value::String(s.as_str().into()),
            Value::Bin(b) => rmpv::Value::Binary(b.clone()),
            Value::Raw(b) => raw_to_rmpv(b),
            Value::Ext(t, d) => rmpv::Value::Ext(*t, d.clone()),
            Value::Array(a) => rmpv::Value::Array(a.iter().map(Value::to_rmpv).collect()),
            Value::Map(m) => m.to_rmpv(),
        }
    }

    /// The model value of an `rmpv` value. Keys must be str, strs valid
    /// UTF-8, map keys distinct; ext values are not in the model.
    pub fn from_rmpv(v: &rmpv::Value) -> Result<Value, ModelError> {
        Self::from_rmpv_at(v, 0)
    }

    fn from_rmpv_at(v: &rmpv::Value, depth: usize) -> Result<Value, ModelError> {
        if depth > MAX_DEPTH {
            return Err(ModelError::TooDeep);
        }
        Ok(match v {
            rmpv::Value::Nil => Value::Nil,
            rmpv::Value::Boolean(b) => Value::Bool(*b),
            rmpv::Value::Integer(i) => {
                // An rmpv integer is always an i64 or a u64.
                let n = i
                    .as_u64()
                    .map(i128::from)
                    .or(i.as_i64().map(i128::from))
                    .unwrap_or_default();
                Value::Int(Int(n))
            }
            rmpv::Value::F32(x) => Value::F32(*x),
            rmpv::Value::F64(x) => Value::F64(*x),
            rmpv::Value::String(s) => match s.as_str() {
                Some(text) => Value::Str(text.to_owned()),
                None => Value::Raw(s.as_bytes().to_vec()),
            },
            rmpv::Value::Binary(b) => Value::Bin(b.clone()),
            rmpv::Value::Array(a) => Value::Array(
                a.iter()
                    .map(|x| Self::from_rmpv_at(x, depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
            rmpv::Value::Map(entries) => Value::Map(Map::from_rmpv_entries(entries, depth)?),
            rmpv::Value::Ext(t, d) => Value::Ext(*t, d.clone()),
        })
    }

    /// The BSON value this model value maps to (see [`to_bson`]).
    pub fn to_bson(&self) -> bson::Bson {
        match self {
            Value::Nil => bson::Bson::Null,
            Value::Bool(b) => bson::Bson::Boolean(*b),
            Value::Int(i) => int_to_bson(*i),
            // BSON has only 64-bit doubles; f32 -> f64 is exact.
            Value::F32(x) => bson::Bson::Double(f64::from(*x)),
            Value::F64(x) => bson::Bson::Double(*x),
            Value::Str(s) => bson::Bson::String(s.clone()),
            Value::Bin(b) => bson::Bson::Binary(bson::Binary {
                subtype: bson::spec::BinarySubtype::Generic,
                bytes: b.clone(),
            }),
            // BSON strs must be UTF-8: a raw str that is not becomes binary.
            Value::Raw(b) => match std::str::from_utf8(b) {
                Ok(text) => bson::Bson::String(text.to_owned()),
                Err(_) => bson::Bson::Binary(bson::Binary {
                    subtype: bson::spec::BinarySubtype::Generic,
                    bytes: b.clone(),
                }),
            },
            // BSON has no extension type: a user-defined binary subtype
            // holding the type byte, then the data.
            Value::Ext(t, d) => bson::Bson::Binary(bson::Binary {
                subtype: bson::spec::BinarySubtype::UserDefined(0x80),
                bytes: std::iter::once(*t as u8).chain(d.iter().copied()).collect(),
            }),
            Value::Array(a) => bson::Bson::Array(a.iter().map(Value::to_bson).collect()),
            Value::Map(m) => bson::Bson::Document(m.to_bson()),
        }
    }

    /// Whether `pred` holds for this value or any value inside it.
    pub fn any(&self, pred: &impl Fn(&Value) -> bool) -> bool {
        pred(self)
            || match self {
                Value::Array(a) => a.iter().any(|v| v.any(pred)),
                Value::Map(m) => m.0.iter().any(|(_, v)| v.any(pred)),
                _ => false,
            }
    }

    /// The value as `profile` can write it: under a profile with no bin
    /// type (legacy), byte strings become raw strs, as legacy encoders write
    /// them; under a profile whose strs are UTF-8, a raw str becomes a str
    /// if it is UTF-8 and a bin otherwise. At any depth.
    pub fn fit_values(&self, profile: Profile) -> Value {
        match self {
            Value::Bin(b) if !profile.has_bin() => Value::Raw(b.clone()),
            Value::Raw(b) if !profile.raw_str_values() => match String::from_utf8(b.clone()) {
                Ok(text) => Value::Str(text),
                Err(_) => Value::Bin(b.clone()),
            },
            Value::Array(a) => Value::Array(a.iter().map(|v| v.fit_values(profile)).collect()),
            Value::Map(m) => Value::Map(Map(m
                .0
                .iter()
                .map(|(k, v)| (k.clone(), v.fit_values(profile)))
                .collect())),
            v => v.clone(),
        }
    }

    fn conforms(&self, keys: &KeySpec) -> bool {
        match self {
            Value::Array(a) => a.iter().all(|v| v.conforms(keys)),
            Value::Map(m) => m.conforms(keys),
            _ => true,
        }
    }

    fn fit_keys(&self, keys: &KeySpec) -> Value {
        match self {
            Value::Array(a) => Value::Array(a.iter().map(|v| v.fit_keys(keys)).collect()),
            Value::Map(m) => Value::Map(m.fit_keys(keys)),
            v => v.clone(),
        }
    }
}

/// BSON integers: `int32` when the value fits, `int64` when it fits, and
/// otherwise (a `u64` above `i64::MAX`) a `decimal128` holding the exact
/// integer. Decimal128 is BSON's only numeric type wide enough, so the
/// mapping stays lossless and numeric (a string would lose the type).
fn int_to_bson(i: Int) -> bson::Bson {
    if let Ok(v) = i32::try_from(i.0) {
        return bson::Bson::Int32(v);
    }
    if let Some(v) = i.as_i64() {
        return bson::Bson::Int64(v);
    }
    // IEEE 754-2008 decimal128, binary integer decimal encoding: a
    // coefficient below 2^113 sits in the low bits, the biased exponent
    // (6176 means 10^0) in the 14 bits above it, sign bit clear. Every u64
    // is far below 2^113.
    let bits: u128 = (6176u128 << 113) | i.0 as u128;
    bson::Bson::Decimal128(bson::Decimal128::from_bytes(bits.to_le_bytes()))
}

impl Map {
    pub fn to_rmpv(&self) -> rmpv::Value {
        rmpv::Value::Map(
            self.0
                .iter()
                .map(|(k, v)| (rmpv::Value::String(k.as_str().into()), v.to_rmpv()))
                .collect(),
        )
    }

    fn from_rmpv_entries(entries: &[(rmpv::Value, rmpv::Value)], depth: usize) -> Result<Map, ModelError> {
        let mut seen = HashSet::with_capacity(entries.len());
        let mut out = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            let rmpv::Value::String(s) = k else {
                return Err(ModelError::NonStrKey(k.to_string()));
            };
            let key = s.as_str().ok_or(ModelError::InvalidUtf8)?;
            if !seen.insert(key) {
                return Err(ModelError::DuplicateKey(key.to_owned()));
            }
            out.push((key.to_owned(), Value::from_rmpv_at(v, depth + 1)?));
        }
        Ok(Map(out))
    }

    pub fn to_bson(&self) -> bson::Document {
        let mut d = bson::Document::new();
        for (k, v) in &self.0 {
            d.insert(k.clone(), v.to_bson());
        }
        d
    }

    /// Every key (at any depth) is allowed by `keys` and distinct within
    /// its map.
    pub fn conforms(&self, keys: &KeySpec) -> bool {
        self.conforms_at(keys, false)
    }

    /// [`Map::conforms`], for the top-level map (`top`), whose first key
    /// may have a language of its own.
    fn conforms_at(&self, keys: &KeySpec, top: bool) -> bool {
        let mut seen = HashSet::with_capacity(self.0.len());
        self.0.iter().enumerate().all(|(i, (k, v))| {
            let allowed = if top && i == 0 {
                keys.check_first(k.as_bytes())
            } else {
                keys.check(k.as_bytes())
            };
            allowed.is_ok() && seen.insert(k.as_str()) && v.conforms(keys)
        })
    }

    /// Repair every key to fit `keys` (see [`fit_key`]) and drop entries
    /// whose repaired key repeats an earlier one.
    pub fn fit_keys(&self, keys: &KeySpec) -> Map {
        self.fit_keys_at(keys, false)
    }

    /// [`Map::fit_keys`], for the top-level map (`top`), whose first key
    /// may have a language of its own.
    fn fit_keys_at(&self, keys: &KeySpec, top: bool) -> Map {
        let mut seen = HashSet::with_capacity(self.0.len());
        let mut out = Vec::with_capacity(self.0.len());
        for (k, v) in &self.0 {
            let lang = if top && out.is_empty() {
                keys.first_keys()
            } else {
                keys.keys()
            };
            let Some(key) = fit_key(lang, k) else { continue };
            if seen.insert(key.clone()) {
                out.push((key, v.fit_keys(keys)));
            }
        }
        Map(out)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Map `key` into the key language deterministically: a key that is in
/// it is kept; any other becomes the key of the shortest length at least
/// as long (or else the shortest) at an index picked by hashing the key.
/// `None` if the language has no key.
pub fn fit_key(lang: &KeyLang, key: &str) -> Option<String> {
    // A key that already fits is kept as it is (and costs no lookup:
    // documents hold up to 65536 keys).
    if lang.check(key.as_bytes()).is_ok() {
        return Some(key.to_string());
    }
    let want = key.len() as u64;
    let len = lang
        .next_completion_len(lang.start(), 0, want)
        .filter(|l| *l <= want.saturating_add(64))
        .or_else(|| lang.min_len())?;
    let count = lang.keys_of_len(len);
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    });
    let fitted = lang.key_at(len, hash % count.max(1)).ok().flatten()?;
    String::from_utf8(fitted).ok()
}

impl Document {
    pub fn to_rmpv(&self) -> rmpv::Value {
        self.0.to_rmpv()
    }

    /// The model document of an `rmpv` value, which must be a map.
    pub fn from_rmpv(v: &rmpv::Value) -> Result<Document, ModelError> {
        match v {
            rmpv::Value::Map(entries) => Ok(Document(Map::from_rmpv_entries(entries, 0)?)),
            _ => Err(ModelError::NotAMap),
        }
    }

    /// Whether the document conforms to `keys`: every key at every depth
    /// allowed, keys distinct within each map.
    pub fn conforms(&self, keys: &KeySpec) -> bool {
        self.0.conforms_at(keys, true)
    }

    /// The document with every key repaired to fit `keys`, duplicates
    /// (after repair) dropped. Fuzz input generated with the permissive
    /// key alphabet is narrowed to a configuration with this.
    pub fn fit_keys(&self, keys: &KeySpec) -> Document {
        Document(self.0.fit_keys_at(keys, true))
    }

    /// Whether `pred` holds for any value of the document, at any depth.
    pub fn any(&self, pred: &impl Fn(&Value) -> bool) -> bool {
        self.0 .0.iter().any(|(_, v)| v.any(pred))
    }

    /// [`Document::fit_keys`], plus every value made writable by `profile`
    /// (see [`Value::fit_values`]).
    pub fn fit(&self, profile: Profile, keys: &KeySpec) -> Document {
        let doc = self.fit_keys(keys);
        Document(Map(doc
            .0
             .0
            .iter()
            .map(|(k, v)| (k.clone(), v.fit_values(profile)))
            .collect()))
    }
}

/// The BSON document a model document maps to. Types map one to one
/// (nil → null, bool → boolean, f32/f64 → double, str → string, bin →
/// generic binary, array → array, map → embedded document); integers as
/// described at `int_to_bson`. Key order is kept.
pub fn to_bson(doc: &Document) -> bson::Document {
    doc.0.to_bson()
}

/// Whether two BSON documents are the same (see [`Value`]'s `PartialEq`):
/// their encodings are identical. `bson`'s own `==` says `NaN != NaN`,
/// which would make every round trip of a NaN fail.
pub fn bson_same(a: &bson::Document, b: &bson::Document) -> bool {
    matches!((a.to_vec(), b.to_vec()), (Ok(x), Ok(y)) if x == y)
}

// ---------------------------------------------------------------------------
// Arbitrary: fuzz input on the same types.
//
// `Arbitrary` takes no parameters, so keys come from the most permissive
// reported specification, `[A-Za-z0-9_]` with lengths 1..=64 (1..=300 one
// time in sixteen, to cross the str8/str16 boundary); narrow a document to
// another specification with `Document::fit_keys`. Depth and container
// sizes are capped so each input stays small and fast to check.

/// Deepest container nesting `Arbitrary` builds.
pub const ARBITRARY_DEPTH: usize = 4;
/// Most elements or entries `Arbitrary` puts in one container.
pub const ARBITRARY_WIDTH: usize = 20;

const ALNUM: &[u8; 63] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

/// Integers at the format's boundaries, where header choices change.
pub const BOUNDARY_INTS: [i128; 30] = [
    0,
    1,
    31,
    32,
    127,
    128,
    255,
    256,
    65_535,
    65_536,
    4_294_967_295,
    4_294_967_296,
    i64::MAX as i128,
    i64::MAX as i128 + 1,
    u64::MAX as i128,
    -1,
    -31,
    -32,
    -33,
    -127,
    -128,
    -129,
    -32_768,
    -32_769,
    -2_147_483_648,
    -2_147_483_649,
    i64::MIN as i128,
    i64::MIN as i128 + 1,
    -65_536,
    100,
];

impl<'a> Arbitrary<'a> for Int {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match u.int_in_range(0..=3u8)? {
            0 => Int(*u.choose(&BOUNDARY_INTS)?),
            1 => Int::from(i64::arbitrary(u)?),
            2 => Int::from(u64::arbitrary(u)?),
            _ => Int::from(i8::arbitrary(u)?),
        })
    }

    fn size_hint(_depth: usize) -> (usize, Option<usize>) {
        (1, Some(9))
    }
}

impl<'a> Arbitrary<'a> for Value {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        arbitrary_value(u, 0)
    }
}

impl<'a> Arbitrary<'a> for Map {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        arbitrary_map(u, 0)
    }
}

impl<'a> Arbitrary<'a> for Document {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        arbitrary_map(u, 0).map(Document)
    }
}

fn arbitrary_value(u: &mut Unstructured<'_>, depth: usize) -> arbitrary::Result<Value> {
    // Containers only while depth allows; when input runs out `int_in_range`
    // yields the low end, i.e. nil, so generation always terminates.
    let kinds = if depth < ARBITRARY_DEPTH { 10 } else { 8 };
    Ok(match u.int_in_range(0..=kinds)? {
        0 => Value::Nil,
        1 => Value::Bool(bool::arbitrary(u)?),
        2 => Value::Int(Int::arbitrary(u)?),
        3 => Value::F32(f32::from_bits(u32::arbitrary(u)?)),
        4 => Value::F64(f64::from_bits(u64::arbitrary(u)?)),
        5 => Value::Str(String::arbitrary(u)?),
        6 => Value::Bin(Vec::<u8>::arbitrary(u)?),
        7 => Value::Raw(Vec::<u8>::arbitrary(u)?),
        8 => arbitrary_ext(u)?,
        9 => {
            let n = u.int_in_range(0..=ARBITRARY_WIDTH)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(arbitrary_value(u, depth + 1)?);
            }
            Value::Array(items)
        }
        _ => Value::Map(arbitrary_map(u, depth + 1)?),
    })
}

/// Timestamps (type -1 with 4, 8 or 12 bytes) half the time, otherwise any
/// type and data.
fn arbitrary_ext(u: &mut Unstructured<'_>) -> arbitrary::Result<Value> {
    if u.arbitrary()? {
        let len = *u.choose(&[4usize, 8, 12])?;
        let data = (0..len)
            .map(|_| u8::arbitrary(u))
            .collect::<arbitrary::Result<Vec<u8>>>()?;
        Ok(Value::Ext(-1, data))
    } else {
        Ok(Value::Ext(i8::arbitrary(u)?, Vec::<u8>::arbitrary(u)?))
    }
}

fn arbitrary_map(u: &mut Unstructured<'_>, depth: usize) -> arbitrary::Result<Map> {
    let n = u.int_in_range(0..=ARBITRARY_WIDTH)?;
    let mut seen = HashSet::with_capacity(n);
    let mut entries = Vec::with_capacity(n);
    for _ in 0..n {
        let key = arbitrary_key(u)?;
        let value = arbitrary_value(u, depth + 1)?;
        if seen.insert(key.clone()) {
            entries.push((key, value));
        }
    }
    Ok(Map(entries))
}

fn arbitrary_key(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    let max = if u.ratio(1, 16)? { 300 } else { 64 };
    let len = u.int_in_range(1..=max)?;
    let mut key = String::with_capacity(len);
    for _ in 0..len {
        key.push(*u.choose(ALNUM)? as char);
    }
    Ok(key)
}
