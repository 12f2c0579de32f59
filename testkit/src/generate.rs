//! proptest strategies for conforming documents, and the deterministic
//! builders behind them: documents of an exact encoded length, and
//! documents around a colliding length's forced prefix.
//!
//! Generation aims at the places where header widths change, since that is
//! where an encoder, the oracle or the conformance checker could disagree:
//! key and string lengths 31/32, 255/256, 65535/65536; map and array sizes
//! 15/16 and (rarely, they are big) 65535/65536; integers at every format
//! boundary; floats including NaN, infinities and -0.0; non-ASCII UTF-8.
//! Large values are built from a seed rather than element by element, so
//! a 64 KiB key costs one allocation, not 65536 proptest value trees.
//!
//! Every blob handed out comes from [`crate::profile_encode`] with a
//! recorded [`Choices`] recipe, so a test can re-encode the document and
//! get the same bytes.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::{BoxedStrategy, Union};

use prefixproof::detect::decode::decode_msgpack;
use prefixproof::hex::hex;
use prefixproof::msgpack::{KeySpec, Profile};
use prefixproof::proof::witness::{self, WitnessError};

use crate::model::ModelError;

use crate::encode::{self as profile_encode, exact_value, measure, Choices, SplitMix};
use crate::model::{Document, Int, Map, Value, BOUNDARY_INTS};

/// Deepest container nesting the recursive strategy builds below the
/// top-level map.
pub const DEPTH: u32 = 3;

/// A document together with its encoding under a profile.
#[derive(Clone)]
pub struct Encoded {
    pub profile: Profile,
    pub doc: Document,
    /// How any-width choices were made; `encode_choices(profile, &doc,
    /// &choices)` gives `bytes` again.
    pub choices: Choices,
    pub bytes: Vec<u8>,
    /// How the document was obtained.
    pub origin: Origin,
}

/// Where an [`Encoded`] came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Randomly generated (and padded, for exact lengths).
    Random,
    /// The witness builder's blob, re-encoded: randomising around the
    /// forced prefix found no other document of that length.
    Witness,
}

impl Encoded {
    /// Encode `doc` under `profile` following `choices`.
    pub fn new(profile: Profile, doc: Document, choices: Choices, origin: Origin) -> Option<Encoded> {
        let bytes = profile_encode::encode_choices(profile, &doc, &choices).ok()?;
        Some(Encoded {
            profile,
            doc,
            choices,
            bytes,
            origin,
        })
    }
}

/// Blobs run to megabytes: show the head and the length.
impl fmt::Debug for Encoded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = &self.bytes[..self.bytes.len().min(32)];
        let forced = &self.choices.forced[..self.choices.forced.len().min(8)];
        f.debug_struct("Encoded")
            .field("profile", &self.profile)
            .field("len", &self.bytes.len())
            .field("head", &hex(head))
            .field("origin", &self.origin)
            .field("seed", &self.choices.seed)
            .field("forced_head", &hex(forced))
            .field("random_until", &self.choices.random_until)
            .field("doc", &self.doc)
            .finish()
    }
}

// ---------------------------------------------------------------------------
// Keys

/// Key lengths within `keys`, biased toward the str header boundaries
/// (1, 31, 32, 255, 256; 65535 and 65536 sparingly, they are big).
pub fn key_len(keys: &KeySpec) -> BoxedStrategy<u64> {
    let (lo, hi) = (keys.min_len.max(1), keys.max_len);
    let mut arms: Vec<(u32, BoxedStrategy<u64>)> = Vec::new();
    if lo <= hi.min(8) {
        arms.push((180, (lo..=hi.min(8)).boxed()));
    }
    let near: Vec<u64> = [1, 2, 31, 32, 255, 256]
        .into_iter()
        .filter(|l| (lo..=hi).contains(l))
        .collect();
    if !near.is_empty() {
        arms.push((60, select(near).boxed()));
    }
    if lo <= hi.min(300) {
        arms.push((30, (lo..=hi.min(300)).boxed()));
    }
    let far: Vec<u64> = [65_535, 65_536].into_iter().filter(|l| (lo..=hi).contains(l)).collect();
    if !far.is_empty() {
        arms.push((1, select(far).boxed()));
    }
    if arms.is_empty() {
        // A specification whose shortest key is long: use exactly that.
        arms.push((1, Just(lo).boxed()));
    }
    Union::new_weighted(arms).boxed()
}

