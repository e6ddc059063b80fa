"""The named primitives of task resolution: the per-task SparkConf merge, task order, and error tracing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from maxai import ConfigError
from maxai.config import load_objective
from maxai.config.graph import order_tasks
from maxai.config.layering import Layer, trace_source
from maxai.config.tasks import merge_spark_conf

DF = "maxaiconfigs/retail/demand_forecast"
EU = ("retail", "demand_forecast", "stores_eu")


def test_task_conf_wins_key_by_key_over_the_global_conf() -> None:
    global_conf = {"spark.a": "1", "spark.b": "2"}
    assert merge_spark_conf(global_conf, {"spark.b": "20", "spark.c": "3"}) == {
        "spark.a": "1",
        "spark.b": "20",
        "spark.c": "3",
    }
    assert global_conf == {"spark.a": "1", "spark.b": "2"}  # never changed in place
    assert merge_spark_conf(global_conf, {}) == global_conf


def test_null_unsets_a_global_key_for_one_task() -> None:
    assert merge_spark_conf(
        {"spark.kubernetes.namespace": "x", "spark.a": "1"}, {"spark.kubernetes.namespace": None}
    ) == {"spark.a": "1"}


def test_null_in_a_config_unsets_the_global_key_for_that_task_only(example_repo: Path, edit_json: Any) -> None:
    def unset(data: dict[str, Any]) -> None:
        data["tasks"][0]["spark_submit_conf"]["conf"] = {"spark.kubernetes.namespace": None}

    edit_json(f"{DF}/spark_config.json", unset)
    config = load_objective(example_repo, *EU)
    assert "spark.kubernetes.namespace" not in config.task("clean_sales").arguments["conf"]
    assert config.task("daily_totals").arguments["conf"]["spark.kubernetes.namespace"] == "maxai-retail"


def test_null_for_a_key_the_global_conf_lacks_is_an_error(example_repo: Path, edit_json: Any) -> None:
    def unset(data: dict[str, Any]) -> None:
        data["tasks"][0]["spark_submit_conf"]["conf"] = {"spark.kubernetes.namespac": None}

    edit_json(f"{DF}/spark_config.json", unset)
    with pytest.raises(ConfigError, match=r"the global conf has no 'spark.kubernetes.namespac' \(did you mean"):
        load_objective(example_repo, *EU)


def test_tasks_follow_their_order_number_across_files() -> None:
    upstream, problems = order_tasks(
        ["extract", "transform", "publish"], {"extract": None, "transform": None, "publish": None}
    )
    assert problems == []
    assert upstream == {"extract": (), "transform": ("extract",), "publish": ("transform",)}
    fan, _ = order_tasks(["a", "b", "c"], {"a": None, "b": ["a"], "c": ["a"]})
    assert fan == {"a": (), "b": ("a",), "c": ("a",)}
    _, cycle = order_tasks(["a", "b"], {"a": ["b"], "b": ["a"]})
    assert cycle


def test_order_numbers_interleave_spark_and_pod_tasks(repo: Path) -> None:
    config = load_objective(repo, "retail", "store_segments", "weekly")
    assert [(task.name, task.kind, task.order) for task in config.tasks] == sorted(
        ((task.name, task.kind, task.order) for task in config.tasks), key=lambda item: item[2]
    )
    assert {task.kind for task in config.tasks} == {"spark", "kubepod"}


def _layer(display: str, data: dict[str, Any]) -> Layer:
    return Layer(display, data, json.dumps(data, indent=2))


def test_errors_are_traced_to_the_file_that_wrote_the_value() -> None:
    base = _layer("usecase.json", {"tasks": [{"name": "a", "x": 1}, {"name": "b", "x": 2}]})
    overlay = _layer("objective.json", {"tasks": [{"name": "b", "x": 3}, {"name": "c", "x": 4}]})
    assert trace_source([base, overlay], ("tasks", 0, "x")) == (base, ("tasks", 0, "x"))
    assert trace_source([base, overlay], ("tasks", 1, "x")) == (overlay, ("tasks", 0, "x"))
    assert trace_source([base, overlay], ("tasks", 2, "x")) == (overlay, ("tasks", 1, "x"))
    assert trace_source([base], ("tasks", 1)) == (base, ("tasks", 1))
