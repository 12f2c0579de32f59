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
use prefixproof::msgpack::lang::KeyLang;
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

/// Lengths of keys of `lang`, biased toward the str header boundaries
/// (1, 31, 32, 255, 256; 65535 and 65536 sparingly, they are big). Each
/// candidate becomes the shortest length at least as long that has keys.
pub fn key_len_of(lang: &KeyLang) -> BoxedStrategy<u64> {
    let lang = lang.clone();
    let candidates = prop_oneof![
        180 => 0u64..=8,
        60 => select(vec![1u64, 2, 31, 32, 255, 256]),
        30 => 0u64..=300,
        1 => select(vec![65_535u64, 65_536]),
    ];
    candidates
        .prop_filter_map("no key that long", move |want| {
            // Past the longest key, fall back to the shortest.
            lang.next_completion_len(lang.start(), 0, want)
                .or_else(|| lang.min_len())
        })
        .boxed()
}

/// Key lengths of the specification's (non-first) keys.
pub fn key_len(keys: &KeySpec) -> BoxedStrategy<u64> {
    key_len_of(keys.keys())
}

/// A key of `lang` of length `len`, drawn from `seed`; `None` if there is
/// no key of that length.
pub fn make_key_of(lang: &KeyLang, len: u64, seed: u64) -> Option<String> {
    let count = lang.keys_of_len(len);
    if count == 0 {
        return None;
    }
    let key = lang.key_at(len, seed % count).ok().flatten()?;
    String::from_utf8(key).ok()
}

/// A key of `keys` (a non-first key) of length `len`, drawn from `seed`.
pub fn make_key(keys: &KeySpec, len: u64, seed: u64) -> Option<String> {
    make_key_of(keys.keys(), len, seed)
}

/// Keys of `lang`.
pub fn key_of(lang: &KeyLang) -> BoxedStrategy<String> {
    let l = lang.clone();
    (key_len_of(lang), any::<u64>())
        .prop_filter_map("no key of that length", move |(len, seed)| make_key_of(&l, len, seed))
        .boxed()
}

/// Keys allowed by `keys` (other than a top-level first key).
pub fn key(keys: &KeySpec) -> BoxedStrategy<String> {
    key_of(keys.keys())
}

/// Lengths with at most this many keys are searched in order by
/// [`fresh_key_of`]; longer ones only at random (documents fill up to
/// millions of keys, and an ordered search per key would be quadratic).
const SMALL_LENGTH: u64 = 64;

/// A key of `lang` that is not `taken`, as short as possible, drawn from
/// `seed`: a few random keys of each length, and every key of a length
/// with few of them (so small languages are not missed).
fn fresh_key_of(lang: &KeyLang, taken: impl Fn(&str) -> bool, seed: u64) -> Option<String> {
    let mut rng = SplitMix(seed);
    let mut from = 0;
    for _ in 0..64 {
        let len = lang.next_completion_len(lang.start(), 0, from)?;
        for _ in 0..8 {
            let k = make_key_of(lang, len, rng.next())?;
            if !taken(&k) {
                return Some(k);
            }
        }
        if lang.keys_of_len(len) <= SMALL_LENGTH {
            let free = lang
                .keys_from(len, 0)
                .ok()?
                .take_while(|k| k.len() as u64 == len)
                .filter_map(|k| String::from_utf8(k).ok())
                .find(|k| !taken(k));
            if free.is_some() {
                return free;
            }
        }
        from = len + 1;
    }
    None
}

/// A non-first key of `keys` that is not `taken`.
fn fresh_key(keys: &KeySpec, taken: impl Fn(&str) -> bool, seed: u64) -> Option<String> {
    fresh_key_of(keys.keys(), taken, seed)
}

/// `count` distinct keys of `keys`: the ones from `offset` on, in order,
/// at the shortest length that has enough of them. Cheap even for 65536
/// keys.
pub fn bulk_keys(keys: &KeySpec, count: usize, offset: u64) -> Option<Vec<String>> {
    let lang = keys.keys();
    let need = count as u64 + offset;
    let mut from = 0;
    let len = loop {
        let len = lang.next_completion_len(lang.start(), 0, from).filter(|l| *l <= 64)?;
        if lang.keys_of_len(len) >= need {
            break len;
        }
        from = len + 1;
    };
    lang.keys_from(len, offset)
        .ok()?
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
    let spec = keys.clone();
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
    let keys = key(keys);
    leaf(profile)
        .prop_recursive(DEPTH, 64, 17, move |inner| {
            let items = inner.clone();
            let keys = keys.clone();
            prop_oneof![
                container_len()
                    .prop_flat_map(move |n| proptest::collection::vec(items.clone(), n))
                    .prop_map(Value::Array),
                container_len()
                    .prop_flat_map(move |n| proptest::collection::vec((keys.clone(), inner.clone()), n))
                    .prop_map(|entries| Value::Map(dedup(entries))),
            ]
        })
        .boxed()
}

