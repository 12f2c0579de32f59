//! Encoding model documents exactly the way each encoder profile writes
//! them.
//!
//! Every header and integer the encoder writes is picked from the forms
//! [`Profile::allows`] / [`Profile::allows_int`] permit for it, narrowest
//! first, so the encoders cannot drift from the profile table the oracle
//! and the conformance checker use. Four profiles permit exactly one form
//! per length, count or integer (canonical = smallest everywhere, legacy =
//! no str8 and no bin, map32-header = every map 0xdf, map16-header = map16
//! while the count fits); any-width permits every form wide enough, and a
//! [`Chooser`] decides among them: the default picks the next form wider
//! than the narrowest (so any-width output really is non-minimal), a
//! seeded chooser picks at random, and a prefix can force the forms at the
//! first offsets (to rebuild a blob around a given length prefix).
//!
//! Bytes are written with `rmp`'s low-level writers and
//! [`crate::encode::write_header`] for explicit header widths.

use crate::encode::write_header;
use crate::model::{Document, Int, Map, Value};
use crate::profile::{IntFormat, Kind, Profile, Width};

/// Deepest nesting written; matches the conformance checker, so whatever
/// this encodes can be checked.
pub const MAX_DEPTH: usize = crate::conformance::MAX_DEPTH;

/// One way to write a header or an integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Form {
    Header(Kind, Width),
    Int(IntFormat),
}

impl Form {
    /// The form a marker byte starts, if it starts a header or an integer.
    pub fn of_marker(b: u8) -> Option<Form> {
        use IntFormat as I;
        Some(match b {
            0x00..=0x7f => Form::Int(I::PosFixint),
            0xe0..=0xff => Form::Int(I::NegFixint),
            0x80..=0x8f => Form::Header(Kind::Map, Width::Fix),
            0x90..=0x9f => Form::Header(Kind::Array, Width::Fix),
            0xa0..=0xbf => Form::Header(Kind::Str, Width::Fix),
            0xc4 => Form::Header(Kind::Bin, Width::W8),
            0xc5 => Form::Header(Kind::Bin, Width::W16),
            0xc6 => Form::Header(Kind::Bin, Width::W32),
            0xcc => Form::Int(I::U8),
            0xcd => Form::Int(I::U16),
            0xce => Form::Int(I::U32),
            0xcf => Form::Int(I::U64),
            0xd0 => Form::Int(I::I8),
            0xd1 => Form::Int(I::I16),
            0xd2 => Form::Int(I::I32),
            0xd3 => Form::Int(I::I64),
            0xd9 => Form::Header(Kind::Str, Width::W8),
            0xda => Form::Header(Kind::Str, Width::W16),
            0xdb => Form::Header(Kind::Str, Width::W32),
            0xdc => Form::Header(Kind::Array, Width::W16),
            0xdd => Form::Header(Kind::Array, Width::W32),
            0xde => Form::Header(Kind::Map, Width::W16),
            0xdf => Form::Header(Kind::Map, Width::W32),
            _ => return None,
        })
    }
}

/// A point where the encoder picks one of several forms.
#[derive(Clone, Copy, Debug)]
pub struct Choice<'a> {
    /// Byte offset at which the header or integer starts.
    pub offset: u64,
    /// Permitted forms, narrowest first (at least two).
    pub options: &'a [Form],
}