/// A key of `keys` of length `len`, its characters drawn from `seed`.
/// `None` if an alphabet is empty.
pub fn make_key(keys: &KeySpec, len: u64, seed: u64) -> Option<String> {
    let first: Vec<u8> = keys.first.symbols().collect();
    let rest: Vec<u8> = keys.rest.symbols().collect();
    if first.is_empty() || (len > 1 && rest.is_empty()) {
        return None;
    }
    let mut rng = SplitMix(seed);
    let mut key = String::with_capacity(len as usize);
    for pos in 0..len {
        let syms = if pos == 0 { &first } else { &rest };
        key.push(syms[(rng.next() % syms.len() as u64) as usize] as char);
    }
    Some(key)
}

/// Keys allowed by `keys`.
pub fn key(keys: &KeySpec) -> BoxedStrategy<String> {
    let spec = *keys;
    (key_len(keys), any::<u64>())
        .prop_filter_map("key alphabet is empty", move |(len, seed)| make_key(&spec, len, seed))
        .boxed()
}

/// A key of `keys` that is not `taken`, as short as possible, drawn from
/// `seed`.
fn fresh_key(keys: &KeySpec, taken: impl Fn(&str) -> bool, seed: u64) -> Option<String> {
    let lo = keys.min_len.max(1);
    let mut rng = SplitMix(seed);
    for len in lo..=keys.max_len.min(lo + 64) {
        // A few random tries per length; the spaces are huge beyond len 2.
        for _ in 0..8 {
            let k = make_key(keys, len, rng.next())?;
            if !taken(&k) {
                return Some(k);
            }
        }
    }
    None
}

/// `count` distinct keys of `keys`: the ones from `offset` on, in order,
/// at the shortest length that has enough of them. Cheap even for 65536
/// keys.
pub fn bulk_keys(keys: &KeySpec, count: usize, offset: u64) -> Option<Vec<String>> {
    let need = count as u128 + offset as u128;
    let len = (keys.min_len.max(1)..=keys.max_len.min(64)).find(|l| keys.keys_of_len(*l) >= need)?;
    keys.keys_from(len, offset as u128)
        .take(count)
        .map(|k| String::from_utf8(k).ok())
        .collect()
}

// ---------------------------------------------------------------------------
// Scalars

/// Integers: every format boundary (and its neighbours), small values, and
/// anything in i64 or u64.
pub fn int() -> BoxedStrategy<Int> {
    let boundary = select(BOUNDARY_INTS.to_vec()).prop_flat_map(|b| (-1i128..=1).prop_map(move |d| b + d));
    prop_oneof![
        4 => boundary.prop_filter_map("outside i64/u64", Int::new),
        4 => (-40i64..300).prop_map(Int::from),
        2 => any::<i64>().prop_map(Int::from),
        2 => any::<u64>().prop_map(Int::from),
    ]
    .boxed()
}

/// f32 values including NaN, infinities, -0.0 and subnormals.
pub fn float32() -> BoxedStrategy<f32> {
    let special = select(vec![
        f32::NAN,
        -f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        0.0,
        -0.0,
        f32::MIN_POSITIVE,
        1e-45,
    ]);
    prop_oneof![3 => any::<f32>(), 1 => special].boxed()
}

/// f64 values including NaN, infinities, -0.0 and subnormals.
pub fn float64() -> BoxedStrategy<f64> {
    let special = select(vec![
        f64::NAN,
        -f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.0,
        -0.0,
        f64::MIN_POSITIVE,
        5e-324,
    ]);
    prop_oneof![3 => any::<f64>(), 1 => special].boxed()
}

/// A str of exactly `len` bytes, mostly ASCII with some multi-byte
/// characters mixed in (from `seed`).
pub fn make_text(len: usize, seed: u64) -> String {
    const WIDE: [char; 4] = ['é', '€', '𝄞', 'ß'];
    let mut rng = SplitMix(seed);
    let mut s = String::with_capacity(len);
    while s.len() < len {
        let r = rng.next();
        let c = if r % 7 == 0 {
            WIDE[(r >> 8) as usize % WIDE.len()]
        } else {
            (b'a' + (r >> 16) as u8 % 26) as char
        };
        if s.len() + c.len_utf8() <= len {
            s.push(c);
        } else {
            s.push('z');
        }
    }
    s
}

