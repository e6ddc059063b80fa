"""The Airflow 3 backfill that gives tasks added to a DAG to the runs that already exist.

Airflow creates a run's task instances from the DAG version the run was created with, so a task added
later is never scheduled in existing runs. What Airflow 3.3 does (``airflow/models/backfill.py``):

- a backfill visits every logical date of its range; a date without a run gets a new run;
- a date whose run is queued or running is left alone;
- a date whose run succeeded or failed is left alone too, unless ``reprocess_behavior`` is ``completed``
  (both) or ``failed`` (failed ones only): the default, ``none``, does nothing for existing runs;
- a run reprocessed is cleared as a whole (every task runs again) and, with ``run_on_latest_version``,
  moved to the latest DAG version first, which creates the task instances of the added tasks. The CLI and
  REST API default that flag from the DAG's or ``[core] rerun_with_latest_version``: it is given explicitly.
- only DAGs with a periodic schedule can be backfilled (not manual-only, ``@once`` or ``@continuous``).

One run can instead get only its new tasks, without its other tasks running again: ``only_new`` of
``POST /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/clear``.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from maxai.config.objective import ObjectiveConfig

BACKFILLS_PATH = "/api/v2/backfills"
NON_PERIODIC = ("@once", "@continuous")


@dataclass(frozen=True)
class Backfill:
    dag_id: str
    tasks: tuple[str, ...]
    """The added tasks the existing runs lack."""
    from_date: str | None
    to_date: str | None
    command: str | None
    """The ``airflow backfill create`` command line; None when the DAG cannot be backfilled."""
    body: dict[str, Any] | None
    """The JSON body of ``POST /api/v2/backfills``; None when the DAG cannot be backfilled."""
    reason: str | None
    """Why there is no backfill, when there is none."""

    @property
    def clear_path(self) -> str:
        return f"/api/v2/dags/{self.dag_id}/dagRuns/{{dag_run_id}}/clear"

    @property
    def clear_body(self) -> dict[str, Any]:
        return {"dry_run": False, "only_new": True}

    def as_dict(self) -> dict[str, Any]:
        backfill: dict[str, Any] | None = None
        if self.command is not None:
            backfill = {"command": self.command, "method": "POST", "path": BACKFILLS_PATH, "body": self.body}
        return {
            "tasks": list(self.tasks),
            "backfill": backfill,
            "reason": self.reason,
            "clear_one_run": {"method": "POST", "path": self.clear_path, "body": self.clear_body},
        }


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _is_periodic(schedule: object) -> bool:
    return isinstance(schedule, str) and schedule not in NON_PERIODIC


def backfill_for(config: ObjectiveConfig, added: list[str], today: date | None = None) -> Backfill:
    """The backfill over the DAG's whole life so far (start date to ``today``, UTC, or its end date)."""
    today = today or datetime.now(UTC).date()
    settings = config.dag
    tasks = tuple(added)
    if not _is_periodic(settings.schedule):
        reason = f"schedule {settings.schedule or 'null (manual only)'} is not periodic: Airflow backfills only periodic schedules"
        return Backfill(config.dag_id, tasks, None, None, None, None, reason)
    start = _day(settings.start_date)
    end = min(today, _day(settings.end_date)) if settings.end_date is not None else today
    if start > end:
        return Backfill(config.dag_id, tasks, None, None, None, None, f"no runs yet: the DAG starts {start}")
    from_date, to_date = start.isoformat(), end.isoformat()
    command = shlex.join(
        [
            "airflow",
            "backfill",
            "create",
            "--dag-id",
            config.dag_id,
            "--from-date",
            from_date,
            "--to-date",
            to_date,
            "--reprocess-behavior",
            "completed",
            "--run-on-latest-version",
        ]
    )
    body = {
        "dag_id": config.dag_id,
        "from_date": f"{from_date}T00:00:00Z",
        "to_date": f"{to_date}T00:00:00Z",
        "reprocess_behavior": "completed",
        "run_on_latest_version": True,
    }
    return Backfill(config.dag_id, tasks, from_date, to_date, command, body, None)
