//! Encoding model documents exactly the way each encoder profile writes
//! them.
//!
//! Every header and integer the encoder writes is picked from the forms
//! [`Profile::allows`] / [`Profile::allows_int`] permit for it, narrowest
//! first, so the encoders cannot drift from the profile table the oracle
//! and the conformance checker use. Most profiles permit exactly one form
//! per length, count or integer ([`Profile::one_form_per_value`]); where a
//! profile permits several (any-width everywhere, msgpackr's int64 for
//! BigInts), a [`Chooser`] decides: the default ([`EncoderDefault`]) does
//! what the real encoder does (for any-width, the next form wider than the
//! narrowest, so its output really is non-minimal), a seeded chooser picks
//! at random, and a prefix can force the forms at the first offsets (to
//! rebuild a blob around a given length prefix).
//!
//! Bytes are written with `rmp`'s low-level writers and
//! [`prefixproof::msgpack::write`] for explicit header widths.

use prefixproof::msgpack::profile::Place;
use prefixproof::msgpack::write::write_header;
use prefixproof::msgpack::write::Padding;
use prefixproof::msgpack::{IntFormat, Kind, Marker, Profile, Width, MAX_DEPTH};

use crate::model::{Document, Int, Map, Value};

/// One way to write a header or an integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Form {
    Header(Kind, Width),
    Int(IntFormat),
}

impl Form {
    /// The form a marker byte starts, if it starts a header or an integer.
    pub fn of_marker(b: u8) -> Option<Form> {
        match Marker::of(b) {
            Marker::FixInt(format, _) | Marker::Int(format) => Some(Form::Int(format)),
            Marker::Header { kind, width, .. } => Some(Form::Header(kind, width)),
            Marker::Nil | Marker::False | Marker::True | Marker::Reserved | Marker::Float { .. } => None,
        }
    }
}

/// A point where the encoder picks one of several forms.
#[derive(Clone, Copy, Debug)]
pub struct Choice<'a> {
    /// The profile being followed.
    pub profile: Profile,
    /// Byte offset at which the header or integer starts.
    pub offset: u64,
    /// Permitted forms, narrowest first (at least two).
    pub options: &'a [Form],
}

/// Decides among the forms a profile permits. Only consulted where there is
/// more than one. An out-of-range index is taken modulo the number of
/// options.
pub trait Chooser {
    fn choose(&mut self, choice: &Choice<'_>) -> usize;
}

impl<F: FnMut(&Choice<'_>) -> usize> Chooser for F {
    fn choose(&mut self, choice: &Choice<'_>) -> usize {
        self(choice)
    }
}

/// What each profile's encoder writes by default. For any-width, the form
/// next wider than the narrowest: deterministic, non-minimal wherever there
/// is a choice, and (unlike "widest") every value size from one byte up
/// stays reachable, which exact-length padding needs. For msgpackr, int64
/// over uint64: msgpackr writes a BigInt in int64 range as int64, and
/// integers that need more than 32 bits reach it only as BigInts (it
/// writes such Numbers as float64). Elsewhere, the narrowest.
#[derive(Clone, Copy, Debug, Default)]
pub struct EncoderDefault;

impl Chooser for EncoderDefault {
    fn choose(&mut self, choice: &Choice<'_>) -> usize {
        let opts = choice.options;
        if choice.profile == Profile::AnyWidth {
            return usize::from(opts.len() > 1);
        }
        let has = |f: IntFormat| opts.iter().position(|o| *o == Form::Int(f));
        match (has(IntFormat::U64), has(IntFormat::I64)) {
            (Some(_), Some(i64_at)) => i64_at,
            _ => 0,
        }
    }
}

/// Always the narrowest form (what canonical-style encoders do).
#[derive(Clone, Copy, Debug, Default)]
pub struct Narrowest;

impl Chooser for Narrowest {
    fn choose(&mut self, _: &Choice<'_>) -> usize {
        0
    }
}

/// A reproducible recipe for choices: at offsets below `forced.len()` take
/// the form whose marker is `forced[offset]` (when permitted), at offsets
/// below `random_until` pick at random from `seed` (if any), elsewhere the
/// [`EncoderDefault`]. Randomness is drawn in call order, so encoding the
/// same document twice makes the same choices.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Choices {
    pub forced: Vec<u8>,
    pub seed: Option<u64>,
    pub random_until: u64,
}

