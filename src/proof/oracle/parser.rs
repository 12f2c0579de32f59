//! The grammar: feeding bytes to the partial parser.
//!
//! The state is a stack of open containers plus at most one half-read
//! token. Each byte either advances the state or kills the parse; what
//! the byte meant (or why it killed the parse) goes to the parser's
//! [`Recorder`], and costs nothing when the recorder is [`Silent`].

use ahash::RandomState;

use crate::msgpack::marker::{IntFormat, Kind, Marker, MarkerName, Width};
use crate::msgpack::profile::Place;
use crate::msgpack::utf8::Utf8State;
use crate::msgpack::{KeySpec, Profile};

use super::explain::{Recorder, Silent};
use super::KeySet;

/// An open container.
#[derive(Clone, Debug)]
pub(super) enum Frame {
    /// The whole document: its one value is the top-level map.
    Root {
        done: bool,
    },
    Map(MapFrame),
    Array {
        left: u64,
    },
}

#[derive(Clone, Debug)]
pub(super) struct MapFrame {
    /// Entries not yet finished, including the one in progress.
    pub(super) left: u64,
    /// The entry in progress has its key and awaits its value.
    pub(super) awaiting_value: bool,
    /// Keys of finished entries.
    pub(super) keys: KeySet,
    /// How many finished keys each key length has, kept alongside `keys`
    /// so cost queries stay independent of the map's size.
    pub(super) lens: Vec<(u64, u64)>,
}

impl MapFrame {
    /// Finished keys summarised as (length, count), plus `extra` lengths.
    pub(super) fn taken(&self, extra: Option<u64>) -> Vec<(u64, u64)> {
        let mut taken = self.lens.clone();
        if let Some(len) = extra {
            add_len(&mut taken, len);
        }
        taken
    }

    /// Finished keys of length `len`.
    pub(super) fn taken_of_len(&self, len: u64) -> u64 {
        self.lens.iter().find(|(l, _)| *l == len).map_or(0, |e| e.1)
    }
}

fn add_len(lens: &mut Vec<(u64, u64)>, len: u64) {
    match lens.iter_mut().find(|(l, _)| *l == len) {
        Some(entry) => entry.1 += 1,
        None => lens.push((len, 1)),
    }
}

/// A token of which only part has been read: part of a key, or part of
/// a value. Each case carries what that case needs and nothing else.
#[derive(Clone, Debug)]
pub(super) enum Token {
    Key(KeyToken),
    Value(ValueToken),
}

/// Part of a map key.
#[derive(Clone, Debug)]
pub(super) enum KeyToken {
    /// Length bytes of the key's str header: `got` read into `acc`.
    Header { width: Width, got: u8, acc: u64 },
    /// The key's body of `total` bytes, `key` read so far.
    Body { total: u64, key: Vec<u8> },
}

/// Part of a value (the top-level map included).
#[derive(Clone, Debug)]
pub(super) enum ValueToken {
    /// Length bytes of the top-level map's header: `got` read into `acc`.
    RootHeader { width: Width, got: u8, acc: u64 },
    /// Length bytes of a value's header (str, bin, array, map, ext).
    Header {
        kind: Kind,
        width: Width,
        got: u8,
        acc: u64,
    },
    /// An integer's payload: `got` bytes read into `acc`.
    IntPayload { format: IntFormat, got: u8, acc: u64 },
    /// A float's payload: `left` bytes of anything to go.
    Float { left: u8 },
    /// A str value's body: `got` of `total` bytes read, valid UTF-8 so far.
    Text { total: u64, got: u64, utf8: Utf8State },
    /// A body of any bytes (bin, ext's type and data, a raw str): `got` of
    /// `total` read.
    Bytes { total: u64, got: u64 },
}

/// Where a value stands, which decides the markers it may start with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    /// The top-level value, which must be a map.
    Root,
    /// A map key.
    Key,
    /// Any other value.
    Value,
}

