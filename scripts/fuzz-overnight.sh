#!/usr/bin/env bash
# Overnight fuzzing: every cargo-fuzz target for its share of the time.
#
#   scripts/fuzz-overnight.sh [HOURS] [JOBS]      (defaults: 8 hours, all cores)
#
# 1. installs cargo-fuzz if missing;
# 2. picks the toolchain: nightly with AddressSanitizer when a nightly is
#    installed, otherwise stable with `-s none` (FUZZ_SANITIZER=none forces
#    the latter);
# 3. writes seed corpora (the `seed_corpus` example);
# 4. runs each target for an equal share of HOURS on JOBS cores (libFuzzer's
#    fork mode, which keeps going after a crash, OOM or timeout);
# 5. minimises every corpus (`cargo fuzz cmin`);
# 6. copies every crash/OOM/timeout/leak artifact into
#    fuzz/regressions/<target>/, where `cargo test --test fuzz_regressions`
#    replays it (so it fails the tests until fixed);
# 7. writes its rows of reports/fuzz-summary.csv (FUZZ_SUMMARY=path to
#    write elsewhere; rows of the other sanitizer mode are kept) and prints
#    a summary.
#
# Exit status: 0 if no target crashed, 1 if any did, 2 on a usage or setup
# error. FUZZ_TARGETS="a b" restricts the run to some targets. Logs go to
# fuzz/logs/<target>.log.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "fuzz-overnight: error: $*" >&2; exit 2; }

case "${1:-}" in -h | --help) usage; exit 0 ;; esac
HOURS=${1:-8}
JOBS=${2:-$(nproc 2>/dev/null || echo 1)}
[[ $HOURS =~ ^[0-9]+([.][0-9]+)?$ ]] || die "HOURS must be a positive number, got '$HOURS'"
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "JOBS must be a positive integer, got '$JOBS'"

# shellcheck source=scripts/lib-fuzz.sh
. scripts/lib-fuzz.sh
read -r -a TARGETS <<<"${FUZZ_TARGETS:-${ALL_TARGETS[*]}}"
for t in "${TARGETS[@]}"; do
  [[ " ${ALL_TARGETS[*]} " == *" $t "* ]] || die "unknown target '$t' (known: ${ALL_TARGETS[*]})"
done
PER_TARGET=$(awk -v h="$HOURS" -v n="${#TARGETS[@]}" 'BEGIN { s = int(h * 3600 / n); print (s < 10 ? 10 : s) }')

log() { echo "[fuzz-overnight $(date +%H:%M:%S)] $*"; }

fuzz_setup
COMMON=(-timeout=30 -max_len=65536 -print_final_stats=1)

artifact_count() { # target
  find "fuzz/artifacts/$1" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) 2>/dev/null | wc -l
}

log "mode: $MODE; $HOURS h over ${#TARGETS[@]} targets = ${PER_TARGET}s each on $JOBS core(s)"
log "building the fuzz targets"
"${FUZZ[@]}" build "${SAN[@]}" || die "building the fuzz targets failed"
log "writing seed corpora"
write_seed_corpora

mkdir -p fuzz/logs reports
declare -A SECS EXECS COV FT CRASHES
any_crash=0
for t in "${TARGETS[@]}"; do
  mkdir -p "fuzz/artifacts/$t"
  before=$(artifact_count "$t")
  logf="fuzz/logs/$t.log"
  log "fuzzing $t for ${PER_TARGET}s on $JOBS core(s) (log: $logf)"
  start=$(date +%s)
  # shellcheck disable=SC2046 # limits are meant to split into flags
  if "${FUZZ[@]}" run "${SAN[@]}" "$t" -- "${COMMON[@]}" $(limits "$t") \
    -max_total_time="$PER_TARGET" -fork="$JOBS" -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
    >"$logf" 2>&1; then
    status=ok
  else
    status="exit $?"
  fi
  SECS[$t]=$(($(date +%s) - start))
  # Fork mode prints "#N: cov: C ft: F corp: K exec/s: ..." lines; a plain
  # run prints "#N DONE cov: C ft: F corp: K/..." and stat:: lines.
  EXECS[$t]=$(grep -a 'stat::number_of_executed_units' "$logf" | tail -1 | awk '{print $2}' || true)
  if [[ -z ${EXECS[$t]} ]]; then
    EXECS[$t]=$(grep -aE '^#[0-9]+:? .*cov: ' "$logf" | tail -1 | sed -E 's/^#([0-9]+).*/\1/' || true)
  fi
  line=$(grep -aE 'cov: [0-9]+ ft: [0-9]+' "$logf" | tail -1 || true)
  COV[$t]=$(sed -nE 's/.*cov: ([0-9]+).*/\1/p' <<<"$line")
  FT[$t]=$(sed -nE 's/.*ft: ([0-9]+).*/\1/p' <<<"$line")
  CRASHES[$t]=$(($(artifact_count "$t") - before))
  if ((CRASHES[$t] > 0)) || [[ $status != ok ]]; then
    any_crash=1
    log "$t: ${CRASHES[$t]} new artifact(s), fuzzer $status; see $logf"
  fi
