"""Objectives in a named time zone: checked in config, scheduled by Airflow's cron timetable in that zone
(DST included), and processing the dates of that zone, rendered with the context Airflow's task runner
builds (``RuntimeTaskInstance.get_template_context``)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from maxai import ConfigError
from maxai.config import load_objective
from maxai.errors import format_json_path
from maxai.runtime import current_task

from .test_run_date import _dag_run as dag_run

DF = "maxaiconfigs/retail/demand_forecast"
UTC = dt.UTC


def _dag_settings(**settings: Any) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        data.setdefault("@dag", {}).update(settings)

    return change


@pytest.mark.parametrize(
    ("zone", "hint"),
    [
        ("Europe/Berln", "(did you mean 'Europe/Berlin'?)"),
        ("new york", "(did you mean 'America/New_York'?)"),
        ("+02:00", "a fixed offset would ignore daylight saving time"),
        ("Mars/Olympus_Mons", "use an IANA name such as Europe/Berlin"),
    ],
)
def test_an_unknown_zone_is_a_config_error(
    example_repo: Path, edit_json: Callable[..., Path], zone: str, hint: str
) -> None:
    path = edit_json(f"{DF}/stores_eu/py_config.json", _dag_settings(timezone=zone))
    with pytest.raises(ConfigError) as caught:
        load_objective(example_repo, "retail", "demand_forecast", "stores_eu", use_cache=False)
    [problem] = caught.value.problems
    assert problem.file == f"{DF}/stores_eu/py_config.json"
    assert format_json_path(problem.path) == '["@dag"].timezone'
    assert problem.message.startswith(f"unknown time zone {zone!r}") and hint in problem.message
    assert '"timezone"' in path.read_text().splitlines()[problem.line - 1]  # type: ignore[operator]


def test_schedules_are_checked_in_the_objective_zone(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    config_file = f"{DF}/stores_eu/py_config.json"
    edit_json(config_file, _dag_settings(timezone="Europe/Berlin", schedule="30 0,23 * * *"))
    with pytest.raises(ConfigError, match="runs at 00:30 and 23:30 of 2026-01-01, but outputs are partitioned by day"):
        load_objective(example_repo, "retail", "demand_forecast", "stores_eu", use_cache=False)
    edit_json(config_file, _dag_settings(schedule="30 0 * * *", start_date="2026-03-01T05:00:00+00:00"))
    config = load_objective(example_repo, "retail", "demand_forecast", "stores_eu", use_cache=False)
    assert (config.dag.timezone, config.dag.schedule) == ("Europe/Berlin", "30 0 * * *")


# --- Airflow: the DAG, its timetable, and what its tasks render ---------------------------------------


def _fire_times(dag: Any, since: dt.datetime, count: int) -> list[dt.datetime]:
    """The next ``count`` runs the scheduler would create, by the DAG's own timetable."""
    from airflow.serialization.encoders import coerce_to_core_timetable
    from airflow.timetables.base import TimeRestriction

    timetable = coerce_to_core_timetable(dag.timetable)
    restriction = TimeRestriction(earliest=since, latest=None, catchup=True)
    runs, last = [], None
    for _ in range(count):
        info = timetable.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
        assert info is not None
        runs.append(info.logical_date)
        last = info.data_interval
    return runs


def _dag_run(dag_id: str, logical_date: dt.datetime | None, run_after: dt.datetime, conf: Any = None) -> Any:
    return dag_run("scheduled" if logical_date is not None else "manual", logical_date, conf, run_after, dag_id)


def _task_environment(dag: Any, task_id: str, run: Any) -> dict[str, str]:
    """The task's env_vars rendered with the template context the task runner builds for ``run``."""
    from airflow.sdk.api.datamodels._generated import TIRunContext
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    task = dag.get_task(task_id)
    instance = RuntimeTaskInstance.model_construct(
        id=uuid.uuid4(),
        task_id=task_id,
        dag_id=dag.dag_id,
        run_id=run.run_id,
        try_number=1,
        map_index=-1,
        dag_version_id=uuid.uuid4(),
        task=task,
        max_tries=0,
        _ti_context_from_server=TIRunContext(dag_run=run, max_tries=0),
    )
    context = instance.get_template_context()
    rendered: dict[str, str] = task.render_template(task.env_vars, context, dag.get_template_env())
    return rendered


def _dag(root: Path, domain: str, usecase: str, objective: str) -> Any:
    from maxai.testing import load_dagbag

    bag = load_dagbag(root / "maxaidags" / domain / usecase / objective)
    assert bag.import_errors == {}
    return bag.dags[f"{domain}.{usecase}.{objective}"]


