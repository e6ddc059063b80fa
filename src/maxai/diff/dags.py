"""Per DAG: tasks added, removed and changed, edges changed, DAG settings changed.

The comparison is generic over the fields of :class:`~maxai.config.objective.ObjectiveConfig`, its
``DagSettings`` and :class:`~maxai.config.objective.ResolvedTask`: a config key added to the models is
compared without a change here. Only identity and bookkeeping fields are left out.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from maxai.config.layout import ObjectiveRef, discover_objectives
from maxai.config.loader import load_objective
from maxai.config.objective import ObjectiveConfig, ResolvedTask
from maxai.diff.backfill import Backfill, backfill_for
from maxai.diff.values import ValueChange, as_json, value_changes
from maxai.errors import ConfigError, Problem

# Fields not compared as values: identity (name, ref), where things were read from (root, files, source),
# an encoding of another field (params_json), and the graph (upstream, reported as edges).
_OBJECTIVE_SKIPPED = frozenset({"ref", "root", "files", "tasks"})
_TASK_SKIPPED = frozenset({"name", "source", "params_json", "upstream"})
# How users know a field from their config files.
_SHOWN_AS = {"order": "task_id", "dag": ""}

Status = Literal["added", "removed", "changed", "unchanged"]
Side = Literal["base", "head"]


@dataclass(frozen=True)
class TaskChange:
    name: str
    changes: list[ValueChange]


@dataclass
class DagDiff:
    dag_id: str
    ref: ObjectiveRef
    status: Status
    tasks: list[str] = field(default_factory=list)
    """Task names of the DAG as it is at head (at the base for a removed DAG)."""
    settings: list[ValueChange] = field(default_factory=list)
    added_tasks: list[str] = field(default_factory=list)
    removed_tasks: list[str] = field(default_factory=list)
    changed_tasks: list[TaskChange] = field(default_factory=list)
    added_edges: list[tuple[str, str]] = field(default_factory=list)
    removed_edges: list[tuple[str, str]] = field(default_factory=list)
    backfill: Backfill | None = None


@dataclass(frozen=True)
class Unloadable:
    """An objective that does not load on one side: its diff cannot be told."""

    dag_id: str
    side: Side
    problems: list[Problem]


@dataclass
class RepositoryDiff:
    dags: list[DagDiff]
    unloadable: list[Unloadable]

    def with_status(self, status: Status) -> list[DagDiff]:
        return [dag for dag in self.dags if dag.status == status]


def _prefix(config: ObjectiveConfig) -> str:
    return str(config.root) + os.sep


def _named_changes(old: Any, new: Any, name: str) -> list[ValueChange]:
    shown = _SHOWN_AS.get(name, name)
    return value_changes(old, new, (shown,) if shown else ())


def _fields_changes(old: Any, new: Any, skipped: frozenset[str], old_prefix: str, new_prefix: str) -> list[ValueChange]:
    changes: list[ValueChange] = []
    for item in dataclasses.fields(old):
        if item.name not in skipped:
            changes.extend(
                _named_changes(
                    as_json(getattr(old, item.name), old_prefix),
                    as_json(getattr(new, item.name), new_prefix),
                    item.name,
                )
            )
    return changes


def _edges(config: ObjectiveConfig) -> set[tuple[str, str]]:
    return {(parent, task.name) for task in config.tasks for parent in task.upstream}


def _task_names(config: ObjectiveConfig) -> list[str]:
    return [task.name for task in config.tasks]


def compare_dag(old: ObjectiveConfig, new: ObjectiveConfig, today: date) -> DagDiff:
    """What changes in the DAG of one objective from ``old`` to ``new``."""
    old_prefix, new_prefix = _prefix(old), _prefix(new)
    old_tasks: dict[str, ResolvedTask] = {task.name: task for task in old.tasks}
    new_tasks: dict[str, ResolvedTask] = {task.name: task for task in new.tasks}
    diff = DagDiff(new.dag_id, new.ref, "unchanged", tasks=_task_names(new))
    diff.settings = _fields_changes(old, new, _OBJECTIVE_SKIPPED, old_prefix, new_prefix)
    diff.added_tasks = [name for name in new_tasks if name not in old_tasks]
    diff.removed_tasks = [name for name in old_tasks if name not in new_tasks]
    for name, task in new_tasks.items():
        if name in old_tasks:
            changes = _fields_changes(old_tasks[name], task, _TASK_SKIPPED, old_prefix, new_prefix)
            if changes:
                diff.changed_tasks.append(TaskChange(name, changes))
    old_edges, new_edges = _edges(old), _edges(new)
    diff.added_edges = sorted(new_edges - old_edges)
    diff.removed_edges = sorted(old_edges - new_edges)
    if any((diff.settings, diff.added_tasks, diff.removed_tasks, diff.changed_tasks, old_edges != new_edges)):
        diff.status = "changed"
    if diff.added_tasks:
        diff.backfill = backfill_for(new, diff.added_tasks, today)
    return diff


def _load(root: Path, ref: ObjectiveRef, side: Side, unloadable: list[Unloadable]) -> ObjectiveConfig | None:
    try:
        # never the parse cache: a checkout of the base revision is a throw-away folder
        return load_objective(root, *ref.parts, use_cache=False)
    except ConfigError as error:
        unloadable.append(Unloadable(ref.dag_id, side, error.problems))
        return None


def compare_repositories(base_root: Path, head_root: Path, today: date) -> RepositoryDiff:
    """Every objective of either side, loaded as Airflow would load it, compared DAG by DAG."""
    base_refs = set(discover_objectives(base_root))
    head_refs = set(discover_objectives(head_root))
    dags: list[DagDiff] = []
    unloadable: list[Unloadable] = []
    for ref in sorted(base_refs | head_refs):
        old = _load(base_root, ref, "base", unloadable) if ref in base_refs else None
        new = _load(head_root, ref, "head", unloadable) if ref in head_refs else None
        if ref in base_refs and ref in head_refs:
            if old is not None and new is not None:
                dags.append(compare_dag(old, new, today))
        elif new is not None:
            dags.append(DagDiff(ref.dag_id, ref, "added", tasks=_task_names(new)))
        elif old is not None:
            dags.append(DagDiff(ref.dag_id, ref, "removed", tasks=_task_names(old)))
    return RepositoryDiff(dags, unloadable)