/// A conforming document for `profile` and `keys`: a top-level map of
/// [`value`]s, its size biased toward 15/16. Rarely (they are big) the
/// top-level map or one value is a 65535/65536-element container.
pub fn document(profile: Profile, keys: &KeySpec) -> BoxedStrategy<Document> {
    // The first entry's key comes from the first key's language (which
    // may be its own), the others from everyone's.
    let (first, other, v) = (key_of(keys.first_keys()), key(keys), value(profile, keys));
    let entries = container_len()
        .prop_flat_map(move |n| {
            (
                proptest::collection::vec((first.clone(), v.clone()), n.min(1)),
                proptest::collection::vec((other.clone(), v.clone()), n.saturating_sub(1)),
            )
        })
        .prop_map(|(mut e, rest)| {
            e.extend(rest);
            Document(dedup(e))
        });
    // Maps of 65536 entries only where the key language has that many
    // keys (a filter that can never pass would stall the generator).
    let spec = keys.clone();
    let mut arms: Vec<(u32, BoxedStrategy<Document>)> = vec![(300, entries.boxed())];
    let big_maps = bulk_keys(keys, 65_536, 1_000).is_some();
    if big_maps {
        let big_map = bulk(keys, true).prop_map(|v| match v {
            Value::Map(m) => Document(m),
            _ => Document::default(),
        });
        arms.push((1, big_map.boxed()));
    }
    let big_values = if big_maps {
        prop_oneof![bulk(keys, false), bulk(keys, true)].boxed()
    } else {
        bulk(keys, false)
    };
    let big_value = (key_of(keys.first_keys()), big_values).prop_map(|(k, v)| Document(Map(vec![(k, v)])));
    arms.push((1, big_value.boxed()));
    // Bulk maps list the other keys' language: fit the first key to its own.
    Union::new_weighted(arms).prop_map(move |d| d.fit_keys(&spec)).boxed()
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
    let spec = keys.clone();
    (document(profile, keys), any::<u64>())
        .prop_filter_map("length unreachable", move |(doc, salt)| {
            pad_to(profile, &spec, doc, len, None, salt).map(|e| e.doc)
        })
        .boxed()
}

/// Documents encoded under `profile` to exactly `len` bytes, any-width
/// headers chosen at random.
pub fn encoded_of_len(profile: Profile, keys: &KeySpec, len: u64) -> BoxedStrategy<Encoded> {
    let spec = keys.clone();
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
        // The padding entry is the map's first when nothing else is left.
        let lang = if entries.is_empty() {
            keys.first_keys()
        } else {
            keys.keys()
        };
        let pad_key = fresh_key_of(lang, |k| taken.contains(k), salt)?;
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
    let lang = keys.keys().clone();
    let short_key = (0u64..=8, any::<u64>()).prop_filter_map("no short key", move |(want, seed)| {
        let len = lang.next_completion_len(lang.start(), 0, want).filter(|l| *l <= 8)?;
        make_key_of(&lang, len, seed)
    });
    (
        key_of(keys.first_keys()),
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
    let spec = keys.clone();
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
    let id = (profile, keys.clone(), len);
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
    if keys.check_first(a.first_key.as_bytes()).is_ok() {
        first_keys.push(a.first_key.clone());
    }
    if let Some(k) = make_key_of(keys.first_keys(), wk_len, a.key_seed) {
        // Same length, fresh characters; then the witness's first two
        // characters (the most a 4-byte prefix can pin) with fresh ones
        // after, if that is still a first key.
        let keep: String = wk.chars().take(2).chain(k.chars().skip(2)).collect();
        first_keys.push(k);
        if keys.check_first(keep.as_bytes()).is_ok() {
            first_keys.push(keep);
        }
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
