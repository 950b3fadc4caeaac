# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint bench sandbox check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/so24 demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

# The edit-run loop: lint and the unit tests (no sandbox, no Dagster runs), in seconds.
test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q so24_pipelines_tests/unit

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/so24 bench

sandbox: $(STAMP)
	$(BIN)/so24 sandbox

# Preflight, logging in to every connected system. Beside a running `make demo` it checks the
# demo's settings file and env (the demo leaves so24_demo.json in its DAGSTER_HOME, default
# .dagster_home/; it holds no credentials); `make check CHECK_ARGS=--no-demo` checks this shell's.
check: $(STAMP)
	$(BIN)/so24 check $(CHECK_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
