//! The oracle: for a byte prefix, the exact set of total lengths that
//! conforming documents starting with that prefix can have.
//!
//! It is a partial parser over the msgpack grammar. Feeding bytes moves a
//! stack of open containers plus at most one half-read token (a header, an
//! integer payload, a string body); any byte no conforming document can have
//! at that point kills the parse with a reason. The completion set of a live
//! state is then computed from the stack alone:
//!
//! * Every value may take any length >= 1 (nil is one byte, and arrays of
//!   nils reach every larger size in every profile), so any open container
//!   that still needs a value contributes an unbounded ray `[min, ∞)`; its
//!   minimum charges each remaining map entry its share of the cheapest
//!   distinct keys still free (see [`KeySpec::cheapest_keys_size`]) plus one
//!   byte of value.
//! * A half-read header carries a contiguous range of possible lengths or
//!   counts (prefix bytes fix the high bits, the profile fixes the width's
//!   range), and every cost involved is non-decreasing in that length or
//!   count, so the union over the range is bounded by its smallest member.
//! * A half-read string body or scalar needs a fixed number of bytes.
//!
//! The result is sound (it never drops a length a real document has) and
//! complete (every length in it has a document); `witness` relies on the
//! latter to build blobs greedily, and the tests check both.

use std::collections::HashSet;

use ahash::RandomState;
use std::fmt::Write as _;

use rmp::Marker;

use crate::keyspec::KeySpec;
use crate::lengths::LengthSet;
use crate::profile::{IntFormat, Kind, Profile, Width};
use crate::utf8::Utf8State;

/// The finished keys of one map.
pub type KeySet = HashSet<Box<[u8]>, RandomState>;

/// Where a token stands in the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The top-level value, which must be a map.
    Root,
    /// A map key.
    Key,
    /// Any other value.
    Value,
}

/// Why a byte killed the parse: the text, or `None` for a terse parser.
/// Boxed so that a parse step's result fits in two registers. Returning a
/// bare `String` through memory, and storing a whole [`Dead`] on every
/// failed parse, cost the brute-force sweep about a quarter of its time
/// (measured with `benches/search.rs`; most sweep prefixes die on byte 0).
type Why = Option<Box<String>>;

/// Why no conforming document starts with the bytes fed so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dead {
    /// Offset of the byte that killed the parse.
    pub offset: u64,
    pub reason: String,
}

#[derive(Clone, Debug)]
enum Frame {
    Root { done: bool },
    Map(MapFrame),
    Array { left: u64 },
}

#[derive(Clone, Debug)]
struct MapFrame {
    /// Entries not yet finished, including the one in progress.
    left: u64,
    /// The entry in progress has its key and awaits its value.
    awaiting_value: bool,
    /// Keys of finished entries.
    keys: KeySet,
    /// How many finished keys each key length has, kept alongside `keys`
    /// so cost queries stay independent of the map's size.
    lens: Vec<(u64, u64)>,
}

impl MapFrame {
    /// Finished keys summarised as (length, count), plus `extra` lengths.
    fn taken(&self, extra: Option<u64>) -> Vec<(u64, u64)> {
        let mut taken = self.lens.clone();
        if let Some(len) = extra {
            add_len(&mut taken, len);
        }
        taken
    }

    /// Finished keys of length `len`.
    fn taken_of_len(&self, len: u64) -> u64 {
        self.lens.iter().find(|(l, _)| *l == len).map_or(0, |e| e.1)
    }
}

fn add_len(lens: &mut Vec<(u64, u64)>, len: u64) {
    match lens.iter_mut().find(|(l, _)| *l == len) {
        Some(entry) => entry.1 += 1,
        None => lens.push((len, 1)),
    }
}

/// A token of which only part has been read.
#[derive(Clone, Debug)]
enum Partial {
    /// Marker read; `got` of the width's length bytes read into `acc`.
    Header {
        kind: Kind,
        width: Width,
        role: Role,
        got: u8,
        acc: u64,
    },
    /// Integer marker read; `got` payload bytes read into `acc`.
    Int { format: IntFormat, got: u8, acc: u64 },
    /// Float payload: `left` bytes to go, any values.
    Fixed { left: u8 },
    /// Inside a str or bin body of `total` bytes.
    Body {
        kind: Kind,
        role: Role,
        total: u64,
        got: u64,
        key: Vec<u8>,
        utf8: Utf8State,
    },
}

