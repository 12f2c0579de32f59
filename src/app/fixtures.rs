//! Documents written by real third-party encoders (`tests/fixtures/encoders/`,
//! made by `scripts/gen-encoder-fixtures.sh`): reading them, and which
//! profiles each set conforms to, for `reports/encoders.csv` and the
//! README's table of who writes what.
//!
//! This module only reads and tallies; the judgement is the conformance
//! checker's ([`crate::proof::conformance`]).

use std::path::Path;

use crate::msgpack::{FirstChar, KeySpec, Kmax, Profile};
use crate::proof::conformance;

/// The key rules every fixture document follows: `[A-Za-z0-9_]` keys, of
/// any length (the longest are 300 bytes).
pub fn fixture_keys() -> KeySpec {
    KeySpec::new(FirstChar::Alnum, Kmax::Unbounded)
}

/// One encoder and option set, as `manifest.csv` describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixtureSet {
    pub set: String,
    pub file: String,
    pub encoder: String,
    pub version: String,
    pub options: String,
    /// The profile every document must conform to; `None` where the top
    /// level is not a map at all (msgpackr records).
    pub expected: Option<Profile>,
    /// Whether encoding a document twice gave the same bytes.
    pub deterministic: bool,
    /// Documents in the set's file.
    pub documents: usize,
}

/// Why the fixtures cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("manifest.csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("manifest.csv has no {0} column")]
    MissingColumn(&'static str),
    #[error("manifest.csv: set {set}: {what}")]
    BadRow { set: String, what: String },
    #[error("{file}: a record at byte {at} claims {claimed} bytes, but only {left} are left")]
    Truncated {
        file: String,
        at: usize,
        claimed: u64,
        left: usize,
    },
}

/// Read `manifest.csv` in `dir`.
pub fn read_manifest(dir: &Path) -> Result<Vec<FixtureSet>, FixtureError> {
    let path = dir.join("manifest.csv");
    let text = std::fs::read_to_string(&path).map_err(|error| FixtureError::Io {
        path: path.display().to_string(),
        error,
    })?;
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let headers = rd.headers()?.clone();
    let col = |name: &'static str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or(FixtureError::MissingColumn(name))
    };
    let cols = [
        col("set")?,
        col("file")?,
        col("encoder")?,
        col("version")?,
        col("options")?,
        col("expected_profile")?,
        col("deterministic")?,
        col("documents")?,
    ];
    let mut out = Vec::new();
    for rec in rd.records() {
        let rec = rec?;
        let [set, file, encoder, version, options, expected, deterministic, documents] =
            cols.map(|i| rec.get(i).unwrap_or_default().to_string());
        let bad = |what: String| FixtureError::BadRow { set: set.clone(), what };
        let expected = match expected.as_str() {
            "none" => None,
            name => Some(name.parse::<Profile>().map_err(|e| bad(e.to_string()))?),
        };
        let deterministic = match deterministic.as_str() {
            "yes" => true,
            "no" => false,
            other => return Err(bad(format!("deterministic is {other:?}, not yes or no"))),
        };
        let documents = documents
            .parse::<usize>()
            .map_err(|_| bad(format!("documents is {documents:?}, not a count")))?;
        out.push(FixtureSet {
            set,
            file,
            encoder,
            version,
            options,
            expected,
            deterministic,
            documents,
        });
    }
    Ok(out)
}

/// The documents of a set file: records of a 4-byte little-endian length
/// and that many bytes, back to back.
pub fn read_records<'a>(file: &str, bytes: &'a [u8]) -> Result<Vec<&'a [u8]>, FixtureError> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let left = bytes.len() - at;
        let truncated = |claimed| FixtureError::Truncated {
            file: file.to_string(),
            at,
            claimed,
            left,
        };
        let head = bytes[at..].first_chunk::<4>().ok_or_else(|| truncated(4))?;
        let n = u32::from_le_bytes(*head) as u64;
        let end = (at + 4)
            .checked_add(n as usize)
            .filter(|e| *e <= bytes.len())
            .ok_or_else(|| truncated(n + 4))?;
        out.push(&bytes[at + 4..end]);
        at = end;
    }
    Ok(out)
}

/// A set with its documents.
pub struct LoadedSet {
    pub meta: FixtureSet,
    pub blobs: Vec<Vec<u8>>,
}

/// Read every set of the manifest in `dir`.
pub fn load(dir: &Path) -> Result<Vec<LoadedSet>, FixtureError> {
    read_manifest(dir)?
        .into_iter()
        .map(|meta| {
            let path = dir.join(&meta.file);
            let bytes = std::fs::read(&path).map_err(|error| FixtureError::Io {
                path: path.display().to_string(),
                error,
            })?;
            let blobs = read_records(&meta.file, &bytes)?
                .into_iter()
                .map(<[u8]>::to_vec)
                .collect();
            Ok(LoadedSet { meta, blobs })
        })
        .collect()
}

/// The profiles every document of `blobs` conforms to, in
/// [`Profile::ALL`] order.
pub fn profiles_of_all(keys: &KeySpec, blobs: &[Vec<u8>]) -> Vec<Profile> {
    Profile::ALL
        .into_iter()
        .filter(|p| blobs.iter().all(|b| conformance::check(*p, keys, b).is_ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_truncation() {
        let bytes = [2, 0, 0, 0, 0x80, 0xc0, 0, 0, 0, 0, 1, 0, 0, 0, 0x80];
        assert_eq!(
            read_records("f", &bytes).unwrap(),
            vec![&[0x80, 0xc0][..], &[][..], &[0x80][..]]
        );
        assert!(matches!(
            read_records("f", &[9, 0, 0, 0, 1]),
            Err(FixtureError::Truncated { claimed: 13, .. })
        ));
        assert!(matches!(
            read_records("f", &[1, 0]),
            Err(FixtureError::Truncated { .. })
        ));
        // A length of 4 GiB on a 4-byte file: an error, not an allocation.
        assert!(read_records("f", &[0xff, 0xff, 0xff, 0xff]).is_err());
    }
}