impl Role {
    /// Where a header in this role stands, for the profile's rules.
    pub(super) fn place(self) -> Place {
        match self {
            Role::Root => Place::Root,
            Role::Key | Role::Value => Place::Nested,
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Role::Root => "top-level map",
            Role::Key => "key",
            Role::Value => "value",
        }
    }
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

/// Everything the parser knows about the bytes fed so far (the recorder
/// aside): what the completion arithmetic and the explanation read.
#[derive(Clone, Debug)]
pub(super) struct State {
    pub(super) profile: Profile,
    pub(super) keys: KeySpec,
    pub(super) frames: Vec<Frame>,
    pub(super) token: Option<Token>,
    /// Bytes consumed so far.
    pub(super) pos: u64,
    pub(super) dead: bool,
    /// One hasher for every map's key set: seeding a fresh one per map
    /// would cost the sweeps more than the parse itself.
    hasher: RandomState,
}

impl State {
    /// The lengths a key header of `width` may still announce: the
    /// profile's range, narrowed to allowed key lengths.
    pub(super) fn key_header_range(&self, width: Width, got: u8, acc: u64) -> Option<(u64, u64)> {
        let (lo, hi) = self.profile.header_range(Place::Nested, Kind::Str, width, got, acc)?;
        let (lo, hi) = (lo.max(self.keys.min_len), hi.min(self.keys.max_len));
        (lo <= hi).then_some((lo, hi))
    }

    /// The role of the next value, or `None` after a complete document.
    pub(super) fn role(&self) -> Option<Role> {
        match self.frames.last()? {
            Frame::Root { done: false } => Some(Role::Root),
            Frame::Root { done: true } => None,
            Frame::Map(m) if !m.awaiting_value => Some(Role::Key),
            _ => Some(Role::Value),
        }
    }
}

/// A failed parse step; the recorder has been told why.
struct Died;

type Step = Result<(), Died>;

/// An incremental partial parser for one profile and key specification.
///
/// `R` decides what is recorded along the way: [`Silent`] (the default,
/// for sweeps and witness building) records nothing and costs nothing;
/// [`super::Trace`] records what every byte means and why a parse died.
#[derive(Clone, Debug)]
pub struct Parser<R = Silent> {
    pub(super) state: State,
    pub(super) rec: R,
}

impl Parser<Silent> {
    pub fn new(profile: Profile, keys: KeySpec) -> Self {
        Parser::with_recorder(profile, keys, Silent)
    }
}

impl<R: Recorder> Parser<R> {
    pub fn with_recorder(profile: Profile, keys: KeySpec, rec: R) -> Self {
        Parser {
            state: State {
                profile,
                keys,
                frames: vec![Frame::Root { done: false }],
                token: None,
                pos: 0,
                dead: false,
                hasher: RandomState::new(),
            },
            rec,
        }
    }

    /// Return to the empty prefix, keeping allocations (for sweeps).
    pub fn reset(&mut self) {
        let s = &mut self.state;
        // Most sweep prefixes die on their first byte, leaving only the
        // root frame: reuse it rather than rebuilding the stack.
        match s.frames.as_mut_slice() {
            [Frame::Root { done }] => *done = false,
            _ => {
                s.frames.clear();
                s.frames.push(Frame::Root { done: false });
            }
        }
        s.token = None;
        s.pos = 0;
        s.dead = false;
        self.rec.reset();
    }

    /// Feed bytes; `false` once the parse is dead (it stops at the byte
    /// that killed it, and ignores everything after).
    pub fn feed(&mut self, bytes: &[u8]) -> bool {
        for &b in bytes {
            if self.state.dead {
                return false;
            }
            let result = match self.state.token.take() {
                Some(t) => self.continue_token(t, b),
                None => self.marker(b),
            };
            self.state.pos += 1;
            if result.is_err() {
                self.state.dead = true;
                return false;
            }
        }
        !self.state.dead
    }

    /// Record what the byte at the current position means.
    fn note(&mut self, what: impl FnOnce() -> String) {
        self.rec.step(self.state.pos, what);
    }

    /// Kill the parse at byte `b` (the current position) for `why`.
    fn fail(&mut self, b: u8, why: impl FnOnce() -> String) -> Step {
        self.rec.death(self.state.pos, b, why);
        Err(Died)
    }

