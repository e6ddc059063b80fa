# The two commands a fresh machine needs: `make demo` runs the example objective end to end
# (SQLite metadata DB, Spark in local[*]); `make test` runs the test suite. Both install first.
VENV ?= .venv
SHELL := /bin/bash

.PHONY: demo test lint bench
$(VENV)/.installed: pyproject.toml requirements/constraints.txt scripts/bootstrap.sh
	MAXAI_VENV=$(VENV) bash scripts/bootstrap.sh

demo: $(VENV)/.installed
	$(VENV)/bin/maxai run retail demand_forecast stores_eu --date 2026-02-10

test: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

bench: $(VENV)/.installed
	$(VENV)/bin/python bench/parse_time.py
