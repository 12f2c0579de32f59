//! Documents written by real encoders (`tests/fixtures/encoders/`: Python
//! msgpack 1.2.4, 0.5.6 and 0.4.8, msgpackr, @msgpack/msgpack, msgpack-lite;
//! made by `scripts/gen-encoder-fixtures.sh`, committed so that this test
//! needs neither Python nor node). For every document of every set:
//!
//! 1. it conforms to the profile its encoder is said to follow (sets that
//!    are not maps at the top level conform to none);
//! 2. the oracle admits its length for every prefix (blobs over 16 KiB: the
//!    first 16 KiB of prefixes, then every 509th, and the whole);
//! 3. `decode` returns it: the detector sends it to msgpack and rmpv
//!    decodes it into a model document;
//! 4. this project's encoder for that profile writes the same bytes (with
//!    the encoder's default choices where the profile has one form per
//!    value or models the encoder's choice, with the blob's own forms for
//!    any-width).

use std::path::Path;

use prefixproof::app::fixtures::{self, fixture_keys, LoadedSet};
use prefixproof::detect::decode::{decode, Decoded};
use prefixproof::hex::hex;
use prefixproof::msgpack::{KeySpec, Profile};
use prefixproof::proof::conformance;
use prefixproof::proof::oracle::Parser;
use prefixproof_testkit::encode::{encode, encode_choices, Choices};
use prefixproof_testkit::model::Document;

fn sets() -> Vec<LoadedSet> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/encoders");
    fixtures::load(&dir).unwrap_or_else(|e| panic!("reading the committed fixtures: {e}"))
}

/// Every prefix of up to this many bytes is asked; past it, a spread.
const ALL_PREFIXES_UP_TO: usize = 16 * 1024;

/// Check 2: one parser fed byte by byte, asked after every byte.
fn oracle_admits_every_prefix(profile: Profile, keys: &KeySpec, blob: &[u8]) -> Result<usize, String> {
    let len = blob.len() as u128;
    let mut p = Parser::new(profile, keys.clone());
    let mut asked = 0;
    for n in 0..=blob.len() {
        if n > 0 && !p.feed(&blob[n - 1..n]) {
            return Err(format!("the parse dies at byte {}", n - 1));
        }
        let ask = n <= ALL_PREFIXES_UP_TO || n % 509 == 0 || n == blob.len();
        if ask {
            asked += 1;
            if !p.lengths().contains(len) {
                return Err(format!("the {n}-byte prefix's set {} lacks {len}", p.lengths()));
            }
        }
    }
    Ok(asked)
}

