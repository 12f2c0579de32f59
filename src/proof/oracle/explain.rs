//! The oracle's explanations, in the words a msgpack user would use: what
//! each byte of a prefix means ([`Note`]), why a byte rules out every
//! conforming document ([`Why`]), and what the rest of a document must
//! contain (the state's summary).
//!
//! The parser reports to a [`Recorder`]. Sweeps use [`Silent`], a
//! zero-sized recorder whose methods do nothing, so no note or reason is
//! ever built; `explain` and the reports use [`Trace`]. The parser only
//! says what happened (a [`Note`] or [`Why`] value); the words are here.

use std::fmt;

use crate::hex::hex;
use crate::msgpack::marker::{header_marker, IntFormat, Kind, MarkerName, Width};
use crate::msgpack::profile::Place;
use crate::msgpack::{KeySpec, Profile};
use crate::proof::lengths::LengthSet;

use super::parser::{Frame, KeyToken, Parser, Role, Token, ValueToken};

/// What the parser reports as it reads.
pub trait Recorder: Clone {
    /// The byte at offset `at` means `what`.
    fn step(&mut self, at: u64, what: impl FnOnce() -> Note);

    /// The byte `byte` at offset `at` rules out every conforming document,
    /// because `why`.
    fn death(&mut self, at: u64, byte: u8, why: impl FnOnce() -> Why);

    /// Forget everything (the parser went back to the empty prefix).
    fn reset(&mut self);

    /// Where and why the parse died, if it did and this recorder knows.
    fn dead(&self) -> Option<&Dead>;
}

/// Records nothing: the recorder for sweeps and witness building.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Recorder for Silent {
    #[inline(always)]
    fn step(&mut self, _: u64, _: impl FnOnce() -> Note) {}

    #[inline(always)]
    fn death(&mut self, _: u64, _: u8, _: impl FnOnce() -> Why) {}

    #[inline(always)]
    fn reset(&mut self) {}

    fn dead(&self) -> Option<&Dead> {
        None
    }
}

/// Why no conforming document starts with the bytes fed so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dead {
    /// Offset of the byte that killed the parse.
    pub offset: u64,
    pub reason: String,
}

/// Records what every byte means, and why the parse died.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    pub steps: Vec<String>,
    pub dead: Option<Dead>,
}

impl Recorder for Trace {
    fn step(&mut self, at: u64, what: impl FnOnce() -> Note) {
        self.steps.push(format!("byte {at}: {}", what()));
    }

    fn death(&mut self, at: u64, byte: u8, why: impl FnOnce() -> Why) {
        let reason = why().to_string();
        self.steps.push(format!("byte {at}: {byte:#04x}: impossible: {reason}"));
        self.dead = Some(Dead { offset: at, reason });
    }

    fn reset(&mut self) {
        self.steps.clear();
        self.dead = None;
    }

    fn dead(&self) -> Option<&Dead> {
        self.dead.as_ref()
    }
}

/// `n` and its unit: "1 entry", "2 entries", "1 byte".
pub(crate) fn how_many(n: u64, kind: Kind) -> String {
    let (one, many) = match kind {
        Kind::Map => ("entry", "entries"),
        Kind::Array => ("element", "elements"),
        Kind::Str | Kind::Bin => ("byte", "bytes"),
        Kind::Ext => ("data byte", "data bytes"),
    };
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "1 more entry", "2 more bytes".
fn more(n: u64, kind: Kind) -> String {
    let count = how_many(n, kind);
    let (number, unit) = count.split_once(' ').unwrap_or((&count, ""));
    format!("{number} more {unit}")
}

/// `lo` to `hi` in a kind's unit: "0 to 255 entries", "exactly 3 bytes".
fn how_many_between(lo: u64, hi: u64, kind: Kind) -> String {
    if lo == hi {
        how_many(lo, kind)
    } else {
        format!("{lo} to {}", how_many(hi, kind))
    }
}

/// What a value in `role` is called.
fn role_name(role: Role, kind: Kind) -> String {
    match role {
        Role::Root => "the top-level map".into(),
        Role::Key => "a key".into(),
        Role::Value => match kind {
            Kind::Map => "a map".into(),
            Kind::Array => "an array".into(),
            Kind::Str => "a str value".into(),
            Kind::Bin => "a bin value".into(),
            Kind::Ext => "an ext value".into(),
        },
    }
}

/// A key's bytes, quoted (lossily, for bytes that are not UTF-8).
fn quoted(key: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(key))
}

