//! The oracle's explanations: what each byte of a prefix means, why a
//! prefix is impossible, and what the rest of a document must contain.
//!
//! The parser reports to a [`Recorder`]. Sweeps use [`Silent`], a
//! zero-sized recorder whose methods do nothing, so the text is never
//! built; `explain` and the reports use [`Trace`]. The one-line summary of
//! a state is computed from the state itself, on request.

use std::fmt::Write as _;

use crate::msgpack::{KeySpec, Profile};
use crate::proof::lengths::LengthSet;

use super::parser::{Frame, KeyToken, Parser, Role, Token, ValueToken};

/// What the parser reports as it reads.
pub trait Recorder: Clone {
    /// Whether anything is recorded at all; when `false`, every report is
    /// compiled away.
    const RECORDS: bool;

    /// The byte at offset `at` means `what`.
    fn step(&mut self, at: u64, what: impl FnOnce() -> String);

    /// The byte `byte` at offset `at` rules out every conforming document,
    /// because `why`.
    fn death(&mut self, at: u64, byte: u8, why: impl FnOnce() -> String);

    /// Forget everything (the parser went back to the empty prefix).
    fn reset(&mut self);

    /// Where and why the parse died, if it did and this recorder knows.
    fn dead(&self) -> Option<&Dead>;
}

/// Records nothing: the recorder for sweeps and witness building.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Recorder for Silent {
    const RECORDS: bool = false;

    #[inline(always)]
    fn step(&mut self, _: u64, _: impl FnOnce() -> String) {}

    #[inline(always)]
    fn death(&mut self, _: u64, _: u8, _: impl FnOnce() -> String) {}

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
    const RECORDS: bool = true;

    fn step(&mut self, at: u64, what: impl FnOnce() -> String) {
        self.steps.push(format!("byte {at}: {}", what()));
    }

    fn death(&mut self, at: u64, byte: u8, why: impl FnOnce() -> String) {
        let reason = why();
        self.steps
            .push(format!("byte {at}: {byte:#04x} — impossible: {reason}"));
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
        for frame in &s.frames {
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
                    let mut line = format!("map with {} entries to finish", m.left);
                    if !keys.is_empty() {
                        let _ = write!(line, " (keys so far {})", keys.join(","));
                    }
                    if m.awaiting_value {
                        line.push_str(", value of current entry next");
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
        let header = |role: Role, kind, width: crate::msgpack::Width, got: u8, acc| {
            let range = match role {
                Role::Key => s.key_header_range(width, got, acc),
                _ => s.profile.header_range(role.place(), kind, width, got, acc),
            };
            let range = range.map_or("none".to_string(), |(lo, hi)| format!("[{lo}, {hi}]"));
            format!(
                "{} {kind:?} {width:?} header, {got}/{} length bytes read, length in {range}",
                role.name(),
                width.length_bytes()
            )
        };
        use crate::msgpack::Kind;
        match t {
            Token::Key(KeyToken::Header { width, got, acc }) => header(Role::Key, Kind::Str, *width, *got, *acc),
            Token::Key(KeyToken::Body { total, key }) => format!(
                "key of length {total} starting {:?}, {} bytes to go",
                String::from_utf8_lossy(key),
                total - key.len() as u64
            ),
            Token::Value(ValueToken::RootHeader { width, got, acc }) => {
                header(Role::Root, Kind::Map, *width, *got, *acc)
            }
            Token::Value(ValueToken::Header { kind, width, got, acc }) => {
                header(Role::Value, *kind, *width, *got, *acc)
            }
            Token::Value(ValueToken::IntPayload { format, got, .. }) => {
                format!("{format:?} payload, {got}/{} bytes read", format.payload_bytes())
            }
            Token::Value(ValueToken::Float { left }) => format!("float payload, {left} bytes to go"),
            Token::Value(ValueToken::Text { total, got, .. }) => {
                format!("Str value body, {} of {total} bytes to go", total - got)
            }
            Token::Value(ValueToken::Bytes { total, got }) => {
                format!("Bin value body, {} of {total} bytes to go", total - got)
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
}

/// Ask the oracle about `prefix`, with the explanation.
pub fn answer(profile: Profile, keys: KeySpec, prefix: &[u8]) -> Answer {
    let mut p = Parser::with_recorder(profile, keys, Trace::default());
    p.feed(prefix);
    Answer {
        lengths: p.lengths(),
        summary: p.summary(),
        steps: p.rec.steps.clone(),
    }
}
