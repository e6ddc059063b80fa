#!/usr/bin/env bash
# Create .venv with maxai and everything its tests and local runs need.
# Idempotent: re-running only installs what changed. Uses uv when it can (about 3x faster than pip).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${MAXAI_VENV:-.venv}"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

UV=""
if command -v uv >/dev/null 2>&1; then
    UV="uv"
else
    "$PYTHON" -m pip install --quiet --disable-pip-version-check uv || true
    if command -v uv >/dev/null 2>&1; then UV="uv"; elif "$PYTHON" -m uv --version >/dev/null 2>&1; then UV="$PYTHON -m uv"; fi
fi
if [ -n "$UV" ]; then
    [ -x "$VENV/bin/python" ] || $UV venv --quiet --python "$PYTHON" "$VENV"
    # --compile-bytecode: imports (Airflow is large) stay fast even where PYTHONDONTWRITEBYTECODE is set
    $UV pip install --quiet --compile-bytecode --python "$VENV/bin/python" -c requirements/constraints.txt -e ".[dev]"
else
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --compile -c requirements/constraints.txt -e ".[dev]"
fi
touch "$VENV/.installed"
