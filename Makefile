# MyRopo suite — developer commands. Quick start: `make up`, then `make test`.
# Everything runs from the virtualenv in .venv, which `make install` creates.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SETUPTOOLS := setuptools==84.2.1
# Every package of the repository, installed editable in one pip call.
PACKAGES := -e libs/ropo-protos -e libs/ropo-platform \
	-e services/invoice -e services/payment -e services/authorization \
	-e services/refund -e services/chat -e gateway -e sandbox -e '.[test]'
PYPROJECTS := $(wildcard pyproject.toml libs/*/pyproject.toml services/*/pyproject.toml \
	gateway/pyproject.toml sandbox/pyproject.toml)
# The packages mypy checks (strict): every package that has code yet.
TYPED_SOURCES := $(patsubst %/__init__.py,%,$(wildcard libs/ropo-platform/src/*/__init__.py \
	services/*/src/*/__init__.py gateway/src/*/__init__.py sandbox/src/*/__init__.py \
	tools/*/__init__.py))
BUF := node_modules/.bin/buf
# Extra arguments for pytest, e.g. make test PYTEST_ARGS='-k outbox -x'
PYTEST_ARGS ?=
# Interpreter for a new .venv; by default the first python3 (3.11 or newer) on PATH.
VENV_PYTHON ?=
# Extra arguments for the runner, e.g. make up UP_ARGS='--ready-timeout 300'
UP_ARGS ?=

.PHONY: help up test install protos lint lint-protos bench clean buf

help: ## list the targets
	@echo "MyRopo suite. Quick start: make up (run everything), make test (run the tests)."
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN {FS = ":.*## "} {printf "  make %-12s %s\n", $$1, $$2}'

up: install ## start the whole suite with demo data; Ctrl-C stops it
	@$(PY) -m ropo_dev up $(UP_ARGS)

test: install buf ## run the whole test suite (PYTEST_ARGS='...' passes arguments)
	$(PY) -m pytest $(PYTEST_ARGS)

install: $(STAMP) ## create .venv and install every package (editable); cheap when done

# Re-runs only when a pyproject.toml changed since the last successful install.
$(STAMP): $(PYPROJECTS)
	@set -e; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
		python="$(VENV_PYTHON)"; \
		if [ -z "$$python" ]; then \
			for candidate in python3 python3.14 python3.13 python3.12 python3.11; do \
				if command -v $$candidate >/dev/null 2>&1 && \
					$$candidate -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
					python=$$candidate; break; \
				fi; \
			done; \
		fi; \
		if [ -z "$$python" ]; then \
			echo "make install: Python 3.11 or newer is needed: install it (python3.11+ on PATH) or run make install VENV_PYTHON=/path/to/python3.11" >&2; \
			exit 1; \
		fi; \
		echo "Creating $(VENV) with $$($$python -c 'import sys; print(sys.executable, sys.version.split()[0])')"; \
		rm -rf $(VENV); \
		$$python -m venv $(VENV) || { echo "make install: could not create $(VENV) (on Debian or Ubuntu: apt-get install python3-venv)" >&2; exit 1; }; \
	fi
	@# --no-build-isolation builds with the venv's own setuptools, so pin it first.
	@$(PY) -c 'import importlib.metadata as m, sys; sys.exit(m.version("setuptools") != "84.2.1")' 2>/dev/null \
		|| $(PY) -m pip install --quiet --disable-pip-version-check '$(SETUPTOOLS)'
	@echo "Installing the packages into $(VENV) (the first time takes a few minutes)"
	$(PY) -m pip install --quiet --disable-pip-version-check --no-build-isolation $(PACKAGES)
	@touch $(STAMP)

# buf (protobuf lint) comes from npm; without node the buf tests skip themselves.
buf:
	@if [ -x $(BUF) ]; then :; \
	elif command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; then \
		echo "Installing buf with npm"; \
		npm install --no-package-lock --no-audit --no-fund \
			|| echo "npm install failed: the buf lint tests will skip"; \
	else \
		echo "npm not found: skipping buf (the buf lint tests skip themselves)"; \
	fi

protos: install ## regenerate the Python code in libs/ropo-protos from protos/
	$(PY) scripts/gen_protos.py

lint: install ## ruff and mypy (strict)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy $(TYPED_SOURCES)
	$(VENV)/bin/mypy bench
	@# Test folders are not packages: pytest puts each folder with a conftest on sys.path and
	@# support modules are imported by bare name, so mypy checks one folder at a time from
	@# inside it (each with its own cache, as every folder has its own `conftest` module).
	@set -e; \
	mypy="$(abspath $(VENV))/bin/mypy --config-file $(CURDIR)/pyproject.toml"; \
	echo "mypy tests/conftest.py"; \
	(cd tests && $$mypy --cache-dir $(CURDIR)/.mypy_cache/tests conftest.py); \
	for dir in tests/*/; do \
		echo "mypy $$dir"; \
		(cd $$dir && $$mypy --cache-dir $(CURDIR)/.mypy_cache/tests-$$(basename $$dir) .); \
	done

lint-protos: install buf ## buf lint and format check of protos/
	$(PY) scripts/lint_protos.py

bench: install ## baseline benchmark (record the printed table in docs/performance.md)
	$(PY) bench/baseline.py

# Extra arguments for the invoice benchmark, e.g. make bench-invoices BENCH_ARGS='--invoices 5000 --total 50000'
BENCH_ARGS ?=
.PHONY: bench-invoices
bench-invoices: install ## invoice import + ListInvoices at 1 000 000 invoices on PostgreSQL (ROPO_BENCH_POSTGRES_URL)
	$(PY) bench/invoice_import.py $(BENCH_ARGS)

# The same BENCH_ARGS, e.g. make bench-authorization BENCH_ARGS='--duration 5 --in-flight 50'
.PHONY: bench-payments
bench-payments: install ## PSP callback → Maksettu MyRopossa via the gateway, p50/p99 over 500 payments (real processes)
	$(PY) bench/payment_flow.py $(BENCH_ARGS)

# e.g. make bench-refunds BENCH_ARGS='--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres'
.PHONY: bench-refunds
bench-refunds: install ## Ilmoita tilinumero p50/p99 for 2000 refunds at 20 callers, then one pain.001 + pain.002 of all (SQLite; --postgres URL)
	$(PY) bench/refund_payouts.py $(BENCH_ARGS)

.PHONY: bench-authorization
bench-authorization: install ## CheckAccess p50/p99 at 200 concurrent checks vs an echo, on PostgreSQL (ROPO_BENCH_POSTGRES_URL)
	$(PY) bench/authorization_check.py $(BENCH_ARGS)

clean: ## remove var/ (databases, NATS store, demo marker); keeps .venv
	rm -rf var