/// Strings: short unicode, and exact byte lengths at the str header
/// boundaries (64 KiB ones rarely).
pub fn string() -> BoxedStrategy<String> {
    prop_oneof![
        90 => "\\PC{0,24}",
        30 => "[a-z0-9 ]{0,40}",
        30 => (select(vec![0usize, 1, 30, 31, 32, 33, 254, 255, 256, 257]), any::<u64>())
            .prop_map(|(n, seed)| make_text(n, seed)),
        1 => (select(vec![65_535usize, 65_536]), any::<u64>()).prop_map(|(n, seed)| make_text(n, seed)),
    ]
    .boxed()
}

/// Binaries: short random bytes, and lengths at the bin header boundaries.
pub fn binary() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        30 => proptest::collection::vec(any::<u8>(), 0..32),
        9 => (select(vec![0usize, 255, 256]), any::<u8>()).prop_map(|(n, b)| vec![b; n]),
        1 => (select(vec![65_535usize, 65_536]), any::<u8>()).prop_map(|(n, b)| vec![b; n]),
    ]
    .boxed()
}

/// Extension values: timestamps (type -1 with 4, 8 or 12 bytes, as
/// msgpackr, @msgpack/msgpack and Python write dates) and any type with
/// data of the sizes where ext headers change (fixext 1/2/4/8/16, ext8,
/// ext16 from 256, ext32 from 65536, rarely).
pub fn ext() -> BoxedStrategy<Value> {
    let timestamp = (select(vec![4usize, 8, 12]), any::<u64>()).prop_map(|(n, seed)| {
        let mut rng = SplitMix(seed);
        Value::Ext(-1, (0..n).map(|_| rng.next() as u8).collect())
    });
    let sized = (
        any::<i8>(),
        select(vec![0usize, 1, 2, 3, 4, 5, 8, 15, 16, 17, 255, 256]),
        any::<u8>(),
    )
        .prop_map(|(t, n, b)| Value::Ext(t, vec![b; n]));
    let big = (any::<i8>(), select(vec![65_535usize, 65_536])).prop_map(|(t, n)| Value::Ext(t, vec![7; n]));
    prop_oneof![20 => timestamp, 20 => sized, 1 => big].boxed()
}

/// Raw strs (the pre-2013 spec's str family of any bytes): random bytes,
/// and lengths at the str header boundaries.
pub fn raw() -> BoxedStrategy<Value> {
    prop_oneof![
        30 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(Value::Raw),
        9 => (select(vec![31usize, 32, 255, 256]), any::<u8>()).prop_map(|(n, b)| Value::Raw(vec![b; n])),
    ]
    .boxed()
}

/// Non-container values `profile` can write: no bin where it has none, raw
/// strs where its strs may hold any bytes, ext values everywhere.
pub fn leaf(profile: Profile) -> BoxedStrategy<Value> {
    let mut arms: Vec<(u32, BoxedStrategy<Value>)> = vec![
        (2, Just(Value::Nil).boxed()),
        (2, any::<bool>().prop_map(Value::Bool).boxed()),
        (8, int().prop_map(Value::Int).boxed()),
        (2, float32().prop_map(Value::F32).boxed()),
        (2, float64().prop_map(Value::F64).boxed()),
        (6, string().prop_map(Value::Str).boxed()),
        (2, ext()),
    ];
    if profile.has_bin() {
        arms.push((2, binary().prop_map(Value::Bin).boxed()));
    }
    if profile.raw_str_values() {
        arms.push((2, raw()));
    }
    Union::new_weighted(arms).boxed()
}

/// Small leaves only (used where the length budget is tight).
pub fn small_leaf(profile: Profile) -> BoxedStrategy<Value> {
    let mut arms: Vec<(u32, BoxedStrategy<Value>)> = vec![
        (1, Just(Value::Nil).boxed()),
        (1, any::<bool>().prop_map(Value::Bool).boxed()),
        (4, int().prop_map(Value::Int).boxed()),
        (1, float32().prop_map(Value::F32).boxed()),
        (1, float64().prop_map(Value::F64).boxed()),
        (3, "\\PC{0,12}".prop_map(Value::Str).boxed()),
        (
            1,
            (any::<i8>(), proptest::collection::vec(any::<u8>(), 0..12))
                .prop_map(|(t, d)| Value::Ext(t, d))
                .boxed(),
        ),
    ];
    if profile.has_bin() {
        arms.push((
            1,
            proptest::collection::vec(any::<u8>(), 0..12)
                .prop_map(Value::Bin)
                .boxed(),
        ));
    }
    if profile.raw_str_values() {
        arms.push((
            1,
            proptest::collection::vec(any::<u8>(), 0..12)
                .prop_map(Value::Raw)
                .boxed(),
        ));
    }
    Union::new_weighted(arms).boxed()
}

