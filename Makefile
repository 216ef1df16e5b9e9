# Two commands set everything up on a fresh machine with only Python 3.11+:
#   make run   - the example app on SQLite and the in-process limiter
#   make test  - the whole suite against Redis and PostgreSQL
# The environment installs from uv.lock, the same versions every time; docs/development.md
# says how, and what `make test` sets up.
PYTHON ?= python3
VENV ?= .venv
NEWEST ?= .venv-newest
PORT ?= 8000
HOST ?= 127.0.0.1
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS=tests/unit`.
PYTEST_ARGS ?=
# `make test-repeat`: the folders whose tests start servers, run N times in a row.
N ?= 5
SERVER_TESTS ?= tests/cluster tests/processes tests/faults tests/soak
BIN := $(VENV)/bin
UV := $(BIN)/uv
# The uv that installs everything else. The lock holds the same release (the dev group
# in pyproject.toml), so `uv sync` keeps it: change both together.
UV_VERSION := 0.13.9
# uv syncs into the venv this Makefile made, whatever VENV says.
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test test-repeat test-newest lint typecheck bench screenshots lock lock-upgrade clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(UV): | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Stamp files make a sync happen again only when pyproject.toml or uv.lock changes.
# --locked refuses a lock that no longer matches pyproject.toml (run `make lock`), and an
# exact sync removes whatever the lock does not hold. `make run` keeps the test extra
# once the venv has it, so the two targets never undo each other.
$(VENV)/.synced-run: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --extra example $(if $(wildcard $(VENV)/.synced-test),--extra test)
	touch $@

$(VENV)/.synced-test: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --extra test
	touch $@ $(VENV)/.synced-run

# The embedded defaults, whatever the shell says: a REDIS_URL set for the tests must not
# move the demo onto Redis (`python -m example_app --redis-url ...` does that on purpose).
run: $(VENV)/.synced-run
	env -u REDIS_URL $(BIN)/python -m example_app --host $(HOST) --port $(PORT)

# scripts/test-services installs the system packages the tests need and starts Redis and
# PostgreSQL when nothing answers at the default URLs; it is quick when all is there.
test: $(VENV)/.synced-test
	scripts/test-services
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The tests that start Redis nodes, app processes and relays, N times in a row, each run
# in an order of its own; the first failure stops it and says which round it was.
test-repeat: $(VENV)/.synced-test
	scripts/test-services
	@for round in $$(seq 1 $(N)); do \
		echo "== round $$round of $(N)"; \
		$(BIN)/python -m pytest -q $(SERVER_TESTS) $(PYTEST_ARGS) \
			|| { echo "== round $$round of $(N) failed"; exit 1; }; \
	done

# The newest releases the ranges in pyproject.toml allow, in a venv of its own and without
# the lock: what a user who installs today gets, so a coming break shows here first.
# pytest only: mypy and ruff answer for the locked versions alone.
test-newest: | $(UV)
	$(PYTHON) -m venv --clear $(NEWEST)
	$(UV) pip install --python $(NEWEST)/bin/python --resolution highest --upgrade -e '.[test]'
	scripts/test-services
	$(NEWEST)/bin/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.synced-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.synced-test
	$(BIN)/mypy

bench: $(VENV)/.synced-test
	scripts/test-services
	$(BIN)/python -m bench

# The browser tests, writing their screenshots where the README shows them.
screenshots: $(VENV)/.synced-test
	scripts/test-services
	SCREENSHOTS_DIR=docs/screenshots $(BIN)/python -m pytest tests/browser

# Write uv.lock again after a change to the dependencies in pyproject.toml, keeping every
# other version; lock-upgrade moves every version to the newest the ranges allow.
lock: | $(UV)
	$(UV) lock

lock-upgrade: | $(UV)
	$(UV) lock --upgrade

clean:
	rm -rf $(VENV) $(NEWEST) .pytest_cache .mypy_cache .ruff_cache