/// What the parser needs next; used by the witness builder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// The document is finished.
    Complete,
    /// No conforming document continues these bytes.
    Dead,
    /// A marker byte of the top-level map.
    RootMarker,
    /// A new key of the innermost map.
    Key,
    /// A new value.
    Value,
    /// More bytes of a header or scalar payload.
    HeaderOrScalar,
    /// `left` more bytes of a key's body, `got` already read.
    KeyBody { left: u64, got: u64 },
    /// `left` more bytes of a str/bin value body, `utf8_pending` of which
    /// must be UTF-8 continuation bytes.
    ValueBody { left: u64, utf8_pending: u8 },
}

/// An incremental partial parser for one profile and key specification.
#[derive(Clone, Debug)]
pub struct Parser {
    profile: Profile,
    keys: KeySpec,
    frames: Vec<Frame>,
    partial: Option<Partial>,
    pos: u64,
    /// Offset of the byte that killed the parse, if one has.
    dead_at: Option<u64>,
    /// Why it did (empty for a terse parser). Kept apart from `dead_at`
    /// so a sweep's dead parse writes one word, not a whole [`Dead`].
    dead_why: String,
    /// Human-readable steps, recorded only when asked for (the brute-force
    /// sweep runs without it).
    trace: Option<Vec<String>>,
    /// One hasher for every map's key set: seeding a fresh one per map
    /// would cost the sweeps more than the parse itself.
    hasher: RandomState,
    /// Whether to spell out why a parse died (off in sweeps, where the
    /// formatting would cost more than the parse).
    reasons: bool,
}

impl Parser {
    pub fn new(profile: Profile, keys: KeySpec) -> Self {
        Parser {
            profile,
            keys,
            frames: vec![Frame::Root { done: false }],
            partial: None,
            pos: 0,
            dead_at: None,
            dead_why: String::new(),
            trace: None,
            hasher: RandomState::new(),
            reasons: true,
        }
    }

    /// A parser for sweeps: same answers, but a dead parse carries no
    /// reason text.
    pub fn terse(profile: Profile, keys: KeySpec) -> Self {
        Parser {
            reasons: false,
            ..Self::new(profile, keys)
        }
    }

    fn fail<T>(&self, why: impl FnOnce() -> String) -> Result<T, Why> {
        Err(self.reasons.then(|| Box::new(why())))
    }

    /// A parser that records what each byte means.
    pub fn traced(profile: Profile, keys: KeySpec) -> Self {
        Parser {
            trace: Some(Vec::new()),
            ..Self::new(profile, keys)
        }
    }

    /// Return to the empty prefix, keeping allocations (for sweeps).
    pub fn reset(&mut self) {
        // Most sweep prefixes die on their first byte, leaving only the
        // root frame: reuse it rather than rebuilding the stack.
        match self.frames.as_mut_slice() {
            [Frame::Root { done }] => *done = false,
            _ => {
                self.frames.clear();
                self.frames.push(Frame::Root { done: false });
            }
        }
        if self.partial.is_some() {
            self.partial = None;
        }
        self.pos = 0;
        if self.dead_at.is_some() {
            self.dead_at = None;
            self.dead_why.clear();
        }
        if let Some(t) = &mut self.trace {
            t.clear();
        }
    }

    pub fn profile(&self) -> Profile {
        self.profile
    }

    pub fn keyspec(&self) -> &KeySpec {
        &self.keys
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Where and why the parse died, if it has.
    pub fn dead(&self) -> Option<Dead> {
        self.dead_at.map(|offset| Dead {
            offset,
            reason: self.dead_why.clone(),
        })
    }

    pub fn steps(&self) -> &[String] {
        self.trace.as_deref().unwrap_or(&[])
    }

    /// Feed bytes; stops at the first byte that kills the parse.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<(), Dead> {
        if self.advance(bytes) {
            Ok(())
        } else {
            Err(self.dead().expect("a failed advance records why"))
        }
    }

    pub fn feed_byte(&mut self, b: u8) -> Result<(), Dead> {
        self.feed(&[b])
    }

    /// Feed bytes; `false` once the parse is dead (see [`Parser::dead`]).
    /// The allocation-free path the sweeps use.
    pub fn advance(&mut self, bytes: &[u8]) -> bool {
        for &b in bytes {
            if self.dead_at.is_some() {
                return false;
            }
            let result = match self.partial.take() {
                Some(p) => self.continue_partial(p, b),
                None => self.marker(b),
            };
            self.pos += 1;
            if let Err(why) = result {
                let offset = self.pos - 1;
                if let Some(why) = why {
                    self.dead_why = *why;
                }
                if self.trace.is_some() {
                    let why = self.dead_why.clone();
                    self.note(|| format!("byte {offset}: {b:#04x} — impossible: {why}"));
                }
                self.dead_at = Some(offset);
                return false;
            }
        }
        self.dead_at.is_none()
    }