impl Choices {
    /// The default choices ([`EncoderDefault`] everywhere).
    pub fn default_only() -> Choices {
        Choices::default()
    }

    /// Random choices everywhere.
    pub fn seeded(seed: u64) -> Choices {
        Choices {
            forced: Vec::new(),
            seed: Some(seed),
            random_until: u64::MAX,
        }
    }

    /// A fresh chooser following this recipe.
    pub fn chooser(&self) -> impl Chooser + '_ {
        let mut rng = SplitMix(self.seed.unwrap_or(0));
        move |c: &Choice<'_>| -> usize {
            if let Some(&m) = usize::try_from(c.offset).ok().and_then(|o| self.forced.get(o)) {
                if let Some(i) = Form::of_marker(m).and_then(|f| c.options.iter().position(|o| *o == f)) {
                    return i;
                }
            }
            if self.seed.is_some() && c.offset < self.random_until {
                return (rng.next() % c.options.len() as u64) as usize;
            }
            EncoderDefault.choose(c)
        }
    }
}

/// splitmix64: tiny, seedable, good enough to pick header widths.
#[derive(Clone, Debug)]
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits. (Named like `Iterator::next` but never
    /// ends, so it is not an iterator.)
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Why a document cannot be written under a profile.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// No header the profile writes carries this length: bin under legacy
    /// (which has no bin type), or anything longer than 2^32 - 1.
    #[error("profile {profile} cannot write a {kind:?} of length {len}")]
    NoHeader { profile: Profile, kind: Kind, len: u64 },
    /// A raw str under a profile whose strs are UTF-8.
    #[error("profile {0} writes only UTF-8 strs, not raw bytes")]
    NoRaw(Profile),
    #[error("nesting deeper than {MAX_DEPTH}")]
    TooDeep,
}

/// The header widths `profile` permits for a `kind` of length `n`,
/// narrowest first.
pub fn header_options(profile: Profile, place: Place, kind: Kind, n: u64) -> Vec<Width> {
    profile.widths_for(place, kind, n).collect()
}

/// The integer formats `profile` permits for `v`, narrowest first
/// (unsigned before signed at equal size).
pub fn int_options(profile: Profile, v: i128) -> Vec<IntFormat> {
    profile.int_formats_for(v).collect()
}

/// The width the default chooser gives a nested `kind` of length `n`
/// (what [`encode`] writes), or `None` if the profile has no header for it.
pub fn default_width(profile: Profile, kind: Kind, n: u64) -> Option<Width> {
    let widths = header_options(profile, Place::Nested, kind, n);
    let forms: Vec<Form> = widths.iter().map(|w| Form::Header(kind, *w)).collect();
    let pick = if forms.len() > 1 {
        EncoderDefault.choose(&Choice {
            profile,
            offset: 0,
            options: &forms,
        })
    } else {
        0
    };
    widths.get(pick % widths.len().max(1)).copied()
}

/// `doc` as `profile` writes it, with the default choices.
pub fn encode(profile: Profile, doc: &Document) -> Result<Vec<u8>, EncodeError> {
    encode_with(profile, doc, &mut EncoderDefault)
}

/// A single (nested) value as `profile` writes it, with the default choices.
pub fn encode_value(profile: Profile, value: &Value) -> Result<Vec<u8>, EncodeError> {
    let mut chooser = EncoderDefault;
    let mut e = Encoder::new(profile, &mut chooser, usize::MAX);
    e.value(value, 1)?;
    Ok(e.out)
}

/// The bytes that identify a value: its encoding with the narrowest forms
/// under any-width (which writes every value, raw strs included). Two
/// values are the same exactly when these are equal (see the model's
/// `PartialEq`). A value too deep to encode is identified by its debug text.
pub fn wire_bytes(value: &Value) -> Vec<u8> {
    let mut chooser = Narrowest;
    let mut e = Encoder::new(Profile::AnyWidth, &mut chooser, usize::MAX);
    match e.value(value, 1) {
        Ok(()) => e.out,
        Err(_) => format!("{value:?}").into_bytes(),
    }
}

