"""Callbacks under the real scheduler (scenario 9): a deadline alert that the scheduler finds missed and the
LocalExecutor runs, and the DAG's success notifier that the dag-processor runs with the parsed DAG."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .api import AirflowAPI
from .conftest import CALLBACKS_FILE, RealServices
from .services import wait_for

pytestmark = pytest.mark.real_services


def test_a_missed_deadline_and_the_success_notifier_run(api: AirflowAPI, real_services: RealServices) -> None:
    dag_id = "tier.probe.late"
    calls = real_services.folder / CALLBACKS_FILE
    api.wait_for_dag(dag_id)
    api.unpause(dag_id)
    run = api.trigger(dag_id)
    run_id = run["dag_run_id"]
    api.assert_success(dag_id, run_id)
    api.pause(dag_id)

    assert_deadline_and_notifier_called(calls, dag_id, run_id)


def assert_deadline_and_notifier_called(calls: Path, dag_id: str, run_id: str) -> None:
    """Until the run's missed-deadline callback and success notifier have each written their line to ``calls``."""

    def entries() -> list[dict[str, Any]]:
        lines = calls.read_text().splitlines() if calls.exists() else []
        found = [entry for entry in map(json.loads, lines) if entry.get("run_id") == run_id]
        return found if len(found) >= 2 else []

    found = wait_for(f"the deadline callback and the success notifier of {run_id}", entries, timeout=120)
    assert sorted(found, key=lambda entry: entry["label"]) == [
        {"label": "deadline missed", "dag_id": dag_id, "run_id": run_id, "deadline": True},
        {"label": f"{dag_id} ok", "run_id": run_id},
    ], found
