"""The example objectives load, layer and merge as DESIGN.md says."""

from __future__ import annotations

from pathlib import Path

import pytest

from maxai.config import discover_objectives, load_objective
from maxai.config.layout import ObjectiveRef, find_root

EXPECTED = {
    "finance.fraud_scoring.cards": ["extract_transactions", "score_transactions", "report_alerts"],
    "finance.fraud_scoring.wire_transfers": ["extract_transactions", "score_transactions", "report_alerts"],
    "retail.demand_forecast.stores_eu": ["clean_sales", "daily_totals", "forecast_demand"],
    "retail.demand_forecast.stores_us": ["clean_sales", "daily_totals", "forecast_demand"],
    "retail.demand_model.weekly": ["train_demand_model", "register_demand_model", "deploy_demand_model"],
    "retail.store_segments.weekly": ["store_features", "cluster_stores", "publish_segments"],
}


def test_discovers_every_example_objective(repo: Path) -> None:
    # retail.forecast_review.daily branches and joins: tests/test_assets_params_fan_out.py checks its edges
    assert [ref.dag_id for ref in discover_objectives(repo)] == sorted([*EXPECTED, "retail.forecast_review.daily"])


@pytest.mark.parametrize("dag_id", sorted(EXPECTED))
def test_objective_task_order(repo: Path, dag_id: str) -> None:
    config = load_objective(repo, *dag_id.split("."))
    assert [task.name for task in config.tasks] == EXPECTED[dag_id]
    assert config.tasks[0].upstream == ()
    for before, after in zip(config.tasks, config.tasks[1:], strict=False):
        assert after.upstream == (before.name,)


def test_task_conf_merges_over_global_conf(repo: Path) -> None:
    config = load_objective(repo, "retail", "demand_forecast", "stores_eu")
    clean, forecast = config.task("clean_sales"), config.task("forecast_demand")
    assert clean.arguments["conf"]["spark.kubernetes.container.image"] == "registry.example.com/maxai/retail:1.4.0"
    # the task's own image wins, the other global keys are kept
    assert forecast.arguments["conf"]["spark.kubernetes.container.image"] == (
        "registry.example.com/maxai/retail-forecast:2.0.1"
    )
    assert forecast.arguments["conf"]["spark.kubernetes.namespace"] == "maxai-retail"
    assert forecast.arguments["conf"]["spark.sql.shuffle.partitions"] == "8"
    assert clean.arguments["conf"]["spark.ui.enabled"] == "false"


def test_dashed_spellings_and_empty_strings(repo: Path) -> None:
    clean = load_objective(repo, "retail", "demand_forecast", "stores_eu").task("clean_sales")
    assert clean.arguments["driver_memory"] == "1g"
    assert clean.arguments["num_executors"] == 2
    assert "py_files" not in clean.arguments  # "" means not set
    assert clean.arguments["application"] == str(repo / "maxaiusecases/retail/demand_forecast/handlers/clean_sales.py")


def test_objectives_share_a_pipeline_with_different_parameters(repo: Path) -> None:
    eu = load_objective(repo, "retail", "demand_forecast", "stores_eu")
    us = load_objective(repo, "retail", "demand_forecast", "stores_us")
    assert eu.task("forecast_demand").params.args == {"window_days": 7, "horizon_days": 7}
    assert us.task("forecast_demand").params.args == {"window_days": 14, "horizon_days": 14}
    assert eu.task("forecast_demand").arguments["num_executors"] == 4
    assert us.task("forecast_demand").arguments["num_executors"] == 8
    assert us.task("forecast_demand").arguments["conf"]["spark.sql.shuffle.partitions"] == "16"
    assert us.task("forecast_demand").source.endswith("stores_us/spark_config.json")
    assert eu.dag.schedule == "0 5 * * *" and us.dag.schedule == "0 6 * * *"
    assert eu.dag.timezone == "UTC" and us.dag.timezone == "America/New_York"
    assert eu.dag.default_args.owner == "retail-data"  # from the use case's py_config
    assert eu.dag.tags == ["eu"]


def test_kubepod_overlay_merges_resources(repo: Path) -> None:
    cards = load_objective(repo, "finance", "fraud_scoring", "cards").task("score_transactions")
    wires = load_objective(repo, "finance", "fraud_scoring", "wire_transfers").task("score_transactions")
    assert cards.arguments["container_resources"]["limits"] == {"cpu": "2", "memory": "4Gi"}
    assert wires.arguments["container_resources"]["limits"] == {"cpu": "4", "memory": "8Gi"}
    assert wires.arguments["tolerations"] == cards.arguments["tolerations"]
    assert wires.arguments["active_deadline_seconds"] == 7200


def test_null_in_objective_removes_a_key(example_repo: Path, edit_json) -> None:  # type: ignore[no-untyped-def]
    edit_json(
        "maxaiconfigs/finance/fraud_scoring/cards/kubepod_config.json",
        {"tasks": [{"name": "score_transactions", "conf": {"tolerations": None, "node_selector": None}}]},
    )
    task = load_objective(example_repo, "finance", "fraud_scoring", "cards").task("score_transactions")
    assert "tolerations" not in task.arguments and "node_selector" not in task.arguments


def test_depends_on_fan_out_and_fan_in(example_repo: Path, edit_json) -> None:  # type: ignore[no-untyped-def]
    def fan(data: dict) -> None:  # type: ignore[type-arg]
        data["tasks"][1]["depends_on"] = []
        data["tasks"][2]["depends_on"] = ["extract_transactions", "score_transactions"]

    edit_json("maxaiconfigs/finance/fraud_scoring/kubepod_config.json", fan)
    config = load_objective(example_repo, "finance", "fraud_scoring", "cards")
    assert config.task("score_transactions").upstream == ()
    assert config.task("report_alerts").upstream == ("extract_transactions", "score_transactions")


def test_root_discovery(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert find_root(repo / "maxaidags" / "retail") == repo
    monkeypatch.setenv("MAXAI_ROOT", str(repo))
    assert find_root(tmp_path) == repo


def test_dag_defaults_when_py_config_absent(example_repo: Path) -> None:
    # (pods running `python -m maxai.runtime` need their py_config 'function': a Spark use case here)
    (example_repo / "maxaiconfigs/retail/demand_forecast/py_config.json").unlink()
    for path in (example_repo / "maxaiconfigs/retail/demand_forecast").glob("*/py_config.json"):
        path.unlink()
    config = load_objective(example_repo, "retail", "demand_forecast", "stores_eu")
    assert config.dag.schedule is None and config.dag.catchup is False
    assert config.dag.max_active_runs == 1 and config.dag.default_args.retries == 1
    assert config.task("forecast_demand").params.args == {}


def test_objective_ref_rejects_path_tricks() -> None:
    from maxai import ConfigError

    for bad in ("..", "../etc", "a/b", "/abs", "", ".hidden", "x" * 64):
        with pytest.raises(ConfigError):
            ObjectiveRef("retail", bad, "obj")
