"""The date a run processes is defined in every kind of Airflow 3 run.

Airflow 3 gives manual and asset-triggered runs no logical date, so ``{{ ds }}`` is undefined
in them; ``dag.test()`` always sets one and hides that. These tests render every template maxai
puts on an operator with the context Airflow's task runner builds for each kind of run, through
the DAG's own (strict) Jinja environment, and check what ``current_task()`` reads back.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from maxai.runtime import current_task

pytestmark = pytest.mark.airflow
UTC = dt.UTC
REPO_ROOT = Path(__file__).resolve().parents[1]
RUN_AFTER = dt.datetime(2026, 11, 26, 14, 30, tzinfo=UTC)
LOGICAL = dt.datetime(2026, 2, 10, 5, 0, tzinfo=UTC)


def _dag_run(
    run_type: str,
    logical_date: dt.datetime | None,
    conf: dict[str, Any] | None,
    run_after: dt.datetime = RUN_AFTER,
    dag_id: str = "retail.demand_forecast.stores_eu",
) -> Any:
    from airflow.sdk.api.datamodels._generated import DagRun, DagRunState, DagRunType

    return DagRun(
        dag_id=dag_id,
        run_id=f"{run_type}__x",
        logical_date=logical_date,
        data_interval_start=logical_date,
        data_interval_end=logical_date,
        run_after=run_after,
        start_date=run_after,
        end_date=None,
        run_type=DagRunType(run_type),
        state=DagRunState.RUNNING,
        conf=conf,
        consumed_asset_events=[],
        partition_key=None,
    )


def _rendered_environment(repo: Path, task_name: str, run: Any) -> dict[str, str]:
    """The operator's env_vars as the task runner renders them for ``run``."""
    from airflow.sdk.definitions.param import process_params

    from maxai.testing import load_dagbag

    bag = load_dagbag(repo / "maxaidags/retail/store_segments/weekly")
    dag = bag.dags["retail.store_segments.weekly"]
    task = dag.get_task(task_name)
    context: dict[str, Any] = {
        "params": process_params(dag, task, run.conf, suppress_exception=False),
        "dag_run": run,
        "run_id": run.run_id,
    }
    if run.logical_date is not None:
        context["ds"] = run.logical_date.strftime("%Y-%m-%d")
        context["logical_date"] = run.logical_date
    rendered: dict[str, str] = task.render_template(task.env_vars, context, dag.get_template_env())
    return rendered


RUNS = [
    # run type, logical date, conf, expected date, expected source
    ("manual", None, None, "2026-11-26", "run day"),
    ("manual", None, {"date": "2026-02-03"}, "2026-02-03", "date param"),
    ("manual", LOGICAL, None, "2026-02-10", "logical date"),
    ("scheduled", LOGICAL, None, "2026-02-10", "logical date"),
    ("backfill", LOGICAL, None, "2026-02-10", "logical date"),
    ("asset_triggered", None, None, "2026-11-26", "run day"),
]


@pytest.mark.parametrize("task_name", ["store_features", "cluster_stores"])  # a Spark task and a pod task
@pytest.mark.parametrize(("run_type", "logical_date", "conf", "expected", "source"), RUNS)
def test_every_kind_of_run_has_a_date(
    airflow_db: Path,
    repo: Path,
    task_name: str,
    run_type: str,
    logical_date: dt.datetime | None,
    conf: dict[str, Any] | None,
    expected: str,
    source: str,
) -> None:
    environment = _rendered_environment(repo, task_name, _dag_run(run_type, logical_date, conf))
    assert environment["MAXAI_RUN_DATE"] == expected
    assert environment["MAXAI_DATE_SOURCE"] == source
    assert environment["MAXAI_RUN_TYPE"] == run_type
    assert environment["MAXAI_RUN_ID"] == f"{run_type}__x"
    assert environment["MAXAI_FORCE"] == ""
    assert not any("{{" in value or "{%" in value for key, value in environment.items() if key != "MAXAI_PARAMS")

    task = current_task(environment)
    assert task.run_date == dt.date.fromisoformat(expected)
    assert task.run_type == run_type
    assert task.forced is False
    assert task.output_path().endswith(f"/ds={expected}")


