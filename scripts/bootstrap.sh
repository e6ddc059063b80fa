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
# pyspark is published only as a source archive. uv builds it anew on every install and keeps each build in its
# cache (about 1.9 GB a time, seen to fill a disk), so the wheel is built once per machine, into a folder the
# install then looks in; it is moved into place whole, so an interrupted build leaves nothing behind.
WHEELHOUSE="${MAXAI_WHEELHOUSE:-${XDG_CACHE_HOME:-$HOME/.cache}/maxai/wheels}"
PYSPARK_PIN="$(grep -E '^pyspark==' requirements/constraints.txt | head -n 1)"
find_links=()
if [ -n "$UV" ] && [ -n "$PYSPARK_PIN" ]; then
    if ! compgen -G "$WHEELHOUSE/pyspark-${PYSPARK_PIN#pyspark==}-*.whl" >/dev/null; then
        mkdir -p "$WHEELHOUSE"
        staging="$(mktemp -d "$WHEELHOUSE/.building.XXXXXX")"
        if "$PYTHON" -m pip wheel --quiet --disable-pip-version-check --no-cache-dir --no-deps -w "$staging" \
            "$PYSPARK_PIN" >"$staging/pip.log" 2>&1; then
            mv "$staging"/pyspark-*.whl "$WHEELHOUSE"/
        else
            cat "$staging/pip.log" >&2
            echo "could not build the $PYSPARK_PIN wheel once; the install builds it instead" >&2
        fi
        rm -rf "$staging"
    fi
    compgen -G "$WHEELHOUSE/pyspark-*.whl" >/dev/null && find_links=(--find-links "$WHEELHOUSE")
fi
if [ -n "$UV" ]; then
    [ -x "$VENV/bin/python" ] || $UV venv --quiet --python "$PYTHON" "$VENV"
    # --compile-bytecode: imports (Airflow is large) stay fast even where PYTHONDONTWRITEBYTECODE is set
    $UV pip install --quiet --compile-bytecode --python "$VENV/bin/python" "${find_links[@]}" \
        -c requirements/constraints.txt -e ".[dev]"
else
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --compile -c requirements/constraints.txt -e ".[dev]"
fi
touch "$VENV/.installed"
