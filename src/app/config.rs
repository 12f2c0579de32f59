//! A configuration: one encoder profile plus one key specification, named
//! the way the reports name them.

use std::fmt;

use crate::msgpack::{FirstChar, KeySpec, Kmax, Profile};

/// One row of the reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Config {
    pub profile: Profile,
    pub first_char: FirstChar,
    pub kmax: Kmax,
}

impl Config {
    pub fn keys(&self) -> KeySpec {
        KeySpec::new(self.first_char, self.kmax)
    }

    /// The 40 configurations of the reports, in report order.
    pub fn all() -> Vec<Config> {
        Config::of(&Profile::REPORTED)
    }

    /// The same key rules under the profiles named after encoders
    /// (msgpackr, msgpack-lite, ...), in [`Profile::ALL`] order.
    pub fn named_encoders() -> Vec<Config> {
        let named: Vec<Profile> = Profile::ALL
            .into_iter()
            .filter(|p| !Profile::REPORTED.contains(p))
            .collect();
        Config::of(&named)
    }

    /// Every key rule of the reports under each of `profiles`.
    fn of(profiles: &[Profile]) -> Vec<Config> {
        let mut out = Vec::new();
        for &profile in profiles {
            for first_char in FirstChar::ALL {
                for kmax in Kmax::REPORTED {
                    out.push(Config {
                        profile,
                        first_char,
                        kmax,
                    });
                }
            }
        }
        out
    }

    /// The post's claimed bound for this first-character rule.
    pub fn blog_claim(&self) -> u32 {
        match self.first_char {
            FirstChar::Alnum => 3_187_073,
            FirstChar::Ident => 6_398_337,
        }
    }
}

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {} / kmax {}", self.profile, self.first_char, self.kmax)
    }
}
