# One machine, no servers: `make run`. Tests: `make test`. Benchmarks: `make bench`.

VENV := .venv
PYTHON := $(VENV)/bin/python
PIP := $(PYTHON) -m pip
PYTEST_ARGS ?=
# Test processes: each has its own test database, Celery queue and rate-limit counters.
PYTEST_WORKERS ?= 2
BENCH_ARGS ?=

.PHONY: run test bench migrate install install-test

# The stamps reinstall only when pyproject.toml changes.
$(PYTHON):
	python3 -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PYTHON)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

migrate: install
	$(PYTHON) manage.py migrate --noinput

# The web server and a Celery worker with beat inside it; Ctrl-C stops both.
# DEBUG is on unless you set DEBUG=0.
run: migrate
	DEBUG=$${DEBUG:-1} $(VENV)/bin/honcho start -f Procfile.dev

test: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The engine and batch runs, then the worker run when REDIS_URL and DATABASE_URL (PostgreSQL)
# are set. One of them: make bench BENCH_ARGS="worker --scans 200". The batch run's HTTPS sites
# need trustme, from the test extra.
bench: install-test
	$(PYTHON) -m bench $(BENCH_ARGS)
