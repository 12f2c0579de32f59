# Shared set-up for the fuzz scripts (sourced, not run).
#
# Defines, for scripts/fuzz-smoke.sh and scripts/fuzz-overnight.sh:
#   ALL_TARGETS   the cargo-fuzz targets in fuzz/fuzz_targets/
#   FUZZ, SAN     the cargo-fuzz command and its sanitizer flags
#   SANITIZER     "address" or "none" (what SAN selects)
#   MODE          a readable description of the two
#   limits T      libFuzzer memory limits for target T
#   write_seed_corpora  writes fuzz/corpus/ with the `seed_corpus` example
#   fuzz_setup    installs cargo-fuzz if missing, then picks FUZZ/SAN/MODE:
#                 nightly + AddressSanitizer when a nightly toolchain is
#                 installed, otherwise stable with `-s none`
#                 (FUZZ_SANITIZER=none forces the latter).
# The sourcing script defines log() and die().

ALL_TARGETS=(misread_below_bound bson_roundtrip decode_bytes oracle_vs_raw profile_conformance detectors)

fuzz_setup() {
  if ! command -v cargo-fuzz >/dev/null 2>&1; then
    log "cargo-fuzz not found: installing it (cargo install cargo-fuzz --locked)"
    cargo install cargo-fuzz --locked || die "could not install cargo-fuzz"
  fi
  if [[ ${FUZZ_SANITIZER:-} != none ]] && rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    FUZZ=(cargo +nightly fuzz)
    SAN=(-s address)
    SANITIZER=address
    MODE="nightly + AddressSanitizer"
  else
    FUZZ=(cargo fuzz)
    SAN=(-s none)
    SANITIZER=none
    MODE="stable, no sanitizer (-s none)"
  fi
}

# decode_bytes gets tight memory limits, so a blob that makes the decoder
# allocate by a header's word is reported as an OOM. (The per-allocation
# malloc limit needs a sanitizer's malloc hooks; with -s none only the RSS
# limit applies.)
limits() {
  case "$1" in
    decode_bytes) echo "-rss_limit_mb=512 -malloc_limit_mb=64" ;;
    *) echo "-rss_limit_mb=2048 -malloc_limit_mb=512" ;;
  esac
}

# The seeds come from an example of the tool's crate, in the dev profile:
# `cargo test` has built it already (the README's test command, and CI's
# step before the fuzz smoke run), so this compiles nothing more there.
write_seed_corpora() {
  cargo run --quiet --example seed_corpus -- fuzz/corpus || die "writing the seed corpora failed"
}
