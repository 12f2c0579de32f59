//! Benchmarks of the proof's hot paths (`cargo bench`):
//!
//! * `brute/...`: the brute-force sweep over 2^20 consecutive lengths on
//!   one thread (criterion's throughput line is lengths per second per
//!   core; multiply the time by 2^11 for a whole [4, 2^31) sweep);
//! * `walk/...`: the structural walk over the whole of [4, 2^31);
//! * `oracle/...`: one oracle question (a dead prefix, a live one);
//! * `witness/...`: building and verifying the witness at a bound and the
//!   largest one the report builds (throughput in bytes of witness).
//!
//! The machine is shared, so compare figures as ratios within one run
//! (brute over the full range vs the walk) rather than across runs.
//! `examples/timing.rs` prints that ratio directly for one configuration.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use prefixproof::app::config::Config;
use prefixproof::msgpack::Profile;
use prefixproof::msgpack::{FirstChar, Kmax};
use prefixproof::proof::search::{brute, walk};
use prefixproof::proof::witness;

const CHUNK: u64 = 1 << 20;

/// The configurations benchmarked: the post's own case and the two
/// header-width extremes.
fn configs() -> [Config; 3] {
    let c = |profile| Config {
        profile,
        first_char: FirstChar::Alnum,
        kmax: Kmax::Bounded(31),
    };
    [c(Profile::Canonical), c(Profile::Map32Header), c(Profile::AnyWidth)]
}

fn one_thread() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool")
}

fn bench_brute(cr: &mut Criterion) {
    let pool = one_thread();
    let mut g = cr.benchmark_group("brute");
    g.throughput(Throughput::Elements(CHUNK));
    g.sample_size(10);
    for c in configs() {
        let keys = c.keys();
        // A chunk near the canonical bound, where live prefixes occur.
        let start = 3_000_000;
        g.bench_function(BenchmarkId::from_parameter(c), |b| {
            b.iter(|| pool.install(|| brute::colliding_lengths(c.profile, &keys, start..start + CHUNK, None)))
        });
    }
    g.finish();
}

fn bench_walk(cr: &mut Criterion) {
    let mut g = cr.benchmark_group("walk");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    for c in configs() {
        let keys = c.keys();
        g.bench_function(BenchmarkId::from_parameter(c), |b| {
            b.iter(|| walk::colliding_lengths(c.profile, &keys))
        });
    }
    g.finish();
}

fn bench_oracle(cr: &mut Criterion) {
    let c = configs()[0];
    let keys = c.keys();
    let mut g = cr.benchmark_group("oracle");
    // `01 00 00 01` dies on its first byte, like most sweep prefixes;
    // `82 a1 30 00` (the canonical bound) is a live two-entry map.
    for (name, len) in [("dead", 0x0100_0001u64), ("live", 3_187_074)] {
        let mut asker = brute::Asker::new(c.profile, &keys);
        g.bench_function(name, |b| b.iter(|| asker.collides(black_box(len))));
    }
    g.finish();
}

fn bench_witness(cr: &mut Criterion) {
    let mut g = cr.benchmark_group("witness");
    g.sample_size(10);
    for c in configs() {
        let keys = c.keys();
        // The bound's witness, and the largest the report builds: the
        // twentieth colliding length (a map of a million entries for the
        // map32-header profile).
        let colliding = walk::colliding_lengths(c.profile, &keys);
        for len in [colliding[0], colliding[19]].map(u64::from) {
            g.throughput(Throughput::Bytes(len));
            g.bench_function(BenchmarkId::new(c.to_string(), len), |b| {
                b.iter(|| {
                    let blob = witness::build_colliding(c.profile, &keys, len).expect("witness");
                    witness::verify(c.profile, &keys, &blob).expect("verified");
                    blob.len()
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench_brute, bench_walk, bench_oracle, bench_witness);
criterion_main!(benches);
