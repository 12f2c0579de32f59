#!/usr/bin/env bash
# Mutation testing of the proof core: would the tests notice if the code
# that decides the bounds were wrong?
#
# cargo-mutants rewrites one spot of the proof core at a time (a `>` made
# `>=`, a function made to return a default, ...), rebuilds, and runs a
# fast test selection; a mutant the tests do not fail on is "missed".
#
# The record is committed, so a run can be split into sittings across
# sessions and machines:
#
#   reports/mutants-outcomes.txt every mutant tested so far: its outcome
#                              (caught, missed, timeout, unviable), the git
#                              hash of its file's code (the file up to its
#                              tests) when it was tested, and its name
#   reports/mutants.csv        per file: mutants, caught, missed, equivalent,
#                              unviable, timeouts, and not yet run (never
#                              tested, or its file changed since)
#   reports/mutants-missed.txt the missed mutants not declared equivalent
#                              (should be empty), and the timeouts (mutants
#                              that made the tests hang: noticed, slowly)
#   reports/mutants-run.txt    each sitting: which part, how long, on how
#                              many jobs and cores, when, at which commit
#
# A sitting skips the mutants the record has as caught, unviable or timed
# out in a file whose code has not changed since (cargo-mutants
# --iterate): tests are only ever added, so a mutant once noticed stays
# noticed. Everything else is tested: mutants never run, missed ones
# (perhaps caught by a new test), and every mutant of a file that changed.
# FRESH=1 tests everything again.
# An interrupted sitting (Ctrl-C, a lost machine) keeps what it finished.
#
# Mutants that cannot change any result are declared in
# reports/mutants-equivalent.txt, one per line with the reason after " ## ".
#
# It takes hours (reports/mutants-run.txt); it is a record, not a CI step.
#
# Usage: scripts/mutants.sh [FILE...]   (default: the whole proof core)
#        scripts/mutants.sh --record    (only rewrite the record's summaries)
# Environment: JOBS (default 2), MUTANTS_OUT (default target/mutants-run,
# cargo-mutants' own output of the latest sitting), FRESH=1.
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

record=reports/mutants-outcomes.txt
runlog=reports/mutants-run.txt
# The sittings so far, and this one's, while it runs.
mkdir -p "$out"
sittings=$out/sittings.txt
[ -f "$record" ] || printf '# outcome\tfile hash\tmutant (see scripts/mutants.sh)\n' >"$record"

# What a recorded outcome is valid for: the file's code, up to its first
# top-level `#[cfg(test)]` item, by its git hash, short. cargo-mutants
# mutates no test code, and the core files keep their tests at their end,
# so a test added to a file's own test module, like a test added anywhere
# else, leaves the file's record standing (tests are only ever added).
content_hash() { awk '/^#\[cfg\(test\)\]/ { exit } { print }' "$1" | git hash-object --stdin | cut -c1-12; }
# Code after a file's first `#[cfg(test)]` would escape that hash: every
# top-level item from there on must be a `#[cfg(test)]` one.
for f in "${core_files[@]}"; do
    awk '/^#\[cfg\(test\)\]/ { tests = 1; cfg = 1; next }
        tests && /^[a-z]/ && !cfg { print FILENAME ":" FNR ": code after the tests: " $0; bad = 1 }
        { cfg = 0 }
        END { exit bad }' "$f" >&2 || { echo "move it above the file's tests" >&2; exit 2; }
done
# The file a mutant's name starts with ("src/a.rs:12:5: replace ...").
# Recorded outcomes of FILES whose code is unchanged, as OUTCOME<TAB>NAME.
recorded() { # FILES...
    local f
    for f in "$@"; do
        awk -F'\t' -v f="$f" -v h="$(content_hash "$f")" \
            '$2 == h && index($3, f ":") == 1 { print $1 "\t" $3 }' "$record"
    done
}

