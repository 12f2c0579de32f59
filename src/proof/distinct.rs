//! Finding the first repeated key of a map that may have millions of them.
//!
//! The witness checks and the conformance judge both require a map's keys
//! to be distinct, and a witness map can hold over a million keys. A hash
//! set of that size misses the cache on nearly every insert, which made
//! this one check a third of a witness's verification. [`first_repeat`]
//! splits the keys by hash into groups that fit in the cache first, then
//! finds repeats group by group: the same answer, a few times faster.
//!
//! It owns only the search for equal byte strings; what a key is, and
//! which keys are allowed, belong to the callers. How the keys are grouped
//! changes only the speed, never the answer.

use std::hash::BuildHasher;

use ahash::RandomState;
use hashbrown::HashTable;

/// Keys per group, about: a group's table of indexes then stays in the L2
/// cache while it is filled.
const GROUP: usize = 1 << 12;

/// The index of the first key equal to an earlier one, if any.
pub(crate) fn first_repeat(keys: &[&[u8]]) -> Option<usize> {
    // Random seeds: the answer does not depend on the hash, and keys from
    // an untrusted store then cannot be chosen to collide.
    first_repeat_hashed_by(keys, &RandomState::new())
}

/// [`first_repeat`], with the hash function given (the tests give one
/// whose every hash collides).
fn first_repeat_hashed_by(keys: &[&[u8]], hasher: &impl BuildHasher) -> Option<usize> {
    let hashed = keys.iter().enumerate().map(|(i, k)| (hasher.hash_one(k), i as u32));
    if keys.len() <= GROUP {
        let group: Vec<(u64, u32)> = hashed.collect();
        return first_repeat_in(keys, &group, &mut HashTable::new());
    }
    // Group by bits the table does not use for its slots (the low bits)
    // or its tags (the top 7), so that keys within a group still spread.
    let groups = (keys.len() / GROUP).next_power_of_two();
    let group_of = |h: u64| ((h >> 32) as usize) & (groups - 1);
    let hashed: Vec<(u64, u32)> = hashed.collect();
    let mut starts = vec![0usize; groups + 1];
    for &(h, _) in &hashed {
        starts[group_of(h) + 1] += 1;
    }
    for g in 0..groups {
        starts[g + 1] += starts[g];
    }
    // A stable counting sort by group: each group lists its keys in order,
    // next to their hashes, so that filling a group's table reads memory
    // in order instead of all over the key list.
    let mut next = starts.clone();
    let mut grouped = vec![(0u64, 0u32); keys.len()];
    for &(h, i) in &hashed {
        let g = group_of(h);
        grouped[next[g]] = (h, i);
        next[g] += 1;
    }
    let mut table = HashTable::new();
    let mut first: Option<usize> = None;
    for g in 0..groups {
        if let Some(i) = first_repeat_in(keys, &grouped[starts[g]..starts[g + 1]], &mut table) {
            first = Some(first.map_or(i, |f| f.min(i)));
        }
    }
    first
}

/// The first key of `group` (hashes and indexes into `keys`, in increasing
/// order of index) equal to an earlier one of the group.
fn first_repeat_in(keys: &[&[u8]], group: &[(u64, u32)], table: &mut HashTable<(u64, u32)>) -> Option<usize> {
    table.clear();
    table.reserve(group.len(), |&(h, _)| h);
    for &(h, i) in group {
        // The keys themselves are read only when their hashes are equal.
        if table
            .find(h, |&(hj, j)| hj == h && keys[j as usize] == keys[i as usize])
            .is_some()
        {
            return Some(i as usize);
        }
        table.insert_unique(h, (h, i), |&(h, _)| h);
    }
    None
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The plain way: a sorted set of the keys seen so far.
    fn by_sorted_set(keys: &[&[u8]]) -> Option<usize> {
        let mut seen = BTreeSet::new();
        keys.iter().position(|k| !seen.insert(*k))
    }

    #[test]
    fn small_maps_by_hand() {
        assert_eq!(first_repeat(&[]), None);
        assert_eq!(first_repeat(&[b"a"]), None);
        assert_eq!(first_repeat(&[b"a", b"b", b"ab", b""]), None);
        assert_eq!(first_repeat(&[b"a", b"b", b"a", b"b"]), Some(2));
        assert_eq!(first_repeat(&[b"a", b"b", b"b", b"a"]), Some(2));
        assert_eq!(first_repeat(&[b"", b"x", b""]), Some(2));
    }

    /// Equal hashes do not make equal keys: with a hash function under
    /// which every key collides, only the keys' bytes decide.
    #[test]
    fn colliding_hashes_are_told_apart_by_the_keys() {
        #[derive(Default)]
        struct Zero;
        impl std::hash::Hasher for Zero {
            fn finish(&self) -> u64 {
                0
            }
            fn write(&mut self, _: &[u8]) {}
        }
        let zero = std::hash::BuildHasherDefault::<Zero>::default();
        let owned: Vec<Vec<u8>> = (0..300u32).map(|i| format!("k{i}").into_bytes()).collect();
        let mut keys: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
        assert_eq!(first_repeat_hashed_by(&keys, &zero), None);
        keys[250] = keys[17];
        assert_eq!(first_repeat_hashed_by(&keys, &zero), Some(250));
        assert_eq!(by_sorted_set(&keys), Some(250));
    }

    /// Maps large enough to be split into groups, with repeats planted at
    /// chosen places: the answer is the plain way's, and the planted one.
    #[test]
    fn large_maps_agree_with_a_sorted_set() {
        let n = 50 * GROUP;
        let owned: Vec<Vec<u8>> = (0..n as u32).map(|i| format!("k{i}").into_bytes()).collect();
        let distinct: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
        assert_eq!(first_repeat(&distinct), None);
        assert_eq!(by_sorted_set(&distinct), None);
        // (index of the repeat, index of the key it repeats)
        let plants = [(n - 1, 0), (n / 2, n / 2 - 1), (7, 3), (GROUP + 1, 5 * GROUP)];
        for (at, of) in plants {
            let mut keys = distinct.clone();
            keys[at] = keys[of];
            let expected = at.max(of);
            assert_eq!(by_sorted_set(&keys), Some(expected), "plant {at} <- {of}");
            assert_eq!(first_repeat(&keys), Some(expected), "plant {at} <- {of}");
        }
        // Two repeats: the earlier one is the answer.
        let mut keys = distinct.clone();
        keys[40 * GROUP] = keys[2];
        keys[30 * GROUP] = keys[1];
        assert_eq!(first_repeat(&keys), Some(30 * GROUP));
        assert_eq!(by_sorted_set(&keys), Some(30 * GROUP));
    }
}
