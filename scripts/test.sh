#!/usr/bin/env bash
# Run the whole test suite: starts a throwaway PostgreSQL server for the state-store
# tests (stopped on exit) and runs pytest on both cores. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${MERCWATCH_TEST_POSTGRES_URL:-}" ]; then
    eval "$(scripts/start-test-postgres.sh)"
    trap 'eval "$MERCWATCH_TEST_POSTGRES_STOP"' EXIT
fi
export MERCWATCH_TEST_POSTGRES_URL
.venv/bin/python -m pytest -n 2 -p no:cacheprovider "$@"