    fn note(&mut self, f: impl FnOnce() -> String) {
        if self.trace.is_some() {
            let s = f();
            if let Some(t) = &mut self.trace {
                t.push(s);
            }
        }
    }

    fn role(&self) -> Result<Role, Why> {
        match self.frames.last() {
            Some(Frame::Root { done: false }) => Ok(Role::Root),
            Some(Frame::Root { done: true }) | None => {
                self.fail(|| "trailing byte after a complete document".to_string())
            }
            Some(Frame::Map(m)) if !m.awaiting_value => Ok(Role::Key),
            Some(_) => Ok(Role::Value),
        }
    }

    fn marker(&mut self, b: u8) -> Result<(), Why> {
        let role = self.role()?;
        let at = self.pos;
        let m = Marker::from_u8(b);
        match role {
            Role::Root => match m {
                Marker::FixMap(n) => self.header_done(Kind::Map, Width::Fix, role, n as u64, b),
                Marker::Map16 => self.header_start(Kind::Map, Width::W16, role, b),
                Marker::Map32 => self.header_start(Kind::Map, Width::W32, role, b),
                _ => self.fail(|| format!("the top level must be a map, found {}", marker_name(b))),
            },
            Role::Key => match m {
                Marker::FixStr(n) => self.header_done(Kind::Str, Width::Fix, role, n as u64, b),
                Marker::Str8 => self.header_start(Kind::Str, Width::W8, role, b),
                Marker::Str16 => self.header_start(Kind::Str, Width::W16, role, b),
                Marker::Str32 => self.header_start(Kind::Str, Width::W32, role, b),
                _ => self.fail(|| format!("a map key must be a str, found {}", marker_name(b))),
            },
            Role::Value => match m {
                Marker::Null | Marker::True | Marker::False => {
                    self.note(|| format!("byte {at}: {b:#04x} {}", marker_name(b)));
                    self.value_done();
                    Ok(())
                }
                Marker::FixPos(v) => self.int_done(IntFormat::PosFixint, v as i128, b),
                Marker::FixNeg(v) => self.int_done(IntFormat::NegFixint, v as i128, b),
                Marker::U8 => self.int_start(IntFormat::U8, b),
                Marker::U16 => self.int_start(IntFormat::U16, b),
                Marker::U32 => self.int_start(IntFormat::U32, b),
                Marker::U64 => self.int_start(IntFormat::U64, b),
                Marker::I8 => self.int_start(IntFormat::I8, b),
                Marker::I16 => self.int_start(IntFormat::I16, b),
                Marker::I32 => self.int_start(IntFormat::I32, b),
                Marker::I64 => self.int_start(IntFormat::I64, b),
                Marker::F32 | Marker::F64 => {
                    let left = if m == Marker::F32 { 4 } else { 8 };
                    self.note(|| format!("byte {at}: {b:#04x} {}, {left} payload bytes", marker_name(b)));
                    self.partial = Some(Partial::Fixed { left });
                    Ok(())
                }
                Marker::FixStr(n) => self.header_done(Kind::Str, Width::Fix, role, n as u64, b),
                Marker::Str8 => self.header_start(Kind::Str, Width::W8, role, b),
                Marker::Str16 => self.header_start(Kind::Str, Width::W16, role, b),
                Marker::Str32 => self.header_start(Kind::Str, Width::W32, role, b),
                Marker::Bin8 => self.header_start(Kind::Bin, Width::W8, role, b),
                Marker::Bin16 => self.header_start(Kind::Bin, Width::W16, role, b),
                Marker::Bin32 => self.header_start(Kind::Bin, Width::W32, role, b),
                Marker::FixArray(n) => self.header_done(Kind::Array, Width::Fix, role, n as u64, b),
                Marker::Array16 => self.header_start(Kind::Array, Width::W16, role, b),
                Marker::Array32 => self.header_start(Kind::Array, Width::W32, role, b),
                Marker::FixMap(n) => self.header_done(Kind::Map, Width::Fix, role, n as u64, b),
                Marker::Map16 => self.header_start(Kind::Map, Width::W16, role, b),
                Marker::Map32 => self.header_start(Kind::Map, Width::W32, role, b),
                _ => self.fail(|| format!("{} is not in the data model", marker_name(b))),
            },
        }
    }

