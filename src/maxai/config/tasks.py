"""Resolving an objective's tasks: Spark and pod entries, the per-task SparkConf merge, names, order, parameters.

In the config files a task's ``task_id`` is its *order*, a number (the conventions' name for it), while
Airflow's ``task_id`` is the task's ``name``. Inside maxai the number is called ``order`` throughout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from maxai.config.collector import ProblemCollector
from maxai.config.diagnostics import did_you_mean
from maxai.config.graph import order_tasks
from maxai.config.kubepod_model import KubePodConfigFile
from maxai.config.layering import Layer, trace_source
from maxai.config.models import PyConfigFile, SparkConfigFile, TaskParams
from maxai.config.objective import ResolvedTask
from maxai.config.paths import absolute_code_paths


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


@dataclass(frozen=True)
class _Entry:
    """One task as its file declares it, before ordering."""

    name: str
    order: int
    kind: Literal["spark", "kubepod"]
    arguments: dict[str, Any]
    depends_on: list[str] | None
    layers: list[Layer]
    index: int
    """Its position in the merged ``tasks`` list of its file, for error locations."""


def _spark_entries(
    collector: ProblemCollector, layers: list[Layer], spark: SparkConfigFile, code_dir: Path
) -> list[_Entry]:
    entries = []
    for index, task in enumerate(spark.tasks):
        for key, value in task.spark_submit_conf.conf.items():
            if value is None and key not in spark.conf:
                collector.add(
                    layers,
                    ("tasks", index, "spark_submit_conf", "conf", key),
                    f"null unsets a key of the global conf, but the global conf has no {key!r}"
                    f"{did_you_mean(key, list(spark.conf))}",
                )
        arguments = task.spark_submit_conf.model_dump(exclude_none=True)
        arguments["conf"] = merge_spark_conf(spark.conf, task.spark_submit_conf.conf)
        arguments.setdefault("name", task.name)
        arguments = absolute_code_paths(arguments, code_dir)
        entries.append(_Entry(task.name, task.task_id, "spark", arguments, task.depends_on, layers, index))
    return entries


def _pod_entries(layers: list[Layer], kubepod: KubePodConfigFile) -> list[_Entry]:
    return [
        _Entry(
            task.name, task.task_id, "kubepod", task.conf.model_dump(exclude_none=True), task.depends_on, layers, index
        )
        for index, task in enumerate(kubepod.tasks)
    ]


def _check_unique(collector: ProblemCollector, entries: list[_Entry]) -> None:
    seen_names: dict[str, str] = {}
    seen_orders: dict[int, str] = {}
    for entry in entries:
        if entry.name in seen_names:
            collector.add(
                entry.layers,
                ("tasks", entry.index, "name"),
                f"task name {entry.name!r} is already used by another task ({seen_names[entry.name]})",
            )
        else:
            seen_names[entry.name] = trace_source(entry.layers, ("tasks", entry.index))[0].display
        if entry.order in seen_orders:
            collector.add(
                entry.layers,
                ("tasks", entry.index, "task_id"),
                f"task_id {entry.order} is already used by task {seen_orders[entry.order]!r}",
            )
        else:
            seen_orders[entry.order] = entry.name


def resolve_tasks(
    collector: ProblemCollector,
    spark_layers: list[Layer],
    spark: SparkConfigFile | None,
    kubepod_layers: list[Layer],
    kubepod: KubePodConfigFile | None,
    py_layers: list[Layer],
    py_config: PyConfigFile,
    code_dir: Path,
) -> tuple[ResolvedTask, ...]:
    """The objective's tasks in order, each with its operator arguments, upstream tasks and py_config entry."""
    entries = (_spark_entries(collector, spark_layers, spark, code_dir) if spark is not None else []) + (
        _pod_entries(kubepod_layers, kubepod) if kubepod is not None else []
    )
    before = len(collector.problems)
    _check_unique(collector, entries)
    if len(collector.problems) > before:
        return ()

    names = [entry.name for entry in entries]
    params = py_config.task_params
    for key in params:
        if key not in names:
            collector.add(py_layers, (key,), f"no task named {key!r} in this objective{did_you_mean(key, names)}")

    ordered = sorted(entries, key=lambda entry: entry.order)
    upstream, graph_problems = order_tasks(
        [entry.name for entry in ordered], {entry.name: entry.depends_on for entry in ordered}
    )
    for name, message in graph_problems:
        for entry in entries:
            if entry.name == name:
                collector.add(entry.layers, ("tasks", entry.index, "depends_on"), message)
    if len(collector.problems) > before:
        return ()
    return tuple(
        ResolvedTask(
            name=entry.name,
            order=entry.order,
            kind=entry.kind,
            arguments=entry.arguments,
            upstream=upstream[entry.name],
            params=params.get(entry.name, TaskParams()),
            source=trace_source(entry.layers, ("tasks", entry.index))[0].display,
        )
        for entry in ordered
    )