/// What one byte meant.
#[derive(Clone, Debug)]
pub enum Note {
    /// nil, true or false.
    Simple {
        byte: u8,
    },
    /// A fixint: the whole integer.
    FixInt {
        byte: u8,
        value: i128,
    },
    /// An integer marker; its payload follows.
    IntMarker {
        byte: u8,
        format: IntFormat,
    },
    /// The last payload byte of an integer.
    IntDone {
        byte: u8,
        value: i128,
    },
    /// A float marker; its payload follows.
    FloatMarker {
        byte: u8,
        payload: u8,
    },
    FloatDone {
        byte: u8,
    },
    /// A header whose length bytes follow.
    HeaderStart {
        byte: u8,
        role: Role,
        kind: Kind,
        lo: u64,
        hi: u64,
    },
    /// A length byte of a header, with the lengths still possible.
    LengthByte {
        byte: u8,
        kind: Kind,
        lo: u64,
        hi: u64,
    },
    /// A complete header: the marker itself (fix) or its last length byte.
    HeaderDone {
        byte: u8,
        fix: bool,
        role: Role,
        kind: Kind,
        n: u64,
    },
    /// The end of a str, bin or ext body (`byte`: its last byte, if it has
    /// bytes).
    BodyDone {
        byte: Option<u8>,
        kind: Kind,
        total: u64,
    },
    /// A key is complete (`byte`: its last byte, if it has bytes).
    KeyDone {
        byte: Option<u8>,
        key: Vec<u8>,
    },
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Note::Simple { byte } => write!(f, "{byte:#04x}: {}", MarkerName(byte)),
            Note::FixInt { byte, value } => write!(f, "{byte:#04x}: the integer {value} ({})", MarkerName(byte)),
            Note::IntMarker { byte, format } => write!(
                f,
                "{byte:#04x}: {}: an integer in the next {}",
                MarkerName(byte),
                how_many(format.payload_bytes() as u64, Kind::Bin)
            ),
            Note::IntDone { byte, value } => write!(f, "{byte:#04x}: the integer is {value}"),
            Note::FloatMarker { byte, payload } => write!(
                f,
                "{byte:#04x}: {}: a float in the next {}",
                MarkerName(byte),
                how_many(payload as u64, Kind::Bin)
            ),
            Note::FloatDone { byte } => write!(f, "{byte:#04x}: the float is complete"),
            Note::HeaderStart {
                byte,
                role,
                kind,
                lo,
                hi,
            } => write!(
                f,
                "{byte:#04x}: {}: {} with {} here",
                MarkerName(byte),
                role_name(role, kind),
                how_many_between(lo, hi, kind)
            ),
            Note::LengthByte { byte, kind, lo, hi } => {
                write!(
                    f,
                    "{byte:#04x}: length byte: {} possible",
                    how_many_between(lo, hi, kind)
                )
            }
            Note::HeaderDone {
                byte,
                fix,
                role,
                kind,
                n,
            } => {
                let what = role_name(role, kind);
                let has = match kind {
                    Kind::Ext => format!("a type byte and {}", how_many(n, kind)),
                    _ => how_many(n, kind),
                };
                if fix {
                    write!(f, "{byte:#04x}: {}: {what} with {has}", MarkerName(byte))
                } else {
                    write!(f, "{byte:#04x}: {what} with {has}")
                }
            }
            Note::BodyDone { byte, kind, total } => {
                if let Some(b) = byte {
                    write!(f, "{b:#04x}: ")?;
                }
                match kind {
                    Kind::Ext => write!(f, "end of the ext value's type byte and {}", how_many(total - 1, kind)),
                    _ => write!(f, "end of the {}-byte {} body", total, kind.name()),
                }
            }
            Note::KeyDone { byte, ref key } => {
                if let Some(b) = byte {
                    write!(f, "{b:#04x}: ")?;
                }
                write!(f, "the key {} is complete", quoted(key))
            }
        }
    }
}