    /// The lengths a header of this kind, width and role may still carry
    /// once `got` of its length bytes are known to be `acc`.
    fn header_range(&self, kind: Kind, width: Width, role: Role, got: u8, acc: u64) -> Option<(u64, u64)> {
        let allowed = self.profile.len_range(kind, width)?;
        let rem_bits = 8 * (width.length_bytes() - got) as u32;
        let lo = acc << rem_bits;
        let hi = lo | ((1u64 << rem_bits) - 1);
        let (mut a, mut z) = (lo.max(*allowed.start()), hi.min(*allowed.end()));
        if role == Role::Key {
            a = a.max(self.keys.min_len);
            z = z.min(self.keys.max_len);
        }
        (a <= z).then_some((a, z))
    }

    fn header_start(&mut self, kind: Kind, width: Width, role: Role, b: u8) -> Result<(), Why> {
        let Some((lo, hi)) = self.header_range(kind, width, role, 0, 0) else {
            return self.fail(|| {
                format!(
                    "{} {} is never written by profile {}",
                    role_name(role),
                    marker_name(b),
                    self.profile
                )
            });
        };
        let at = self.pos;
        self.note(|| {
            format!(
                "byte {at}: {b:#04x} {} {}, length in [{lo}, {hi}]",
                role_name(role),
                marker_name(b)
            )
        });
        self.partial = Some(Partial::Header {
            kind,
            width,
            role,
            got: 0,
            acc: 0,
        });
        Ok(())
    }

    fn header_done(&mut self, kind: Kind, width: Width, role: Role, n: u64, b: u8) -> Result<(), Why> {
        let what = || {
            if width == Width::Fix {
                marker_name(b)
            } else {
                format!("{kind:?} {width:?} header")
            }
        };
        if !self.profile.allows(kind, width, n) {
            return self.fail(|| format!("profile {} does not write {} for length {n}", self.profile, what()));
        }
        let at = self.pos;
        match kind {
            Kind::Str | Kind::Bin => {
                if role == Role::Key && !self.keys.allows_len(n) {
                    return self
                        .fail(|| format!("key length {n} outside {}..={}", self.keys.min_len, self.keys.max_len));
                }
                self.note(|| format!("byte {at}: {}: {} of length {n}", what(), role_name(role)));
                self.partial = Some(Partial::Body {
                    kind,
                    role,
                    total: n,
                    got: 0,
                    key: Vec::new(),
                    utf8: Utf8State::default(),
                });
                if n == 0 {
                    let p = self.partial.take().unwrap();
                    return self.body_done(p);
                }
                Ok(())
            }
            Kind::Array => {
                self.note(|| format!("byte {at}: {}: array of {n} elements", what()));
                if n == 0 {
                    self.value_done();
                } else {
                    self.frames.push(Frame::Array { left: n });
                }
                Ok(())
            }
            Kind::Map => {
                self.note(|| format!("byte {at}: {}: map of {n} entries", what()));
                if n == 0 {
                    self.value_done();
                } else {
                    self.frames.push(Frame::Map(MapFrame {
                        left: n,
                        awaiting_value: false,
                        keys: KeySet::with_hasher(self.hasher.clone()),
                        lens: Vec::new(),
                    }));
                }
                Ok(())
            }
        }
    }

    fn int_start(&mut self, format: IntFormat, b: u8) -> Result<(), Why> {
        let at = self.pos;
        self.note(|| format!("byte {at}: {b:#04x} {}", marker_name(b)));
        self.partial = Some(Partial::Int { format, got: 0, acc: 0 });
        Ok(())
    }

    fn int_done(&mut self, format: IntFormat, v: i128, b: u8) -> Result<(), Why> {
        if !self.profile.allows_int(format, v) {
            return self.fail(|| format!("profile {} does not write {v} as {}", self.profile, marker_name(b)));
        }
        let at = self.pos;
        self.note(|| format!("byte {at}: {b:#04x} {} = {v}", marker_name(b)));
        self.value_done();
        Ok(())
    }

