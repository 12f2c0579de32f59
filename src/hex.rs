//! Hex text for byte strings: how prefixes and blobs are shown, and how
//! the command line takes them.

use std::fmt::Write as _;

/// Lowercase hex of a byte string.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 * bytes.len());
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Why a hex string does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HexError {
    #[error("hex prefix {text:?} contains {bad:?}, which is not a hex digit")]
    NotHex { text: String, bad: char },
    #[error("hex prefix {0:?} has an odd number of digits")]
    OddDigits(String),
}

/// Parse hex bytes. Whitespace, commas and underscores separate groups,
/// and each group may start with `0x` or `0X`: `82a13000`, `82 a1 30 00`,
/// `0x82 0xa1 0x30 0x00` and `0X82A13000` are the same four bytes.
pub fn parse_hex(s: &str) -> Result<Vec<u8>, HexError> {
    let cleaned: String = s
        .split(|c: char| c.is_whitespace() || c == ',' || c == '_')
        .map(|group| {
            group
                .strip_prefix("0x")
                .or_else(|| group.strip_prefix("0X"))
                .unwrap_or(group)
        })
        .collect();
    // Check every character before pairing them: slicing a string with a
    // multi-byte character by byte offsets would panic.
    if let Some(bad) = cleaned.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(HexError::NotHex {
            text: s.to_string(),
            bad,
        });
    }
    if cleaned.len() % 2 != 0 {
        return Err(HexError::OddDigits(s.to_string()));
    }
    Ok(cleaned
        .as_bytes()
        .chunks(2)
        .map(|pair| {
            let digit = |d: u8| (d as char).to_digit(16).unwrap_or(0) as u8;
            (digit(pair[0]) << 4) | digit(pair[1])
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_prefixes() {
        assert_eq!(hex(&[0x82, 0xa1, 0x30, 0x00]), "82a13000");
        assert_eq!(parse_hex("82a13000").unwrap(), [0x82, 0xa1, 0x30, 0x00]);
        assert_eq!(parse_hex(" 0x82 A1_30 00 ").unwrap(), [0x82, 0xa1, 0x30, 0x00]);
        assert_eq!(parse_hex("0x82 0xa1 0x30 0x00").unwrap(), [0x82, 0xa1, 0x30, 0x00]);
        assert_eq!(parse_hex("0X82a13000").unwrap(), [0x82, 0xa1, 0x30, 0x00]);
        assert_eq!(parse_hex("0x82,0xa1").unwrap(), [0x82, 0xa1]);
        assert!(parse_hex("0x0x82").is_err());
        assert_eq!(parse_hex("").unwrap(), Vec::<u8>::new());
        assert_eq!(parse_hex("823"), Err(HexError::OddDigits("823".into())));
        assert!(matches!(parse_hex("zz"), Err(HexError::NotHex { bad: 'z', .. })));
        // Multi-byte characters are errors, not panics.
        for s in ["a\u{e9}0", "\u{e9}\u{e9}", "0\u{1f600}"] {
            assert!(parse_hex(s).is_err(), "{s:?}");
        }
    }
}