    fn marker(&mut self, b: u8) -> Step {
        let Some(role) = self.state.role() else {
            return self.fail(b, || "trailing byte after a complete document".to_string());
        };
        let m = Marker::of(b);
        match (role, m) {
            (Role::Root, Marker::Header { kind: Kind::Map, .. }) => {}
            (Role::Root, _) => {
                return self.fail(b, || format!("the top level must be a map, found {}", MarkerName(b)));
            }
            (Role::Key, Marker::Header { kind: Kind::Str, .. }) => {}
            (Role::Key, _) => return self.fail(b, || format!("a map key must be a str, found {}", MarkerName(b))),
            (Role::Value, _) => {}
        }
        match m {
            Marker::Nil | Marker::True | Marker::False => {
                self.note(|| format!("{b:#04x} {}", MarkerName(b)));
                self.value_done();
                Ok(())
            }
            Marker::FixInt(format, v) => self.int_done(format, v as i128, b),
            Marker::Int(format) => {
                self.note(|| format!("{b:#04x} {}", MarkerName(b)));
                self.state.token = Some(Token::Value(ValueToken::IntPayload { format, got: 0, acc: 0 }));
                Ok(())
            }
            Marker::Float { payload } => {
                self.note(|| format!("{b:#04x} {}, {payload} payload bytes", MarkerName(b)));
                self.state.token = Some(Token::Value(ValueToken::Float { left: payload }));
                Ok(())
            }
            Marker::Header {
                kind,
                width: Width::Fix,
                fixed,
            } => self.header_done(kind, Width::Fix, role, fixed as u64, b),
            Marker::Header { kind, width, .. } => self.header_start(kind, width, role, b),
            Marker::Reserved => self.fail(b, || format!("{} is never written", MarkerName(b))),
        }
    }

    /// The lengths a header may still announce once `got` of its length
    /// bytes are `acc`, for its role.
    fn header_range(&self, kind: Kind, width: Width, role: Role, got: u8, acc: u64) -> Option<(u64, u64)> {
        match role {
            Role::Key => self.state.key_header_range(width, got, acc),
            Role::Root | Role::Value => self.state.profile.header_range(role.place(), kind, width, got, acc),
        }
    }

    fn header_start(&mut self, kind: Kind, width: Width, role: Role, b: u8) -> Step {
        let Some((lo, hi)) = self.header_range(kind, width, role, 0, 0) else {
            let profile = self.state.profile;
            return self.fail(b, || {
                format!(
                    "{} {} is never written by profile {profile}",
                    role.name(),
                    MarkerName(b)
                )
            });
        };
        self.note(|| format!("{b:#04x} {} {}, length in [{lo}, {hi}]", role.name(), MarkerName(b)));
        self.state.token = Some(header_token(kind, width, role, 0, 0));
        Ok(())
    }

    /// A header is complete: it announces `n`. `b` is its last byte (the
    /// marker itself for fix headers).
    fn header_done(&mut self, kind: Kind, width: Width, role: Role, n: u64, b: u8) -> Step {
        let what = move || {
            if width == Width::Fix {
                MarkerName(b).to_string()
            } else {
                format!("{kind:?} {width:?} header")
            }
        };
        let profile = self.state.profile;
        if !profile.allows(role.place(), kind, width, n) {
            return self.fail(b, || {
                format!("profile {profile} does not write {} for length {n}", what())
            });
        }
        match kind {
            Kind::Str | Kind::Bin => {
                if role == Role::Key && !self.state.keys.allows_len(n) {
                    let (min, max) = (self.state.keys.min_len, self.state.keys.max_len);
                    return self.fail(b, || format!("key length {n} outside {min}..={max}"));
                }
                self.note(|| format!("{}: {} of length {n}", what(), role.name()));
                match (role, kind) {
                    (Role::Key, _) if n == 0 => return self.key_done(Vec::new(), b),
                    (Role::Key, _) => {
                        self.state.token = Some(Token::Key(KeyToken::Body {
                            total: n,
                            key: Vec::new(),
                        }))
                    }
                    _ if n == 0 => self.value_body_done(0),
                    (_, Kind::Str) if !profile.raw_str_values() => {
                        self.state.token = Some(Token::Value(ValueToken::Text {
                            total: n,
                            got: 0,
                            utf8: Utf8State::default(),
                        }))
                    }
                    _ => self.state.token = Some(Token::Value(ValueToken::Bytes { total: n, got: 0 })),
                }
                Ok(())
            }
            Kind::Array => {
                self.note(|| format!("{}: array of {n} elements", what()));
                if n == 0 {
                    self.value_done();
                } else {
                    self.state.frames.push(Frame::Array { left: n });
                }
                Ok(())
            }
            Kind::Map => {
                self.note(|| format!("{}: map of {n} entries", what()));
                if n == 0 {
                    self.value_done();
                } else {
                    let keys = KeySet::with_hasher(self.state.hasher.clone());
                    self.state.frames.push(Frame::Map(MapFrame {
                        left: n,
                        awaiting_value: false,
                        keys,
                        lens: Vec::new(),
                    }));
                }
                Ok(())
            }
            Kind::Ext => {
                // The body is the type byte, then `n` bytes of data.
                self.note(|| format!("{}: ext of {n} data bytes after its type byte", what()));
                self.state.token = Some(Token::Value(ValueToken::Bytes { total: n + 1, got: 0 }));
                Ok(())
            }
        }
    }

