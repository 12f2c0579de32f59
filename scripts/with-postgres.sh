#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server.
#
# Installs Debian's `postgresql` package if no server is installed, creates
# a data directory in a fresh temporary folder, starts the server on
# loopback (as the `postgres` user when run as root: the server refuses to
# run as root), exports its address as PREFIXPROOF_POSTGRES_URL, runs the
# command, then stops the server and deletes the data directory.
#
# Usage: scripts/with-postgres.sh COMMAND [ARG...]
# Example: scripts/with-postgres.sh cargo test --test scan -- --ignored
set -euo pipefail

[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(bindir)" ]; then
    echo "installing postgresql (Debian package)" >&2
    if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo); fi
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq postgresql >/dev/null
fi
bin=$(bindir)
[ -n "$bin" ] || { echo "no PostgreSQL server found after installing postgresql" >&2; exit 1; }

# As root, the server runs as `postgres` (created by the package); as
# anyone else, as that user.
if [ "$(id -u)" = 0 ]; then
    as=(runuser -u postgres --)
else
    as=()
fi
dir=$(mktemp -d /tmp/prefixproof-pg.XXXXXX)
chmod 755 "$dir"
[ ${#as[@]} -eq 0 ] || chown postgres "$dir"
data=$dir/data
# A free port: ask the kernel for one.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 54329)

stop() {
    "${as[@]}" "$bin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT

"${as[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
"${as[@]}" "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >/dev/null ||
    { cat "$dir/server.log" >&2; exit 1; }
export PREFIXPROOF_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $data)" >&2
"$@"
