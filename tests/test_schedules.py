"""Schedules are parsed as Airflow parses them, and every run gets its own output partition."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from maxai import ConfigError
from maxai.config import load_objective
from maxai.config.schedule import check_cron, first_fire_time, partition_clash, partition_path
from maxai.errors import format_json_path

FR = "maxaiconfigs/finance/fraud_scoring"
CARDS = ("finance", "fraud_scoring", "cards")


def _dag_settings(**settings: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data.setdefault("@dag", {}).update(settings)

    return change


# Each was accepted by validate and then refused by Airflow's dag-processor, or ran and skipped real work.
BAD_SCHEDULES = [
    ({"schedule": "60 25 * * *"}, '["@dag"].schedule', "not a cron expression Airflow accepts"),
    ({"schedule": "0 5 * * 8"}, '["@dag"].schedule', "not a cron expression Airflow accepts"),
    ({"schedule": "1-70 * * * *"}, '["@dag"].schedule', "not a cron expression Airflow accepts"),
    ({"schedule": "* * * * MON#6"}, '["@dag"].schedule', "not a cron expression Airflow accepts"),
    ({"schedule": "0 5 * * * *"}, '["@dag"].schedule', "it has 6 fields, Airflow takes five"),
    ({"schedule": "0 5 31 2 *"}, '["@dag"].schedule', "never fires"),
    ({"schedule": "@fortnightly"}, '["@dag"].schedule', "unknown preset '@fortnightly'"),
    # sub-daily schedules against the partitioning of outputs
    ({"schedule": "@hourly", "partition": "day"}, '["@dag"].schedule', 'set "partition": "hour"'),
    ({"schedule": "15 */4 * * *", "partition": "day"}, '["@dag"].schedule', "runs at 00:15 and 04:15"),
    ({"schedule": "*/15 * * * *"}, '["@dag"].schedule', "partitioned by hour: the second run would find"),
    ({"schedule": "@continuous", "max_active_runs": 1}, '["@dag"].schedule', 'set "partition": "minute"'),
    (
        {"schedule": "@continuous", "partition": "minute", "max_active_runs": 3},
        '["@dag"].max_active_runs',
        "'@continuous' schedule needs max_active_runs 1",
    ),
    ({"partition": "week"}, '["@dag"].partition', "'day', 'hour' or 'minute'"),
]


@pytest.mark.parametrize(("settings", "path", "fragment"), BAD_SCHEDULES, ids=[str(c[0]) for c in BAD_SCHEDULES])
def test_schedule_airflow_would_refuse_or_misrun(
    example_repo: Path, edit_json: Any, settings: dict[str, Any], path: str, fragment: str
) -> None:
    file = edit_json(f"{FR}/py_config.json", _dag_settings(**settings))
    with pytest.raises(ConfigError) as caught:
        load_objective(example_repo, *CARDS)
    matching = [p for p in caught.value.problems if format_json_path(p.path) == path]
    assert matching, str(caught.value)
    problem = matching[0]
    assert problem.file == f"{FR}/py_config.json"
    assert fragment in problem.message, problem.message
    assert problem.line is not None and problem.line <= len(file.read_text().splitlines())


GOOD_SCHEDULES = [
    {"schedule": "@hourly", "partition": "hour"},
    {"schedule": "15 */4 * * *", "partition": "hour"},
    {"schedule": "*/15 * * * *", "partition": "minute"},
    {"schedule": "0 5 * * 1#2", "partition": "day"},
    {"schedule": "@daily", "partition": "day"},
    {"schedule": "@once"},
    {"schedule": "@continuous", "partition": "minute", "max_active_runs": 1},
]


@pytest.mark.parametrize("settings", GOOD_SCHEDULES, ids=str)
def test_schedules_airflow_accepts_load_in_its_dagbag(
    airflow_db: Path, example_repo: Path, edit_json: Any, settings: dict[str, Any]
) -> None:
    from maxai.testing import load_dagbag

    edit_json(f"{FR}/py_config.json", _dag_settings(**settings))
    assert load_objective(example_repo, *CARDS).dag.schedule == settings["schedule"]
    bag = load_dagbag(example_repo / "maxaidags/finance/fraud_scoring/cards")
    assert bag.import_errors == {}
    assert "finance.fraud_scoring.cards" in bag.dags


def test_every_cron_validate_accepts_airflow_accepts(airflow_db: Path) -> None:
    from airflow.timetables.trigger import CronTriggerTimetable

    for expression in ("0 5 * * *", "15 */4 * * *", "0 0 1 */3 *", "0 5 * * 1#2", "0 5 L * *", "@weekly"):
        CronTriggerTimetable(check_cron(expression), timezone="UTC").validate()


def test_partition_rules() -> None:
    assert partition_clash("0 5 * * *", dt.date(2026, 1, 1), "day") is None
    assert partition_clash("0 5,17 * * *", dt.date(2026, 1, 1), "hour") is None
    assert partition_clash("0,30 5 * * *", dt.date(2026, 1, 1), "hour") is not None
    assert partition_clash("* * * * *", dt.date(2026, 1, 1), "minute") is None
    assert first_fire_time("0 5 * * 1", dt.date(2026, 1, 1)) == dt.datetime(2026, 1, 5, 5, 0)
    moment = dt.datetime(2026, 2, 10, 5, 15)
    assert partition_path(moment, "day") == "ds=2026-02-10"
    assert partition_path(moment, "hour") == "ds=2026-02-10/hour=05"
    assert partition_path(moment, "minute") == "ds=2026-02-10/hour=05/minute=15"