/// Why a byte rules out every conforming document.
#[derive(Clone, Debug)]
pub enum Why {
    /// Bytes after a complete document.
    Trailing,
    /// The top level must be a map.
    RootNotMap {
        byte: u8,
    },
    /// A map key must be a str.
    KeyNotStr {
        byte: u8,
    },
    /// 0xc1.
    Reserved,
    /// The profile never writes this header for this role.
    NeverWritten {
        profile: Profile,
        role: Role,
        kind: Kind,
        byte: u8,
    },
    /// The profile writes this key header only for lengths no key has.
    NoKeyThatLong {
        profile: Profile,
        byte: u8,
        lo: u64,
        hi: u64,
        keys: KeySpec,
        first: bool,
    },
    /// The profile does not write this length with this header.
    LengthNotWritten {
        profile: Profile,
        place: Place,
        kind: Kind,
        width: Width,
        n: u64,
    },
    /// The length bytes so far leave no length the profile writes (or,
    /// for a key, that any key has).
    NoLengthStartsSo {
        profile: Profile,
        role: Role,
        kind: Kind,
    },
    /// No key has this length.
    KeyLength {
        n: u64,
        keys: KeySpec,
        first: bool,
    },
    /// The profile does not write this integer with this marker.
    IntNotWritten {
        profile: Profile,
        value: i128,
        byte: u8,
    },
    /// No integer the profile writes with this format starts so.
    IntPayload {
        profile: Profile,
        format: IntFormat,
    },
    /// No key continues the bytes so far with this byte.
    KeyByte {
        prefix: Vec<u8>,
        byte: u8,
    },
    /// Keys continue this way, but none of exactly the announced length.
    KeyUnfinishable {
        prefix: Vec<u8>,
        total: u64,
    },
    DuplicateKey {
        key: Vec<u8>,
    },
    /// A str value that cannot be UTF-8.
    NotUtf8 {
        profile: Profile,
    },
    /// A str value that would end inside a UTF-8 character.
    Utf8Unfinished,
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::Trailing => f.write_str("the document is already complete, and nothing may follow it"),
            Why::RootNotMap { byte } => write!(f, "the top level must be a map, but this is {}", MarkerName(*byte)),
            Why::KeyNotStr { byte } => write!(f, "a map key must be a str, but this is {}", MarkerName(*byte)),
            Why::Reserved => f.write_str("0xc1 is reserved by the format and never written"),
            Why::NeverWritten {
                profile,
                role,
                kind,
                byte,
            } => write!(
                f,
                "{profile} never writes {} for {}",
                MarkerName(*byte),
                role_name(*role, *kind)
            ),
            Why::NoKeyThatLong {
                profile,
                byte,
                lo,
                hi,
                keys,
                first,
            } => {
                write!(
                    f,
                    "{profile} writes {} only for strs of {}, but ",
                    MarkerName(*byte),
                    how_many_between(*lo, *hi, Kind::Str)
                )?;
                key_lengths(f, keys, *first, None)
            }
            Why::LengthNotWritten {
                profile,
                place,
                kind,
                width,
                n,
            } => {
                let what = match place {
                    Place::Root => "the top-level map".to_string(),
                    Place::Nested => format!("a {}", kind.name()),
                };
                let written =
                    header_marker(*kind, *width, *n).map_or("this header".into(), |b| MarkerName(b).to_string());
                write!(
                    f,
                    "{profile} does not write {what} of {} as {written}",
                    how_many(*n, *kind)
                )?;
                match profile
                    .narrowest_width(*place, *kind, *n)
                    .and_then(|w| header_marker(*kind, w, *n))
                {
                    Some(b) => write!(f, "; it writes {}", MarkerName(b)),
                    None => write!(f, "; it writes no {} that long", kind.name()),
                }
            }
            Why::NoLengthStartsSo { profile, role, kind } => write!(
                f,
                "no length {profile} writes for {} starts with these length bytes",
                role_name(*role, *kind)
            ),
            Why::KeyLength { n, keys, first } => {
                write!(f, "this key would have {}, but ", how_many(*n, Kind::Str))?;
                key_lengths(f, keys, *first, Some(*n))
            }
            Why::IntNotWritten { profile, value, byte } => {
                write!(f, "{profile} does not write {value} as {}", MarkerName(*byte))?;
                match profile.int_formats_for(*value).next() {
                    Some(format) => write!(f, "; it writes {}", MarkerName(format.marker(*value))),
                    None => Ok(()),
                }
            }
            Why::IntPayload { profile, format } => write!(
                f,
                "no integer {profile} writes as {} starts with these bytes",
                MarkerName(format.marker(0))
            ),
            Why::KeyByte { prefix, byte } => {
                if prefix.is_empty() {
                    write!(f, "no key starts with byte {byte:#04x}{}", shown(*byte))
                } else {
                    write!(
                        f,
                        "no key continues {} with byte {byte:#04x}{}",
                        quoted(prefix),
                        shown(*byte)
                    )
                }
            }
            Why::KeyUnfinishable { prefix, total } => write!(
                f,
                "no key of {} starts with {}",
                how_many(*total, Kind::Str),
                quoted(prefix)
            ),
            Why::DuplicateKey { key } => write!(f, "the key {} is already in this map", quoted(key)),
            Why::NotUtf8 { profile } => write!(
                f,
                "a str value is not valid UTF-8, and {profile} writes only UTF-8 strs"
            ),
            Why::Utf8Unfinished => f.write_str("the str value would end inside a UTF-8 character"),
        }
    }
}