/// Decides among the forms a profile permits. Only consulted where there is
/// more than one (in practice: any-width). An out-of-range index is taken
/// modulo the number of options.
pub trait Chooser {
    fn choose(&mut self, choice: &Choice<'_>) -> usize;
}

impl<F: FnMut(&Choice<'_>) -> usize> Chooser for F {
    fn choose(&mut self, choice: &Choice<'_>) -> usize {
        self(choice)
    }
}

/// The default: the form next wider than the narrowest. Deterministic,
/// non-minimal wherever the profile allows a choice, and (unlike "widest")
/// every value size from one byte up stays reachable, which exact-length
/// padding needs.
#[derive(Clone, Copy, Debug, Default)]
pub struct NextWider;

impl Chooser for NextWider {
    fn choose(&mut self, choice: &Choice<'_>) -> usize {
        usize::from(choice.options.len() > 1)
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
/// default [`NextWider`]. Randomness is drawn in call order, so encoding the
/// same document twice makes the same choices.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Choices {
    pub forced: Vec<u8>,
    pub seed: Option<u64>,
    pub random_until: u64,
}

impl Choices {
    /// The default choices ([`NextWider`] everywhere).
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
            NextWider.choose(c)
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
    #[error("nesting deeper than {MAX_DEPTH}")]
    TooDeep,
}

/// The header widths `profile` permits for a `kind` of length `n`,
/// narrowest first.
pub fn header_options(profile: Profile, kind: Kind, n: u64) -> Vec<Width> {
    Width::ALL.into_iter().filter(|w| profile.allows(kind, *w, n)).collect()
}

/// The integer formats `profile` permits for `v`, narrowest first
/// (unsigned before signed at equal size).
pub fn int_options(profile: Profile, v: i128) -> Vec<IntFormat> {
    use IntFormat as I;
    [
        I::PosFixint,
        I::NegFixint,
        I::U8,
        I::I8,
        I::U16,
        I::I16,
        I::U32,
        I::I32,
        I::U64,
        I::I64,
    ]
    .into_iter()
    .filter(|f| profile.allows_int(*f, v))
    .collect()
}

/// The width the default chooser gives a `kind` of length `n` (what
/// [`encode`] writes), or `None` if the profile has no header for it.
pub fn default_width(profile: Profile, kind: Kind, n: u64) -> Option<Width> {
    let widths = header_options(profile, kind, n);
    let forms: Vec<Form> = widths.iter().map(|w| Form::Header(kind, *w)).collect();
    let pick = if forms.len() > 1 {
        NextWider.choose(&Choice {
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
    encode_with(profile, doc, &mut NextWider)
}

/// A single value as `profile` writes it, with the default choices.
pub fn encode_value(profile: Profile, value: &Value) -> Result<Vec<u8>, EncodeError> {
    let mut chooser = NextWider;
    let mut e = Encoder::new(profile, &mut chooser, usize::MAX);
    e.value(value, 0)?;
    Ok(e.out)
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

/// The encoded size of `value` under `profile`'s default choices.
pub fn value_len(profile: Profile, value: &Value) -> Result<u64, EncodeError> {
    let mut chooser = NextWider;
    let mut e = Encoder::new(profile, &mut chooser, 0);
    e.value(value, 0)?;
    Ok(e.len)
}

/// A value whose default encoding under `profile` is exactly `size` bytes:
/// nil, a str of `fill` bytes (cycled; must be ASCII to keep sizes exact),
/// or one-element arrays around such a str where no str header reaches
/// `size`. `None` only for size 0.
pub fn exact_value(profile: Profile, size: u64, fill: &[u8]) -> Option<Value> {
    let fill: &[u8] = if !fill.is_empty() && fill.is_ascii() {
        fill
    } else {
        b"x"
    };
    let mut wrappers = 0usize;
    let mut size = size;
    loop {
        if size == 0 {
            return None;
        }
        if size == 1 {
            return Some(wrap(Value::Nil, wrappers));
        }
        for w in Width::ALL {
            let h = w.header_size();
            if size >= h && default_width(profile, Kind::Str, size - h) == Some(w) {
                let n = (size - h) as usize;
                let s: String = fill.iter().cycle().take(n).map(|b| *b as char).collect();
                return Some(wrap(Value::Str(s), wrappers));
            }
        }
        // No str fits exactly: spend an array header and try the rest.
        let arr = default_width(profile, Kind::Array, 1)?.header_size();
        if size <= arr {
            return None;
        }
        size -= arr;
        wrappers += 1;
    }
}

fn wrap(mut v: Value, times: usize) -> Value {
    for _ in 0..times {
        v = Value::Array(vec![v]);
    }
    v
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
                    offset: self.len,
                    options: &forms,
                });
                Some(options[i % n])
            }
        }
    }

