#!/usr/bin/env bash
# Start a throwaway Redis server on 127.0.0.1 for the stream-consumer tests.
#
# Usage:  eval "$(scripts/start-test-redis.sh)"   # sets MERCWATCH_TEST_REDIS_URL
#         ...run tests...
#         eval "$MERCWATCH_TEST_REDIS_STOP"        # stops it and removes its files
#
# Loopback only, no persistence: it holds test data only.
set -euo pipefail

if ! command -v redis-server >/dev/null; then
    echo "start-test-redis: redis-server not found (apt-get install -y redis-server)" >&2
    exit 1
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/mercwatch-redis.XXXXXX")
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --daemonize yes >/dev/null
for _ in $(seq 50); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.1
done
echo "export MERCWATCH_TEST_REDIS_URL=redis://127.0.0.1:$port/0"
echo "export MERCWATCH_TEST_REDIS_STOP='redis-cli -p $port shutdown nosave >/dev/null 2>&1; rm -rf $dir'"
