//! The grammar: feeding bytes to the partial parser.
//!
//! The state is a stack of open containers plus at most one half-read
//! token. Each byte either advances the state or kills the parse; what the
//! byte meant (or why it killed the parse) goes to the parser's
//! [`Recorder`] as a [`Note`] or [`Why`], and costs nothing when the
//! recorder is [`Silent`].

use std::borrow::Cow;

use ahash::RandomState;

use crate::msgpack::lang::{KeyLang, State as LangState};
use crate::msgpack::marker::{push_be_byte, IntFormat, Kind, Marker, Width};
use crate::msgpack::profile::Place;
use crate::msgpack::utf8::Utf8State;
use crate::msgpack::{KeySpec, Profile};

use super::explain::{Note, Recorder, Silent, Why};
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
    /// The top-level map (whose first key may have a language of its own).
    pub(super) root: bool,
    /// Entries not yet finished, including the one in progress.
    pub(super) left: u64,
    /// The entry in progress has its key and awaits its value.
    pub(super) awaiting_value: bool,
    /// Keys of finished entries.
    pub(super) keys: KeySet,
    /// How many finished keys of the key language (see [`KeySpec::keys`])
    /// each key length has, kept alongside `keys` so cost queries stay
    /// independent of the map's size. A top-level first key outside that
    /// language takes none of its keys, so it is not counted.
    pub(super) lens: Vec<(u64, u64)>,
}

impl MapFrame {
    /// Finished keys summarised as (length, count), plus `extra` lengths.
    pub(super) fn taken(&self, extra: Option<u64>) -> Cow<'_, [(u64, u64)]> {
        match extra {
            None => Cow::Borrowed(&self.lens),
            Some(len) => {
                let mut taken = self.lens.clone();
                add_len(&mut taken, len);
                Cow::Owned(taken)
            }
        }
    }

    /// Finished keys of length `len`.
    pub(super) fn taken_of_len(&self, len: u64) -> u64 {
        self.lens.iter().find(|(l, _)| *l == len).map_or(0, |e| e.1)
    }

    /// Whether the next key is the top-level map's first.
    pub(super) fn first_key_next(&self) -> bool {
        self.root && self.keys.is_empty()
    }
}

/// Cleared map frames kept for reuse, so that opening a map costs no
/// allocation once the parser has seen one as large (a sweep opens and
/// closes hundreds of millions of small maps). A clone starts without any:
/// searches clone the parser at every branch, and copying spare frames
/// would only cost them time.
#[derive(Debug, Default)]
struct SpareMaps(Vec<MapFrame>);

impl Clone for SpareMaps {
    fn clone(&self) -> Self {
        SpareMaps::default()
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
    /// The key's body of `total` bytes, [`State::key`] read so far,
    /// leaving the key language's automaton in `state`.
    Body {
        total: u64,
        state: LangState,
        /// For a top-level first key of its own language: where `key`
        /// leaves the first keys outside the other keys' language and
        /// those inside it (`None`: no such key starts so).
        split: Option<(Option<LangState>, Option<LangState>)>,
    },
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
    Bytes { kind: Kind, total: u64, got: u64 },
}

/// Where a value stands, which decides the markers it may start with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
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
    /// A new key of the innermost map (`first`: the top-level map's first
    /// key, which may have a language of its own).
    Key { first: bool },
    /// A new value.
    Value,
    /// More bytes of a header or scalar payload.
    HeaderOrScalar,
    /// More bytes of a key's body ([`Parser::key_in_progress`] says which).
    KeyBody,
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
    /// The bytes of the key being read, if [`KeyToken::Body`] is the token
    /// (one buffer for every key, so reading one allocates nothing).
    pub(super) key: Vec<u8>,
    /// Bytes consumed so far.
    pub(super) pos: u64,
    pub(super) dead: bool,
    /// One hasher for every map's key set: seeding a fresh one per map
    /// would cost the sweeps more than the parse itself.
    hasher: RandomState,
    spare_maps: SpareMaps,
}

impl State {
    /// The language of the key in progress in the innermost map: the
    /// top-level first key's own, or everyone's.
    pub(super) fn key_lang(&self, first: bool) -> &KeyLang {
        if first {
            self.keys.first_keys()
        } else {
            self.keys.keys()
        }
    }

