//! The finished keys of one map.
//!
//! Keys are stored end to end in one buffer and found through a hash table
//! of their numbers, so a map of a million keys (a witness's) costs no
//! allocation per key, and a cleared set keeps its memory for the next map
//! (a sweep parses hundreds of millions of small maps).
//!
//! This module owns only the storage; which keys a map may have is the
//! parser's business.

use std::fmt;

use ahash::RandomState;
use hashbrown::HashTable;

/// A set of distinct byte strings, in the order they were added.
#[derive(Clone, Default)]
pub struct KeySet {
    /// Every key, end to end.
    bytes: Vec<u8>,
    /// Where each key ends in `bytes`; key `i` starts where key `i - 1`
    /// ends.
    ends: Vec<usize>,
    /// Key numbers, by the hash of their bytes.
    index: HashTable<usize>,
    hasher: RandomState,
}

impl KeySet {
    /// An empty set hashing with `hasher` (seeding a fresh hasher per map
    /// would cost a sweep more than its parse).
    pub(crate) fn with_hasher(hasher: RandomState) -> Self {
        KeySet {
            hasher,
            ..KeySet::default()
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn contains(&self, key: &[u8]) -> bool {
        self.holds(self.hasher.hash_one(key), key)
    }

    /// Whether `key`, whose hash is `hash`, is in the set.
    fn holds(&self, hash: u64, key: &[u8]) -> bool {
        self.index
            .find(hash, |&i| key_at(&self.bytes, &self.ends, i) == key)
            .is_some()
    }

    /// Add `key`; `false` (and no change) if it is already in the set.
    pub(crate) fn insert(&mut self, key: &[u8]) -> bool {
        let hash = self.hasher.hash_one(key);
        if self.holds(hash, key) {
            return false;
        }
        self.bytes.extend_from_slice(key);
        self.ends.push(self.bytes.len());
        let (bytes, ends, hasher) = (&self.bytes, &self.ends, &self.hasher);
        self.index
            .insert_unique(hash, ends.len() - 1, |&i| hasher.hash_one(key_at(bytes, ends, i)));
        true
    }

    /// Empty the set, keeping its memory.
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
        self.index.clear();
    }

    /// The keys, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.len()).map(|i| key_at(&self.bytes, &self.ends, i))
    }
}

/// Key number `i` of keys stored end to end in `bytes`, ending at `ends`.
fn key_at<'a>(bytes: &'a [u8], ends: &[usize], i: usize) -> &'a [u8] {
    let start = if i == 0 { 0 } else { ends[i - 1] };
    &bytes[start..ends[i]]
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(String::from_utf8_lossy)).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_distinct_keys_in_order() {
        let mut set = KeySet::with_hasher(RandomState::new());
        assert!(set.is_empty());
        for key in [&b"b"[..], b"", b"ab", b"a"] {
            assert!(set.insert(key), "{key:?} is new");
        }
        for key in [&b"b"[..], b"", b"ab", b"a"] {
            assert!(set.contains(key));
            assert!(!set.insert(key), "{key:?} is already in");
        }
        assert!(!set.contains(b"ba"));
        assert!(!set.contains(b"abc"));
        assert_eq!(set.len(), 4);
        assert_eq!(set.iter().collect::<Vec<_>>(), [&b"b"[..], b"", b"ab", b"a"]);
        set.clear();
        assert!(set.is_empty() && !set.contains(b"b") && set.iter().next().is_none());
        assert!(set.insert(b"b"));
        assert_eq!(set.iter().collect::<Vec<_>>(), [&b"b"[..]]);
    }

    #[test]
    fn debug_lists_the_keys_in_order() {
        let mut set = KeySet::with_hasher(RandomState::new());
        for key in [&b"b"[..], b"", b"a\xff"] {
            set.insert(key);
        }
        // A byte that is not UTF-8 shows as the replacement character.
        assert_eq!(format!("{set:?}"), "{\"b\", \"\", \"a\u{fffd}\"}");
    }

    #[test]
    fn many_keys() {
        let mut set = KeySet::with_hasher(RandomState::new());
        for i in 0..100_000u32 {
            assert!(set.insert(i.to_string().as_bytes()));
        }
        assert_eq!(set.len(), 100_000);
        for i in 0..100_000u32 {
            assert!(set.contains(i.to_string().as_bytes()));
            assert!(!set.contains(format!("x{i}").as_bytes()));
        }
        assert_eq!(set.iter().nth(12_345), Some(&b"12345"[..]));
    }
}
