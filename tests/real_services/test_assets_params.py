"""Airflow 3 features from config under the real scheduler (issue 14): an asset update of one objective
triggers another, a param given at trigger time reaches the handler, a for_each task fans out."""

from __future__ import annotations

import time

import pytest

from .api import AirflowAPI, AirflowAPIError
from .conftest import RealServices, probe_output
from .outputs import Output

pytestmark = pytest.mark.real_services

PRODUCER = "tier.probe.producer"
CONSUMER = "tier.probe.consumer"
PARAMS = "tier.probe.params"
FAN_OUT = "tier.probe.fan_out"
PROCESSED = "2026-01-15"


def _run_day(run: dict[str, object]) -> str:
    return str(run.get("logical_date") or run["run_after"])[:10]


def _asset_triggered_run(api: AirflowAPI, dag_id: str, timeout: float = 240) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = [run for run in api.runs(dag_id) if run["run_type"] == "asset_triggered"]
        if runs:
            return runs[0]
        time.sleep(2)
    raise AssertionError(f"no asset-triggered run of {dag_id} after {timeout:.0f}s: {api.runs(dag_id)}")


def test_an_asset_update_triggers_the_downstream_objective(api: AirflowAPI, real_services: RealServices) -> None:
    api.wait_for_dag(PRODUCER)
    consumer = api.wait_for_dag(CONSUMER)
    assert consumer["timetable_summary"] and "asset" in str(consumer["timetable_summary"]).lower(), consumer
    api.unpause(CONSUMER)
    try:
        run = api.trigger(PRODUCER, conf={"date": PROCESSED})  # a past day, as a backfill would process
        api.unpause(PRODUCER)
        api.assert_success(PRODUCER, run["dag_run_id"], timeout=300)
        # the producer's task updated the asset its output names, saying which date it wrote ...
        events = api.request("GET", "/assets/events", params={"source_dag_id": PRODUCER})["asset_events"]
        assert [event["uri"] for event in events] == [f"x-maxai://data/{probe_output('producer')}"], events
        assert events[0]["extra"]["maxai_run_date"] == PROCESSED, events
        # ... and the scheduler started the consumer for it, which ran to success on the cluster
        triggered = _asset_triggered_run(api, CONSUMER)
        api.assert_success(CONSUMER, str(triggered["dag_run_id"]), timeout=300)
    finally:
        api.pause(PRODUCER)
        api.pause(CONSUMER)
    # ... and the consumer processed that same date, not the day it was triggered
    Output(real_services.data / probe_output("consumer")).assert_single(PROCESSED, rows=5)
    log = api.task_log(CONSUMER, str(triggered["dag_run_id"]), "write_rows", 1)
    assert f"processes {PROCESSED} (asset event), asset_triggered run" in log, log[-2000:]


def test_a_param_given_at_trigger_time_reaches_the_handler(api: AirflowAPI, real_services: RealServices) -> None:
    api.wait_for_dag(PARAMS)
    with pytest.raises(AirflowAPIError, match=r"400"):  # refused before any task starts
        api.trigger(PARAMS, conf={"rows": 0})
    run = api.trigger(PARAMS, conf={"rows": 42})
    api.unpause(PARAMS)
    try:
        api.assert_success(PARAMS, run["dag_run_id"], timeout=300)
    finally:
        api.pause(PARAMS)
    Output(real_services.data / probe_output("params")).assert_single(_run_day(run), rows=42)


def test_for_each_runs_the_task_once_per_value(api: AirflowAPI, real_services: RealServices) -> None:
    api.wait_for_dag(FAN_OUT)
    run = api.trigger(FAN_OUT)
    api.unpause(FAN_OUT)
    try:
        api.assert_success(FAN_OUT, run["dag_run_id"], timeout=300)
    finally:
        api.pause(FAN_OUT)
    instances = api.task_instances(FAN_OUT, run["dag_run_id"])
    assert sorted((ti["map_index"], ti["state"]) for ti in instances) == [(0, "success"), (1, "success")]
    day = _run_day(api.run(FAN_OUT, run["dag_run_id"]))
    partition = Output(real_services.data / probe_output("fan_out")).partition(day)
    import pyarrow.parquet as pq

    assert sorted(entry.name for entry in partition.iterdir() if entry.is_dir()) == ["part=a", "part=b"]
    for part in ("a", "b"):
        folder = partition / f"part={part}"
        assert (folder / "_SUCCESS").is_file(), Output(partition).describe()
        assert pq.read_table(folder).num_rows == 4
