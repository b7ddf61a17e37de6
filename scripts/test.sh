#!/usr/bin/env bash
# Run the whole test suite: starts a throwaway PostgreSQL server for the state-store
# tests, a throwaway Redis server for the stream consumer, and a Spark standalone cluster (master + two workers) for the Spark-cluster
# parity test, both stopped on exit, and runs pytest on both cores. Extra arguments go
# to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

stops=()
trap 'for stop in "${stops[@]}"; do eval "$stop" || true; done' EXIT
if [ -z "${MERCWATCH_TEST_POSTGRES_URL:-}" ]; then
    eval "$(scripts/start-test-postgres.sh)"
    stops+=("$MERCWATCH_TEST_POSTGRES_STOP")
fi
if [ -z "${MERCWATCH_TEST_REDIS_URL:-}" ]; then
    eval "$(scripts/start-test-redis.sh)"
    stops+=("$MERCWATCH_TEST_REDIS_STOP")
fi
if [ -z "${MERCWATCH_TEST_SPARK_MASTER:-}" ]; then
    eval "$(scripts/start-test-spark.sh)"
    stops+=("$MERCWATCH_TEST_SPARK_STOP")
fi
export MERCWATCH_TEST_POSTGRES_URL MERCWATCH_TEST_REDIS_URL MERCWATCH_TEST_SPARK_MASTER MERCWATCH_TEST_SPARK_MASTER_UI
.venv/bin/python -m pytest -n 2 -p no:cacheprovider "$@"