@pytest.mark.airflow
def test_the_us_objective_runs_at_six_new_york_time_across_dst(airflow_db: Path, repo: Path) -> None:
    import pendulum

    dag = _dag(repo, "retail", "demand_forecast", "stores_us")
    assert dag.timezone.name == "America/New_York"
    assert dag.start_date == pendulum.datetime(2026, 1, 1, tz="America/New_York")
    runs = _fire_times(dag, pendulum.datetime(2026, 3, 6, tz="UTC"), 4)
    # US daylight saving time starts on 2026-03-08: 06:00 local is 11:00 UTC before, 10:00 UTC after
    assert [run.isoformat() for run in runs] == [
        "2026-03-06T11:00:00+00:00",
        "2026-03-07T11:00:00+00:00",
        "2026-03-08T10:00:00+00:00",
        "2026-03-09T10:00:00+00:00",
    ]
    environment = _task_environment(dag, "clean_sales", _dag_run(dag.dag_id, runs[2], runs[2]))
    assert environment["MAXAI_RUN_DATE"] == "2026-03-08"


@pytest.mark.airflow
def test_a_daily_berlin_objective_processes_berlin_dates_across_dst(
    airflow_db: Path, repo: Path, example_repo: Path, edit_json: Callable[..., Path]
) -> None:
    import pendulum

    edit_json(f"{DF}/stores_eu/py_config.json", _dag_settings(timezone="Europe/Berlin", schedule="30 0 * * *"))
    berlin = _dag(example_repo, "retail", "demand_forecast", "stores_eu")
    utc = _dag(repo, "retail", "demand_forecast", "stores_eu")  # the same objective in UTC, as shipped
    runs = _fire_times(berlin, pendulum.datetime(2026, 3, 27, 12, tz="UTC"), 3)
    # Europe/Berlin moves from UTC+1 to UTC+2 on 2026-03-29 at 02:00: 00:30 local stays 00:30 local
    assert [run.isoformat() for run in runs] == [
        "2026-03-27T23:30:00+00:00",
        "2026-03-28T23:30:00+00:00",
        "2026-03-29T22:30:00+00:00",
    ]
    for run, local_day in zip(runs, ["2026-03-28", "2026-03-29", "2026-03-30"], strict=True):
        environment = _task_environment(berlin, "daily_totals", _dag_run(berlin.dag_id, run, run))
        assert environment["MAXAI_RUN_DATE"] == local_day
        assert environment["MAXAI_DATE_SOURCE"] == "logical date"
        task = current_task(environment)
        assert task.run_date == dt.date.fromisoformat(local_day)
        assert task.output_path().endswith(f"/daily_totals/ds={local_day}")
        # a UTC objective keeps the UTC date of the same moment
        utc_environment = _task_environment(utc, "daily_totals", _dag_run(utc.dag_id, run, run))
        assert utc_environment["MAXAI_RUN_DATE"] == run.date().isoformat()

    # a manual run without a logical date processes the Berlin day it was triggered on; a date param wins
    late_evening = dt.datetime(2026, 3, 29, 22, 45, tzinfo=UTC)
    manual = _task_environment(berlin, "daily_totals", _dag_run(berlin.dag_id, None, late_evening))
    assert (manual["MAXAI_RUN_DATE"], manual["MAXAI_DATE_SOURCE"]) == ("2026-03-30", "run day")
    given = _dag_run(berlin.dag_id, None, late_evening, conf={"date": "2026-03-01"})
    assert _task_environment(berlin, "daily_totals", given)["MAXAI_RUN_DATE"] == "2026-03-01"
    assert "Europe/Berlin" in berlin.params.get_param("date").description


@pytest.mark.airflow
def test_hourly_partitions_stay_utc_in_a_zone_where_an_hour_repeats(
    airflow_db: Path, example_repo: Path, edit_json: Callable[..., Path]
) -> None:
    import pendulum

    edit_json("maxaiconfigs/finance/fraud_scoring/cards/py_config.json", _dag_settings(timezone="Europe/Berlin"))
    dag = _dag(example_repo, "finance", "fraud_scoring", "cards")
    runs = _fire_times(dag, pendulum.datetime(2026, 10, 25, 0, tz="UTC"), 2)
    # Daylight saving time ends at 03:00 local on 2026-10-25: Airflow runs 02:00 local twice, an hour apart
    assert [run.in_timezone("Europe/Berlin").strftime("%H:%M%z") for run in runs] == ["02:00+0200", "02:00+0100"]
    partitions = [
        current_task(_task_environment(dag, "extract_transactions", _dag_run(dag.dag_id, run, run))).output_path()
        for run in runs
    ]
    assert [path.rsplit("/transactions/", 1)[1] for path in partitions] == [
        "ds=2026-10-25/hour=00",
        "ds=2026-10-25/hour=01",
    ]
