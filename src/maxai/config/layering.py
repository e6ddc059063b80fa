"""Use-case -> objective layering, and tracing a merged value back to the file it came from.

Semantics (JSON Merge Patch, RFC 7386, plus one rule for task lists):
- objects merge key by key, recursively; the objective wins;
- ``null`` in the objective removes the key;
- the top-level ``tasks`` list merges by task ``name``: a task the objective names again
  is merged into the use case's task, a new name is appended;
- any other value (including other lists) is replaced whole.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from maxai.config.jsonfile import child
from maxai.errors import JsonPath

_VERSIONS = itertools.count()


@dataclass(frozen=True)
class Layer:
    """One file's parsed JSON and how to name it in errors."""

    display: str
    data: Any
    text: str
    version: int = field(default_factory=lambda: next(_VERSIONS))
    """Unique per parsed file version: results computed from a set of layers can be memoised by it."""


def _merge_values(base: Any, overlay: Any) -> Any:
    if isinstance(base, dict) and isinstance(overlay, dict):
        merged = dict(base)
        for key, value in overlay.items():
            if value is None:
                merged.pop(key, None)
            elif key in merged:
                merged[key] = _merge_values(merged[key], value)
            else:
                merged[key] = value
        return merged
    return overlay


def _task_name(task: Any) -> Any:
    return task.get("name") if isinstance(task, dict) else None


def task_index_map(base: Any, overlay: Any) -> list[tuple[int | None, int | None]]:
    """For each task of the merged list: its index in the base list and in the overlay list."""
    base_tasks = base.get("tasks") if isinstance(base, dict) else None
    overlay_tasks = overlay.get("tasks") if isinstance(overlay, dict) else None
    base_list = base_tasks if isinstance(base_tasks, list) else []
    overlay_list = overlay_tasks if isinstance(overlay_tasks, list) else []
    mapping: list[tuple[int | None, int | None]] = [(index, None) for index in range(len(base_list))]
    position_by_name = {}
    for index, task in enumerate(base_list):
        name = _task_name(task)
        if isinstance(name, str) and name not in position_by_name:
            position_by_name[name] = index
    for overlay_index, task in enumerate(overlay_list):
        name = _task_name(task)
        if isinstance(name, str) and name in position_by_name:
            position = position_by_name[name]
            mapping[position] = (mapping[position][0], overlay_index)
        else:
            mapping.append((None, overlay_index))
    return mapping


def overlay_task_problems(base: Any, overlay: Any) -> list[tuple[JsonPath, str]]:
    """An objective's ``tasks`` entries that cannot mean what they say, as (path in the overlay, message).

    A name given twice would silently keep one entry; a name the use case lacks, given without a
    ``task_id``, is almost always a misspelt patch of an existing task rather than a new task.
    """
    base_tasks = base.get("tasks") if isinstance(base, dict) else None
    overlay_tasks = overlay.get("tasks") if isinstance(overlay, dict) else None
    if not isinstance(overlay_tasks, list):
        return []
    base_names = [_task_name(task) for task in base_tasks] if isinstance(base_tasks, list) else []
    known = [name for name in base_names if isinstance(name, str)]
    problems: list[tuple[JsonPath, str]] = []
    first_place: dict[str, int] = {}
    for index, task in enumerate(overlay_tasks):
        name = _task_name(task)
        if not isinstance(name, str):
            continue
        if name in first_place:
            problems.append(
                (
                    ("tasks", index, "name"),
                    f"task {name!r} is named twice in this file (also tasks[{first_place[name]}])",
                )
            )
            continue
        first_place[name] = index
        if name not in known and isinstance(task, dict) and "task_id" not in task:
            from maxai.config.diagnostics import did_you_mean

            hint = did_you_mean(name, known)
            problems.append(
                (
                    ("tasks", index, "name"),
                    f"no task named {name!r} in the use case's file{hint}; a new task needs its own task_id",
                )
            )
    return problems


def merge_config(base: Any, overlay: Any) -> Any:
    """Merge an objective's file over its use case's file (see module docstring)."""
    if not (isinstance(base, dict) and isinstance(overlay, dict)):
        return overlay
    base_tasks = base.get("tasks")
    overlay_tasks = overlay.get("tasks")
    if not (isinstance(base_tasks, list) and isinstance(overlay_tasks, list)):
        return _merge_values(base, overlay)
    merged = _merge_values(
        {k: v for k, v in base.items() if k != "tasks"}, {k: v for k, v in overlay.items() if k != "tasks"}
    )
    tasks = []
    for base_index, overlay_index in task_index_map(base, overlay):
        if base_index is None:
            tasks.append(overlay_tasks[overlay_index])  # type: ignore[index]
        elif overlay_index is None:
            tasks.append(base_tasks[base_index])
        else:
            tasks.append(_merge_values(base_tasks[base_index], overlay_tasks[overlay_index]))
    merged["tasks"] = tasks
    return merged


def _existing_prefix(data: Any, path: JsonPath) -> int:
    depth = 0
    for part in path:
        found, data = child(data, part)
        if not found:
            break
        depth += 1
    return depth


def trace_source(layers: list[Layer], merged_path: JsonPath) -> tuple[Layer, JsonPath]:
    """Which file (and which path inside it) a place in the merged config comes from."""
    if len(layers) == 1:
        return layers[0], merged_path
    base, overlay = layers[0], layers[1]
    base_path, overlay_path = merged_path, merged_path
    if len(merged_path) >= 2 and merged_path[0] == "tasks" and isinstance(merged_path[1], int):
        mapping = task_index_map(base.data, overlay.data)
        if merged_path[1] < len(mapping):
            base_index, overlay_index = mapping[merged_path[1]]
            rest = merged_path[2:]
            base_path = ("tasks", base_index, *rest) if base_index is not None else ("tasks",)
            overlay_path = ("tasks", overlay_index, *rest) if overlay_index is not None else ("tasks",)
            if base_index is None:
                return overlay, overlay_path
            if overlay_index is None:
                return base, base_path
    overlay_depth = _existing_prefix(overlay.data, overlay_path)
    if overlay_depth == len(overlay_path):
        return overlay, overlay_path
    base_depth = _existing_prefix(base.data, base_path)
    if overlay_depth > base_depth:
        return overlay, overlay_path
    return base, base_path
