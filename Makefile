# The two commands of the README, each doing all set-up on a fresh machine.
.PHONY: demo test setup setup-test lint bench

demo: setup
	.venv/bin/mercwatch demo --out demo-out

test: setup-test
	scripts/test.sh

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

lint:
	.venv/bin/ruff check src tests bench
	.venv/bin/ruff format --check src tests bench
	.venv/bin/python -m mypy
