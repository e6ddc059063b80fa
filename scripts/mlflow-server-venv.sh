#!/usr/bin/env bash
# Create .venv-mlflow with a full MLflow (tracking server and model registry) for the model kind's tests.
# A venv of its own: full mlflow pins pyarrow and python-dateutil apart from Airflow's resolve, while maxai
# itself needs only the client (mlflow-skinny, extra "mlflow"). Idempotent; prints the server's executable.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${MAXAI_MLFLOW_VENV:-.venv-mlflow}"
VERSION="3.17.2"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if ! "$VENV/bin/python" -c "import mlflow, sys; sys.exit(mlflow.__version__ != '$VERSION')" >/dev/null 2>&1; then
    if command -v uv >/dev/null 2>&1; then
        [ -x "$VENV/bin/python" ] || uv venv --quiet --python "$PYTHON" "$VENV"
        uv pip install --quiet --python "$VENV/bin/python" "mlflow==$VERSION"
    else
        [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "mlflow==$VERSION"
    fi
fi
echo "$PWD/$VENV/bin/mlflow"