    /// Whether the next key of the innermost map is the top-level first.
    pub(super) fn first_key_next(&self) -> bool {
        matches!(self.frames.last(), Some(Frame::Map(m)) if m.first_key_next())
    }

    /// The lengths a key header of `width` may still announce: the
    /// profile's range for strs of that width, from the shortest length
    /// some key has to the longest allowed; `None` if no key length is
    /// left.
    pub(super) fn key_header_range(&self, width: Width, got: u8, acc: u64) -> Option<(u64, u64)> {
        let (lo, hi) = self.profile.header_range(Place::Nested, Kind::Str, width, got, acc)?;
        let lang = self.key_lang(self.first_key_next());
        let lo = lang.next_completion_len(lang.start(), 0, lo)?;
        let hi = hi.min(lang.max_len());
        (lo <= hi).then_some((lo, hi))
    }

    /// A new map of `n` entries, from a spare frame if there is one.
    fn open_map(&mut self, root: bool, n: u64) -> MapFrame {
        match self.spare_maps.0.pop() {
            Some(mut m) => {
                m.root = root;
                m.left = n;
                m.awaiting_value = false;
                m
            }
            None => MapFrame {
                root,
                left: n,
                awaiting_value: false,
                keys: KeySet::with_hasher(self.hasher.clone()),
                lens: Vec::new(),
            },
        }
    }

