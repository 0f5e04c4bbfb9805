# qgeo quick start: `make baseline` runs the baseline scenario, `make test` runs the tests.
# Both set up a virtual environment in .venv first (Python 3.11).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup baseline test browser lint bench schemas

$(BIN)/qgeo: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

setup: $(BIN)/qgeo

# Re-running replaces the previous baseline run (runs/ is not versioned).
baseline: setup
	rm -rf runs/baseline
	$(BIN)/qgeo run scenarios/baseline.toml --out runs/baseline

# Headless Chromium for the explorer's browser test (Debian package; needs root or sudo).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

test: setup browser
	$(BIN)/python -m pytest -q -n 2

lint: setup
	$(BIN)/ruff check sim tests benchmarks

# JSON schemas of scenario and experiment files in docs/ (a test fails when they are out of date).
schemas: setup
	$(BIN)/python -m sim.inputs.schema

# Speed and memory targets of the model, the experiments engine and the explorer.
bench: setup browser
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done
