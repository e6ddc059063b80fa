"""Resolving an objective's tasks: the entries of every kind's file, names, order, parameters.

In the config files a task's ``task_id`` is its *order*, a number (the conventions' name for it), while
Airflow's ``task_id`` is the task's ``name``. Inside maxai the number is called ``order`` throughout.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maxai.config.collector import ProblemCollector
from maxai.config.diagnostics import did_you_mean
from maxai.config.graph import order_tasks
from maxai.config.layering import Layer, trace_source
from maxai.config.models import PyConfigFile, TaskParams
from maxai.config.objective import ResolvedTask
from maxai.kinds.api import KindContext, TaskKind
from maxai.kinds.spark.config import merge_spark_conf


@dataclass(frozen=True)
class _Entry:
    """One task as its file declares it, before ordering."""

    name: str
    order: int
    kind: str
    arguments: dict[str, Any]
    depends_on: list[str] | None
    layers: list[Layer]
    index: int
    """Its position in the merged ``tasks`` list of its file, for error locations."""


@dataclass(frozen=True)
class KindSection:
    """One kind's file in an objective: its layers and its validated, merged content."""

    kind: TaskKind
    layers: list[Layer]
    file: Any


def _entries(section: KindSection, context: KindContext) -> list[_Entry]:
    arguments = section.kind.load("arguments")
    entries = []
    for index, task in enumerate(section.file.tasks):
        if arguments is not None:
            task_arguments = arguments(context, section.file, index, task)
        else:
            own = getattr(task, section.kind.section, None)
            task_arguments = own.model_dump(exclude_none=True) if own is not None else {}
        entries.append(
            _Entry(task.name, task.task_id, section.kind.name, task_arguments, task.depends_on, section.layers, index)
        )
    return entries


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
    sections: list[KindSection],
    py_layers: list[Layer],
    py_config: PyConfigFile,
    root: Path,
    code_dir: Path,
    depends_on: list[str],
) -> tuple[ResolvedTask, ...]:
    """The objective's tasks in order, each with its operator arguments, upstream tasks and py_config entry."""
    entries = [
        entry
        for section in sections
        for entry in _entries(section, KindContext(collector, section.layers, root, code_dir, depends_on))
    ]
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


__all__ = ["KindSection", "merge_spark_conf", "resolve_tasks"]