/// ` ('a')` for a printable byte, nothing otherwise.
fn shown(b: u8) -> String {
    if b.is_ascii_graphic() || b == b' ' {
        format!(" ({:?})", b as char)
    } else {
        String::new()
    }
}

/// What the key rules allow, as the end of a reason: the longest key, or
/// (for a length `n` within it) that no key has that length.
fn key_lengths(f: &mut fmt::Formatter<'_>, keys: &KeySpec, first: bool, n: Option<u64>) -> fmt::Result {
    let lang = if first { keys.first_keys() } else { keys.keys() };
    let which = if first && keys.has_first_key_rule() {
        "the top-level map's first key"
    } else {
        "a key"
    };
    let pattern = lang.pattern();
    match (lang.min_len(), n) {
        (None, _) => write!(f, "no key matches `{pattern}`"),
        (Some(_), Some(n)) if n <= lang.max_len() => {
            write!(f, "{which} (`{pattern}`) never has {}", how_many(n, Kind::Str))
        }
        (Some(_), _) if lang.max_len() < u32::MAX as u64 => write!(
            f,
            "{which} (`{pattern}`) has at most {}",
            how_many(lang.max_len(), Kind::Str)
        ),
        (Some(_), _) => write!(f, "{which} (`{pattern}`) never has that many bytes"),
    }
}

