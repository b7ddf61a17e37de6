#!/usr/bin/env bash
# Refresh the lock files from pyproject.toml (docs/development.md):
#   requirements/dev.lock      base install + the dev extra (what scripts/setup.sh --test and CI install)
#   requirements/runtime.lock  base install only (what scripts/setup.sh installs), pinned to
#                              the same versions as dev.lock
# Pins already in a lock file are kept unless asked otherwise, so adding a dependency
# changes only what it needs. Usage:
#   scripts/lock.sh                           # after editing pyproject.toml
#   scripts/lock.sh --upgrade                 # every package to its newest allowed release
#   scripts/lock.sh --upgrade-package NAME    # one package
# Needs uv (pip install uv; a tool for maintainers, not a dependency of mercwatch).
set -euo pipefail
cd "$(dirname "$0")/.."

uv=${UV:-.venv/bin/uv}
[ -x "$uv" ] || uv=uv
common=(--universal --python-version 3.11 --generate-hashes --quiet
    --custom-compile-command "scripts/lock.sh")
"$uv" pip compile pyproject.toml --extra dev "${common[@]}" "$@" -o requirements/dev.lock
"$uv" pip compile pyproject.toml -c requirements/dev.lock "${common[@]}" "$@" \
    -o requirements/runtime.lock
