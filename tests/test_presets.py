"""Resource presets (maxaiconfigs/presets.json) referenced by name from Spark and pod tasks."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from maxai.cli.main import main
from maxai.config import load_objective
from maxai.errors import ConfigError

EU = ("retail", "demand_forecast", "stores_eu")
CARDS = ("finance", "fraud_scoring", "cards")
DEMAND_SPARK = "maxaiconfigs/retail/demand_forecast/spark_config.json"
FRAUD_PODS = "maxaiconfigs/finance/fraud_scoring/kubepod_config.json"


def _messages(error: pytest.ExceptionInfo[ConfigError]) -> list[str]:
    return [f"{problem.location()}: {problem.path_text}: {problem.message}" for problem in error.value.problems]


def test_spark_preset_fills_what_the_task_does_not_set(repo: Path) -> None:
    forecast = load_objective(repo, *EU, use_cache=False).task("forecast_demand").arguments
    # "large": driver 2g, executors 4 x 4g with 2 cores; the task's own driver_memory and num_executors win
    assert (forecast["driver_memory"], forecast["num_executors"]) == ("2g", 4)
    assert (forecast["executor_memory"], forecast["executor_cores"]) == ("4g", 2)
    features = load_objective(repo, "retail", "store_segments", "weekly", use_cache=False).task("store_features")
    assert {key: features.arguments[key] for key in ("driver_memory", "executor_memory", "num_executors")} == {
        "driver_memory": "1g",
        "executor_memory": "1g",
        "num_executors": 1,
    }


def test_explicit_values_win_key_by_key(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    def extra_big(data: dict[str, Any]) -> None:
        data["tasks"][0]["preset"] = "extra_big"
        data["tasks"][0]["spark_submit_conf"]["executor_memory"] = "3g"
        data["tasks"][0]["spark_submit_conf"]["conf"] = {"spark.driver.cores": 1}

    edit_json(DEMAND_SPARK, extra_big)
    clean = load_objective(example_repo, *EU, use_cache=False).task("clean_sales").arguments
    assert clean["executor_memory"] == "3g"  # the task's
    assert clean["driver_memory"] == "1g"  # the task's (driver-memory)
    assert clean["num_executors"] == 2  # the task's (num-executors)
    assert clean["executor_cores"] == 4  # the preset's
    assert clean["conf"]["spark.driver.cores"] == "1"  # the task's conf over the preset's driver_cores

    def pod(data: dict[str, Any]) -> None:
        data["tasks"][2]["preset"] = "large"  # report_alerts: requests cpu 100m, memory 128Mi; limits memory 256Mi

    edit_json(FRAUD_PODS, pod)
    alerts = load_objective(example_repo, *CARDS, use_cache=False).task("report_alerts").arguments
    assert alerts["container_resources"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "2", "memory": "256Mi"},
    }


def test_unknown_preset_names_the_task_line_and_a_suggestion(
    example_repo: Path, edit_json: Callable[..., Path]
) -> None:
    edit_json(DEMAND_SPARK, lambda data: data["tasks"][1].update(preset="larg"))
    with pytest.raises(ConfigError) as error:
        load_objective(example_repo, *EU, use_cache=False)
    [message] = _messages(error)
    assert message.startswith(f"{DEMAND_SPARK}:")
    assert message.endswith(": tasks[1].preset: no preset named 'larg' (did you mean 'large'?)")
    line = int(message.split(":")[1])
    assert '"preset": "larg"' in (example_repo / DEMAND_SPARK).read_text().splitlines()[line - 1]


def test_preset_without_the_tasks_kind_and_resources_that_do_not_fit(
    example_repo: Path, edit_json: Callable[..., Path]
) -> None:
    def presets(data: dict[str, Any]) -> None:
        data["presets"]["pods_only"] = {"pod": {"limits": {"cpu": "100m"}}}

    edit_json("maxaiconfigs/presets.json", presets)
    edit_json(DEMAND_SPARK, lambda data: data["tasks"][0].update(preset="pods_only"))
    edit_json(FRAUD_PODS, lambda data: data["tasks"][0].update(preset="pods_only"))  # its own request: cpu 250m
    with pytest.raises(ConfigError) as error:
        load_objective(example_repo, *EU, use_cache=False)
    assert _messages(error)[0].endswith("tasks[0].preset: preset 'pods_only' has no 'spark' sizes for this spark task")
    with pytest.raises(ConfigError) as error:
        load_objective(example_repo, *CARDS, use_cache=False)
    [message] = _messages(error)
    assert message.endswith(
        "tasks[0].preset: with preset 'pods_only': request '250m' is above the limit '100m'; Kubernetes refuses such a pod"
    )


def test_presets_file_mistakes(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    def mistakes(data: dict[str, Any]) -> None:
        data["presets"]["large"]["spark"]["executor_memroy"] = "4g"

    edit_json("maxaiconfigs/presets.json", mistakes)
    with pytest.raises(ConfigError) as error:
        load_objective(example_repo, *EU, use_cache=False)
    found = _messages(error)
    assert any(
        line.startswith("maxaiconfigs/presets.json:")
        and "presets.large.spark.executor_memroy" in line
        and "did you mean 'executor_memory'" in line
        for line in found
    ), found

    def bad_quantity(data: dict[str, Any]) -> None:
        del data["presets"]["large"]["spark"]["executor_memroy"]
        data["presets"]["small"]["pod"]["requests"]["cpu"] = "a lot"

    edit_json("maxaiconfigs/presets.json", bad_quantity)
    with pytest.raises(ConfigError) as error:
        load_objective(example_repo, *EU, use_cache=False)
    [message] = _messages(error)
    assert message.startswith("maxaiconfigs/presets.json:") and "presets.small.pod.requests.cpu" in message


def test_a_missing_presets_file(example_repo: Path) -> None:
    (example_repo / "maxaiconfigs" / "presets.json").unlink()
    with pytest.raises(ConfigError) as error:
        load_objective(example_repo, *EU, use_cache=False)
    assert _messages(error)[0].endswith("no preset named 'large': there is no maxaiconfigs/presets.json")


def test_a_changed_preset_is_seen_through_the_parse_cache(
    example_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAXAI_CACHE_DIR", str(tmp_path / "cache"))
    assert load_objective(example_repo, *EU).task("forecast_demand").arguments["executor_memory"] == "4g"
    path = example_repo / "maxaiconfigs" / "presets.json"
    data = json.loads(path.read_text())
    data["presets"]["large"]["spark"]["executor_memory"] = "6g"
    path.write_text(json.dumps(data))
    assert load_objective(example_repo, *EU).task("forecast_demand").arguments["executor_memory"] == "6g"


def test_show_prints_the_resolved_sizes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "--root", str(repo), *EU, "--no-command"]) == 0
    text = capsys.readouterr().out
    forecast = text[text.index("forecast_demand  SparkSubmitOperator") :]
    assert '    executor_memory: "4g"\n' in forecast and "    executor_cores: 2\n" in forecast


def test_a_preset_on_a_task_of_another_kind_is_refused(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    # a model task shares the common task keys, preset among them, but presets size only Spark and pod tasks
    edit_json(
        "maxaiconfigs/retail/demand_model/model_config.json",
        lambda data: data["tasks"][0].update(preset="large"),
    )
    with pytest.raises(ConfigError) as error:
        load_objective(example_repo, "retail", "demand_model", "weekly", use_cache=False)
    assert any(
        message.startswith("maxaiconfigs/retail/demand_model/model_config.json:")
        and message.endswith("tasks[0].preset: presets size Spark and pod tasks; 'train_demand_model' is a model task")
        for message in _messages(error)
    ), _messages(error)
