#!/usr/bin/env bash
# Set up mercwatch on a fresh Debian machine: system packages (when root), a
# virtual environment in .venv, the locked dependencies (requirements/*.lock, hashes
# checked; refreshed with scripts/lock.sh) and the package itself on top.
#
# Usage: scripts/setup.sh            # the demo: the package only
#        scripts/setup.sh --test     # also PostgreSQL, Chromium, Java (for Spark), Redis, BIND's zone checker and the test extras
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
lock=requirements/runtime.lock
if [ "$mode" = "--test" ]; then
    lock=requirements/dev.lock
    need=()
    command -v chromium >/dev/null || need+=(chromium chromium-driver)
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
    command -v java >/dev/null || need+=(openjdk-17-jre-headless)
    command -v redis-server >/dev/null || need+=(redis-server) # the stream consumer's tests
    command -v named-checkzone >/dev/null || need+=(bind9-utils) # checks the RPZ blocklist
    if [ ${#need[@]} -gt 0 ]; then
        if [ "$(id -u)" = 0 ]; then
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -q
            apt-get install -y -q "${need[@]}"
        else
            echo "setup: please install the Debian packages: ${need[*]} (needs root)" >&2
        fi
    fi
fi

# pip's output without the mirror's "Location ... is ignored" notices; pip's own exit
# status is kept (pipefail), so a failed or hash-mismatched install stops the setup.
quiet() { "$@" 2>&1 | { grep -v "is ignored" || true; }; }

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
quiet .venv/bin/python -m pip install -q --require-hashes -r "$lock"
quiet .venv/bin/python -m pip install -q --no-deps -e .
.venv/bin/python -c "import mercwatch" # fail loudly if the install did not work