    fn int_done(&mut self, format: IntFormat, v: i128, b: u8) -> Step {
        let profile = self.state.profile;
        if !profile.allows_int(format, v) {
            return self.fail(b, || {
                format!("profile {profile} does not write {v} as {}", MarkerName(b))
            });
        }
        self.note(|| format!("{b:#04x} {} = {v}", MarkerName(b)));
        self.value_done();
        Ok(())
    }

    fn continue_token(&mut self, t: Token, b: u8) -> Step {
        match t {
            Token::Value(ValueToken::RootHeader { width, got, acc }) => {
                self.header_byte(Kind::Map, width, Role::Root, got, acc, b)
            }
            Token::Key(KeyToken::Header { width, got, acc }) => {
                self.header_byte(Kind::Str, width, Role::Key, got, acc, b)
            }
            Token::Value(ValueToken::Header { kind, width, got, acc }) => {
                self.header_byte(kind, width, Role::Value, got, acc, b)
            }
            Token::Value(ValueToken::IntPayload { format, got, acc }) => {
                let (got, acc) = (got + 1, (acc << 8) | b as u64);
                let profile = self.state.profile;
                if !profile.int_payload_possible(format, got, acc) {
                    return self.fail(b, || {
                        format!("profile {profile} writes no {format:?} payload starting this way")
                    });
                }
                if got == format.payload_bytes() {
                    let v = format.value_of(acc);
                    self.note(|| format!("payload complete, {format:?} = {v}"));
                    self.value_done();
                } else {
                    self.state.token = Some(Token::Value(ValueToken::IntPayload { format, got, acc }));
                }
                Ok(())
            }
            Token::Value(ValueToken::Float { left }) => {
                if left == 1 {
                    self.note(|| "float payload complete".to_string());
                    self.value_done();
                } else {
                    self.state.token = Some(Token::Value(ValueToken::Float { left: left - 1 }));
                }
                Ok(())
            }
            Token::Key(KeyToken::Body { total, mut key }) => {
                let got = key.len() as u64;
                if !self.state.keys.allows_byte(got, b) {
                    return self.fail(b, || format!("{b:#04x} is not allowed at position {got} of a key"));
                }
                key.push(b);
                if got + 1 == total {
                    return self.key_done(key, b);
                }
                self.state.token = Some(Token::Key(KeyToken::Body { total, key }));
                Ok(())
            }
            Token::Value(ValueToken::Text { total, got, mut utf8 }) => {
                if !utf8.feed(b) {
                    return self.fail(b, || "str value is not valid UTF-8".to_string());
                }
                if utf8.pending() as u64 > total - got - 1 {
                    return self.fail(b, || "str value ends inside a UTF-8 sequence".to_string());
                }
                if got + 1 == total {
                    self.value_body_done(total);
                } else {
                    self.state.token = Some(Token::Value(ValueToken::Text {
                        total,
                        got: got + 1,
                        utf8,
                    }));
                }
                Ok(())
            }
            Token::Value(ValueToken::Bytes { total, got }) => {
                if got + 1 == total {
                    self.value_body_done(total);
                } else {
                    self.state.token = Some(Token::Value(ValueToken::Bytes { total, got: got + 1 }));
                }
                Ok(())
            }
        }
    }