// ---------------------------------------------------------------------------
// Containers and documents

/// Container sizes biased toward the fixarray/fixmap boundary (15/16).
fn container_len() -> BoxedStrategy<usize> {
    prop_oneof![6 => 0usize..=4, 2 => 14usize..=17, 1 => 5usize..=13].boxed()
}

/// Keep the first entry for each key.
fn dedup(entries: Vec<(String, Value)>) -> Map {
    let mut seen = HashSet::with_capacity(entries.len());
    Map(entries.into_iter().filter(|(k, _)| seen.insert(k.clone())).collect())
}

/// A map or array of 65535 or 65536 cheap elements (keys enumerated, values
/// nil/bool/small ints from a seed): the 16-bit/32-bit count boundary.
fn bulk(keys: &KeySpec, as_map: bool) -> BoxedStrategy<Value> {
    let spec = *keys;
    (select(vec![65_535usize, 65_536]), any::<u64>(), 0u64..1_000)
        .prop_filter_map("too few keys for a bulk map", move |(n, seed, offset)| {
            let mut rng = SplitMix(seed);
            let mut cheap = || match rng.next() % 4 {
                0 => Value::Nil,
                1 => Value::Bool(true),
                _ => Value::Int(Int::from(rng.next() % 300)),
            };
            if as_map {
                let ks = bulk_keys(&spec, n, offset)?;
                Some(Value::Map(Map(ks.into_iter().map(|k| (k, cheap())).collect())))
            } else {
                Some(Value::Array((0..n).map(|_| cheap()).collect()))
            }
        })
        .boxed()
}

/// Any value `profile` can write, with maps obeying `keys`: leaves, and
/// arrays and maps nested up to [`DEPTH`] levels.
pub fn value(profile: Profile, keys: &KeySpec) -> BoxedStrategy<Value> {
    let spec = *keys;
    leaf(profile)
        .prop_recursive(DEPTH, 64, 17, move |inner| {
            let items = inner.clone();
            prop_oneof![
                container_len()
                    .prop_flat_map(move |n| proptest::collection::vec(items.clone(), n))
                    .prop_map(Value::Array),
                container_len()
                    .prop_flat_map(move |n| proptest::collection::vec((key(&spec), inner.clone()), n))
                    .prop_map(|entries| Value::Map(dedup(entries))),
            ]
        })
        .boxed()
}

/// A conforming document for `profile` and `keys`: a top-level map of
/// [`value`]s, its size biased toward 15/16. Rarely (they are big) the
/// top-level map or one value is a 65535/65536-element container.
pub fn document(profile: Profile, keys: &KeySpec) -> BoxedStrategy<Document> {
    let spec = *keys;
    let entries = container_len()
        .prop_flat_map(move |n| proptest::collection::vec((key(&spec), value(profile, &spec)), n))
        .prop_map(|e| Document(dedup(e)));
    let big_map = bulk(keys, true).prop_map(|v| match v {
        Value::Map(m) => Document(m),
        _ => Document::default(),
    });
    let big_value =
        (key(keys), prop_oneof![bulk(keys, false), bulk(keys, true)]).prop_map(|(k, v)| Document(Map(vec![(k, v)])));
    prop_oneof![300 => entries, 1 => big_map, 1 => big_value].boxed()
}

/// Choices for `profile`: random (from a seed) or default for any-width;
/// the other profiles have nothing to choose.
fn choices(profile: Profile) -> BoxedStrategy<Choices> {
    if profile == Profile::AnyWidth {
        prop_oneof![1 => Just(Choices::default_only()), 3 => any::<u64>().prop_map(Choices::seeded)].boxed()
    } else {
        Just(Choices::default_only()).boxed()
    }
}

/// [`document`]s with their encoding under `profile` (random header
/// choices for any-width).
pub fn encoded(profile: Profile, keys: &KeySpec) -> BoxedStrategy<Encoded> {
    (document(profile, keys), choices(profile))
        .prop_filter_map("profile cannot encode the document", move |(doc, c)| {
            Encoded::new(profile, doc, c, Origin::Random)
        })
        .boxed()
}