    fn header(&mut self, kind: Kind, n: u64) -> Result<(), EncodeError> {
        let options = header_options(self.profile, kind, n);
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
                self.header(Kind::Str, s.len() as u64)?;
                self.put(s.as_bytes());
            }
            Value::Bin(b) => {
                self.header(Kind::Bin, b.len() as u64)?;
                self.put(b);
            }
            Value::Array(items) => {
                self.header(Kind::Array, items.len() as u64)?;
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
        self.header(Kind::Map, m.0.len() as u64)?;
        for (k, v) in &m.0 {
            self.header(Kind::Str, k.len() as u64)?;
            self.put(k.as_bytes());
            self.value(v, depth + 1)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance;
    use crate::keyspec::{FirstChar, KeySpec, Kmax};

    fn doc(entries: Vec<(&str, Value)>) -> Document {
        Document(Map(entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
    }

    fn s(n: usize) -> Value {
        Value::Str("x".repeat(n))
    }

    // Expected bytes written out by hand from the msgpack spec.
    #[test]
    fn headers_per_profile() {
        let d = doc(vec![("a", s(32))]);
        let body: Vec<u8> = vec![b'x'; 32];
        let with = |head: &[u8]| [head, &body[..]].concat();
        assert_eq!(
            encode(Profile::Canonical, &d).unwrap(),
            with(&[0x81, 0xa1, b'a', 0xd9, 32])
        );
        assert_eq!(
            encode(Profile::Legacy, &d).unwrap(),
            with(&[0x81, 0xa1, b'a', 0xda, 0, 32])
        );
        assert_eq!(
            encode(Profile::Map32Header, &d).unwrap(),
            with(&[0xdf, 0, 0, 0, 1, 0xa1, b'a', 0xd9, 32])
        );
        assert_eq!(
            encode(Profile::Map16Header, &d).unwrap(),
            with(&[0xde, 0, 1, 0xa1, b'a', 0xd9, 32])
        );
        // any-width default: next wider than the narrowest everywhere.
        assert_eq!(
            encode(Profile::AnyWidth, &d).unwrap(),
            with(&[0xde, 0, 1, 0xd9, 1, b'a', 0xda, 0, 32])
        );
        let ints = doc(vec![
            ("i", Value::Int(Int::from(5u8))),
            ("j", Value::Int(Int::from(-5i8))),
        ]);
        assert_eq!(
            encode(Profile::AnyWidth, &ints).unwrap(),
            [0xde, 0, 2, 0xd9, 1, b'i', 0xcc, 5, 0xd9, 1, b'j', 0xd0, 0xfb]
        );
        assert_eq!(
            encode(Profile::Canonical, &ints).unwrap(),
            [0x82, 0xa1, b'i', 5, 0xa1, b'j', 0xfb]
        );
    }

    #[test]
    fn legacy_has_no_bin() {
        let d = doc(vec![("b", Value::Bin(vec![1]))]);
        assert!(matches!(
            encode(Profile::Legacy, &d),
            Err(EncodeError::NoHeader { kind: Kind::Bin, .. })
        ));
        assert_eq!(encode(Profile::Canonical, &d).unwrap(), [0x81, 0xa1, b'b', 0xc4, 1, 1]);
    }

    #[test]
    fn big_maps_switch_headers() {
        let m: Vec<(String, Value)> = (0..65_536u32).map(|i| (format!("k{i}"), Value::Nil)).collect();
        let d = Document(Map(m));
        assert_eq!(encode(Profile::Map16Header, &d).unwrap()[..5], [0xdf, 0, 1, 0, 0]);
        assert_eq!(encode(Profile::Canonical, &d).unwrap()[..5], [0xdf, 0, 1, 0, 0]);
        let spec = KeySpec::new(FirstChar::Alnum, Kmax::Bounded(31));
        for p in Profile::ALL {
            conformance::check(p, &spec, &encode(p, &d).unwrap()).unwrap();
        }
    }

    #[test]
    fn exact_values_have_every_size() {
        for p in Profile::ALL {
            for size in (1..600).chain(65_530..65_545) {
                let v = exact_value(p, size, b"ab").unwrap_or_else(|| panic!("{p} {size}"));
                assert_eq!(value_len(p, &v), Ok(size), "{p} {size}");
                assert_eq!(encode_value(p, &v).unwrap().len() as u64, size);
            }
            assert_eq!(exact_value(p, 0, b"x"), None);
        }
    }

    #[test]
    fn forced_choices_reproduce_a_prefix() {
        let d = doc(vec![("a", Value::Nil)]);
        let c = Choices {
            forced: vec![0xdf],
            seed: None,
            random_until: 0,
        };
        assert_eq!(
            encode_choices(Profile::AnyWidth, &d, &c).unwrap(),
            [0xdf, 0, 0, 0, 1, 0xd9, 1, b'a', 0xc0]
        );
        let (len, head) = measure(Profile::AnyWidth, &d, &mut c.chooser(), 4).unwrap();
        assert_eq!((len, head), (9, vec![0xdf, 0, 0, 0]));
    }
}
