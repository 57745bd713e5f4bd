# Two commands for a newcomer: `make run` and `make test`. Both bootstrap .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
AXE := node_modules/axe-core/axe.min.js

.PHONY: install run test lint format docs release-check bench bench-http browser clean

# Flask-Tombstone with its development tools, and Taskboard (examples/, a project of its own).
$(STAMP): pyproject.toml examples/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' -e ./examples
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium drives the browser tests (no browser download: only registries are reachable);
# axe-core from npm (pinned by package-lock.json) checks the views' pages for accessibility.
browser: $(AXE)
	@test -x $(CHROMIUM) || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq chromium chromium-driver >/dev/null; }

$(AXE): package.json package-lock.json
	@command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq npm >/dev/null; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: $(STAMP)
	$(BIN)/flask --app taskboard run-demo

test: $(STAMP) browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src examples tests bench tools docs/conf.py docs/_ext
	$(BIN)/ruff format --check src examples tests bench tools docs/conf.py docs/_ext
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src examples tests bench tools docs/conf.py docs/_ext
	$(BIN)/ruff check --fix src examples tests bench tools docs/conf.py docs/_ext

# The documentation site into docs/_build/html: warnings are errors (-W), every reference must
# resolve (-n), and all of them are reported at once (--keep-going). Tools: the `docs` extra.
# Build the sdist and the wheel, twine-check them, install the wheel in fresh virtualenvs with
# the oldest and the newest SQLAlchemy / Flask / Flask-SQLAlchemy we support, and run the seeds'
# example and the engine's suites against it (tools/release_check.py).
release-check: $(STAMP)
	$(BIN)/python tools/release_check.py

docs: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -n -b html docs docs/_build/html

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

# HTTP throughput under gunicorn on PostgreSQL (127.0.0.1:5432, or TOMBSTONE_BENCH_POSTGRES).
bench-http: $(STAMP)
	$(BIN)/python -m bench.http $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache docs/_build node_modules
