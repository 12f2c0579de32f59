//! Sets of document lengths: finite unions of inclusive ranges, where a
//! range may be unbounded above.
//!
//! The oracle's answer for a prefix is such a set. Lengths are `u128` so
//! that sums of many maximal headers and keys never overflow; `INF` stands
//! for "no upper bound", and arithmetic saturates so that `INF` plus
//! anything stays `INF`.

use std::fmt;

use smallvec::{smallvec, SmallVec};

/// Marks an unbounded upper end.
pub const INF: u128 = u128::MAX;

/// A set of lengths: sorted, disjoint, non-adjacent inclusive ranges.
///
/// The oracle's sets nearly always have one or two ranges; those are kept
/// inline, so a sweep's questions allocate nothing.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct LengthSet {
    ranges: SmallVec<[(u128, u128); 2]>,
}

impl LengthSet {
    pub fn empty() -> Self {
        LengthSet {
            ranges: SmallVec::new(),
        }
    }

    pub fn single(n: u128) -> Self {
        Self::range(n, n)
    }

    /// `lo..=hi` (empty if `lo > hi`).
    pub fn range(lo: u128, hi: u128) -> Self {
        if lo > hi {
            Self::empty()
        } else {
            LengthSet {
                ranges: smallvec![(lo, hi)],
            }
        }
    }

    /// `lo..` without upper bound.
    pub fn at_least(lo: u128) -> Self {
        Self::range(lo, INF)
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    pub fn ranges(&self) -> &[(u128, u128)] {
        &self.ranges
    }

    pub fn min(&self) -> Option<u128> {
        self.ranges.first().map(|r| r.0)
    }

    /// The largest member, `Some(INF)` if unbounded.
    pub fn max(&self) -> Option<u128> {
        self.ranges.last().map(|r| r.1)
    }

    pub fn contains(&self, n: u128) -> bool {
        // Sets here have a handful of ranges; a linear scan is fastest.
        self.ranges.iter().any(|&(lo, hi)| lo <= n && n <= hi)
    }

    /// The union of two sets.
    pub fn union(&self, other: &LengthSet) -> LengthSet {
        let mut all: SmallVec<[(u128, u128); 4]> = self.ranges.iter().chain(&other.ranges).copied().collect();
        all.sort_unstable();
        let mut out: SmallVec<[(u128, u128); 2]> = SmallVec::with_capacity(all.len());
        for (lo, hi) in all {
            match out.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        LengthSet { ranges: out }
    }

    /// Every member plus `k`.
    pub fn shift(&self, k: u128) -> LengthSet {
        LengthSet {
            ranges: self
                .ranges
                .iter()
                .map(|&(lo, hi)| (lo.saturating_add(k), hi.saturating_add(k)))
                .collect(),
        }
    }

    /// The Minkowski sum `{a + b : a in self, b in other}`.
    pub fn plus(&self, other: &LengthSet) -> LengthSet {
        // Fast paths for the shapes the oracle produces on every call.
        match (self.ranges.as_slice(), other.ranges.as_slice()) {
            ([], _) | (_, []) => return LengthSet::empty(),
            (_, [(0, 0)]) => return self.clone(),
            ([(0, 0)], _) => return other.clone(),
            ([(a, _), ..], [(b, INF)]) | ([(a, INF)], [(b, _), ..]) => {
                return LengthSet::at_least(a.saturating_add(*b))
            }
            _ => {}
        }
        let mut out = LengthSet::empty();
        for &(alo, ahi) in &self.ranges {
            for &(blo, bhi) in &other.ranges {
                out = out.union(&LengthSet::range(alo.saturating_add(blo), ahi.saturating_add(bhi)));
            }
        }
        out
    }
}

impl fmt::Display for LengthSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ranges.is_empty() {
            return f.write_str("{}");
        }
        for (i, &(lo, hi)) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(" ∪ ")?;
            }
            match (lo, hi) {
                (lo, INF) => write!(f, "[{lo}, ∞)")?,
                (lo, hi) if lo == hi => write!(f, "{{{lo}}}")?,
                (lo, hi) => write!(f, "[{lo}, {hi}]")?,
            }
        }
        Ok(())
    }
}

