# Milkshop: `make run` to try the shop, `make test` to check it.
# Both set everything up on a fresh machine first.

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

# The first of python3.13, python3.12, python3 that really runs and is 3.12 or newer.
PYTHON := $(shell for candidate in python3.13 python3.12 python3; do \
	if $$candidate -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
		echo $$candidate; break; fi; done)

.PHONY: run test lint setup browser db bench clean

run: setup
	$(PY) manage.py collectstatic --noinput --verbosity 0
	HOST=$(HOST) PORT=$(PORT) bin/serve

test: setup browser
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

setup: $(STAMP) db

$(STAMP): requirements.txt requirements-dev.txt
	@if [ -z "$(PYTHON)" ]; then \
		echo "Milkshop needs Python 3.12 or newer: none of python3.13, python3.12, python3 is." >&2; \
		echo "Install one (for example 'pyenv install 3.12') and run make again." >&2; \
		exit 1; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

db: $(STAMP)
	$(PY) manage.py migrate --noinput

# Browser tests drive Debian's Chromium (Playwright's own download cannot run here).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi

# Benchmarks need PostgreSQL (BENCH_DATABASE_URL), Redis (BENCH_REDIS_URL, a database they may empty) and wrk;
# each builds and drops its own throwaway database.
BENCH_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/milkshop_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/2
bench: setup
	@command -v wrk >/dev/null || { echo "Installing wrk for the page benchmarks"; apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) LOG_LEVEL=WARNING $(PY) -m bench.pages
	DATABASE_URL=$(BENCH_DATABASE_URL) LOG_LEVEL=WARNING $(PY) -m bench.subscriptions 10000
	DATABASE_URL=$(BENCH_DATABASE_URL) LOG_LEVEL=WARNING $(PY) -m bench.reports

clean:
	rm -rf $(VENV) staticfiles .pytest_cache test-db.sqlite3*
