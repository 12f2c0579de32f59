#!/usr/bin/env bash
# CI smoke test of the fuzz targets: build all of them once, then run each
# for SECONDS (default 30) from the seed corpora, one per core at a time;
# fail on any crash.
#
#   scripts/fuzz-smoke.sh [SECONDS]
#   scripts/fuzz-smoke.sh --build-only
#
# (--build-only builds the targets and stops: CI builds them while the
# tests run, then smoke-runs them.)
#
# Uses nightly + AddressSanitizer when a nightly toolchain is installed,
# otherwise stable with `-s none` (FUZZ_SANITIZER=none forces the latter).
# Installs cargo-fuzz if missing. Writes nothing outside fuzz/
# (corpora, artifacts and logs there are git-ignored). A crash leaves its
# input in fuzz/artifacts/<target>/: copy it into fuzz/regressions/<target>/
# to make it a test.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "fuzz-smoke: error: $*" >&2; exit 2; }
log() { echo "[fuzz-smoke $(date +%H:%M:%S)] $*"; }

case "${1:-}" in -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
BUILD_ONLY=false
if [[ ${1:-} == --build-only ]]; then
  BUILD_ONLY=true
  shift
fi
SECS=${1:-30}
[[ $SECS =~ ^[1-9][0-9]*$ ]] || die "SECONDS must be a positive integer, got '$SECS'"
# shellcheck source=scripts/lib-fuzz.sh
. scripts/lib-fuzz.sh
TARGETS=("${ALL_TARGETS[@]}")
fuzz_setup

log "mode: $MODE; ${SECS}s per target"
log "building the fuzz targets"
"${FUZZ[@]}" build "${SAN[@]}" || die "building the fuzz targets failed"
if $BUILD_ONLY; then
  log "built (--build-only: not running them)"
  exit 0
fi
log "writing seed corpora"
write_seed_corpora

mkdir -p fuzz/logs
# One target per core at a time (each libFuzzer run is single-threaded).
run_target() {
  local t=$1
  # shellcheck disable=SC2046 # limits are meant to split into flags
  if "${FUZZ[@]}" run "${SAN[@]}" "$t" -- -max_total_time="$SECS" -timeout=30 -max_len=65536 \
    -print_final_stats=1 $(limits "$t") >"fuzz/logs/$t.smoke.log" 2>&1; then
    echo ok >"fuzz/logs/$t.smoke.result"
  else
    echo FAILED >"fuzz/logs/$t.smoke.result"
  fi
}
cores=$(nproc)
for t in "${TARGETS[@]}"; do
  rm -f "fuzz/logs/$t.smoke.result"
  while (($(jobs -rp | wc -l) >= cores)); do wait -n || true; done
  run_target "$t" &
done
wait
failed=()
printf '%-20s %10s %8s %8s %8s\n' target execs exec/s cov ft
for t in "${TARGETS[@]}"; do
  logf="fuzz/logs/$t.smoke.log"
  result=$(cat "fuzz/logs/$t.smoke.result" 2>/dev/null || echo FAILED)
  [[ $result == ok ]] || failed+=("$t")
  execs=$(grep -a 'stat::number_of_executed_units' "$logf" | tail -1 | awk '{print $2}' || true)
  rate=$(grep -a 'stat::average_exec_per_sec' "$logf" | tail -1 | awk '{print $2}' || true)
  line=$(grep -aE 'cov: [0-9]+ ft: [0-9]+' "$logf" | tail -1 || true)
  printf '%-20s %10s %8s %8s %8s %s\n' "$t" "${execs:-?}" "${rate:-?}" \
    "$(sed -nE 's/.*cov: ([0-9]+).*/\1/p' <<<"$line")" "$(sed -nE 's/.*ft: ([0-9]+).*/\1/p' <<<"$line")" "$result"
  if [[ $result != ok ]]; then
    echo "---- $t: what failed (full log: $logf) ----"
    grep -aE 'panicked at|fuzz finding|==[0-9]+== ?ERROR|SUMMARY:|Test unit written to|Error:' "$logf" | cut -c1-500 | head -12 || true
    echo "----"
  fi
done

if ((${#failed[@]})); then
  log "FAILED: ${failed[*]} (inputs in fuzz/artifacts/<target>/, logs in fuzz/logs/)"
  exit 1
fi
log "all ${#TARGETS[@]} fuzz targets ran ${SECS}s without a crash"