# Folds a sitting's outcomes for FILES into the record: what it tested gets
# its new outcome; the rest keep what the record says of them (a sitting cut
# short leaves missed mutants missed until one tests them); the files' lines
# from an older content go.
merge() { # DIR FILES...
    local dir=$1 tmp
    shift
    tmp=$(mktemp)
    {
        recorded "$@"
        local o
        for o in caught missed timeout unviable; do
            sed "s/^/$o\t/" "$dir/$o.txt" 2>/dev/null || true
        done
    } | awk -F'\t' '{ if (!($2 in outcome)) order[++n] = $2; outcome[$2] = $1 }
        END { for (i = 1; i <= n; i++) print outcome[order[i]] "\t" order[i] }' >"$tmp.sitting"
    local f hashes=()
    for f in "$@"; do hashes+=("$f" "$(content_hash "$f")"); done
    awk -F'\t' -v pairs="${hashes[*]}" '
        BEGIN { n = split(pairs, p, " "); for (i = 1; i < n; i += 2) hash[p[i]] = p[i + 1] }
        FNR == NR { if (/^#/) print; else { file = $3; sub(/:.*/, "", file); if (!(file in hash)) print }; next }
        { file = $2; sub(/:.*/, "", file); print $1 "\t" hash[file] "\t" $2 }
    ' "$record" "$tmp.sitting" >"$tmp"
    { grep '^#' "$tmp" || true; grep -v '^#' "$tmp" | sort -t"$(printf '\t')" -k3,3V -u || true; } >"$record"
    rm -f "$tmp" "$tmp.sitting"
}

status=0
run() { # NAME FILES... -- TARGETS... -- TEST-BINARY-ARGS...
    # After a part that stopped (interrupted, or failed), the rest wait
    # for the next sitting.
    [ "$status" -eq 0 ] || return 0
    local name=$1
    shift
    local args=() part=()
    while [ "$1" != -- ]; do args+=(--file "$1"); part+=("$1"); shift; done
    shift
    while [ "$1" != -- ]; do args+=("--cargo-arg=$1"); shift; done
    shift
    [ ${#part[@]} -gt 0 ] || return 0
    rm -rf "${out:?}/$name"
    mkdir -p "$out/$name/mutants.out"
    if [ "${FRESH:-0}" != 1 ]; then
        recorded "${part[@]}" | awk -F'\t' '$1 != "missed" { print $2 }' \
            >"$out/$name/mutants.out/previously_caught.txt"
    fi
    local start commit part_status=0
    start=$(date +%s)
    # Uncommitted changes anywhere count: a new test decides outcomes too.
    commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' with uncommitted changes')
    cargo mutants --test-tool nextest --profile mutants --jobs "$jobs" --minimum-test-timeout 60 --build-timeout 1200 \
        --output "$out/$name" --iterate "${args[@]}" -- -- "$@" || part_status=$?
    local took=$(($(date +%s) - start)) tested
    tested=$(cat "$out/$name"/mutants.out/{caught,missed,timeout,unviable}.txt 2>/dev/null | wc -l)
    merge "$out/$name/mutants.out" "${part[@]}"
    local how=
    [ "${FRESH:-0}" != 1 ] || how=fresh
    # 0: all caught; 2: some missed; 3: some timed out. Anything else is a
    # failure of the run itself (the baseline tests failed, a build broke),
    # or an interruption: what it finished is in the record all the same.
    case $part_status in
        0 | 2 | 3) ;;
        *)
            how="${how:+$how, }stopped (exit $part_status)"
            status=$part_status
            echo "cargo mutants stopped (exit $part_status); see $out/$name/mutants.out/debug.log;" \
                "what it finished is recorded, and running $0 again goes on from there" >&2
            ;;
    esac
    echo "sitting: $name, ${#part[@]} files, $tested mutants tested in $((took / 3600)) h $((took % 3600 / 60)) min" \
        "on $jobs jobs, $(nproc) cores, $(date -u +%Y-%m-%d), commit $commit${how:+ ($how)}" >>"$sittings"
}

if [ "${1:-}" != --record ]; then
    lang=()
    rest=()
    for f in "${files[@]}"; do
        if [ "$f" = src/msgpack/lang.rs ]; then lang+=("$f"); else rest+=("$f"); fi
    done
    grep '^sitting: ' "$runlog" >"$sittings" 2>/dev/null || true
    # The fast selection (about 15 s of CPU a run): the library's unit
    # tests, the oracle against hand-derived sets, the exhaustive
    # enumeration of small documents, the hand-written explanations, the
    # walk against the oracle on every length for small key languages, and
    # the witness builder and checks. The build is restricted to the same
    # targets (--cargo-arg), or every mutant would also rebuild the slow
    # tests, and leaves out the store readers (no SQLite to compile; none
    # of these tests reads a store). Mutants of the key-language automaton
    # (lang.rs) run apart: they need its brute-force unit tests, which the
    # other files' mutants skip. The polyglot searches' unit tests are left
    # out: they drive the walk and the oracle through minutes of search
    # whenever a mutant only slows them, and walk_exact and the oracle
    # tests already check both exactly.
    # lang.rs first against the library's unit tests alone (its own are
    # brute-force counts), which builds the library's test binary alone;
    # only what they miss goes on to the full selection, which adds the
    # counts against plain dynamic programming across a period's wrap
    # (key_lang).
    run lang-unit "${lang[@]}" -- --no-default-features --lib -- --skip proof::polyglot
    run lang "${lang[@]}" -- --no-default-features --lib --test=key_lang --test=oracle_exhaustive \
        --test=walk_exact -- --skip proof::polyglot
    run core "${rest[@]}" -- --no-default-features --lib --test=oracle_exact --test=oracle_exhaustive --test=explain \
        --test=walk_exact --test=witness \
        -- --skip msgpack::lang --skip proof::polyglot
else
    grep '^sitting: ' "$runlog" >"$sittings" 2>/dev/null || true
fi

# The summaries, from the record alone.
# A mutant's name without its line and column, so the equivalent list
# survives edits elsewhere in the file. One declaration excuses one missed
# mutant: where cargo-mutants makes the same change at two places of one
# function (two `+` made `*`), each needs a line of its own, so a new
# mutant of the same name cannot hide behind an old declaration.
strip_position() { sed -E 's/^([^:]+):[0-9]+:[0-9]+: /\1: /'; }
declare -A declared=()
while IFS= read -r d; do
    declared[$d]=$((${declared[$d]:-0} + 1))
done < <(sed -E '/^#/d; /^$/d; s/ ## .*//' reports/mutants-equivalent.txt)
is_equivalent() { # excuses the mutant if a declaration of its name is left
    local n=${declared[$1]:-0}
    [ "$n" -gt 0 ] || return 1
    declared[$1]=$((n - 1))
}

csv=reports/mutants.csv
missed_report=reports/mutants-missed.txt
echo "file,mutants,caught,missed,equivalent,unviable,timeouts,not run" >"$csv"
: >"$missed_report"
total_missed=0
total_not_run=0
declare -A complete=()
for f in "${core_files[@]}"; do
    outcomes=$(recorded "$f")
    count() { grep -c "^$1"$'\t' <<<"$outcomes" || true; }
    all=$(cargo mutants --list --file "$f" | wc -l)
    caught=$(count caught)
    unviable=$(count unviable)
    timeouts=$(count timeout)
    missed=0
    equiv=0
    while IFS=$'\t' read -r _ m; do
        if is_equivalent "$(strip_position <<<"$m")"; then
            equiv=$((equiv + 1))
        else
            missed=$((missed + 1))
            echo "missed: $m" >>"$missed_report"
        fi
    done < <(grep $'^missed\t' <<<"$outcomes" || true)
    grep $'^timeout\t' <<<"$outcomes" | cut -f2 | sed 's/^/timed out: /' >>"$missed_report" || true
    not_run=$((all - caught - missed - equiv - unviable - timeouts))
    echo "$f,$all,$caught,$missed,$equiv,$unviable,$timeouts,$not_run" >>"$csv"
    total_missed=$((total_missed + missed))
    total_not_run=$((total_not_run + not_run))
    complete[$f]=$((not_run == 0))
done

# In a file whose every mutant has run, a declaration left over means fewer
# mutants of that name are missed than declared: a test now catches it, or
# the code changed. Said, not fatal.
for d in "${!declared[@]}"; do
    [ "${declared[$d]}" -gt 0 ] && [ "${complete[${d%%:*}]:-0}" = 1 ] &&
        echo "declared equivalent, but not (or not so often) missed: $d" >&2
done

{
    echo "cargo-mutants $version"
    cat "$sittings"
} >"$runlog"
rm -f "$sittings"

column -s, -t "$csv"
cat "$runlog"
[ "$total_not_run" -eq 0 ] || echo "$total_not_run mutants not run yet (or their file changed since): run $0 again" >&2
if [ "$total_missed" -gt 0 ]; then
    echo "$total_missed mutants missed; see $missed_report" >&2
    [ "$status" -ne 0 ] || status=1
fi
exit "$status"