    fn continue_partial(&mut self, p: Partial, b: u8) -> Result<(), Why> {
        let at = self.pos;
        match p {
            Partial::Header {
                kind,
                width,
                role,
                got,
                acc,
            } => {
                let (got, acc) = (got + 1, (acc << 8) | b as u64);
                if got == width.length_bytes() {
                    return self.header_done(kind, width, role, acc, b);
                }
                match self.header_range(kind, width, role, got, acc) {
                    Some((lo, hi)) => {
                        self.note(|| format!("byte {at}: {b:#04x} length byte, length now in [{lo}, {hi}]"));
                        self.partial = Some(Partial::Header {
                            kind,
                            width,
                            role,
                            got,
                            acc,
                        });
                        Ok(())
                    }
                    None => self.fail(|| {
                        format!(
                            "no {} length allowed here starts with these header bytes",
                            role_name(role)
                        )
                    }),
                }
            }
            Partial::Int { format, got, acc } => {
                let (got, acc) = (got + 1, (acc << 8) | b as u64);
                if int_candidates(self.profile, format, got, acc).is_none() {
                    return self.fail(|| {
                        format!(
                            "profile {} writes no {format:?} payload starting this way",
                            self.profile
                        )
                    });
                }
                if got == format.payload_bytes() {
                    let v = int_value(format, acc);
                    self.note(|| format!("byte {at}: payload complete, {format:?} = {v}"));
                    self.value_done();
                } else {
                    self.partial = Some(Partial::Int { format, got, acc });
                }
                Ok(())
            }
            Partial::Fixed { left } => {
                if left == 1 {
                    self.note(|| format!("byte {at}: float payload complete"));
                    self.value_done();
                } else {
                    self.partial = Some(Partial::Fixed { left: left - 1 });
                }
                Ok(())
            }
            Partial::Body {
                kind,
                role,
                total,
                got,
                mut key,
                mut utf8,
            } => {
                if role == Role::Key {
                    if !self.keys.allows_byte(got, b) {
                        return self.fail(|| format!("{b:#04x} is not allowed at position {got} of a key"));
                    }
                    key.push(b);
                } else if kind == Kind::Str {
                    if !utf8.feed(b) {
                        return self.fail(|| "str value is not valid UTF-8".to_string());
                    }
                    if utf8.pending() as u64 > total - got - 1 {
                        return self.fail(|| "str value ends inside a UTF-8 sequence".to_string());
                    }
                }
                let p = Partial::Body {
                    kind,
                    role,
                    total,
                    got: got + 1,
                    key,
                    utf8,
                };
                if got + 1 == total {
                    self.body_done(p)
                } else {
                    self.partial = Some(p);
                    Ok(())
                }
            }
        }
    }

    fn body_done(&mut self, p: Partial) -> Result<(), Why> {
        let Partial::Body { role, key, total, .. } = p else {
            unreachable!("body_done takes a body")
        };
        if role != Role::Key {
            let at = self.pos;
            self.note(|| format!("byte {at}: end of {total}-byte body"));
            self.value_done();
            return Ok(());
        }
        let Some(Frame::Map(m)) = self.frames.last_mut() else {
            unreachable!("keys live in maps")
        };
        if m.keys.contains(key.as_slice()) {
            return self.fail(|| format!("duplicate key {:?}", String::from_utf8_lossy(&key)));
        }
        let shown = String::from_utf8_lossy(&key).into_owned();
        add_len(&mut m.lens, key.len() as u64);
        m.keys.insert(key.into_boxed_slice());
        m.awaiting_value = true;
        let at = self.pos;
        self.note(|| format!("byte {at}: key {shown:?} complete"));
        Ok(())
    }

    /// A value finished: pop every container it completes.
    fn value_done(&mut self) {
        loop {
            match self.frames.last_mut() {
                Some(Frame::Root { done }) => {
                    *done = true;
                    return;
                }
                Some(Frame::Map(m)) => {
                    m.awaiting_value = false;
                    m.left -= 1;
                    if m.left > 0 {
                        return;
                    }
                }
                Some(Frame::Array { left }) => {
                    *left -= 1;
                    if *left > 0 {
                        return;
                    }
                }
                None => return,
            }
            self.frames.pop();
        }
    }

    /// Whether the bytes fed form a whole conforming document.
    pub fn is_complete(&self) -> bool {
        self.dead_at.is_none()
            && self.partial.is_none()
            && matches!(self.frames.last(), Some(Frame::Root { done: true }))
    }

    /// What must come next.
    pub fn expect(&self) -> Expect {
        if self.dead_at.is_some() {
            return Expect::Dead;
        }
        match &self.partial {
            Some(Partial::Body {
                role: Role::Key,
                total,
                got,
                ..
            }) => Expect::KeyBody {
                left: total - got,
                got: *got,
            },
            Some(Partial::Body { total, got, utf8, .. }) => Expect::ValueBody {
                left: total - got,
                utf8_pending: utf8.pending(),
            },
            Some(_) => Expect::HeaderOrScalar,
            None => match self.role() {
                Ok(Role::Root) => Expect::RootMarker,
                Ok(Role::Key) => Expect::Key,
                Ok(Role::Value) => Expect::Value,
                Err(_) => Expect::Complete,
            },
        }
    }

