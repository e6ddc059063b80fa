"""Train a small demand model on the example sales and log it to MLflow.

Called by the ``train`` step of ``model_config.json`` (through ``python -m maxai.runtime``) inside an MLflow
run that the step created: ``mlflow.start_run()`` joins that run (``MLFLOW_RUN_ID``), so the metric and the
model land where the register and deploy steps look for them.
"""

from __future__ import annotations

import csv
import datetime
from pathlib import Path
from typing import Any

import mlflow
import mlflow.pyfunc
import numpy as np

from maxai.runtime import TaskContext


class DemandModel(mlflow.pyfunc.PythonModel):  # type: ignore[misc]
    """Daily units of a (store, product) on a weekday: a linear model over one-hot features."""

    def __init__(self, columns: list[str], weights: list[float]) -> None:
        self.columns = columns
        self.weights = weights

    def predict(self, context: Any, model_input: list[dict[str, Any]], params: Any = None) -> list[float]:
        rows = model_input.to_dict("records") if hasattr(model_input, "to_dict") else list(model_input)
        return [float(np.dot(_features(row, self.columns), self.weights)) for row in rows]


def _features(row: dict[str, Any], columns: list[str]) -> list[float]:
    present = {"bias", f"store={row['store']}", f"product={row['product']}", f"weekday={row['weekday']}"}
    return [1.0 if column in present else 0.0 for column in columns]


def _rows(path: str) -> list[dict[str, Any]]:
    """The usable sales rows: the raw file also holds rows without a date or with a negative or missing quantity."""
    rows = []
    with Path(path).open(newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                day = datetime.date.fromisoformat(row["date"])
                quantity = float(row["quantity"])
            except ValueError:
                continue
            if quantity >= 0:
                rows.append({**row, "quantity": quantity, "weekday": day.weekday()})
    return rows


def train_demand_model(task: TaskContext, ridge: float = 1.0, holdout_days: int = 7) -> None:
    rows = _rows(task.input_path())
    days = sorted({row["date"] for row in rows})
    cutoff = days[-holdout_days]
    columns = sorted({"bias"} | {f"{key}={row[key]}" for row in rows for key in ("store", "product", "weekday")})
    train = [row for row in rows if row["date"] < cutoff]
    test = [row for row in rows if row["date"] >= cutoff]

    def matrix(part: list[dict[str, Any]]) -> tuple[Any, Any]:
        features = np.array([_features(row, columns) for row in part])
        return features, np.array([float(row["quantity"]) for row in part])

    x, y = matrix(train)
    weights = np.linalg.solve(x.T @ x + ridge * np.eye(len(columns)), x.T @ y)
    x_test, y_test = matrix(test)
    # RMSE relative to the mean demand: comparable across stores and products of any volume
    rmse = float(np.sqrt(np.mean((x_test @ weights - y_test) ** 2)) / np.mean(y_test))
    with mlflow.start_run():
        mlflow.log_metric("rmse", rmse)
        mlflow.log_metric("train_rows", len(train))
        mlflow.pyfunc.log_model(
            name="model",
            python_model=DemandModel(columns, [float(w) for w in weights]),
            pip_requirements=["mlflow-skinny", "numpy"],
        )
    print(f"trained on {len(train)} rows, holdout from {cutoff}: relative rmse {rmse:.3f}")
