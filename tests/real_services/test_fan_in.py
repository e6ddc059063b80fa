"""A join under the real scheduler: two root tasks run, and the task that ``depends_on`` both starts only after
both have succeeded and reads what each wrote; when one branch fails, the join never runs."""

from __future__ import annotations

import datetime

import pytest

from .api import AirflowAPI
from .conftest import JOIN_ROWS, JOIN_USECASE, RealServices, join_output
from .outputs import DONE_MARKER, Output

pytestmark = pytest.mark.real_services

FAN_IN = ".".join(JOIN_USECASE)


def _moment(value: object) -> datetime.datetime:
    return datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _run_day(run: dict[str, object]) -> str:
    return str(run.get("logical_date") or run["run_after"])[:10]


def _assert_complete(output: Output, day: str, rows: int) -> None:
    """The day's partition is complete (other tests of this file write other days beside it)."""
    assert (output.partition(day) / DONE_MARKER).is_file(), output.describe()
    assert output.rows(day) == rows, f"{output.rows(day)} rows in {output.partition(day)}, expected {rows}"


def test_the_join_runs_after_both_branches_and_reads_both(api: AirflowAPI, real_services: RealServices) -> None:
    api.wait_for_dag(FAN_IN)
    downstream = {
        task["task_id"]: sorted(task["downstream_task_ids"])
        for task in api.request("GET", f"/dags/{FAN_IN}/tasks")["tasks"]
    }
    # both branches are roots and feed the join, as parsed by the real dag-processor
    assert downstream == {"left": ["join"], "right": ["join"], "join": []}, downstream
    run = api.trigger(FAN_IN)
    api.unpause(FAN_IN)
    try:
        api.assert_success(FAN_IN, run["dag_run_id"], timeout=300)
    finally:
        api.pause(FAN_IN)
    instances = {ti["task_id"]: ti for ti in api.task_instances(FAN_IN, run["dag_run_id"])}
    branches_done = max(_moment(instances[name]["end_date"]) for name in JOIN_ROWS)
    assert _moment(instances["join"]["start_date"]) >= branches_done, instances
    day = _run_day(api.run(FAN_IN, run["dag_run_id"]))
    for name, rows in JOIN_ROWS.items():
        _assert_complete(Output(real_services.data / join_output(name)), day, rows)
    joined = Output(real_services.data / join_output("join"))
    _assert_complete(joined, day, sum(JOIN_ROWS.values()))
    import pyarrow.parquet as pq

    sources = pq.read_table(joined.partition(day), columns=["source"]).column("source").to_pylist()
    assert {name: sources.count(name) for name in JOIN_ROWS} == JOIN_ROWS


def test_a_failed_branch_leaves_the_join_unrun(api: AirflowAPI, real_services: RealServices) -> None:
    api.wait_for_dag(FAN_IN)
    run = api.trigger(FAN_IN, conf={"fail": "right", "date": "2026-03-01"})
    api.unpause(FAN_IN)
    try:
        finished = api.wait_for_run(FAN_IN, run["dag_run_id"], timeout=300)
    finally:
        api.pause(FAN_IN)
    assert finished["state"] == "failed", finished
    assert api.task_states(FAN_IN, run["dag_run_id"]) == {
        "left": "success",
        "right": "failed",
        "join": "upstream_failed",
    }
    assert "fails, as the run's fail param asks" in api.task_log(FAN_IN, run["dag_run_id"], "right", 1)
    _assert_complete(Output(real_services.data / join_output("left")), "2026-03-01", JOIN_ROWS["left"])
    assert not Output(real_services.data / join_output("join")).partition("2026-03-01").exists()