    /// Number of open frames (the root counts as one).
    pub fn depth(&self) -> usize {
        self.frames.len()
    }

    /// Keys already finished in the innermost map, if any.
    pub fn current_map_keys(&self) -> Option<&KeySet> {
        self.frames.iter().rev().find_map(|f| match f {
            Frame::Map(m) => Some(&m.keys),
            _ => None,
        })
    }

    /// The exact set of total lengths of conforming documents that start
    /// with the bytes fed so far.
    pub fn lengths(&self) -> LengthSet {
        self.completion().shift(self.pos as u128)
    }

    /// The exact set of numbers of bytes that can still follow.
    pub fn completion(&self) -> LengthSet {
        if self.dead_at.is_some() {
            return LengthSet::empty();
        }
        let n = self.frames.len();
        let top = &self.frames[n - 1];
        let mut set = match (&self.partial, top) {
            (None, Frame::Root { done: false }) => self.fresh_container(Kind::Map, Role::Root),
            (None, Frame::Root { done: true }) => LengthSet::single(0),
            (None, Frame::Map(m)) if !m.awaiting_value => self
                .entries(m, m.left, None)
                .map_or_else(LengthSet::empty, LengthSet::at_least),
            (None, frame) => LengthSet::at_least(1).plus(&self.rest_after_value(frame)),
            (Some(p), Frame::Map(m)) if !m.awaiting_value => self.key_completion(m, p),
            (Some(p), frame) => self.value_completion(p).plus(&self.rest_after_value(frame)),
        };
        // Every enclosing container has a value in progress (the one above it).
        for frame in self.frames[..n - 1].iter().rev() {
            if set.is_empty() {
                break;
            }
            set = set.plus(&self.rest_after_value(frame));
        }
        set
    }

    /// When a new value is expected: the set of total lengths if that value
    /// took no bytes at all (so a value of `s` bytes gives this set shifted
    /// by `s`). The rest of a document never depends on a value's content.
    pub fn lengths_after_next_value(&self) -> Option<LengthSet> {
        if self.expect() != Expect::Value {
            return None;
        }
        let mut set = LengthSet::single(0);
        for frame in self.frames.iter().rev() {
            set = set.plus(&self.rest_after_value(frame));
        }
        Some(set.shift(self.pos as u128))
    }

    /// What `frame` still needs after its value in progress finishes:
    /// exactly nothing, or (when entries or elements remain) any length
    /// from the cheapest way to write them upwards.
    fn rest_after_value(&self, frame: &Frame) -> LengthSet {
        let min = match frame {
            Frame::Root { .. } => Some(0),
            Frame::Array { left } => Some((left - 1) as u128),
            Frame::Map(m) => self.entries(m, m.left - 1, None),
        };
        match min {
            None => LengthSet::empty(),
            Some(0) => LengthSet::single(0),
            Some(r) => LengthSet::at_least(r),
        }
    }

    /// Smallest number of bytes for `entries` whole map entries with keys
    /// not among `m`'s finished keys (nor one more key of length `extra`).
    fn entries(&self, m: &MapFrame, entries: u64, extra: Option<u64>) -> Option<u128> {
        let keys = self.keys.cheapest_keys_size(self.profile, entries, &m.taken(extra))?;
        Some(keys + entries as u128)
    }

    /// Lengths of a whole container value whose marker is still to come.
    fn fresh_container(&self, kind: Kind, role: Role) -> LengthSet {
        let mut set = LengthSet::empty();
        for width in Width::ALL {
            // A fresh header: the profile's whole range for this width.
            if let Some(range) = self.profile.len_range(kind, width) {
                debug_assert!(role != Role::Key, "keys are not containers");
                let header = width.header_size() as u128;
                set = set.union(&self.container_body(kind, *range.start(), *range.end()).shift(header));
            }
        }
        set
    }

    /// Lengths of a container's body when its count lies in `lo..=hi`.
    /// Every body cost grows with the count, so the union is the empty
    /// body (count 0) plus a ray from the smallest non-zero count.
    fn container_body(&self, kind: Kind, lo: u64, hi: u64) -> LengthSet {
        let mut set = if lo == 0 {
            LengthSet::single(0)
        } else {
            LengthSet::empty()
        };
        if hi >= 1 {
            let n = lo.max(1);
            let min = match kind {
                Kind::Array => Some(n as u128),
                Kind::Map => self
                    .keys
                    .cheapest_keys_size(self.profile, n, &[])
                    .map(|k| k + n as u128),
                Kind::Str | Kind::Bin => unreachable!("not a container"),
            };
            if let Some(min) = min {
                set = set.union(&LengthSet::at_least(min));
            }
        }
        set
    }