impl<R: Recorder> Parser<R> {
    /// A short description of the state: what has been read and what the
    /// rest of any document must contain.
    pub fn summary(&self) -> String {
        let s = &self.state;
        if s.dead {
            return match self.rec.dead() {
                Some(d) => format!("impossible at byte {}: {}", d.offset, d.reason),
                None => format!("impossible by byte {}", s.pos),
            };
        }
        let mut parts: Vec<String> = Vec::new();
        // Frame 0 is the root; frame 1, when there is one, the top-level map.
        for (i, frame) in s.frames.iter().enumerate() {
            match frame {
                Frame::Root { done: true } => parts.push("the document is complete".into()),
                Frame::Root { done: false } if s.frames.len() == 1 && s.token.is_none() => {
                    parts.push("nothing read yet: the top-level map comes next".into())
                }
                Frame::Root { done: false } => {}
                Frame::Array { left } => {
                    parts.push(format!("an array needs {}", more(*left, Kind::Array)));
                }
                Frame::Map(m) => {
                    let what = if i == 1 { "the top-level map" } else { "a nested map" };
                    let mut keys: Vec<String> = m.keys.iter().map(quoted).collect();
                    keys.sort();
                    let mut line = format!("{what} needs {}", more(m.left, Kind::Map));
                    if !keys.is_empty() {
                        line.push_str(&format!(" (its keys so far: {})", keys.join(", ")));
                    }
                    if m.awaiting_value {
                        line.push_str("; the value of its current entry comes next");
                    }
                    parts.push(line);
                }
            }
        }
        if let Some(t) = &s.token {
            parts.push(self.token_summary(t));
        }
        parts.join("; ")
    }

    fn token_summary(&self, t: &Token) -> String {
        let s = &self.state;
        let header = |role: Role, kind: Kind, width: Width, got: u8, acc: u64| {
            let range = match role {
                Role::Key => s.key_header_range(width, got, acc),
                _ => s.profile.header_range(role.place(), kind, width, got, acc),
            };
            let marker = header_marker(kind, width, 0).map_or(String::new(), |b| MarkerName(b).to_string());
            let possible = range.map_or("none possible".into(), |(lo, hi)| {
                format!("{} possible", how_many_between(lo, hi, kind))
            });
            format!(
                "the {} header of {} has {got} of its {} length bytes: {possible}",
                marker,
                role_name(role, kind),
                width.length_bytes()
            )
        };
        match t {
            Token::Key(KeyToken::Header { width, got, acc }) => header(Role::Key, Kind::Str, *width, *got, *acc),
            Token::Key(KeyToken::Body { total, .. }) => format!(
                "a key of {} has {} so far: {}",
                how_many(*total, Kind::Str),
                how_many(s.key.len() as u64, Kind::Str),
                if s.key.is_empty() {
                    "none".into()
                } else {
                    format!("{} (hex {})", quoted(&s.key), hex(&s.key))
                }
            ),
            Token::Value(ValueToken::RootHeader { width, got, acc }) => {
                header(Role::Root, Kind::Map, *width, *got, *acc)
            }
            Token::Value(ValueToken::Header { kind, width, got, acc }) => {
                header(Role::Value, *kind, *width, *got, *acc)
            }
            Token::Value(ValueToken::IntPayload { format, got, .. }) => format!(
                "an integer's {} payload has {got} of its {} bytes",
                MarkerName(format.marker(0)),
                format.payload_bytes()
            ),
            Token::Value(ValueToken::Float { left }) => {
                format!("a float needs {}", more(*left as u64, Kind::Bin))
            }
            Token::Value(ValueToken::Text { total, got, .. }) => {
                format!("a {total}-byte str value needs {}", more(total - got, Kind::Str))
            }
            Token::Value(ValueToken::Bytes { kind, total, got }) => {
                format!(
                    "a {total}-byte {} body needs {}",
                    kind.name(),
                    more(total - got, Kind::Bin)
                )
            }
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
    /// The byte that rules every document out, if one does.
    pub dead: Option<Dead>,
}

/// Ask the oracle about `prefix`, with the explanation.
pub fn answer(profile: Profile, keys: &KeySpec, prefix: &[u8]) -> Answer {
    let mut p = Parser::with_recorder(profile, keys.clone(), Trace::default());
    p.feed(prefix);
    Answer {
        lengths: p.lengths(),
        summary: p.summary(),
        steps: p.rec.steps.clone(),
        dead: p.rec.dead.clone(),
    }
}
