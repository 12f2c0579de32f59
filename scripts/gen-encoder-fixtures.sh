#!/usr/bin/env bash
# Regenerate tests/fixtures/encoders/: documents encoded by real third-party
# MessagePack encoders at pinned versions.
#
#   scripts/gen-encoder-fixtures.sh [--fresh]
#
# 1. makes throwaway environments outside the repository, under
#    $PREFIXPROOF_FIXTURES_WORK (default ${TMPDIR:-/tmp}/prefixproof-fixtures):
#    one Python venv per msgpack version (msgpack 1.2.4, msgpack 0.5.6 and
#    msgpack-python 0.4.8, the last two from their hash-pinned sdists and
#    run with their pure-Python implementation, MSGPACK_PUREPYTHON=1, since
#    their C extension builds on some Pythons only: not on 3.11), and one
#    npm folder installed with `npm install` from
#    scripts/fixtures/package.json and package-lock.json (msgpackr 2.1.3,
#    @msgpack/msgpack 3.1.3, msgpack-lite 0.2.2 and, under the alias
#    msgpack-lite-0126, msgpack-lite 0.1.26); environments already installed
#    are reused, --fresh deletes them first;
# 2. runs scripts/fixtures/gen_python.py in each venv and
#    scripts/fixtures/gen_node.mjs in the npm folder: both build the same
#    logical documents from a seeded PRNG of their own and encode them with
#    every encoder/option set;
# 3. scripts/fixtures/assemble.py checks both built the same documents and
#    writes tests/fixtures/encoders/<set>.mpk, manifest.csv, documents.csv.
#
# The output depends only on the pinned versions: a second run gives
# byte-identical files. Needs python3 (with venv and pip), node and npm, and
# the PyPI and npm registries; never touches cargo. PYTHON=... picks the
# interpreter for the venvs. Check the result with
# `python3 scripts/fixtures/describe.py`.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "gen-encoder-fixtures: error: $*" >&2; exit 2; }
log() { echo "[gen-encoder-fixtures] $*"; }

FRESH=0
for arg in "$@"; do
  case "$arg" in
    -h | --help) usage; exit 0 ;;
    --fresh) FRESH=1 ;;
    *) die "unknown argument '$arg' (see --help)" ;;
  esac
done

REPO=$(pwd)
OUT=$REPO/tests/fixtures/encoders
GEN=$REPO/scripts/fixtures
WORK=${PREFIXPROOF_FIXTURES_WORK:-${TMPDIR:-/tmp}/prefixproof-fixtures}
PYTHON=${PYTHON:-python3}
case "$WORK" in
  "$REPO" | "$REPO"/*) die "the work folder $WORK must be outside the repository" ;;
esac
for tool in "$PYTHON" node npm; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done

[[ $FRESH == 1 ]] && { log "deleting $WORK"; rm -rf "$WORK"; }
mkdir -p "$WORK/logs"
STAGE=$WORK/stage
rm -rf "$STAGE"

# run LOG CMD...: run CMD with its output in $WORK/logs/LOG; show the log's
# tail and stop on failure.
run() {
  local logfile=$WORK/logs/$1
  shift
  if ! "$@" >"$logfile" 2>&1; then
    tail -n 30 "$logfile" >&2
    die "failed: $* (log: $logfile)"
  fi
}

# Python: "venv-name|pip requirement|extra pip flags". The old versions only
# exist as sdists for current Pythons: pin their hashes so that pip installs
# exactly the published 0.5.6 / 0.4.8 (gen_python.py also checks the version).
PY_ENVS=(
  "msgpack-1.2.4|msgpack==1.2.4|"
  "msgpack-0.5.6|msgpack==0.5.6 --hash=sha256:0ee8c8c85aa651be3aa0cd005b5931769eaa658c948ce79428766f1bd46ae2c3|--no-binary=:all: --require-hashes"
  "msgpack-python-0.4.8|msgpack-python==0.4.8 --hash=sha256:1a2b19df0f03519ec7f19f826afb935b202d8979b0856c6fb3dc28955799f886|--no-binary=:all: --require-hashes"
)
STAGES=()
for spec in "${PY_ENVS[@]}"; do
  IFS='|' read -r name req flags <<<"$spec"
  venv=$WORK/py-$name
  if [[ ! -f $venv/.installed ]] || [[ $(cat "$venv/.installed") != "$req $flags" ]]; then
    log "python venv $name: installing $req"
    rm -rf "$venv"
    run "venv-$name.log" "$PYTHON" -m venv "$venv"
    echo "$req" >"$WORK/req-$name.txt"
    # shellcheck disable=SC2086 # flags are words
    run "pip-$name.log" "$venv/bin/python" -m pip install --no-cache-dir --disable-pip-version-check $flags -r "$WORK/req-$name.txt"
    echo "$req $flags" >"$venv/.installed"
  else
    log "python venv $name: already installed"
  fi
  log "python venv $name: encoding"
  mkdir -p "$STAGE/py-$name"
  # The old versions' C extensions may or may not build depending on the
  # machine: use their pure-Python code always, so the output does not depend
  # on it (msgpack 1.2.4's C extension is compared with its fallback inside).
  pure=
  [[ $name == msgpack-1.* ]] || pure=1
  run "gen-$name.log" env ${pure:+MSGPACK_PUREPYTHON=1} PYTHONHASHSEED=0 "$venv/bin/python" "$GEN/gen_python.py" "$STAGE/py-$name"
  sed 's/^/  /' "$WORK/logs/gen-$name.log"
  STAGES+=("$STAGE/py-$name")
done

# npm: the folder holds a copy of the pinned package.json and lock file.
# `npm install` rather than `npm ci`: the lock file lacks entries for some
# platforms' builds of msgpackr's optional native add-on (only used for
# decoding; --omit=optional leaves it out), which `npm ci` rejects; with the
# lock present `npm install` still takes every version from it.
NODE_DIR=$WORK/node
stamp=$(cat "$GEN/package.json" "$GEN/package-lock.json" | cksum)
if [[ ! -d $NODE_DIR/node_modules ]] || [[ $(cat "$NODE_DIR/.installed" 2>/dev/null) != "$stamp" ]]; then
  log "npm: installing the pinned encoders"
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  cp "$GEN/package.json" "$GEN/package-lock.json" "$NODE_DIR/"
  run npm-install.log bash -c 'cd "$1" && npm install --omit=optional --ignore-scripts --no-audit --no-fund' _ "$NODE_DIR"
  echo "$stamp" >"$NODE_DIR/.installed"
else
  log "npm: already installed"
fi
log "npm: encoding"
mkdir -p "$STAGE/node"
run gen-node.log bash -c 'cd "$1" && node "$2" "$3"' _ "$NODE_DIR" "$GEN/gen_node.mjs" "$STAGE/node"
sed 's/^/  /' "$WORK/logs/gen-node.log"
STAGES+=("$STAGE/node")

run assemble.log "$PYTHON" "$GEN/assemble.py" "$OUT" "${STAGES[@]}"
cat "$WORK/logs/assemble.log"
total=$(cat "$OUT"/*.mpk | wc -c | tr -d ' ')
log "wrote $(ls "$OUT"/*.mpk | wc -l) sets, $total bytes of .mpk, to ${OUT#"$REPO"/}"