    /// Bytes to finish a half-read value token, including any container
    /// body its header opens.
    fn value_completion(&self, p: &Partial) -> LengthSet {
        match *p {
            Partial::Header {
                kind,
                width,
                role,
                got,
                acc,
            } => {
                let rest = (width.length_bytes() - got) as u128;
                let Some((lo, hi)) = self.header_range(kind, width, role, got, acc) else {
                    return LengthSet::empty();
                };
                match kind {
                    Kind::Str | Kind::Bin => LengthSet::range(lo as u128, hi as u128).shift(rest),
                    Kind::Array | Kind::Map => self.container_body(kind, lo, hi).shift(rest),
                }
            }
            Partial::Int { format, got, acc } => match int_candidates(self.profile, format, got, acc) {
                Some(_) => LengthSet::single((format.payload_bytes() - got) as u128),
                None => LengthSet::empty(),
            },
            Partial::Fixed { left } => LengthSet::single(left as u128),
            Partial::Body { total, got, utf8, .. } => {
                let left = total - got;
                if utf8.pending() as u64 <= left {
                    LengthSet::single(left as u128)
                } else {
                    LengthSet::empty()
                }
            }
        }
    }

    /// Bytes to finish a half-read key, its value and the rest of its map.
    /// The key must end up distinct from the map's finished keys, and it
    /// occupies one key of its length that the remaining entries cannot use.
    fn key_completion(&self, m: &MapFrame, p: &Partial) -> LengthSet {
        let others = m.left - 1;
        let min_for = |len: u64, key_left: u64| -> Option<u128> {
            let rest = self.entries(m, others, Some(len))?;
            Some(key_left as u128 + 1 + rest)
        };
        let min = match p {
            Partial::Header { width, got, acc, .. } => {
                let Some((lo, hi)) = self.header_range(Kind::Str, *width, Role::Key, *got, *acc) else {
                    return LengthSet::empty();
                };
                let rest = (width.length_bytes() - got) as u64;
                // Cost is non-decreasing in the key length, so the smallest
                // length that still has a free key wins. Finished keys can
                // exhaust at most |keys| lengths, so this loop is short.
                let mut len = lo;
                loop {
                    let taken = m.taken_of_len(len) as u128;
                    if self.keys.keys_of_len(len) > taken {
                        break min_for(len, rest + len);
                    }
                    if len == hi || self.keys.keys_of_len(len) == 0 {
                        break None;
                    }
                    len += 1;
                }
            }
            Partial::Body { total, got, key, .. } => {
                let clashes = m
                    .keys
                    .iter()
                    .filter(|k| k.len() as u64 == *total && k.starts_with(key))
                    .count() as u128;
                if self.keys.completions(*total, *got) > clashes {
                    min_for(*total, total - got)
                } else {
                    None
                }
            }
            _ => unreachable!("only str headers and bodies are keys"),
        };
        min.map_or_else(LengthSet::empty, LengthSet::at_least)
    }

    /// A short description of the state: what has been read and what the
    /// rest of any document must contain.
    pub fn summary(&self) -> String {
        if let Some(d) = self.dead() {
            return format!("impossible at byte {}: {}", d.offset, d.reason);
        }
        let mut parts: Vec<String> = Vec::new();
        for frame in &self.frames {
            match frame {
                Frame::Root { done: true } => parts.push("document complete".into()),
                Frame::Root { done: false } => {}
                Frame::Array { left } => parts.push(format!("array with {left} elements to finish")),
                Frame::Map(m) => {
                    let mut keys: Vec<String> = m
                        .keys
                        .iter()
                        .map(|k| format!("{:?}", String::from_utf8_lossy(k)))
                        .collect();
                    keys.sort();
                    let mut s = format!("map with {} entries to finish", m.left);
                    if !keys.is_empty() {
                        let _ = write!(s, " (keys so far {})", keys.join(","));
                    }
                    if m.awaiting_value {
                        s.push_str(", value of current entry next");
                    }
                    parts.push(s);
                }
            }
        }
        if let Some(p) = &self.partial {
            parts.push(match p {
                Partial::Header {
                    kind,
                    width,
                    role,
                    got,
                    acc,
                } => {
                    let range = self
                        .header_range(*kind, *width, *role, *got, *acc)
                        .map_or("none".to_string(), |(lo, hi)| format!("[{lo}, {hi}]"));
                    format!(
                        "{} {kind:?} {width:?} header, {got}/{} length bytes read, length in {range}",
                        role_name(*role),
                        width.length_bytes()
                    )
                }
                Partial::Int { format, got, .. } => {
                    format!("{format:?} payload, {got}/{} bytes read", format.payload_bytes())
                }
                Partial::Fixed { left } => format!("float payload, {left} bytes to go"),
                Partial::Body {
                    kind,
                    role,
                    total,
                    got,
                    key,
                    ..
                } => {
                    if *role == Role::Key {
                        format!(
                            "key of length {total} starting {:?}, {} bytes to go",
                            String::from_utf8_lossy(key),
                            total - got
                        )
                    } else {
                        format!("{kind:?} value body, {} of {total} bytes to go", total - got)
                    }
                }
            });
        }
        parts.join("; ")
    }
}

