"""Real runs: dag.test() on SQLite with spark-submit in local[*], and `maxai run` with local pods."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import json
import logging
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.spark
MAXAI = str(Path(sys.executable).with_name("maxai"))
LOGICAL_DATE = dt.date(2026, 2, 10)


def expected_forecast(sales_csv: Path, regions: set[str], window_days: int) -> dict[str, float]:
    """The forecast computed independently of Spark: mean daily units over the window, per store."""
    daily: dict[tuple[str, str], int] = defaultdict(int)
    first = LOGICAL_DATE - dt.timedelta(days=window_days - 1)
    with sales_csv.open() as handle:
        for row in csv.DictReader(handle):
            try:
                day = dt.date.fromisoformat(row["date"])
                quantity = int(row["quantity"])
            except ValueError:
                continue
            if quantity < 0 or row["region"] not in regions or not first <= day <= LOGICAL_DATE:
                continue
            daily[(row["store"], row["date"])] += quantity
    per_store: dict[str, list[int]] = defaultdict(list)
    for (store, _), units in daily.items():
        per_store[store].append(units)
    return {store: round(sum(values) / len(values), 2) for store, values in per_store.items()}


def read_parquet(path: Path) -> list[dict[str, Any]]:
    from pyspark.sql import SparkSession

    logging.getLogger("py4j").setLevel(logging.WARNING)  # its shutdown chatter outlives pytest's capture
    spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
    try:
        return [row.asDict() for row in spark.read.parquet(str(path)).collect()]
    finally:
        spark.stop()


def test_spark_objective_runs_with_dag_test(airflow_db: Path, repo: Path, data_dir: Path) -> None:
    import pendulum

    from maxai.testing import load_dagbag

    bag = load_dagbag(repo / "maxaidags/retail/demand_forecast/stores_eu")
    assert bag.import_errors == {}
    dag = bag.dags["retail.demand_forecast.stores_eu"]
    run = dag.test(logical_date=pendulum.datetime(2026, 2, 10, tz="UTC"))
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    assert str(run.state) == "success", states
    assert set(states.values()) == {"success"}

    forecast_dir = data_dir / "out/retail/demand_forecast/stores_eu/forecast/ds=2026-02-10"
    assert (forecast_dir / "_SUCCESS").is_file()
    rows = read_parquet(forecast_dir)
    expected = expected_forecast(data_dir / "retail/sales.csv", {"eu"}, window_days=7)
    assert sorted(expected) == ["EU-BER", "EU-MAD", "EU-PAR"]
    assert len(rows) == 3 * 7
    assert {row["forecast_date"] for row in rows} == {LOGICAL_DATE + dt.timedelta(days=d) for d in range(1, 8)}
    for row in rows:
        assert row["region"] == "eu"
        assert row["forecast_units"] == pytest.approx(expected[row["store"]], abs=0.01)


def _run(*args: str, data: Path, home: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MAXAI_DATA_DIR": str(data)}
    env.pop("MAXAI_ROOT", None)
    return subprocess.run(
        [MAXAI, "run", *args, "--airflow-home", str(home), "--color", "never"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_maxai_run_mixed_objective_with_local_pods_and_rerun(repo: Path, data_dir: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = _run(
        "retail", "store_segments", "weekly", "--date", "2026-02-09", "--local-pods", data=data_dir, home=home, cwd=repo
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for line in (
        "ok store_features",
        "ok cluster_stores",
        "ok publish_segments",
        "✓ retail.store_segments.weekly succeeded",
    ):
        assert line in result.stdout, result.stdout
    assert f"data folder: {data_dir}" in result.stdout
    published = json.loads((data_dir / "out/retail/store_segments/published/ds=2026-02-09/published.json").read_text())
    assert published["run_date"] == "2026-02-09"
    stores = sorted(store for members in published["segments"].values() for store in members)
    assert stores == ["EU-BER", "EU-MAD", "EU-PAR", "US-NYC", "US-SFO"]

    # the same date again: every task finds its output and skips the work
    again = _run(
        "retail", "store_segments", "weekly", "--date", "2026-02-09", "--local-pods", data=data_dir, home=home, cwd=repo
    )
    assert again.returncode == 0, again.stdout
    log = Path(again.stdout.split("full log: ")[1].split()[0]).read_text()
    assert log.count("already exists for 2026-02-09; skipping") == 3

    # --force (the run's force param) recomputes every task of that date
    forced = _run(
        "retail", "store_segments", "weekly", "--date", "2026-02-09", "--local-pods", "--force",
        data=data_dir, home=home, cwd=repo,
    )  # fmt: skip
    assert forced.returncode == 0, forced.stdout
    log = Path(forced.stdout.split("full log: ")[1].split()[0]).read_text()
    assert log.count("force is set: recomputing") == 3, log

    # without --local-pods the pod tasks are skipped, and the user is told
    skipped = _run("retail", "store_segments", "weekly", "--date", "2026-02-09", data=data_dir, home=home, cwd=repo)
    assert skipped.returncode == 0
    assert "will be skipped (no cluster)" in skipped.stdout
    assert "skipped cluster_stores" in skipped.stdout


def test_maxai_run_failing_task_then_retry(example_repo: Path, data_dir: Path, tmp_path: Path) -> None:
    pods = example_repo / "maxaiconfigs/finance/fraud_scoring/kubepod_config.json"
    config = json.loads(pods.read_text())
    config["tasks"][1]["conf"]["arguments"] = ["--fail-on-purpose"]
    pods.write_text(json.dumps(config))
    home = tmp_path / "home"
    run_cards = functools.partial(
        _run,
        "finance",
        "fraud_scoring",
        "cards",
        "--date",
        "2026-03-10",
        "--local-pods",
        data=data_dir,
        home=home,
        cwd=example_repo,
    )
    failed = run_cards()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "FAILED score_transactions" in failed.stdout
    assert "✗ finance.fraud_scoring.cards failed for 2026-03-10: score_transactions" in failed.stdout
    assert "task score_transactions failed; last lines of its log:" in failed.stdout
    assert "unrecognized arguments: --fail-on-purpose" in failed.stdout  # the log tail shows the cause
    # the objective's failure callback (@dag.on_failure_callback) paged the on-call channel once
    on_call = data_dir / "on_call/finance.fraud_scoring.cards.jsonl"
    [alert] = [json.loads(line) for line in on_call.read_text().splitlines()]
    assert {key: alert[key] for key in ("channel", "what", "task")} == {
        "channel": "#fraud-cards",
        "what": "task_failure",
        "task": "score_transactions",
    }

    config["tasks"][1]["conf"].pop("arguments")
    pods.write_text(json.dumps(config))
    fixed = run_cards()
    assert fixed.returncode == 0, fixed.stdout
    log = Path(fixed.stdout.split("full log: ")[1].split()[0]).read_text()
    assert "already exists for 2026-03-10; skipping" in log  # extract_transactions was not redone
    alerts = json.loads(
        (data_dir / "out/finance/fraud_scoring/cards/alerts/ds=2026-03-10/hour=00/alerts.json").read_text()
    )
    assert alerts["count"] == len(alerts["alerts"])
    assert len(on_call.read_text().splitlines()) == 1  # the successful run paged nobody


def test_maxai_run_rejects_bad_input(repo: Path, tmp_path: Path) -> None:
    bad_date = _run(
        "retail", "store_segments", "weekly", "--date", "10/02/2026", data=tmp_path, home=tmp_path, cwd=repo
    )
    assert bad_date.returncode == 2 and "expected YYYY-MM-DD" in bad_date.stderr
    unknown = _run("retail", "store_segment", "weekly", data=tmp_path, home=tmp_path, cwd=repo)
    assert unknown.returncode == 2 and "did you mean 'store_segments'" in unknown.stderr


def test_scaffolds_validate_and_run(example_repo: Path, data_dir: Path, tmp_path: Path) -> None:
    """What `maxai new` writes runs as it is: a new use case (Spark), and a pod objective added beside it."""
    for args in (("marketing", "churn", "monthly"), ("marketing", "churn", "weekly", "--kubepod")):
        created = subprocess.run([MAXAI, "new", *args], cwd=example_repo, capture_output=True, text=True, check=False)
        assert created.returncode == 0, created.stdout + created.stderr
    home = tmp_path / "home"
    for objective in ("monthly", "weekly"):
        result = _run(
            "marketing", "churn", objective, "--date", "2026-02-10", "--local-pods",
            data=data_dir, home=home, cwd=example_repo,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"✓ marketing.churn.{objective} succeeded" in result.stdout
    assert (data_dir / "out/marketing/churn/monthly/churn_job/ds=2026-02-10/_SUCCESS").is_file()
    published = data_dir / "out/marketing/churn/weekly/churn_pod/ds=2026-02-10/result.json"
    assert json.loads(published.read_text()) == {"greeting": "hello", "objective": "weekly"}