/// Documents whose default encoding under `profile` ([`profile_encode::encode`])
/// is exactly `len` bytes.
pub fn document_of_len(profile: Profile, keys: &KeySpec, len: u64) -> BoxedStrategy<Document> {
    let spec = *keys;
    (document(profile, keys), any::<u64>())
        .prop_filter_map("length unreachable", move |(doc, salt)| {
            pad_to(profile, &spec, doc, len, None, salt).map(|e| e.doc)
        })
        .boxed()
}

/// Documents encoded under `profile` to exactly `len` bytes, any-width
/// headers chosen at random.
pub fn encoded_of_len(profile: Profile, keys: &KeySpec, len: u64) -> BoxedStrategy<Encoded> {
    let spec = *keys;
    (document(profile, keys), choices(profile), any::<u64>())
        .prop_filter_map("length unreachable", move |(doc, c, salt)| {
            pad_to(profile, &spec, doc, len, c.seed, salt)
        })
        .boxed()
}

/// Make `doc` encode to exactly `len` bytes under `profile` by adding one
/// entry (a fresh key) whose value is padding of the right size; entries
/// are dropped from the end while `doc` alone is too long. Choices are
/// random from `seed` (any-width) before the padding and default inside
/// it, whose size is therefore known. `None` if no such document exists
/// (`len` too small for even one padded entry).
pub fn pad_to(
    profile: Profile,
    keys: &KeySpec,
    doc: Document,
    len: u64,
    seed: Option<u64>,
    salt: u64,
) -> Option<Encoded> {
    let mut entries = doc.0 .0;
    let fill = make_key(keys, 16, salt ^ 0x5eed).unwrap_or_else(|| "x".into());
    loop {
        let taken: HashSet<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
        let pad_key = fresh_key(keys, |k| taken.contains(k), salt)?;
        let mut candidate = entries.clone();
        candidate.push((pad_key, Value::Nil));
        let mut doc = Document(Map(candidate));
        let mut choices = Choices {
            forced: Vec::new(),
            seed,
            random_until: u64::MAX,
        };
        let (total, _) = measure(profile, &doc, &mut choices.chooser(), 0).ok()?;
        let pad_at = total - 1;
        if pad_at < len {
            let pad = exact_value(profile, len - pad_at, fill.as_bytes())?;
            if let Some(last) = doc.0 .0.last_mut() {
                last.1 = pad;
            }
            choices.random_until = pad_at;
            let e = Encoded::new(profile, doc, choices, Origin::Random)?;
            return (e.bytes.len() as u64 == len).then_some(e);
        }
        if entries.is_empty() {
            return None;
        }
        let keep = if entries.len() > 8 {
            entries.len() / 2
        } else {
            entries.len() - 1
        };
        entries.truncate(keep);
    }
}

// ---------------------------------------------------------------------------
// Around a colliding length's forced prefix

/// Random material for [`around_prefix`].
#[derive(Clone, Debug)]
pub struct Around {
    /// A random first key (tried first; the forced prefix may pin its
    /// length or first characters).
    pub first_key: String,
    /// Seed for re-drawing the first key's characters at its pinned length.
    pub key_seed: u64,
    /// A random first value (used unless the prefix pins it).
    pub first_value: Value,
    /// Further entries between the first and the padding entry.
    pub others: Vec<(String, Value)>,
    /// Any-width choice seed (`None`: default choices).
    pub seed: Option<u64>,
    /// Seed for padding keys and fill.
    pub salt: u64,
}

/// Random material for [`around_prefix`] under `profile` and `keys`: small
/// values, so a document fits even the 223-byte collisions.
pub fn around(profile: Profile, keys: &KeySpec) -> BoxedStrategy<Around> {
    let spec = *keys;
    let short_key = (
        spec.min_len.max(1)..=spec.max_len.min(8).max(spec.min_len.max(1)),
        any::<u64>(),
    )
        .prop_filter_map("empty alphabet", move |(l, s)| make_key(&spec, l, s));
    (
        key(keys),
        any::<u64>(),
        small_leaf(profile),
        proptest::collection::vec((short_key, small_leaf(profile)), 0..6),
        choices(profile),
        any::<u64>(),
    )
        .prop_map(|(first_key, key_seed, first_value, others, c, salt)| Around {
            first_key,
            key_seed,
            first_value,
            others,
            seed: c.seed,
            salt,
        })
        .boxed()
}