/// Whether some complete payload of `format` that begins with the `got`
/// bytes in `acc` is a value `profile` writes with that format.
fn int_candidates(profile: Profile, format: IntFormat, got: u8, acc: u64) -> Option<()> {
    let width_bits = 8 * format.payload_bytes() as u32;
    let rem_bits = 8 * (format.payload_bytes() - got) as u32;
    // Unsigned payloads that start with these bytes.
    let lo = (acc as u128) << rem_bits;
    let hi = lo | ((1u128 << rem_bits) - 1);
    let allowed = profile.int_range(format);
    // The allowed values, as unsigned payload ranges (two's complement).
    let modulus = 1i128 << width_bits;
    let as_payload = |a: i128, b: i128| -> (u128, u128) {
        if a < 0 {
            ((a + modulus) as u128, (b + modulus) as u128)
        } else {
            (a as u128, b as u128)
        }
    };
    let (a, b) = (*allowed.start(), *allowed.end());
    let pieces = if a < 0 && b >= 0 {
        vec![as_payload(a, -1), as_payload(0, b)]
    } else {
        vec![as_payload(a, b)]
    };
    pieces
        .into_iter()
        .any(|(pa, pb)| pa.max(lo) <= pb.min(hi))
        .then_some(())
}

/// The integer a complete payload stands for.
fn int_value(format: IntFormat, payload: u64) -> i128 {
    let bits = 8 * format.payload_bytes() as u32;
    if format.is_signed() && bits > 0 && payload >> (bits - 1) == 1 {
        payload as i128 - (1i128 << bits)
    } else {
        payload as i128
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Root => "top-level map",
        Role::Key => "key",
        Role::Value => "value",
    }
}

/// The msgpack name of a marker byte.
pub fn marker_name(b: u8) -> String {
    match Marker::from_u8(b) {
        Marker::FixPos(v) => format!("positive fixint {v}"),
        Marker::FixNeg(v) => format!("negative fixint {v}"),
        Marker::FixMap(n) => format!("fixmap({n})"),
        Marker::FixArray(n) => format!("fixarray({n})"),
        Marker::FixStr(n) => format!("fixstr({n})"),
        Marker::Null => "nil".into(),
        Marker::True => "true".into(),
        Marker::False => "false".into(),
        Marker::Reserved => "reserved marker 0xc1".into(),
        m => {
            let name = format!("{m:?}").to_lowercase();
            format!("{name} ({b:#04x})")
        }
    }
}

/// The oracle's full answer for one prefix.
#[derive(Clone, Debug)]
pub struct Answer {
    /// Total lengths of conforming documents starting with the prefix.
    pub lengths: LengthSet,
    /// What each byte of the prefix means.
    pub steps: Vec<String>,
    /// The state after the prefix, in one line.
    pub summary: String,
}

/// Ask the oracle about `prefix`.
pub fn answer(profile: Profile, keys: KeySpec, prefix: &[u8]) -> Answer {
    let mut p = Parser::traced(profile, keys);
    let _ = p.feed(prefix);
    Answer {
        lengths: p.lengths(),
        summary: p.summary(),
        steps: p.steps().to_vec(),
    }
}

/// Just the length set for `prefix`.
pub fn lengths(profile: Profile, keys: KeySpec, prefix: &[u8]) -> LengthSet {
    let mut p = Parser::new(profile, keys);
    let _ = p.feed(prefix);
    p.lengths()
}