impl fmt::Debug for LengthSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Membership of small sets, checked against explicit bit vectors.
    fn members(s: &LengthSet, upto: u128) -> Vec<u128> {
        (0..upto).filter(|n| s.contains(*n)).collect()
    }

    #[test]
    fn union_and_plus_agree_with_pointwise_definitions() {
        let a = LengthSet::range(2, 4).union(&LengthSet::single(9));
        let b = LengthSet::single(0).union(&LengthSet::range(5, 6));
        let sum = a.plus(&b);
        let mut expected = vec![];
        for x in members(&a, 40) {
            for y in members(&b, 40) {
                expected.push(x + y);
            }
        }
        expected.sort();
        expected.dedup();
        assert_eq!(members(&sum, 40), expected);
        let u = a.union(&b);
        let mut ue: Vec<u128> = members(&a, 40).into_iter().chain(members(&b, 40)).collect();
        ue.sort();
        ue.dedup();
        assert_eq!(members(&u, 40), ue);
    }

    /// Every set over a window of `W` small lengths, with or without every
    /// length from `W` up: a pointwise model and the set built from it.
    const W: u128 = 6;

    fn all_small_sets() -> Vec<(Vec<bool>, LengthSet)> {
        let mut out = Vec::new();
        for bits in 0..1u32 << W {
            for tail in [false, true] {
                let model: Vec<bool> = (0..3 * W)
                    .map(|n| if n < W { bits >> n & 1 == 1 } else { tail })
                    .collect();
                let mut set = LengthSet::empty();
                for n in (0..W).filter(|&n| bits >> n & 1 == 1) {
                    set = set.union(&LengthSet::single(n));
                }
                if tail {
                    set = set.union(&LengthSet::at_least(W));
                }
                out.push((model, set));
            }
        }
        out
    }

    /// Sorted, disjoint and not touching, as every operation must leave it.
    fn assert_normal(s: &LengthSet) {
        for &(lo, hi) in s.ranges() {
            assert!(lo <= hi, "{s}");
        }
        for w in s.ranges().windows(2) {
            assert!(w[0].1 < INF && w[0].1 + 1 < w[1].0, "{s}");
        }
    }

    /// Every operation against its pointwise definition, for every pair of
    /// small sets (the model covers lengths below `3 W`; beyond that, a
    /// set either has every length or none).
    #[test]
    fn operations_agree_with_pointwise_definitions_on_all_small_sets() {
        let sets = all_small_sets();
        let window = 3 * W;
        let has = |m: &[bool], n: u128| m[n.min(window - 1) as usize];
        let unbounded = |m: &[bool]| m[window as usize - 1];
        let mut pairs = 0;
        for (a, sa) in &sets {
            assert_normal(sa);
            for n in 0..window {
                assert_eq!(sa.contains(n), has(a, n), "{sa} contains {n}");
            }
            assert_eq!(sa.contains(INF), unbounded(a), "{sa} contains INF");
            assert_eq!(sa.is_empty(), !a.contains(&true));
            let min = (0..window).find(|&n| has(a, n));
            assert_eq!(sa.min(), min, "min of {sa}");
            let max = if unbounded(a) {
                Some(INF)
            } else {
                (0..window).rev().find(|&n| has(a, n))
            };
            assert_eq!(sa.max(), max, "max of {sa}");
            for k in [0, 1, 5] {
                let shifted = sa.shift(k);
                assert_normal(&shifted);
                for n in 0..window {
                    assert_eq!(shifted.contains(n + k), has(a, n), "{sa} shifted by {k}");
                }
                assert_eq!(shifted.contains(INF), unbounded(a));
                assert_eq!(shifted.min(), min.map(|m| m + k));
            }
            for (b, sb) in &sets {
                pairs += 1;
                let u = sa.union(sb);
                assert_normal(&u);
                for n in 0..window {
                    assert_eq!(u.contains(n), has(a, n) || has(b, n), "{sa} ∪ {sb} at {n}");
                }
                assert_eq!(u.contains(INF), unbounded(a) || unbounded(b));
                let sum = sa.plus(sb);
                assert_normal(&sum);
                for n in 0..window {
                    let expected = (0..=n).any(|x| has(a, x) && has(b, n - x));
                    assert_eq!(sum.contains(n), expected, "{sa} + {sb} at {n}");
                }
                let sum_unbounded = !sa.is_empty() && !sb.is_empty() && (unbounded(a) || unbounded(b));
                assert_eq!(sum.contains(INF), sum_unbounded, "{sa} + {sb} at INF");
                assert_eq!(sum.max() == Some(INF), sum_unbounded, "{sa} + {sb}: max");
            }
        }
        assert_eq!(pairs, (2u64 << W).pow(2), "every pair of small sets was checked");
    }

    #[test]
    fn display() {
        assert_eq!(LengthSet::empty().to_string(), "{}");
        assert_eq!(LengthSet::single(5).to_string(), "{5}");
        assert_eq!(
            LengthSet::range(2, 4).union(&LengthSet::single(9)).to_string(),
            "[2, 4] ∪ {9}"
        );
        assert_eq!(
            LengthSet::single(3).union(&LengthSet::at_least(7)).to_string(),
            "{3} ∪ [7, ∞)"
        );
        assert_eq!(format!("{:?}", LengthSet::range(1, 2)), "[1, 2]");
    }

    #[test]
    fn adjacent_ranges_merge_and_rays_absorb() {
        let s = LengthSet::range(1, 3).union(&LengthSet::range(4, 5));
        assert_eq!(s.ranges(), &[(1, 5)]);
        let r = LengthSet::single(7).plus(&LengthSet::at_least(3));
        assert_eq!(r.ranges(), &[(10, INF)]);
        assert_eq!(r.to_string(), "[10, ∞)");
        assert!(LengthSet::empty().plus(&r).is_empty());
    }
}