    /// Keep a closed map's frame (cleared) for the next map.
    fn spare(&mut self, frame: Frame) {
        if let Frame::Map(mut m) = frame {
            m.keys.clear();
            m.lens.clear();
            self.spare_maps.0.push(m);
        }
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
                key: Vec::new(),
                pos: 0,
                dead: false,
                hasher: RandomState::new(),
                spare_maps: SpareMaps::default(),
            },
            rec,
        }
    }

    /// What has been recorded so far.
    pub fn recorder(&self) -> &R {
        &self.rec
    }

    /// Return to the empty prefix, keeping allocations (for sweeps).
    pub fn reset(&mut self) {
        let s = &mut self.state;
        // Most sweep prefixes die on their first byte, leaving only the
        // root frame: reuse it rather than rebuilding the stack.
        match s.frames.as_mut_slice() {
            [Frame::Root { done }] => *done = false,
            _ => {
                while let Some(frame) = s.frames.pop() {
                    s.spare(frame);
                }
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
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            if self.state.dead {
                return false;
            }
            let run = self.body_run(&bytes[i..]);
            if run > 0 {
                i += run;
                self.state.pos += run as u64;
                continue;
            }
            i += 1;
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

    /// How many of `bytes` are the middle of a value's body and can be
    /// taken at once: any bytes of a bin, ext or raw str, or ASCII in a
    /// str with no character pending, but never the body's last byte,
    /// which finishes the value. A witness's padding is megabytes long.
    fn body_run(&mut self, bytes: &[u8]) -> usize {
        let (got, run) = match &mut self.state.token {
            Some(Token::Value(ValueToken::Bytes { total, got, .. })) => {
                let run = (*total - *got - 1).min(bytes.len() as u64) as usize;
                (got, run)
            }
            Some(Token::Value(ValueToken::Text { total, got, utf8 })) if utf8.pending() == 0 => {
                let most = (*total - *got - 1).min(bytes.len() as u64) as usize;
                (got, bytes[..most].iter().position(|&b| !b.is_ascii()).unwrap_or(most))
            }
            _ => return 0,
        };
        *got += run as u64;
        run
    }

    /// Record what the byte at the current position means.
    fn note(&mut self, what: impl FnOnce() -> Note) {
        self.rec.step(self.state.pos, what);
    }

    /// Kill the parse at byte `b` (the current position) because `why`.
    fn fail(&mut self, b: u8, why: impl FnOnce() -> Why) -> Step {
        self.rec.death(self.state.pos, b, why);
        Err(Died)
    }

    fn marker(&mut self, b: u8) -> Step {
        let Some(role) = self.state.role() else {
            return self.fail(b, || Why::Trailing);
        };
        let m = Marker::of(b);
        match (role, m) {
            (Role::Root, Marker::Header { kind: Kind::Map, .. }) => {}
            (Role::Root, _) => return self.fail(b, || Why::RootNotMap { byte: b }),
            (Role::Key, Marker::Header { kind: Kind::Str, .. }) => {}
            (Role::Key, _) => return self.fail(b, || Why::KeyNotStr { byte: b }),
            (Role::Value, _) => {}
        }
        match m {
            Marker::Nil | Marker::True | Marker::False => {
                self.note(|| Note::Simple { byte: b });
                self.value_done();
                Ok(())
            }
            Marker::FixInt(format, v) => self.int_done(format, v as i128, b),
            Marker::Int(format) => {
                self.note(|| Note::IntMarker { byte: b, format });
                self.state.token = Some(Token::Value(ValueToken::IntPayload { format, got: 0, acc: 0 }));
                Ok(())
            }
            Marker::Float { payload } => {
                self.note(|| Note::FloatMarker { byte: b, payload });
                self.state.token = Some(Token::Value(ValueToken::Float { left: payload }));
                Ok(())
            }
            Marker::Header {
                kind,
                width: Width::Fix,
                fixed,
            } => self.header_done(kind, Width::Fix, role, fixed as u64, b),
            Marker::Header { kind, width, .. } => self.header_start(kind, width, role, b),
            Marker::Reserved => self.fail(b, || Why::Reserved),
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
            // Name the rule that excludes the header: the profile never
            // writes it here, or it does, but only for lengths no key has.
            let written = profile.header_range(role.place(), kind, width, 0, 0);
            return match (role, written) {
                (Role::Key, Some((lo, hi))) => {
                    let keys = self.state.keys.clone();
                    let first = self.state.first_key_next();
                    self.fail(b, || Why::NoKeyThatLong {
                        profile,
                        byte: b,
                        lo,
                        hi,
                        keys,
                        first,
                    })
                }
                _ => self.fail(b, || Why::NeverWritten {
                    profile,
                    role,
                    kind,
                    byte: b,
                }),
            };
        };
        self.note(|| Note::HeaderStart {
            byte: b,
            role,
            kind,
            lo,
            hi,
        });
        self.state.token = Some(header_token(kind, width, role, 0, 0));
        Ok(())
    }

    /// A header is complete: it announces `n`. `b` is its last byte (the
    /// marker itself for fix headers).
    fn header_done(&mut self, kind: Kind, width: Width, role: Role, n: u64, b: u8) -> Step {
        let profile = self.state.profile;
        if !profile.allows(role.place(), kind, width, n) {
            let place = role.place();
            return self.fail(b, || Why::LengthNotWritten {
                profile,
                place,
                kind,
                width,
                n,
            });
        }
        let fix = width == Width::Fix;
        match (role, kind) {
            (Role::Key, _) => {
                let first = self.state.first_key_next();
                let lang = self.state.key_lang(first);
                let state = lang.start();
                if lang.completions(state, 0, n) == 0 {
                    let keys = self.state.keys.clone();
                    return self.fail(b, || Why::KeyLength { n, keys, first });
                }
                self.note(|| Note::HeaderDone {
                    byte: b,
                    fix,
                    role,
                    kind,
                    n,
                });
                let keys = &self.state.keys;
                let split = match (first, keys.first_keys_outside(), keys.first_keys_inside()) {
                    (true, Some(outside), Some(inside)) => Some((Some(outside.start()), Some(inside.start()))),
                    _ => None,
                };
                self.state.key.clear();
                if n == 0 {
                    return self.key_done(split, b);
                }
                self.state.token = Some(Token::Key(KeyToken::Body { total: n, state, split }));
                Ok(())
            }
            (_, Kind::Str | Kind::Bin | Kind::Ext) => {
                self.note(|| Note::HeaderDone {
                    byte: b,
                    fix,
                    role,
                    kind,
                    n,
                });
                // An ext body is its type byte, then `n` bytes of data.
                let total = kind.body_bytes(n).unwrap_or(n);
                if total == 0 {
                    self.value_body_done(kind, 0, None);
                } else if kind == Kind::Str && !profile.raw_str_values() {
                    self.state.token = Some(Token::Value(ValueToken::Text {
                        total,
                        got: 0,
                        utf8: Utf8State::default(),
                    }));
                } else {
                    self.state.token = Some(Token::Value(ValueToken::Bytes { kind, total, got: 0 }));
                }
                Ok(())
            }
            (_, Kind::Array) => {
                self.note(|| Note::HeaderDone {
                    byte: b,
                    fix,
                    role,
                    kind,
                    n,
                });
                if n == 0 {
                    self.value_done();
                } else {
                    self.state.frames.push(Frame::Array { left: n });
                }
                Ok(())
            }
            (_, Kind::Map) => {
                self.note(|| Note::HeaderDone {
                    byte: b,
                    fix,
                    role,
                    kind,
                    n,
                });
                if n == 0 {
                    self.value_done();
                } else {
                    let map = self.state.open_map(role == Role::Root, n);
                    self.state.frames.push(Frame::Map(map));
                }
                Ok(())
            }
        }
    }

    fn int_done(&mut self, format: IntFormat, value: i128, b: u8) -> Step {
        let profile = self.state.profile;
        if !profile.allows_int(format, value) {
            return self.fail(b, || Why::IntNotWritten {
                profile,
                value,
                byte: b,
            });
        }
        self.note(|| Note::FixInt { byte: b, value });
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
                let (got, acc) = (got + 1, push_be_byte(acc, b));
                let profile = self.state.profile;
                if !profile.int_payload_possible(format, got, acc) {
                    return self.fail(b, || Why::IntPayload { profile, format });
                }
                if got == format.payload_bytes() {
                    let value = format.value_of(acc);
                    self.note(|| Note::IntDone { byte: b, value });
                    self.value_done();
                } else {
                    self.state.token = Some(Token::Value(ValueToken::IntPayload { format, got, acc }));
                }
                Ok(())
            }
            Token::Value(ValueToken::Float { left }) => {
                if left == 1 {
                    self.note(|| Note::FloatDone { byte: b });
                    self.value_done();
                } else {
                    self.state.token = Some(Token::Value(ValueToken::Float { left: left - 1 }));
                }
                Ok(())
            }
            Token::Key(KeyToken::Body { total, state, split }) => self.key_byte(total, state, split, b),
            Token::Value(ValueToken::Text { total, got, mut utf8 }) => {
                if !utf8.feed(b) {
                    let profile = self.state.profile;
                    return self.fail(b, || Why::NotUtf8 { profile });
                }
                if utf8.pending() as u64 > total - got - 1 {
                    return self.fail(b, || Why::Utf8Unfinished);
                }
                if got + 1 == total {
                    self.value_body_done(Kind::Str, total, Some(b));
                } else {
                    self.state.token = Some(Token::Value(ValueToken::Text {
                        total,
                        got: got + 1,
                        utf8,
                    }));
                }
                Ok(())
            }
            Token::Value(ValueToken::Bytes { kind, total, got }) => {
                if got + 1 == total {
                    self.value_body_done(kind, total, Some(b));
                } else {
                    self.state.token = Some(Token::Value(ValueToken::Bytes {
                        kind,
                        total,
                        got: got + 1,
                    }));
                }
                Ok(())
            }
        }
    }

    /// One more byte of a key's body.
    fn key_byte(
        &mut self,
        total: u64,
        state: LangState,
        split: Option<(Option<LangState>, Option<LangState>)>,
        b: u8,
    ) -> Step {
        let lang = self.state.key_lang(self.state.first_key_next());
        let got = self.state.key.len() as u64 + 1;
        let Some(next) = lang.step(state, b) else {
            let prefix = &self.state.key;
            self.rec.death(self.state.pos, b, || Why::KeyByte {
                prefix: prefix.clone(),
                byte: b,
            });
            return Err(Died);
        };
        let unfinishable = lang.completions(next, got, total - got) == 0;
        self.state.key.push(b);
        if unfinishable {
            let prefix = &self.state.key;
            self.rec.death(self.state.pos, b, || Why::KeyUnfinishable {
                prefix: prefix.clone(),
                total,
            });
            return Err(Died);
        }
        let split = split.map(|(outside, inside)| {
            let keys = &self.state.keys;
            (
                outside.and_then(|s| keys.first_keys_outside().and_then(|l| l.step(s, b))),
                inside.and_then(|s| keys.first_keys_inside().and_then(|l| l.step(s, b))),
            )
        });
        if got == total {
            return self.key_done(split, b);
        }
        self.state.token = Some(Token::Key(KeyToken::Body {
            total,
            state: next,
            split,
        }));
        Ok(())
    }

    /// One more length byte of a header.
    fn header_byte(&mut self, kind: Kind, width: Width, role: Role, got: u8, acc: u64, b: u8) -> Step {
        let (got, acc) = (got + 1, push_be_byte(acc, b));
        if got == width.length_bytes() {
            return self.header_done(kind, width, role, acc, b);
        }
        match self.header_range(kind, width, role, got, acc) {
            Some((lo, hi)) => {
                self.note(|| Note::LengthByte { byte: b, kind, lo, hi });
                self.state.token = Some(header_token(kind, width, role, got, acc));
                Ok(())
            }
            None => {
                let profile = self.state.profile;
                self.fail(b, || Why::NoLengthStartsSo { profile, role, kind })
            }
        }
    }

    /// A str, bin or ext value's body of `total` bytes is complete (`byte`:
    /// its last byte, if it has any).
    fn value_body_done(&mut self, kind: Kind, total: u64, byte: Option<u8>) {
        self.note(|| Note::BodyDone { byte, kind, total });
        self.value_done();
    }

    /// A key ([`State::key`]) is complete: it must differ from its map's
    /// finished keys. `split` (for a top-level first key of its own
    /// language) says whether it is also a key of the other keys' language.
    fn key_done(&mut self, split: Option<(Option<LangState>, Option<LangState>)>, b: u8) -> Step {
        let key = &self.state.key;
        let duplicate = match self.state.frames.last() {
            Some(Frame::Map(m)) => m.keys.contains(key),
            _ => false,
        };
        if duplicate {
            self.rec
                .death(self.state.pos, b, || Why::DuplicateKey { key: key.clone() });
            return Err(Died);
        }
        // Every key but a first key outside the other keys' language takes
        // one of their keys.
        let counted = match split {
            None => true,
            Some((_, inside)) => {
                let keys = &self.state.keys;
                inside.is_some_and(|s| keys.first_keys_inside().is_some_and(|l| l.accepts(s)))
            }
        };
        let byte = (!key.is_empty()).then_some(b);
        self.rec
            .step(self.state.pos, || Note::KeyDone { byte, key: key.clone() });
        if let Some(Frame::Map(m)) = self.state.frames.last_mut() {
            if counted {
                add_len(&mut m.lens, key.len() as u64);
            }
            m.awaiting_value = true;
            m.keys.insert(key);
        }
        Ok(())
    }

    /// A value finished: pop every container it completes.
    fn value_done(&mut self) {
        let s = &mut self.state;
        loop {
            match s.frames.last_mut() {
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
            if let Some(frame) = s.frames.pop() {
                s.spare(frame);
            }
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
            Some(Token::Key(KeyToken::Body { .. })) => Expect::KeyBody,
            Some(Token::Value(ValueToken::Text { total, got, utf8 })) => Expect::ValueBody {
                left: total - got,
                utf8_pending: utf8.pending(),
            },
            Some(Token::Value(ValueToken::Bytes { total, got, .. })) => Expect::ValueBody {
                left: total - got,
                utf8_pending: 0,
            },
            Some(_) => Expect::HeaderOrScalar,
            None => match s.role() {
                Some(Role::Root) => Expect::RootMarker,
                Some(Role::Key) => Expect::Key {
                    first: s.first_key_next(),
                },
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

    /// Entries of the top-level map not yet finished, when it is the
    /// innermost container and the next byte starts one of its keys.
    pub fn top_level_entries_left(&self) -> Option<u64> {
        match (self.state.frames.as_slice(), &self.state.token) {
            ([Frame::Root { .. }, Frame::Map(m)], None) if !m.awaiting_value => Some(m.left),
            _ => None,
        }
    }

    /// The key specification.
    pub fn keyspec(&self) -> &KeySpec {
        &self.state.keys
    }

    /// The key being read, if the parser is inside a key's body: its bytes
    /// so far, its length, and whether it is the top-level map's first key.
    pub fn key_in_progress(&self) -> Option<(&[u8], u64, bool)> {
        match &self.state.token {
            Some(Token::Key(KeyToken::Body { total, .. })) => {
                Some((&self.state.key, *total, self.state.first_key_next()))
            }
            _ => None,
        }
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
