# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
export LIMS_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: install run test lint typecheck translations messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the dependency list changes; the editable install picks up code changes by itself.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

install: $(STAMP) translations

# Message catalogues are compiled at install, never committed.
translations: $(STAMP)
	@if [ -d lims/web/translations ]; then $(BIN)/pybabel -q compile -d lims/web/translations -D messages; fi

# After adding user-facing strings: extract them and merge into the Vietnamese catalogue, then translate.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _l -k lazy_gettext --no-location -o lims/web/translations/messages.pot .
	$(BIN)/pybabel update --no-location -i lims/web/translations/messages.pot -d lims/web/translations -l vi

# `make run` serves the demo: QR codes point to the address it serves on (LIMS_PUBLIC_URL follows HOST and
# PORT unless set), and LIMS_DEMO=1 marks a demonstration (test signing keys, loopback address accepted).
run: export LIMS_PUBLIC_URL ?= http://$(HOST):$(PORT)
run: export LIMS_DEMO ?= 1
run: install
	$(BIN)/lims db upgrade
	$(BIN)/lims demo --if-empty
	$(BIN)/flask --app wsgi:app run --host $(HOST) --port $(PORT)

# The suite runs on every core (pytest-xdist); each worker builds the session fixtures its tests need (one
# worker more than the cores measured slower: docs/performance.md). `make test PYTEST_JOBS=0`: one process.
PYTEST_JOBS ?= auto
test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n $(PYTEST_JOBS) $(PYTEST_ARGS)

# The type check alone (CI runs it after `make test`; strict for lims.domain, certificates, instruments).
typecheck: $(STAMP)
	$(BIN)/mypy lims instruments certificates

lint: test typecheck

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .mypy_cache
