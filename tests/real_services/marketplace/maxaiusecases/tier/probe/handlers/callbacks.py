"""Callbacks of the tier's probe objectives: each call appends one JSON line to the file named in its args."""

import json
from pathlib import Path

from airflow.sdk.bases.notifier import BaseNotifier


def _append(path, entry):
    with Path(path).open("a") as handle:
        handle.write(json.dumps(entry) + "\n")


def _field(value, name):
    return value.get(name) if isinstance(value, dict) else getattr(value, name, None)


def record(context, path, label):
    """A function callback; for a missed deadline, ``context`` holds the run as JSON and the deadline."""
    dag_run = context.get("dag_run")
    _append(
        path,
        {
            "label": label,
            "dag_id": _field(dag_run, "dag_id"),
            "run_id": _field(dag_run, "run_id") or _field(dag_run, "dag_run_id"),
            "deadline": "deadline" in context,
        },
    )


class FileNotifier(BaseNotifier):
    """A notifier callback whose ``label`` is a template, rendered by Airflow with the run's context."""

    template_fields = ("label",)

    def __init__(self, path, label):
        super().__init__()
        self.path = path
        self.label = label

    def notify(self, context):
        _append(self.path, {"label": self.label, "run_id": context.get("run_id")})
