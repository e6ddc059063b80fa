# The two commands a fresh machine needs: `make demo` runs the example objective end to end
# (SQLite metadata DB, Spark in local[*]); `make test` runs the test suite. Both install first.
# `make docs` builds the documentation site into build/docs/html (the test suite builds it too).
VENV ?= .venv
SHELL := /bin/bash
DOCS_BUILD ?= build/docs

.PHONY: demo test lint bench docs
$(VENV)/.installed: pyproject.toml requirements/constraints.txt scripts/bootstrap.sh
	MAXAI_VENV=$(VENV) bash scripts/bootstrap.sh

demo: $(VENV)/.installed
	$(VENV)/bin/maxai run retail demand_forecast stores_eu --date 2026-02-10

test: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests bench docs
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests bench docs
	$(VENV)/bin/ruff format --check src tests bench docs
	$(VENV)/bin/mypy

bench: $(VENV)/.installed
	$(VENV)/bin/python bench/parse_time.py

# Warnings are errors: a broken reference, a page no toctree reaches or a config key without a description fails.
docs: $(VENV)/.installed
	$(VENV)/bin/python -m sphinx -W --keep-going -E -b html -d $(DOCS_BUILD)/doctrees docs $(DOCS_BUILD)/html