/// `doc` as `profile` writes it, with `chooser` deciding wherever the
/// profile permits more than one form.
pub fn encode_with(profile: Profile, doc: &Document, chooser: &mut impl Chooser) -> Result<Vec<u8>, EncodeError> {
    let mut e = Encoder::new(profile, chooser, usize::MAX);
    e.map(&doc.0, 0)?;
    Ok(e.out)
}

/// `doc` as `profile` writes it following the recipe `choices`.
pub fn encode_choices(profile: Profile, doc: &Document, choices: &Choices) -> Result<Vec<u8>, EncodeError> {
    encode_with(profile, doc, &mut choices.chooser())
}

/// The encoded length and the first `head` bytes of `doc`, without
/// materialising the rest (padding values run to megabytes).
pub fn measure(
    profile: Profile,
    doc: &Document,
    chooser: &mut impl Chooser,
    head: usize,
) -> Result<(u64, Vec<u8>), EncodeError> {
    let mut e = Encoder::new(profile, chooser, head);
    e.map(&doc.0, 0)?;
    Ok((e.len, e.out))
}

/// The encoded size of a nested `value` under `profile`'s default choices.
pub fn value_len(profile: Profile, value: &Value) -> Result<u64, EncodeError> {
    let mut chooser = EncoderDefault;
    let mut e = Encoder::new(profile, &mut chooser, 0);
    e.value(value, 1)?;
    Ok(e.len)
}

/// A value whose default encoding under `profile` is exactly `size` bytes:
/// the format layer's [`Padding`] under the default choices, with its str
/// made of `fill` bytes (cycled; must be ASCII to keep sizes exact).
/// `None` only for size 0.
pub fn exact_value(profile: Profile, size: u64, fill: &[u8]) -> Option<Value> {
    let fill: &[u8] = if !fill.is_empty() && fill.is_ascii() {
        fill
    } else {
        b"x"
    };
    let pad = Padding::of_size(size, |kind, w, n| default_width(profile, kind, n) == Some(w))?;
    let mut v = match pad.text {
        None => Value::Nil,
        Some((_, n)) => Value::Str(fill.iter().cycle().take(n as usize).map(|b| *b as char).collect()),
    };
    for _ in 0..pad.arrays {
        v = Value::Array(vec![v]);
    }
    Some(v)
}

/// The writer: appends bytes while fewer than `cap` are held and counts
/// all of them, so one walk serves full encoding, heads and measuring.
struct Encoder<'c, C: Chooser> {
    profile: Profile,
    chooser: &'c mut C,
    out: Vec<u8>,
    cap: usize,
    len: u64,
    scratch: Vec<u8>,
}

impl<'c, C: Chooser> Encoder<'c, C> {
    fn new(profile: Profile, chooser: &'c mut C, cap: usize) -> Self {
        Encoder {
            profile,
            chooser,
            out: Vec::new(),
            cap,
            len: 0,
            scratch: Vec::with_capacity(9),
        }
    }

    fn put(&mut self, bytes: &[u8]) {
        let room = self.cap.saturating_sub(self.out.len());
        self.out.extend_from_slice(&bytes[..bytes.len().min(room)]);
        self.len += bytes.len() as u64;
    }

    fn flush_scratch(&mut self) {
        let s = std::mem::take(&mut self.scratch);
        self.put(&s);
        self.scratch = s;
        self.scratch.clear();
    }

    fn pick<T: Copy>(&mut self, options: &[T], as_form: impl Fn(T) -> Form) -> Option<T> {
        match options.len() {
            0 => None,
            1 => Some(options[0]),
            n => {
                let forms: Vec<Form> = options.iter().map(|o| as_form(*o)).collect();
                let i = self.chooser.choose(&Choice {
                    profile: self.profile,
                    offset: self.len,
                    options: &forms,
                });
                Some(options[i % n])
            }
        }
    }