def test_force_param_reaches_the_task(airflow_db: Path, repo: Path) -> None:
    environment = _rendered_environment(repo, "store_features", _dag_run("manual", None, {"force": True}))
    assert environment["MAXAI_FORCE"] == "1"
    assert current_task(environment).forced is True


@pytest.mark.parametrize("bad", ["2026-13-45", "26/11/2026", "yesterday", 20261126])
def test_a_bad_date_param_is_refused_before_any_task_runs(airflow_db: Path, repo: Path, bad: object) -> None:
    from airflow.sdk.exceptions import ParamValidationError

    with pytest.raises(ParamValidationError, match="date"):
        _rendered_environment(repo, "store_features", _dag_run("manual", None, {"date": bad}))


def test_trigger_form_shows_the_run_params(airflow_db: Path, repo: Path) -> None:
    from maxai.testing import load_dagbag

    bag = load_dagbag(repo / "maxaidags")
    assert bag.import_errors == {}
    for dag in bag.dags.values():
        params = dag.params.dump()
        declared = {"top_stores": 3} if dag.dag_id == "retail.forecast_review.daily" else {}
        assert params == {**declared, "date": None, "force": False}, dag.dag_id
        date = dag.params.get_param("date")
        assert date.description
        assert date.schema.get("format") == "date" or {"format": "date"} in date.schema["anyOf"]


def test_the_task_log_says_which_date_it_processes(capsys: pytest.CaptureFixture[str]) -> None:
    environment = {
        "MAXAI_DOMAIN": "d",
        "MAXAI_USECASE": "u",
        "MAXAI_OBJECTIVE": "o",
        "MAXAI_TASK": "t",
        "MAXAI_PARAMS": '{"output": "out/t"}',
        "MAXAI_RUN_DATE": "2026-11-26",
        "MAXAI_DATE_SOURCE": "run day",
        "MAXAI_RUN_ID": "manual__2026-11-26T14:30:00+00:00",
        "MAXAI_RUN_TYPE": "manual",
    }
    current_task(environment)
    current_task(environment)
    lines = [line for line in capsys.readouterr().out.splitlines() if "processes" in line]
    assert lines == ["maxai: d.u.o / t processes 2026-11-26 (run day), manual run manual__2026-11-26T14:30:00+00:00"]


def test_a_damaged_run_date_is_a_clear_error() -> None:
    from maxai.runtime import TaskContextError

    environment = {
        "MAXAI_DOMAIN": "d",
        "MAXAI_USECASE": "u",
        "MAXAI_OBJECTIVE": "o",
        "MAXAI_TASK": "t",
        "MAXAI_PARAMS": "{}",
        "MAXAI_RUN_DATE": "",
    }
    with pytest.raises(TaskContextError, match="MAXAI_RUN_DATE is not set"):
        current_task(environment)
    with pytest.raises(TaskContextError, match=r"MAXAI_RUN_DATE='None' is not a date"):
        current_task({**environment, "MAXAI_RUN_DATE": "None"})


def _cards_environment(run: Any) -> dict[str, str]:
    from airflow.sdk.definitions.param import process_params

    from maxai.testing import load_dagbag

    bag = load_dagbag(REPO_ROOT / "maxaidags/finance/fraud_scoring/cards")
    dag = bag.dags["finance.fraud_scoring.cards"]
    task = dag.get_task("extract_transactions")
    context: dict[str, Any] = {
        "params": process_params(dag, task, run.conf, suppress_exception=False),
        "dag_run": run,
        "run_id": run.run_id,
    }
    rendered: dict[str, str] = task.render_template(task.env_vars, context, dag.get_template_env())
    return rendered


