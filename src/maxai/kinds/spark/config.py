"""Reading ``spark_config.json``: dashed spellings, the per-task SparkConf merge, code paths. No Airflow import."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from maxai.config.diagnostics import did_you_mean
from maxai.config.jsonfile import locate
from maxai.config.models import SparkConfigFile, SparkSubmitConf, SparkTask
from maxai.config.paths import absolute_code_paths, check_spark_paths
from maxai.errors import JsonPath, Problem
from maxai.kinds.api import KindContext

# spark-submit flags spelled with dashes (num-executors) name the same operator argument.
_SPARK_ARGUMENTS = frozenset(SparkSubmitConf.model_fields)


def normalise_keys(data: Any, layer_name: str, text: str, problems: list[Problem]) -> Any:
    """``num-executors`` -> ``num_executors`` for known arguments; both spellings at once is an error."""
    if not isinstance(data, dict) or not isinstance(data.get("tasks"), list):
        return data
    tasks = []
    for index, task in enumerate(data["tasks"]):
        submit = task.get("spark_submit_conf") if isinstance(task, dict) else None
        if not isinstance(submit, dict):
            tasks.append(task)
            continue
        normalised: dict[str, Any] = {}
        for key, value in submit.items():
            canonical = key.replace("-", "_")
            target = canonical if canonical in _SPARK_ARGUMENTS else key
            if target in normalised:
                path: JsonPath = ("tasks", index, "spark_submit_conf", key)
                line, column = locate(text, path)
                problems.append(
                    Problem(layer_name, path, f"{key!r} is given twice (also as {target!r}); keep one", line, column)
                )
            normalised[target] = value
        tasks.append({**task, "spark_submit_conf": normalised})
    return {**data, "tasks": tasks}


def merge_spark_conf(global_conf: Mapping[str, str], task_conf: Mapping[str, str | None]) -> dict[str, str]:
    """The SparkConf of one task: its ``spark_submit_conf.conf`` over the file's global ``conf``, key by key.

    The task wins for every key it sets. A task's ``null`` unsets a global key for that task only (for
    example a global ``spark.kubernetes.*`` key for a task that does not run on Kubernetes). An empty
    string means "not set" and never reaches here (the global value applies).
    """
    merged = dict(global_conf)
    for key, value in task_conf.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def task_arguments(context: KindContext, spark: SparkConfigFile, index: int, task: SparkTask) -> dict[str, Any]:
    """SparkSubmitOperator arguments of one task as plain JSON: conf merged, code paths absolute."""
    for key, value in task.spark_submit_conf.conf.items():
        if value is None and key not in spark.conf:
            context.problem(
                ("tasks", index, "spark_submit_conf", "conf", key),
                f"null unsets a key of the global conf, but the global conf has no {key!r}"
                f"{did_you_mean(key, list(spark.conf))}",
            )
    arguments = task.spark_submit_conf.model_dump(exclude_none=True)
    arguments["conf"] = merge_spark_conf(spark.conf, task.spark_submit_conf.conf)
    arguments.setdefault("name", task.name)
    return absolute_code_paths(arguments, context.code_dir)


def check(context: KindContext, spark: SparkConfigFile) -> None:
    check_spark_paths(context.collector, context.layers, spark, context.root, context.code_dir, context.depends_on)


def add_dashed_spellings(schema: dict[str, Any]) -> None:
    """spark-submit's dashed flags (num-executors) are accepted too; list them for editors."""
    properties = schema["$defs"]["SparkSubmitConf"]["properties"]
    for name in list(properties):
        if "_" in name and name != "conf":
            properties[name.replace("_", "-")] = {
                **properties[name],
                "description": f"Same as {name!r} (spark-submit spelling).",
            }