    fn header(&mut self, place: Place, kind: Kind, n: u64) -> Result<(), EncodeError> {
        let options = header_options(self.profile, place, kind, n);
        let width = self
            .pick(&options, |w| Form::Header(kind, w))
            .ok_or(EncodeError::NoHeader {
                profile: self.profile,
                kind,
                len: n,
            })?;
        write_header(&mut self.scratch, kind, width, n);
        self.flush_scratch();
        Ok(())
    }

    fn int(&mut self, i: Int) {
        let v = i.get();
        let options = int_options(self.profile, v);
        // Every profile permits some format for every i64/u64 (the
        // narrowest one); fall back to it defensively.
        let format = self
            .pick(&options, Form::Int)
            .unwrap_or(if v < 0 { IntFormat::I64 } else { IntFormat::U64 });
        // Writing to a Vec cannot fail; the range checks rmp's fixint
        // writers assert were done by `allows_int`.
        let w = &mut self.scratch;
        let _ = match format {
            IntFormat::PosFixint => rmp::encode::write_pfix(w, v as u8).map_err(drop),
            IntFormat::NegFixint => rmp::encode::write_nfix(w, v as i8).map_err(drop),
            IntFormat::U8 => rmp::encode::write_u8(w, v as u8).map_err(drop),
            IntFormat::U16 => rmp::encode::write_u16(w, v as u16).map_err(drop),
            IntFormat::U32 => rmp::encode::write_u32(w, v as u32).map_err(drop),
            IntFormat::U64 => rmp::encode::write_u64(w, v as u64).map_err(drop),
            IntFormat::I8 => rmp::encode::write_i8(w, v as i8).map_err(drop),
            IntFormat::I16 => rmp::encode::write_i16(w, v as i16).map_err(drop),
            IntFormat::I32 => rmp::encode::write_i32(w, v as i32).map_err(drop),
            IntFormat::I64 => rmp::encode::write_i64(w, v as i64).map_err(drop),
        };
        self.flush_scratch();
    }

    fn value(&mut self, v: &Value, depth: usize) -> Result<(), EncodeError> {
        if depth > MAX_DEPTH {
            return Err(EncodeError::TooDeep);
        }
        let w = &mut self.scratch;
        match v {
            Value::Nil => {
                let _ = rmp::encode::write_nil(w);
                self.flush_scratch();
            }
            Value::Bool(b) => {
                let _ = rmp::encode::write_bool(w, *b);
                self.flush_scratch();
            }
            Value::Int(i) => self.int(*i),
            Value::F32(x) => {
                let _ = rmp::encode::write_f32(w, *x);
                self.flush_scratch();
            }
            Value::F64(x) => {
                let _ = rmp::encode::write_f64(w, *x);
                self.flush_scratch();
            }
            Value::Str(s) => {
                self.header(Place::Nested, Kind::Str, s.len() as u64)?;
                self.put(s.as_bytes());
            }
            Value::Raw(b) => {
                if !self.profile.raw_str_values() {
                    return Err(EncodeError::NoRaw(self.profile));
                }
                self.header(Place::Nested, Kind::Str, b.len() as u64)?;
                self.put(b);
            }
            Value::Bin(b) => {
                self.header(Place::Nested, Kind::Bin, b.len() as u64)?;
                self.put(b);
            }
            Value::Ext(t, data) => {
                self.header(Place::Nested, Kind::Ext, data.len() as u64)?;
                self.put(&[*t as u8]);
                self.put(data);
            }
            Value::Array(items) => {
                self.header(Place::Nested, Kind::Array, items.len() as u64)?;
                for item in items {
                    self.value(item, depth + 1)?;
                }
            }
            Value::Map(m) => self.map(m, depth)?,
        }
        Ok(())
    }

    fn map(&mut self, m: &Map, depth: usize) -> Result<(), EncodeError> {
        if depth > MAX_DEPTH {
            return Err(EncodeError::TooDeep);
        }
        // `depth` 0 is the top-level map, the only one at `Place::Root`.
        let place = if depth == 0 { Place::Root } else { Place::Nested };
        self.header(place, Kind::Map, m.0.len() as u64)?;
        for (k, v) in &m.0 {
            self.header(Place::Nested, Kind::Str, k.len() as u64)?;
            self.put(k.as_bytes());
            self.value(v, depth + 1)?;
        }
        Ok(())
    }
}