/// Documents of exactly `len` bytes whose encoding under `profile` starts
/// with `len.to_le_bytes()` (the detector calls them BSON), built with
/// random keys and values around the forced prefix. `len` must be a
/// colliding length.
pub fn colliding(profile: Profile, keys: &KeySpec, len: u64) -> BoxedStrategy<Encoded> {
    let spec = *keys;
    around(profile, keys)
        .prop_filter_map("not a colliding length", move |a| {
            around_prefix(profile, &spec, len, &a).ok()
        })
        .boxed()
}

/// What the witness at a colliding length tells the randomiser: the
/// top-level entry count and the first entry.
#[derive(Clone, Debug)]
struct Skeleton {
    count: usize,
    first_key: String,
    /// The first value, when small (a value inside the prefix is one byte).
    first_value: Option<Value>,
}

type SkeletonCache = Mutex<HashMap<(Profile, KeySpec, u64), Arc<Skeleton>>>;

/// Why [`around_prefix`] could not build a document.
#[derive(Debug, thiserror::Error)]
pub enum AroundError {
    #[error(transparent)]
    Witness(#[from] WitnessError),
    #[error("the witness does not decode: {0}")]
    Undecodable(#[from] prefixproof::detect::decode::DecodeError),
    #[error("the witness is not a model document: {0}")]
    NotAModelDocument(#[from] ModelError),
    #[error("the witness is an empty map")]
    EmptyWitness,
    #[error("the witness does not re-encode to the same bytes")]
    NotReencoded,
}

fn witness_doc(profile: Profile, keys: &KeySpec, len: u64) -> Result<(Vec<u8>, Document), AroundError> {
    let blob = witness::build_colliding(profile, keys, len)?;
    let value = decode_msgpack(&blob)?;
    let doc = Document::from_rmpv(&value)?;
    Ok((blob, doc))
}

/// The witness's skeleton, built once per (profile, keys, len): witnesses
/// run to megabytes, skeletons are a few bytes.
fn skeleton(profile: Profile, keys: &KeySpec, len: u64) -> Result<Arc<Skeleton>, AroundError> {
    static CACHE: OnceLock<SkeletonCache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let id = (profile, *keys, len);
    if let Some(s) = cache.lock().ok().and_then(|c| c.get(&id).cloned()) {
        return Ok(s);
    }
    let (_, doc) = witness_doc(profile, keys, len)?;
    let Some((k, v)) = doc.0 .0.first() else {
        return Err(AroundError::EmptyWitness);
    };
    let small = profile_encode::value_len(profile, v).is_ok_and(|n| n <= 16);
    let s = Arc::new(Skeleton {
        count: doc.0.len(),
        first_key: k.clone(),
        first_value: small.then(|| v.clone()),
    });
    if let Ok(mut c) = cache.lock() {
        c.insert(id, s.clone());
    }
    Ok(s)
}

/// Build a document of exactly `len` bytes starting with `len`'s prefix
/// from the random material `a`, deterministically.
///
/// The witness at `len` shows one way to fill the forced prefix. Candidate
/// documents replace as much of it as possible with `a` (first key, first
/// value, the entries in between, the entry count), most random first; a
/// candidate is kept when its encoding's first four bytes are the prefix
/// (checked by encoding, with the padding still nil) and padding can make
/// up the exact length. Choices inside the prefix are forced to the
/// prefix's own markers; after it, any-width choices are random. If no
/// candidate fits, the witness itself is returned, re-encoded
/// ([`Origin::Witness`]). Either way the blob is checked before it is
/// returned.
pub fn around_prefix(profile: Profile, keys: &KeySpec, len: u64, a: &Around) -> Result<Encoded, AroundError> {
    if !(4..1 << 31).contains(&len) {
        return Err(WitnessError::OutOfRange(len).into());
    }
    let prefix = (len as u32).to_le_bytes();
    let sk = skeleton(profile, keys, len)?;
    let wk = sk.first_key.as_str();
    let wk_len = wk.len() as u64;

    // First-key candidates, most random first.
    let mut first_keys: Vec<String> = Vec::new();
    if keys.check(a.first_key.as_bytes()).is_ok() {
        first_keys.push(a.first_key.clone());
    }
    if let Some(k) = make_key(keys, wk_len, a.key_seed) {
        // Same length, fresh characters; then the witness's first two
        // characters (the most a 4-byte prefix can pin) with fresh ones after.
        let keep: String = wk.chars().take(2).chain(k.chars().skip(2)).collect();
        first_keys.extend([k, keep]);
    }
    first_keys.push(wk.to_string());
    first_keys.dedup();

    // First-value candidates: random, the witness's, or none (the first
    // value is the padding).
    let mut first_values: Vec<Option<Value>> = vec![Some(a.first_value.clone())];
    if let Some(v) = &sk.first_value {
        first_values.push(Some(v.clone()));
    }
    first_values.push(None);

    let fill = make_key(keys, 16, a.salt ^ 0xf111).unwrap_or_else(|| "x".into());
    for fk in &first_keys {
        for fv in &first_values {
            // With a first value: the random entries as given, then resized
            // to the witness's count. Without (the first value is the
            // padding): a one-entry map.
            let counts: Vec<Option<usize>> = match fv {
                Some(_) => std::iter::once(None).chain(sk.count.checked_sub(2).map(Some)).collect(),
                None => vec![Some(0)],
            };
            for want in counts {
                let Some(doc) = assemble(keys, fk, fv.as_ref(), &a.others, want, a.salt) else {
                    continue;
                };
                if let Some(e) = finish(profile, doc, len, &prefix, a.seed, fill.as_bytes()) {
                    return Ok(e);
                }
            }
        }
    }

    // Fall back to the witness, re-encoded with every choice forced to the
    // witness's own markers.
    let (blob, doc) = witness_doc(profile, keys, len)?;
    let choices = Choices {
        forced: blob.clone(),
        seed: None,
        random_until: 0,
    };
    let e = Encoded::new(profile, doc, choices, Origin::Witness).ok_or(AroundError::NotReencoded)?;
    if e.bytes != blob {
        return Err(AroundError::NotReencoded);
    }
    Ok(e)
}

/// The candidate top-level entries: first key and value, the others
/// (resized to `want` if given, new entries nil under fresh keys), and a
/// nil padding entry last. Without a first value, the first entry's value
/// is the padding and it is the only entry. The padding is always the
/// last value.
fn assemble(
    keys: &KeySpec,
    first_key: &str,
    first_value: Option<&Value>,
    others: &[(String, Value)],
    want: Option<usize>,
    salt: u64,
) -> Option<Document> {
    let mut entries: Vec<(String, Value)> = vec![(first_key.to_string(), first_value.cloned().unwrap_or(Value::Nil))];
    if first_value.is_none() {
        return Some(Document(Map(entries)));
    }
    let mut taken: HashSet<String> = HashSet::from([first_key.to_string()]);
    for (k, v) in others {
        if want.is_some_and(|w| entries.len() > w) {
            break;
        }
        if keys.check(k.as_bytes()).is_ok() && taken.insert(k.clone()) {
            entries.push((k.clone(), v.clone()));
        }
    }
    if let Some(w) = want {
        let mut rng = SplitMix(salt);
        while entries.len() < w + 1 {
            let k = fresh_key(keys, |k| taken.contains(k), rng.next())?;
            taken.insert(k.clone());
            entries.push((k, Value::Nil));
        }
    }
    let k = fresh_key(keys, |k| taken.contains(k), salt.rotate_left(17))?;
    entries.push((k, Value::Nil));
    Some(Document(Map(entries)))
}

/// Check a candidate's head against `prefix`, pad its last value to make
/// the total exactly `len`, encode, and check the result.
fn finish(
    profile: Profile,
    mut doc: Document,
    len: u64,
    prefix: &[u8; 4],
    seed: Option<u64>,
    fill: &[u8],
) -> Option<Encoded> {
    let mut choices = Choices {
        forced: prefix.to_vec(),
        seed,
        random_until: u64::MAX,
    };
    let (total, head) = measure(profile, &doc, &mut choices.chooser(), 4).ok()?;
    if head != prefix || total > len {
        return None;
    }
    let pad_at = total - 1;
    let pad = exact_value(profile, len - pad_at, fill)?;
    doc.0 .0.last_mut()?.1 = pad;
    choices.random_until = pad_at;
    let e = Encoded::new(profile, doc, choices, Origin::Random)?;
    (e.bytes.len() as u64 == len && e.bytes[..4] == prefix[..]).then_some(e)
}
