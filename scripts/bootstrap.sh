#!/usr/bin/env bash
# Create .venv with maxai and everything its tests and local runs need.
# Idempotent: re-running only installs what changed. Uses uv when it can (about 3x faster than pip).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${MAXAI_VENV:-.venv}"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

if ! command -v uv >/dev/null 2>&1; then
    "$PYTHON" -m pip install --quiet --disable-pip-version-check uv || true
fi
if command -v uv >/dev/null 2>&1; then
    [ -x "$VENV/bin/python" ] || uv venv --quiet --python "$PYTHON" "$VENV"
    # --compile-bytecode: imports (Airflow is large) stay fast even where PYTHONDONTWRITEBYTECODE is set
    uv pip install --quiet --compile-bytecode --python "$VENV/bin/python" -c requirements/constraints.txt -e ".[dev]"
else
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --compile -c requirements/constraints.txt -e ".[dev]"
fi
touch "$VENV/.installed"
