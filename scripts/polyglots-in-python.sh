#!/usr/bin/env bash
# Decode every polyglot that reports/detectors.csv names (its bson-valid
# rows with a length: exact, or a lower bound with a polyglot found above
# it) with decoders that share nothing with this project: Python's pymongo
# (its C BSON decoder) and msgpack (msgpack-python), at pinned versions.
#
#   scripts/polyglots-in-python.sh
#
# Builds the release binary, writes each polyglot with `prefixproof
# polyglot --out`, and checks that pymongo decodes it as one BSON document
# and msgpack as one map with string keys, each reading the whole blob.
# Makes a throwaway venv under ${TMPDIR:-/tmp}/prefixproof-polyglots (reused
# when present); needs python3 with venv and pip, and PyPI. Not a CI step.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
work=${TMPDIR:-/tmp}/prefixproof-polyglots
if [ ! -x "$work/venv/bin/python" ]; then
    python3 -m venv "$work/venv"
    "$work/venv/bin/pip" install --quiet pymongo==4.20.1 msgpack==1.2.4
fi
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/prefixproof

checked=0
# detector,profile,first_char,kmax,from,exact,how: rows whose polyglot was
# verified by this project: exact ones, and lower bounds that name one.
while IFS=, read -r detector profile first_char kmax from exact how; do
    [ "$detector" = bson-valid ] || continue
    case "$exact,$how" in
        exact,*polyglot*) ;;
        "lower bound,"*"is verified"*) ;;
        *) continue ;;
    esac
    blob="$work/$profile-$first_char-$kmax.bin"
    "$bin" polyglot --profile "$profile" --first-char "$first_char" --kmax "$kmax" --out "$blob" >/dev/null
    "$work/venv/bin/python" - "$blob" "$profile/$first_char/$kmax" <<'EOF'
import sys
import bson
import msgpack

path, name = sys.argv[1], sys.argv[2]
blob = open(path, "rb").read()
doc = bson.decode(blob)  # one document, the whole blob, or it raises
unpacker = msgpack.Unpacker(raw=False, strict_map_key=True, max_buffer_size=len(blob))
unpacker.feed(blob)
values = list(unpacker)
assert len(values) == 1 and isinstance(values[0], dict), f"{name}: not one msgpack map"
assert all(isinstance(k, str) for k in values[0]), f"{name}: a key that is not a str"
print(f"{name}: {len(blob)} bytes; pymongo: {len(doc)} BSON element(s); msgpack: a map of {len(values[0])} entries")
EOF
    checked=$((checked + 1))
done <reports/detectors.csv
[ "$checked" -gt 0 ] || { echo "no polyglot named in reports/detectors.csv" >&2; exit 1; }
echo "$checked polyglots decoded by pymongo and msgpack-python"
