#!/usr/bin/env bash
# Mutation testing of the proof core: would the tests notice if the code
# that decides the bounds were wrong?
#
# cargo-mutants rewrites one spot of the proof core at a time (a `>` made
# `>=`, a function made to return a default, ...), rebuilds, and runs a
# fast test selection; a mutant the tests do not fail on is "missed". This
# runs every mutant of the proof core's files and writes
#
#   reports/mutants.csv        per file: mutants, caught, missed, equivalent,
#                              unviable, timeouts
#   reports/mutants-missed.txt the missed mutants not declared equivalent
#                              (should be empty), and the timeouts (mutants
#                              that made the tests hang: noticed, slowly)
#   reports/mutants-run.txt    how long each part took, on how many jobs and
#                              cores, when and at which commit
#
# Mutants that cannot change any result are declared in
# reports/mutants-equivalent.txt, one per line with the reason after " ## ".
#
# It takes hours (see the README); it is a record, not a CI step.
#
# Usage: scripts/mutants.sh [FILE...]   (default: the whole proof core)
# Environment: JOBS (default 2), MUTANTS_OUT (default target/mutants-run),
# RESUME=1 to go on with an interrupted run: mutants already caught or
# unviable in MUTANTS_OUT are not tested again (cargo-mutants --iterate),
# and the times of all the sittings add up in the record.
set -euo pipefail
cd "$(dirname "$0")/.."

version=27.1.0
if ! cargo mutants --version 2>/dev/null | grep -q "$version"; then
    echo "installing cargo-mutants $version" >&2
    cargo install --locked "cargo-mutants@$version"
fi
# nextest runs the tests in parallel and, with the `mutants` profile in
# .config/nextest.toml, stops at the first failure: most mutants are
# caught within a second of their build.
if ! cargo nextest --version >/dev/null 2>&1; then
    echo "installing cargo-nextest" >&2
    cargo install --locked cargo-nextest
fi
export NEXTEST_PROFILE=mutants
# Each job must build in its own copy's target directory: cargo names a
# workspace's artifacts by their path relative to the workspace, so jobs
# sharing one directory would test each other's mutants.
unset CARGO_TARGET_DIR