HOURLY_RUNS = [
    ("manual", None, None, "ds=2026-11-26/hour=14"),
    ("manual", None, {"date": "2026-02-10T07:00"}, "ds=2026-02-10/hour=07"),
    ("manual", None, {"date": "2026-02-10"}, "ds=2026-02-10/hour=00"),
    ("scheduled", LOGICAL, None, "ds=2026-02-10/hour=05"),
    ("backfill", LOGICAL + dt.timedelta(hours=3), None, "ds=2026-02-10/hour=08"),
]


@pytest.mark.parametrize(("run_type", "logical_date", "conf", "partition"), HOURLY_RUNS)
def test_hourly_objectives_write_one_partition_per_hour(
    airflow_db: Path, run_type: str, logical_date: dt.datetime | None, conf: dict[str, Any] | None, partition: str
) -> None:
    environment = _cards_environment(_dag_run(run_type, logical_date, conf))
    assert environment["MAXAI_PARTITION"] == "hour"
    task = current_task(environment)
    assert task.output_path().endswith(f"/transactions/{partition}")


def test_an_hourly_date_param_is_checked_at_trigger_time(airflow_db: Path) -> None:
    from airflow.sdk.exceptions import ParamValidationError

    with pytest.raises(ParamValidationError, match="date"):
        _cards_environment(_dag_run("manual", None, {"date": "2026-13-45"}))
    with pytest.raises(ParamValidationError, match="date"):
        _cards_environment(_dag_run("manual", None, {"date": "10 Feb 2026 07:00"}))


def _asset_event(extra: dict[str, Any]) -> Any:
    from airflow.sdk.api.datamodels._generated import AssetEventDagRunReference, AssetReferenceAssetEventDagRun

    return AssetEventDagRunReference(
        asset=AssetReferenceAssetEventDagRun(name="out/x", uri="x-maxai://data/out/x", extra={}),
        extra=extra,
        source_task_id="t",
        source_dag_id="d",
        source_run_id="r",
        source_map_index=-1,
        source_aliases=[],
        timestamp=RUN_AFTER,
    )


@pytest.mark.parametrize("task_name", ["store_features", "cluster_stores"])
def test_an_asset_triggered_run_processes_the_date_its_upstream_wrote(
    airflow_db: Path, repo: Path, task_name: str
) -> None:
    run = _dag_run("asset_triggered", None, None).model_copy(
        update={
            "consumed_asset_events": [
                _asset_event({}),  # an update from outside maxai says nothing about dates
                _asset_event({"maxai_run_date": "2026-01-14", "maxai_run_time": "2026-01-14T05:00:00+00:00"}),
                _asset_event({"maxai_run_date": "2026-01-15", "maxai_run_time": "2026-01-15T05:00:00+00:00"}),
            ]
        }
    )
    environment = _rendered_environment(repo, task_name, run)
    assert environment["MAXAI_RUN_DATE"] == "2026-01-15"  # the latest of the updates that triggered it
    assert environment["MAXAI_RUN_TIME"] == "2026-01-15T05:00:00+00:00"
    assert environment["MAXAI_DATE_SOURCE"] == "asset event"
    with_param = run.model_copy(update={"conf": {"date": "2026-02-01"}})
    assert _rendered_environment(repo, task_name, with_param)["MAXAI_RUN_DATE"] == "2026-02-01"


def test_each_asset_update_carries_the_date_its_task_processed(airflow_db: Path, repo: Path) -> None:
    from airflow.sdk.definitions.param import process_params
    from airflow.sdk.execution_time.context import OutletEventAccessors

    from maxai.testing import load_dagbag

    dag = load_dagbag(repo / "maxaidags/retail/store_segments/weekly").dags["retail.store_segments.weekly"]
    task = dag.get_task("store_features")
    run = _dag_run("manual", None, {"date": "2026-02-03"})
    outlet_events = OutletEventAccessors()
    context = {
        "params": process_params(dag, task, run.conf, suppress_exception=False),
        "dag_run": run,
        "task": task,
        "dag": dag,
        "outlet_events": outlet_events,
    }
    task._pre_execute_hook(context)
    [asset] = task.outlets
    assert outlet_events[asset].extra == {"maxai_run_date": "2026-02-03", "maxai_run_time": "2026-02-03"}