done

log "minimising corpora (cargo fuzz cmin)"
for t in "${TARGETS[@]}"; do
  # shellcheck disable=SC2046
  "${FUZZ[@]}" cmin "${SAN[@]}" "$t" -- -timeout=30 $(limits "$t") >"fuzz/logs/$t.cmin.log" 2>&1 ||
    log "warning: cmin of $t failed (corpus left as is); see fuzz/logs/$t.cmin.log"
done

log "copying artifacts into fuzz/regressions/"
copied=0
for t in "${TARGETS[@]}"; do
  mkdir -p "fuzz/regressions/$t"
  while IFS= read -r -d '' f; do
    dest="fuzz/regressions/$t/$(basename "$f")"
    if [[ ! -e $dest ]]; then
      cp "$f" "$dest"
      copied=$((copied + 1))
      log "  $dest"
    fi
  done < <(find "fuzz/artifacts/$t" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) -print0 2>/dev/null)
done

# The summary keeps one block of rows per sanitizer: this run replaces the
# rows of its own mode and keeps the other mode's, so an ASan run and a
# `-s none` run (even concurrent ones, hence the lock) share one file.
summary=${FUZZ_SUMMARY:-reports/fuzz-summary.csv}
header="sanitizer,target,seconds,executions,executions_per_second,corpus_size,coverage_features,crashes"
rows=$(mktemp)
printf '\n%-20s %8s %12s %8s %8s %8s %8s %8s\n' target seconds execs exec/s corpus cov ft crashes
for t in "${TARGETS[@]}"; do
  execs=${EXECS[$t]:-0}
  secs=${SECS[$t]}
  rate=$(awk -v e="$execs" -v s="$secs" 'BEGIN { printf "%d", (s > 0 ? e / s : 0) }')
  corpus=$(find "fuzz/corpus/$t" -maxdepth 1 -type f 2>/dev/null | wc -l)
  echo "$SANITIZER,$t,$secs,$execs,$rate,$corpus,${FT[$t]:-0},${CRASHES[$t]}" >>"$rows"
  printf '%-20s %8s %12s %8s %8s %8s %8s %8s\n' "$t" "$secs" "$execs" "$rate" "$corpus" "${COV[$t]:-?}" "${FT[$t]:-?}" "${CRASHES[$t]}"
done
mkdir -p "$(dirname "$summary")"
(
  flock 9
  kept=$(mktemp)
  if [[ -f $summary ]] && [[ $(head -1 "$summary") == "$header" ]]; then
    tail -n +2 "$summary" | awk -F, -v m="$SANITIZER" '$1 != m' >"$kept"
  fi
  { echo "$header"; sort -t, -k1,1 -s "$kept" "$rows"; } >"$summary.tmp"
  mv "$summary.tmp" "$summary"
  rm -f "$kept"
) 9>>"$summary.lock"
rm -f "$rows" "$summary.lock"
echo
log "mode: $MODE; wrote $summary; $copied new input(s) in fuzz/regressions/"
if ((any_crash)); then
  log "FAILURES: run 'cargo test --test fuzz_regressions' to replay them; logs in fuzz/logs/"
  exit 1
fi
log "no crashes"