jobs=${JOBS:-2}
out=${MUTANTS_OUT:-target/mutants-run}
core_files=(
    src/msgpack/keys.rs
    src/msgpack/lang.rs
    src/proof/distinct.rs
    src/proof/lengths.rs
    src/proof/oracle/completion.rs
    src/proof/oracle/explain.rs
    src/proof/oracle/keyset.rs
    src/proof/oracle/mod.rs
    src/proof/oracle/parser.rs
    src/proof/search/walk.rs
    src/proof/witness.rs
)
files=("$@")
[ ${#files[@]} -gt 0 ] || files=("${core_files[@]}")

# The fast selection (about 15 s of CPU a run): the library's unit tests, the
# oracle against hand-derived sets, the exhaustive enumeration of small
# documents, the hand-written explanations, and the walk against the oracle
# on every length for small key languages, and the witness builder and
# checks. The build is restricted to the
# same targets (--cargo-arg), or every mutant would also rebuild the slow
# tests, and leaves out the store readers (no SQLite to compile for the
# baseline; none of these tests reads a store). Mutants of the key-language automaton (lang.rs) run apart: they
# need its brute-force unit tests, which the other files' mutants skip. The
# polyglot searches' unit tests are left out too: they drive the walk and
# the oracle through minutes of search whenever a mutant only slows them,
# and walk_exact and the oracle tests already check both exactly.
run() { # NAME FILES... -- TARGETS... -- TEST-BINARY-ARGS...
    local name=$1
    shift
    local args=() nfiles=0
    while [ "$1" != -- ]; do args+=(--file "$1"); nfiles=$((nfiles + 1)); shift; done
    shift
    while [ "$1" != -- ]; do args+=("--cargo-arg=$1"); shift; done
    shift
    [ "$nfiles" -gt 0 ] || return 0
    local status=0
    local iterate=()
    if [ "${RESUME:-0}" = 1 ] && [ -d "$out/$name/mutants.out" ]; then
        iterate=(--iterate)
    else
        rm -rf "${out:?}/$name"
    fi
    mkdir -p "$out/$name"
    local start commit
    start=$(date +%s)
    commit=$(git rev-parse --short HEAD)$(git diff --quiet || echo ' with uncommitted changes')
    cargo mutants --test-tool nextest --profile mutants --jobs "$jobs" --timeout 300 --build-timeout 1200 \
        --output "$out/$name" "${iterate[@]}" "${args[@]}" -- -- "$@" || status=$?
    local took=$(($(date +%s) - start))
    # A resumed run adds a sitting to the record.
    [ ${#iterate[@]} -gt 0 ] || : >"$out/$name/took.txt"
    echo "$name ($nfiles files): $((took / 3600)) h $((took % 3600 / 60)) min on $jobs jobs, $(nproc) cores," \
        "$(date -u +%Y-%m-%d), commit $commit${iterate[*]:+ (resumed)}" \
        >>"$out/$name/took.txt"
    # 0: all caught; 2: some missed; 3: some timed out. Anything else is a
    # failure of the run itself (the baseline tests failed, a build broke),
    # or an interruption: the sitting's time is kept, and RESUME=1 goes on.
    case $status in
        0 | 2 | 3) ;;
        *)
            sed -i '$ s/$/, interrupted or failed (exit '"$status"')/' "$out/$name/took.txt"
            echo "cargo mutants stopped (exit $status); see $out/$name/mutants.out/debug.log;" \
                "RESUME=1 $0 goes on from here" >&2
            exit "$status"
            ;;
    esac
}
lang=()
rest=()
for f in "${files[@]}"; do
    if [ "$f" = src/msgpack/lang.rs ]; then lang+=("$f"); else rest+=("$f"); fi
done

run lang "${lang[@]}" -- --no-default-features --lib --test=oracle_exhaustive --test=walk_exact --
run core "${rest[@]}" -- --no-default-features --lib --test=oracle_exact --test=oracle_exhaustive --test=explain \
    --test=walk_exact --test=witness \
    -- --skip msgpack::lang --skip proof::polyglot

# Every outcome list of both runs, one mutant per line. A resumed run
# lists what earlier sittings caught in previously_caught.txt.
outcomes() {
    local o
    for o in "$@"; do
        cat "$out"/*/mutants.out/"$o".txt 2>/dev/null || true
        [ "$o" != caught ] || cat "$out"/*/mutants.out/previously_caught.txt 2>/dev/null || true
    done
}
# A mutant's name without its line and column, so the equivalent list
# survives edits elsewhere in the file.
strip_position() { sed -E 's/^([^:]+):[0-9]+:[0-9]+: /\1: /'; }
equivalent=$(sed -E '/^#/d; /^$/d; s/ ## .*//' reports/mutants-equivalent.txt)
is_equivalent() { grep -qxF -- "$1" <<<"$equivalent"; }

csv=reports/mutants.csv
missed_report=reports/mutants-missed.txt
echo "file,mutants,caught,missed,equivalent,unviable,timeouts" >"$csv"
: >"$missed_report"
total_missed=0
# The record covers the whole proof core, from the latest results of each
# part (lang.rs and the rest run apart, and either can be rerun alone).
not_run=()
for f in "${core_files[@]}"; do
    if ! outcomes caught unviable missed timeout | grep -q "^$f:"; then
        not_run+=("$f")
        continue
    fi
    count() { outcomes "$1" | grep -c "^$f:" || true; }
    caught=$(count caught)
    unviable=$(count unviable)
    timeouts=$(count timeout)
    missed=0
    equiv=0
    while IFS= read -r m; do
        [ -n "$m" ] || continue
        if is_equivalent "$(strip_position <<<"$m")"; then
            equiv=$((equiv + 1))
        else
            missed=$((missed + 1))
            echo "missed: $m" >>"$missed_report"
        fi
    done < <(outcomes missed | grep "^$f:" || true)
    outcomes timeout | grep "^$f:" | sed 's/^/timed out: /' >>"$missed_report" || true
    total=$((caught + missed + equiv + unviable + timeouts))
    echo "$f,$total,$caught,$missed,$equiv,$unviable,$timeouts" >>"$csv"
    total_missed=$((total_missed + missed))
done

{
    echo "cargo-mutants $version"
    cat "$out"/*/took.txt 2>/dev/null || true
    [ ${#not_run[@]} -eq 0 ] || echo "not run yet: ${not_run[*]}"
} >reports/mutants-run.txt

column -s, -t "$csv"
cat reports/mutants-run.txt
if [ "$total_missed" -gt 0 ]; then
    echo "$total_missed mutants missed; see $missed_report" >&2
    exit 1
fi