    /// One more length byte of a header.
    fn header_byte(&mut self, kind: Kind, width: Width, role: Role, got: u8, acc: u64, b: u8) -> Step {
        let (got, acc) = (got + 1, (acc << 8) | b as u64);
        if got == width.length_bytes() {
            return self.header_done(kind, width, role, acc, b);
        }
        match self.header_range(kind, width, role, got, acc) {
            Some((lo, hi)) => {
                self.note(|| format!("{b:#04x} length byte, length now in [{lo}, {hi}]"));
                self.state.token = Some(header_token(kind, width, role, got, acc));
                Ok(())
            }
            None => self.fail(b, || {
                format!("no {} length allowed here starts with these header bytes", role.name())
            }),
        }
    }

    /// A str or bin value's body of `total` bytes is complete.
    fn value_body_done(&mut self, total: u64) {
        self.note(|| format!("end of {total}-byte body"));
        self.value_done();
    }

    /// A key is complete: it must differ from its map's finished keys.
    fn key_done(&mut self, key: Vec<u8>, b: u8) -> Step {
        let duplicate = match self.state.frames.last() {
            Some(Frame::Map(m)) => m.keys.contains(key.as_slice()),
            _ => return self.fail(b, || "a key outside a map".to_string()),
        };
        if duplicate {
            return self.fail(b, || format!("duplicate key {:?}", String::from_utf8_lossy(&key)));
        }
        self.note(|| format!("key {:?} complete", String::from_utf8_lossy(&key)));
        if let Some(Frame::Map(m)) = self.state.frames.last_mut() {
            add_len(&mut m.lens, key.len() as u64);
            m.awaiting_value = true;
            m.keys.insert(key.into_boxed_slice());
        }
        Ok(())
    }

    /// A value finished: pop every container it completes.
    fn value_done(&mut self) {
        let frames = &mut self.state.frames;
        loop {
            match frames.last_mut() {
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
            frames.pop();
        }
    }

    /// Whether the bytes fed form a whole conforming document.
    pub fn is_complete(&self) -> bool {
        let s = &self.state;
        !s.dead && s.token.is_none() && matches!(s.frames.last(), Some(Frame::Root { done: true }))
    }

    /// What must come next.
    pub fn expect(&self) -> Expect {
        let s = &self.state;
        if s.dead {
            return Expect::Dead;
        }
        match &s.token {
            Some(Token::Key(KeyToken::Body { total, key })) => Expect::KeyBody {
                left: total - key.len() as u64,
                got: key.len() as u64,
            },
            Some(Token::Value(ValueToken::Text { total, got, utf8 })) => Expect::ValueBody {
                left: total - got,
                utf8_pending: utf8.pending(),
            },
            Some(Token::Value(ValueToken::Bytes { total, got })) => Expect::ValueBody {
                left: total - got,
                utf8_pending: 0,
            },
            Some(_) => Expect::HeaderOrScalar,
            None => match s.role() {
                Some(Role::Root) => Expect::RootMarker,
                Some(Role::Key) => Expect::Key,
                Some(Role::Value) => Expect::Value,
                None => Expect::Complete,
            },
        }
    }

    /// Number of open frames (the root counts as one).
    pub fn depth(&self) -> usize {
        self.state.frames.len()
    }

    /// Keys already finished in the innermost map, if any.
    pub fn current_map_keys(&self) -> Option<&KeySet> {
        self.state.frames.iter().rev().find_map(|f| match f {
            Frame::Map(m) => Some(&m.keys),
            _ => None,
        })
    }
}

/// The token for a header's length bytes in `role`.
fn header_token(kind: Kind, width: Width, role: Role, got: u8, acc: u64) -> Token {
    match role {
        Role::Root => Token::Value(ValueToken::RootHeader { width, got, acc }),
        Role::Key => Token::Key(KeyToken::Header { width, got, acc }),
        Role::Value => Token::Value(ValueToken::Header { kind, width, got, acc }),
    }
}
