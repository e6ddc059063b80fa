"""Scheduled runs with catchup, and a backfill through POST /api/v2/backfills (scenario 3)."""

from __future__ import annotations

import datetime
import time

import pytest

from .api import AirflowAPI, AirflowAPIError
from .conftest import PROBE_OBJECTIVES, TODAY, ZONE, RealServices, probe_output
from .outputs import Output

pytestmark = pytest.mark.real_services


def _rows(objective: str) -> int:
    return int(PROBE_OBJECTIVES[objective]["write_rows"]["args"]["rows"])


def _wait_for_runs(api: AirflowAPI, dag_id: str, count: int, timeout: float) -> list[dict[str, object]]:
    """Until ``dag_id`` has ``count`` runs, all finished (max_active_runs=1 creates them one after another)."""
    deadline = time.monotonic() + timeout
    while True:
        runs = api.runs(dag_id)
        if len(runs) >= count and all(run["state"] in ("success", "failed") for run in runs):
            return runs
        if time.monotonic() > deadline:
            raise AirflowAPIError(f"{dag_id} has {len(runs)} runs after {timeout:.0f}s, expected {count}: {runs}")
        time.sleep(1)


def test_catchup_runs_each_missed_interval(api: AirflowAPI, real_services: RealServices) -> None:
    dag_id = "tier.probe.catchup"
    api.wait_for_dag(dag_id)
    api.unpause(dag_id)
    runs = _wait_for_runs(api, dag_id, 2, timeout=360)
    for run in runs:
        api.assert_success(dag_id, str(run["dag_run_id"]))
    runs = api.runs(dag_id)
    days = [(TODAY - datetime.timedelta(days=back)).isoformat() for back in (1, 0)]
    assert sorted(str(run["logical_date"])[:10] for run in runs) == days
    assert {run["run_type"] for run in runs} == {"scheduled"}
    output = Output(real_services.data / probe_output("catchup"))
    assert output.partitions() == [f"ds={day}" for day in days], output.describe()
    for day in days:
        assert (output.partition(day) / "_SUCCESS").is_file(), output.describe()
        assert output.rows(day) == _rows("catchup")
    assert not output.leftovers(), output.describe()
    api.pause(dag_id)


def test_backfill_over_a_date_range(api: AirflowAPI, real_services: RealServices) -> None:
    dag_id = "tier.probe.backfill"
    api.wait_for_dag(dag_id)
    backfill = api.backfill(dag_id, "2026-02-01T00:00:00Z", "2026-02-03T00:00:00Z", max_active_runs=2)
    assert backfill["dag_id"] == dag_id
    # A backfill's runs wait while the DAG is paused; unpausing also starts the schedule's latest run.
    api.unpause(dag_id)
    try:
        _wait_for_runs(api, dag_id, 3, timeout=360)
    finally:
        api.pause(dag_id)
    for run in api.runs(dag_id):
        api.assert_success(dag_id, str(run["dag_run_id"]))
    backfill_runs = [run for run in api.runs(dag_id) if run["run_type"] == "backfill"]
    days = ["2026-02-01", "2026-02-02", "2026-02-03"]
    assert sorted(str(run["logical_date"])[:10] for run in backfill_runs) == days
    output = Output(real_services.data / probe_output("backfill"))
    assert set(output.partitions()) >= {f"ds={day}" for day in days}, output.describe()
    for day in days:
        assert output.rows(day) == _rows("backfill")
    assert len(output.markers()) == len(output.partitions()) and not output.leftovers(), output.describe()


def test_a_scheduled_run_in_a_time_zone_processes_the_local_day(api: AirflowAPI, real_services: RealServices) -> None:
    import zoneinfo

    dag_id = "tier.probe.zoned"
    api.wait_for_dag(dag_id)
    api.unpause(dag_id)  # no catchup: the schedule's latest run, at the latest local midnight
    try:
        [run] = _wait_for_runs(api, dag_id, 1, timeout=300)
        api.assert_success(dag_id, str(run["dag_run_id"]))
    finally:
        api.pause(dag_id)
    logical = datetime.datetime.fromisoformat(str(run["logical_date"]).replace("Z", "+00:00"))
    local = logical.astimezone(zoneinfo.ZoneInfo(ZONE))
    assert (local.hour, local.minute) == (0, 0), local  # the cron fired at midnight in the zone
    day = local.date().isoformat()
    assert day != logical.date().isoformat()  # the UTC date is the day before
    Output(real_services.data / probe_output("zoned")).assert_single(day, rows=_rows("zoned"))
