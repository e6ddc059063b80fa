"""Manual runs through the REST API: no logical date (scenario 1) and a chosen date param (scenario 2)."""

from __future__ import annotations

import json

import pytest

from .api import AirflowAPI
from .conftest import PROBE_OBJECTIVES, RealServices, probe_output
from .outputs import Output

pytestmark = pytest.mark.real_services

STORES_EU = "retail.demand_forecast.stores_eu"
STORES_EU_TASKS = ("clean_sales", "daily_totals", "forecast_demand")
STORES_EU_OUTPUT = "out/retail/demand_forecast/stores_eu"
OUTPUT_FOLDERS = {"clean_sales": "clean_sales", "daily_totals": "daily_totals", "forecast_demand": "forecast"}


def run_date(run: dict[str, object]) -> str:
    """The date a run processes when no date param is given: its logical date, else the day it was triggered."""
    return str(run.get("logical_date") or run["run_after"])[:10]


def test_manual_run_without_logical_date_runs_every_task_on_the_cluster(
    api: AirflowAPI, real_services: RealServices
) -> None:
    api.wait_for_dag(STORES_EU)
    assert api.tasks(STORES_EU) == sorted(STORES_EU_TASKS)
    run = api.trigger(STORES_EU)  # "logical_date": null, as the UI's Trigger button sends
    assert run["logical_date"] is None and run["run_type"] == "manual"
    api.unpause(STORES_EU)
    try:
        api.assert_success(STORES_EU, run["dag_run_id"], timeout=420)
        # Unpausing may also have started the schedule's latest run: let it end before the next scenario.
        others = [other for other in api.runs(STORES_EU) if other["dag_run_id"] != run["dag_run_id"]]
        for other in others:
            api.assert_success(STORES_EU, other["dag_run_id"], timeout=420)
    finally:
        api.pause(STORES_EU)
    assert api.task_states(STORES_EU, run["dag_run_id"]) == dict.fromkeys(STORES_EU_TASKS, "success")
    day = run_date(api.run(STORES_EU, run["dag_run_id"]))
    run_ids = {run["dag_run_id"], *(other["dag_run_id"] for other in others)}
    for task, folder in OUTPUT_FOLDERS.items():
        output = Output(real_services.data / STORES_EU_OUTPUT / folder)
        assert (output.partition(day) / "_SUCCESS").is_file(), f"{task}: {output.describe()}"
        assert output.data_files(day) and not output.leftovers(), f"{task}: {output.describe()}"
        # The partition names the run that wrote it; a scheduled run never adopts what the manual run wrote.
        writer = json.loads((output.partition(day) / "_MAXAI_RUN.json").read_text())
        assert writer["run_id"] in run_ids and writer["task"] == task, writer
        same_day = [other for other in others if run_date(api.run(STORES_EU, other["dag_run_id"])) == day]
        expected_type = "scheduled" if same_day else "manual"  # whichever ran first, the scheduled run's stands
        assert writer["run_type"] == expected_type, (writer, same_day)
    # The applications ran on the standalone cluster, not in local[*]: its master lists them as completed.
    names = real_services.spark.completed_app_names()
    for task in STORES_EU_TASKS:
        assert any(name.endswith(task) for name in names), f"{task} not among the master's applications {names}"


def test_manual_run_with_a_chosen_date_writes_that_dates_partition(
    api: AirflowAPI, real_services: RealServices
) -> None:
    dag_id = "tier.probe.quick"
    api.wait_for_dag(dag_id)
    api.unpause(dag_id)
    run = api.trigger(dag_id, conf={"date": "2026-02-10"})
    api.assert_success(dag_id, run["dag_run_id"])
    output = Output(real_services.data / probe_output("quick"))
    assert "ds=2026-02-10" in output.partitions(), output.describe()
    assert (output.partition("2026-02-10") / "_SUCCESS").is_file(), output.describe()
    assert output.rows("2026-02-10") == PROBE_OBJECTIVES["quick"]["write_rows"]["args"]["rows"]
    log = api.task_log(dag_id, run["dag_run_id"], "write_rows", 1)
    assert "processes 2026-02-10" in log, log[-3000:]
