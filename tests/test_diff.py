"""`maxai diff --base REV` on a git copy of the example marketplace: both sides loaded by maxai's own loader."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

MAXAI = str(Path(sys.executable).with_name("maxai"))
EU_CONFIG_PATH = "maxaiconfigs/retail/demand_forecast/stores_eu/py_config.json"
STORES = ("retail.demand_forecast.stores_eu", "retail.demand_forecast.stores_us")


def maxai(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key not in ("MAXAI_ROOT", "NO_COLOR")}
    return subprocess.run([MAXAI, *args], cwd=cwd, capture_output=True, text=True, env=environment, check=False)


def diff_json(repo: Path, *extra: str) -> dict[str, Any]:
    result = maxai("diff", "--base", "main", "--json", *extra, cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def dag_entry(report: dict[str, Any], dag_id: str) -> dict[str, Any]:
    [entry] = [dag for dag in report["dags"] if dag["dag_id"] == dag_id]
    return entry


def add_publish_task(edit_json: Callable[..., Path]) -> None:
    def add(data: dict[str, Any]) -> None:
        data["tasks"].append(
            {
                "name": "publish_forecast",
                "task_id": 4,
                "spark_submit_conf": {"application": "handlers/forecast_demand.py"},
            }
        )

    edit_json("maxaiconfigs/retail/demand_forecast/spark_config.json", add)


def test_added_task_names_its_backfill(git_repo: Path, edit_json: Callable[..., Path]) -> None:
    add_publish_task(edit_json)
    today = datetime.now(UTC).date().isoformat()

    text = maxai("diff", "--base", "main", cwd=git_repo)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert "retail.demand_forecast.stores_eu: changed" in lines
    assert "  + task publish_forecast" in lines
    assert "  + edge forecast_demand -> publish_forecast" in lines
    command = (
        "airflow backfill create --dag-id retail.demand_forecast.stores_eu --from-date 2026-01-01 "
        f"--to-date {today} --reprocess-behavior completed --run-on-latest-version"
    )
    assert f"    {command}" in lines
    assert lines[-1] == "since main: 2 changed, 0 added, 0 removed, 5 unchanged DAG(s)"

    report = diff_json(git_repo)
    assert report["ok"] is True and [dag["dag_id"] for dag in report["dags"]] == list(STORES)
    assert sorted(report["unchanged"]) == [
        "finance.fraud_scoring.cards",
        "finance.fraud_scoring.wire_transfers",
        "retail.demand_model.weekly",
        "retail.forecast_review.daily",
        "retail.store_segments.weekly",
    ]
    eu = dag_entry(report, STORES[0])
    assert eu["added_tasks"] == ["publish_forecast"] and eu["removed_tasks"] == [] and eu["changed_tasks"] == []
    assert eu["added_edges"] == [["forecast_demand", "publish_forecast"]] and eu["removed_edges"] == []
    assert eu["backfill"] == {
        "tasks": ["publish_forecast"],
        "backfill": {
            "command": command,
            "method": "POST",
            "path": "/api/v2/backfills",
            "body": {
                "dag_id": "retail.demand_forecast.stores_eu",
                "from_date": "2026-01-01T00:00:00Z",
                "to_date": f"{today}T00:00:00Z",
                "reprocess_behavior": "completed",
                "run_on_latest_version": True,
            },
        },
        "reason": None,
        "clear_one_run": {
            "method": "POST",
            "path": "/api/v2/dags/retail.demand_forecast.stores_eu/dagRuns/{dag_run_id}/clear",
            "body": {"dry_run": False, "only_new": True},
        },
    }


def test_removed_task_changed_argument_edge_and_schedule(git_repo: Path, edit_json: Callable[..., Path]) -> None:
    def drop_publish(data: dict[str, Any]) -> None:
        data["tasks"] = [task for task in data["tasks"] if task["name"] != "publish_segments"]
        cluster = data["tasks"][0]
        cluster["conf"]["container_resources"]["limits"]["memory"] = "4Gi"
        cluster["depends_on"] = []  # a root now: the edge from store_features goes

    def edit_py_config(data: dict[str, Any]) -> None:
        del data["publish_segments"]
        data["@dag"]["schedule"] = "0 4 * * 1"
        data["@dag"]["max_active_tasks"] = 4  # no code in maxai diff names this setting
        data["cluster_stores"]["args"]["segments"] = 3

    edit_json("maxaiconfigs/retail/store_segments/kubepod_config.json", drop_publish)
    edit_json("maxaiconfigs/retail/store_segments/weekly/py_config.json", edit_py_config)
    weekly = dag_entry(diff_json(git_repo), "retail.store_segments.weekly")
    assert weekly["status"] == "changed"
    assert weekly["tasks"] == ["store_features", "cluster_stores"]
    assert weekly["settings"] == [
        {"path": "schedule", "old": "0 3 * * 1", "new": "0 4 * * 1"},
        {"path": "max_active_tasks", "old": 16, "new": 4},
    ]
    assert weekly["added_tasks"] == [] and weekly["removed_tasks"] == ["publish_segments"]
    assert weekly["changed_tasks"] == [
        {
            "task": "cluster_stores",
            "changes": [
                {"path": "arguments.container_resources.limits.memory", "old": "2Gi", "new": "4Gi"},
                {"path": "params.args.segments", "old": 2, "new": 3},
            ],
        }
    ]
    assert weekly["added_edges"] == []
    assert weekly["removed_edges"] == [["cluster_stores", "publish_segments"], ["store_features", "cluster_stores"]]
    assert weekly["backfill"] is None  # nothing added, nothing to backfill

    text = maxai("diff", "--base", "main", cwd=git_repo).stdout.splitlines()
    assert '  schedule: "0 3 * * 1" -> "0 4 * * 1"' in text
    assert "  - task publish_segments" in text
    assert "  ~ task cluster_stores" in text
    assert '      arguments.container_resources.limits.memory: "2Gi" -> "4Gi"' in text
    assert "  - edge store_features -> cluster_stores" in text
    assert not any("backfill" in line for line in text)


def test_spark_conf_keys_and_unset_values(git_repo: Path, edit_json: Callable[..., Path]) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["conf"]["spark.sql.shuffle.partitions"] = 6  # merged into every task that does not set its own
        data["tasks"][0]["spark_submit_conf"]["executor_cores"] = 2

    edit_json("maxaiconfigs/retail/demand_forecast/spark_config.json", edit)
    eu = dag_entry(diff_json(git_repo), STORES[0])
    changes = {task["task"]: task["changes"] for task in eu["changed_tasks"]}
    key = 'arguments.conf["spark.sql.shuffle.partitions"]'
    assert changes["clean_sales"] == [
        {"path": key, "old": "4", "new": "6"},
        {"path": "arguments.executor_cores", "new": 2},  # no "old": the key was not set
    ]
    assert changes["daily_totals"] == [{"path": key, "old": "4", "new": "6"}]
    assert "forecast_demand" not in changes  # its own conf sets 8, which wins over the global value


def test_objectives_added_and_removed_and_head_revision(git_repo: Path, git: Callable[..., str]) -> None:
    shutil.rmtree(git_repo / "maxaiconfigs/finance/fraud_scoring/wire_transfers")
    shutil.rmtree(git_repo / "maxaidags/finance/fraud_scoring/wire_transfers")
    assert maxai("new", "finance", "fraud_scoring", "loans", cwd=git_repo).returncode == 0
    git(git_repo, "checkout", "-q", "-b", "feature")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "loans instead of wire transfers")
    git(git_repo, "checkout", "-q", "main")  # the working tree is the base again: --head must read the commit

    report = diff_json(git_repo, "--head", "feature")
    statuses = {dag["dag_id"]: (dag["status"], dag["tasks"]) for dag in report["dags"]}
    assert statuses == {
        "finance.fraud_scoring.loans": ("added", ["extract_transactions", "score_transactions", "report_alerts"]),
        "finance.fraud_scoring.wire_transfers": (
            "removed",
            ["extract_transactions", "score_transactions", "report_alerts"],
        ),
    }
    text = maxai("diff", "--base", "main", "--head", "feature", cwd=git_repo).stdout.splitlines()
    assert "finance.fraud_scoring.loans: added (3 tasks)" in text
    assert "finance.fraud_scoring.wire_transfers: removed (3 tasks)" in text
    assert text[-1] == "since main: 0 changed, 1 added, 1 removed, 6 unchanged DAG(s)"
    assert diff_json(git_repo)["dags"] == []  # the working tree is main itself


def test_manual_only_dag_gets_no_backfill_but_the_clear_of_one_run(
    git_repo: Path, edit_json: Callable[..., Path]
) -> None:
    add_publish_task(edit_json)
    edit_json("maxaiconfigs/retail/demand_forecast/stores_us/py_config.json", lambda d: d["@dag"].update(schedule=None))
    us = dag_entry(diff_json(git_repo), STORES[1])
    assert us["settings"] == [{"path": "schedule", "old": "0 6 * * *", "new": None}]
    assert us["backfill"]["backfill"] is None
    assert "not periodic" in us["backfill"]["reason"]
    assert us["backfill"]["clear_one_run"]["body"] == {"dry_run": False, "only_new": True}


def test_objective_that_does_not_load_and_bad_revision(git_repo: Path, edit_json: Callable[..., Path]) -> None:
    edit_json("maxaiconfigs/finance/fraud_scoring/cards/py_config.json", '{"@dag": {"schedule": "whenever"}}')
    result = maxai("diff", "--base", "main", cwd=git_repo)
    assert result.returncode == 1
    assert "finance.fraud_scoring.cards: does not load in the working tree" in result.stderr
    assert "maxaiconfigs/finance/fraud_scoring/cards/py_config.json:1:" in result.stderr
    report = json.loads(maxai("diff", "--base", "main", "--json", cwd=git_repo).stdout)
    assert report["ok"] is False
    [item] = report["unloadable"]
    assert item["dag_id"] == "finance.fraud_scoring.cards" and item["side"] == "head"
    assert "not a cron expression" in item["problems"][0]["message"]

    bad = maxai("diff", "--base", "no-such-rev", cwd=git_repo)
    assert bad.returncode == 2 and "no-such-rev" in bad.stderr


def _airflow(home: Path, repo: Path, *command: str) -> str:
    """A step in a fresh process on the Airflow metadata DB in ``home`` (Airflow binds its DB at import)."""
    from maxai.runner.home import local_environment

    environment = {
        **os.environ,
        **local_environment(repo, home),
        # The dag-processor skips rewriting a DAG serialised less than 30 s ago; the test re-parses sooner.
        "AIRFLOW__CORE__MIN_SERIALIZED_DAG_UPDATE_INTERVAL": "0",
    }
    result = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return result.stdout


@pytest.mark.airflow
def test_printed_backfill_gives_the_added_task_to_an_existing_run(
    git_repo: Path, edit_json: Callable[..., Path], airflow_db: Path, tmp_path: Path
) -> None:
    runs = [sys.executable, str(Path(__file__).with_name("airflow_runs.py"))]
    dag_id, logical_date = STORES[0], "2026-02-02T05:00:00+00:00"
    home = tmp_path / "airflow"
    home.mkdir()
    shutil.copy(airflow_db / "airflow.db", home / "airflow.db")  # migrated once per session, private here
    dags = str(git_repo / "maxaidags")

    def run_state(*steps_before: str) -> dict[str, Any]:
        output = _airflow(home, git_repo, *runs, *steps_before, "tasks", dag_id, logical_date)
        report: dict[str, Any] = json.loads(output.splitlines()[-1])
        return report

    before = run_state("parse", dags, "then", "finished-run", dag_id, logical_date, "then")
    assert before["tasks"] == dict.fromkeys(("clean_sales", "daily_totals", "forecast_demand"), "success")

    add_publish_task(edit_json)
    _airflow(home, git_repo, *runs, "parse", dags)  # the dag-processor stores the new DAG version
    shutil.copy(home / "airflow.db", tmp_path / "after-parse.db")
    command = shlex.split(dag_entry(diff_json(git_repo), dag_id)["backfill"]["backfill"]["command"])
    # The printed range starts at the DAG's start date; this database holds one run, the 05:00 of Feb 2.
    command[command.index("--from-date") + 1] = "2026-02-02"
    command[command.index("--to-date") + 1] = "2026-02-03"
    airflow = str(Path(sys.executable).with_name("airflow"))

    # Airflow's default reprocess behaviour ("none") leaves a finished run alone: the task never comes.
    default = [word for word in command[1:] if word not in ("--reprocess-behavior", "completed")]
    _airflow(home, git_repo, airflow, *default)
    assert run_state() == {**before, "on_latest_version": False}

    shutil.copy(tmp_path / "after-parse.db", home / "airflow.db")
    _airflow(home, git_repo, airflow, *command[1:])
    after = run_state()
    assert after["on_latest_version"] is True and after["run_type"] == "backfill" and after["state"] == "queued"
    assert after["tasks"] == dict.fromkeys(
        ("clean_sales", "daily_totals", "forecast_demand", "publish_forecast"), "None"
    )


def test_maxai_root_in_a_subfolder_of_the_checkout(
    example_repo: Path, edit_json: Callable[..., Path], git: Callable[..., str]
) -> None:
    top = example_repo.parent  # a monorepo: the marketplace is one folder of it
    (top / "README.md").write_text("other projects live here too\n")
    git(top, "init", "-q", "-b", "main")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "base")
    edit_json(EU_CONFIG_PATH, lambda data: data["@dag"].update(tags=["eu", "monorepo"]))
    eu = dag_entry(diff_json(example_repo), STORES[0])
    assert eu["settings"] == [{"path": "tags", "old": ["eu"], "new": ["eu", "monorepo"]}]
