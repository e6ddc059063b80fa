"""Where a setting of a resolved objective was written: the file, JSON path, line and column to name in a problem."""

from __future__ import annotations

from typing import Any

from maxai.config.jsonfile import locate
from maxai.config.layering import Layer, merge_config, trace_source
from maxai.config.layout import CONFIGS_DIR, DAG_SECTION, PY_CONFIG
from maxai.config.objective import ObjectiveConfig, ResolvedTask
from maxai.config.reading import objective_folders, read_layers
from maxai.errors import JsonPath, Problem
from maxai.kinds.registry import kind_named


class Places:
    """Reads the objective's config files once to point problems at the line that set a value."""

    def __init__(self, config: ObjectiveConfig) -> None:
        self.config = config
        usecase_dir, objective_dir = objective_folders(config.root, config.ref)
        self._layers, _ = read_layers(config.root, [usecase_dir, objective_dir], [])
        self._merged: dict[str, Any] = {}

    def _merged_data(self, file_name: str) -> Any:
        if file_name not in self._merged:
            layers = self._layers.get(file_name, [])
            merged: Any = layers[0].data if layers else {}
            for layer in layers[1:]:
                merged = merge_config(merged, layer.data)
            self._merged[file_name] = merged
        return self._merged[file_name]

    def _problem(self, file_name: str, path: JsonPath, message: str) -> Problem:
        layers: list[Layer] = self._layers.get(file_name, [])
        if not layers:
            folder = f"{CONFIGS_DIR}/{'/'.join(self.config.ref.parts)}"
            return Problem(f"{folder}/{file_name}", path, message)
        layer, where = trace_source(layers, path)
        line, column = locate(layer.text, where)
        return Problem(layer.display, where, message, line, column)

    def _task_index(self, task: ResolvedTask) -> tuple[str, Any, int | None]:
        """The task's file, its merged entries, and its index among them (None when it is not found)."""
        file_name = f"{task.kind}_config.json"
        merged = self._merged_data(file_name)
        tasks = merged.get("tasks") if isinstance(merged, dict) else None
        names = [entry.get("name") if isinstance(entry, dict) else None for entry in tasks or []]
        return file_name, tasks, names.index(task.name) if task.name in names else None

    def task(self, task: ResolvedTask, path: JsonPath, message: str) -> Problem:
        """A problem with ``path`` inside the task's operator arguments (``("retries",)``, ``("conf", "spark.x")``)."""
        file_name, tasks, index = self._task_index(task)
        if index is None:
            return Problem(task.source, ("tasks",), message)
        section = kind_named(task.kind).section
        own = tasks[index].get(section) or {}
        if task.kind == "spark" and path[:1] == ("conf",) and len(path) > 1:
            if path[1] not in (own.get("conf") or {}):  # the global conf set it
                return self._problem(file_name, path, message)
        elif path and path[0] not in own and path[0] != "tasks" and path[0] in (self._merged_data(file_name) or {}):
            return self._problem(file_name, path, message)  # a key of the whole file the task took (model's image)
        return self._problem(file_name, ("tasks", index, section, *path), message)

    def task_sets(self, task: ResolvedTask, key: str) -> bool:
        """Whether the task's own operator arguments in its config files set ``key``."""
        _, tasks, index = self._task_index(task)
        return index is not None and key in (tasks[index].get(kind_named(task.kind).section) or {})

    def task_entry(self, task: ResolvedTask, key: str, message: str) -> Problem:
        """A problem with a key of the task's entry itself (``name``, ``depends_on``)."""
        file_name, _, index = self._task_index(task)
        if index is None:
            return Problem(task.source, ("tasks",), message)
        return self._problem(file_name, ("tasks", index, key), message)

    def py_entry(self, task: ResolvedTask, key: str, message: str) -> Problem:
        """A problem with a key of the task's entry in py_config.json (``for_each``)."""
        return self._problem(PY_CONFIG, (task.name, key), message)

    def dag(self, path: JsonPath, message: str) -> Problem:
        """A problem with ``path`` inside py_config.json's ``@dag`` section."""
        return self._problem(PY_CONFIG, (DAG_SECTION, *path), message)
