"""The resolved configuration of one objective: what the factory turns into a DAG."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maxai.config.layout import USECASES_DIR, ObjectiveRef

if TYPE_CHECKING:  # annotations only: a config served from the parse cache never builds the Pydantic models
    from maxai.config.models import DagSettings, TaskParams

TaskKind = str
"""A task kind's name (see maxai.kinds): "spark", "kubepod", or one an installed package declares."""

# Operator env_vars are Jinja-templated by Airflow. Parameters must reach the handler
# verbatim, so every "{" that could open a Jinja tag is written as its JSON escape.
# Outside strings, JSON never puts "{", "%" or "#" right after "{".
_JINJA_OPENERS = re.compile(r"\{(?=[{%#])")


def encode_params(params: Mapping[str, Any]) -> str:
    """A task's parameters as the JSON of its MAXAI_PARAMS variable, inert to Jinja."""
    text = json.dumps(params, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return _JINJA_OPENERS.sub(r"\\u007b", text)


@dataclass(frozen=True)
class ResolvedTask:
    """One task after layering and conf merging."""

    name: str
    order: int
    """The config's ``task_id``: the task's place in the chain (Airflow's task_id is ``name``)."""
    kind: TaskKind
    arguments: dict[str, Any]
    """Operator keyword arguments as plain JSON (Spark conf already merged, unset keys dropped)."""
    upstream: tuple[str, ...]
    params: TaskParams
    source: str
    """The config file that defines this task (objective file when it overrides the use case's)."""
    params_json: str = ""
    """``params`` as encoded for the task's MAXAI_PARAMS variable (see encode_params)."""

    def __post_init__(self) -> None:
        if not self.params_json:
            object.__setattr__(
                self, "params_json", encode_params(self.params.model_dump(mode="json", exclude_none=True))
            )


@dataclass(frozen=True)
class ObjectiveConfig:
    ref: ObjectiveRef
    root: Path
    dag: DagSettings
    tasks: tuple[ResolvedTask, ...]
    files: tuple[str, ...] = field(default=())
    """Config files read, relative to the root, use case level first."""

    @property
    def dag_id(self) -> str:
        return self.ref.dag_id

    @property
    def code_dir(self) -> Path:
        """Where this use case's drivers and handlers live."""
        return self.root / USECASES_DIR / self.ref.domain / self.ref.usecase

    def task(self, name: str) -> ResolvedTask:
        for task in self.tasks:
            if task.name == name:
                return task
        raise KeyError(name)
