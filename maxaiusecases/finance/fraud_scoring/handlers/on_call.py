"""Alerts for the fraud scoring on-call: a callback named in py_config.json (``@dag.on_failure_callback``,
``@dag.deadline``), called by Airflow as ``page(context, channel=...)``.

Airflow's context is a mapping: for a failed run it holds ``dag_run``, ``reason`` and the last failed
``task_instance``; for a missed deadline, ``dag_run`` (as JSON) and ``deadline``. This example has no
pager to call: it logs the alert, and appends it to ``on_call/<dag_id>.jsonl`` in the data folder when
``MAXAI_DATA_DIR`` names one.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def _field(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, Mapping) else getattr(value, name, None)


def page(context: Mapping[str, Any], channel: str) -> None:
    dag_run = context.get("dag_run")
    task = context.get("task_instance")
    alert = {
        "channel": channel,
        "dag_id": _field(dag_run, "dag_id"),
        "run_id": _field(dag_run, "run_id") or _field(dag_run, "dag_run_id"),  # a deadline's dag_run is JSON
        "what": "deadline missed" if "deadline" in context else str(context.get("reason") or "failed"),
        "task": _field(task, "task_id") if task is not None else None,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    log.error("on-call alert for %s: %s", channel, json.dumps(alert))
    folder = os.environ.get("MAXAI_DATA_DIR")
    if folder:
        path = Path(folder) / "on_call" / f"{alert['dag_id']}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(alert) + "\n")
