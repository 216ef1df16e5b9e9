# Two commands set everything up on a fresh machine with only Python 3.11+:
#   make run   - the example app on SQLite and the in-process limiter
#   make test  - the whole suite against Redis and PostgreSQL
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
HOST ?= 127.0.0.1
BIN := $(VENV)/bin

.PHONY: run test lint typecheck bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files make an install happen again only when pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[example]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/python -m example_app --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench

# The browser tests, writing their screenshots where the README shows them.
screenshots: $(VENV)/.installed-test
	SCREENSHOTS_DIR=docs/screenshots $(BIN)/python -m pytest tests/browser

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
