#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster on 127.0.0.1 for the state-store tests.
#
# Usage:  eval "$(scripts/start-test-postgres.sh)"   # sets MERCWATCH_TEST_POSTGRES_URL
#         ...run tests...
#         eval "$MERCWATCH_TEST_POSTGRES_STOP"        # stops it and removes its files
#
# PostgreSQL refuses to run as root, so as root (CI) the cluster belongs to the
# `postgres` system user; otherwise to the current user. Trust auth, loopback only,
# fsync off: it holds test data only.
set -euo pipefail

pgbin=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
    echo "start-test-postgres: PostgreSQL server binaries not found (apt-get install -y postgresql)" >&2
    exit 1
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/mercwatch-pg.XXXXXX")
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if [ "$(id -u)" = 0 ]; then
    chown postgres "$dir"
    run=(runuser -u postgres --)
    user=postgres
else
    run=()
    user=$(id -un)
fi
"${run[@]}" "$pgbin/initdb" -D "$dir/data" -U "$user" -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1
"${run[@]}" "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
echo "export MERCWATCH_TEST_POSTGRES_URL=postgresql+psycopg://$user@127.0.0.1:$port/postgres"
echo "export MERCWATCH_TEST_POSTGRES_STOP='${run[*]} $pgbin/pg_ctl -D $dir/data -m fast stop >/dev/null && rm -rf $dir'"