#[test]
fn every_fixture_passes_the_four_checks() {
    let keys = fixture_keys();
    let mut report = Vec::new();
    let mut failures = Vec::new();
    let sets = sets();
    assert!(sets.len() >= 13, "only {} fixture sets", sets.len());
    for s in &sets {
        let m = &s.meta;
        assert_eq!(
            s.blobs.len(),
            m.documents,
            "{}: manifest says {} documents",
            m.set,
            m.documents
        );
        let mut fail = |i: usize, blob: &[u8], what: String| {
            if failures.len() < 20 {
                failures.push(format!(
                    "{} #{i} ({} bytes, {}…): {what}",
                    m.set,
                    blob.len(),
                    hex(&blob[..blob.len().min(24)])
                ));
            }
        };
        let mut passed = 0;
        let mut prefixes = 0;
        for (i, blob) in s.blobs.iter().enumerate() {
            // The one-pass reader `scan` uses keeps exactly the profiles
            // the one-profile checks accept.
            let one_pass = conformance::conforming_profiles(&keys, blob);
            let each: Vec<Profile> = conformance::conform_all(&keys, blob)
                .into_iter()
                .filter(|(_, r)| r.is_ok())
                .map(|(p, _)| p)
                .collect();
            if one_pass.iter().collect::<Vec<_>>() != each {
                fail(
                    i,
                    blob,
                    format!("one pass keeps {one_pass:?}, the checks accept {each:?}"),
                );
            }
            let Some(profile) = m.expected else {
                // Not a map at the top level: no profile may accept it.
                let fits: Vec<_> = conformance::conform_all(&keys, blob)
                    .into_iter()
                    .filter(|(_, r)| r.is_ok())
                    .collect();
                if fits.is_empty() {
                    passed += 1;
                } else {
                    fail(
                        i,
                        blob,
                        format!("conforms to {:?}", fits.iter().map(|f| f.0).collect::<Vec<_>>()),
                    );
                }
                continue;
            };
            // 1. conformance
            if let Err(v) = conformance::check(profile, &keys, blob) {
                fail(i, blob, format!("does not conform to {profile}: {v}"));
                continue;
            }
            // 2. the oracle
            match oracle_admits_every_prefix(profile, &keys, blob) {
                Ok(n) => prefixes += n,
                Err(e) => {
                    fail(i, blob, format!("oracle under {profile}: {e}"));
                    continue;
                }
            }
            // 3. decode
            let doc = match decode(blob) {
                Ok(Decoded::MsgPack(v)) => match Document::from_rmpv(&v) {
                    Ok(doc) => doc,
                    Err(e) => {
                        fail(i, blob, format!("decodes to something outside the model: {e}"));
                        continue;
                    }
                },
                Ok(Decoded::Bson(_)) => {
                    fail(i, blob, "the detector calls it BSON".into());
                    continue;
                }
                Err(e) => {
                    fail(i, blob, format!("decode fails: {e}"));
                    continue;
                }
            };
            // 4. our encoder for the profile writes the same bytes
            let ours = if profile == Profile::AnyWidth {
                let forced = Choices {
                    forced: blob.clone(),
                    seed: None,
                    random_until: 0,
                };
                encode_choices(profile, &doc, &forced)
            } else {
                encode(profile, &doc)
            };
            match ours {
                Ok(bytes) if m.deterministic && bytes != *blob => {
                    let at = bytes
                        .iter()
                        .zip(blob)
                        .position(|(a, b)| a != b)
                        .unwrap_or(bytes.len().min(blob.len()));
                    fail(i, blob, format!("our {profile} encoder differs from byte {at}"));
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    fail(i, blob, format!("our {profile} encoder refuses it: {e}"));
                    continue;
                }
            }
            passed += 1;
        }
        report.push(format!(
            "{}: {}/{} documents pass ({}), {prefixes} prefixes asked",
            m.set,
            passed,
            s.blobs.len(),
            m.expected.map_or("no profile".to_string(), |p| p.to_string())
        ));
    }
    for line in &report {
        println!("{line}");
    }
    assert!(
        failures.is_empty(),
        "fixtures failing their checks:\n{}",
        failures.join("\n")
    );
    let total: usize = sets.iter().map(|s| s.blobs.len()).sum();
    println!(
        "{total} fixture documents from {} sets pass all four checks",
        sets.len()
    );
}

/// The claims of the issue and the SPEC, on the real bytes.
#[test]
fn real_encoders_behave_as_the_profiles_say() {
    let keys = fixture_keys();
    let sets = sets();
    let fits = |name: &str| {
        let s = sets
            .iter()
            .find(|s| s.meta.set == name)
            .unwrap_or_else(|| panic!("no set {name}"));
        fixtures::profiles_of_all(&keys, &s.blobs)
    };
    // Legacy writers fit legacy and nothing stricter.
    for set in [
        "python-msgpack-0.5.6-default",
        "python-msgpack-0.4.8-default",
        "python-msgpack-1.2.4-use_bin_type_false",
        "msgpack-lite-0.2.2-useraw",
    ] {
        let f = fits(set);
        assert!(f.contains(&Profile::Legacy), "{set}: {f:?}");
        assert!(!f.contains(&Profile::Canonical), "{set}: {f:?}");
    }
    // msgpack-lite's bin16 quirk: not canonical, but its own profile.
    let lite = fits("msgpack-lite-0.2.2-default");
    assert!(
        lite.contains(&Profile::MsgpackLite) && !lite.contains(&Profile::Canonical),
        "{lite:?}"
    );
    // msgpackr's pack(): map16 everywhere, nothing else but any-width.
    assert_eq!(fits("msgpackr-2.1.3-pack"), [Profile::AnyWidth, Profile::Msgpackr]);
    // A document mixing map16 and fixmap fits only any-width.
    assert_eq!(fits("msgpackr-2.1.3-mixed-object-and-map"), [Profile::AnyWidth]);
    // Records are not maps.
    assert_eq!(fits("msgpackr-2.1.3-records"), []);
    // Python >= 1.0 and @msgpack/msgpack are canonical.
    for set in ["python-msgpack-1.2.4-default", "msgpack-msgpack-3.1.3-encode"] {
        assert!(fits(set).contains(&Profile::Canonical), "{set}");
    }
}
