"""The resolved configuration of one objective: what the factory turns into a DAG."""

from __future__ import annotations

import json
import os
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

ENV_VARIABLE = "MAXAI_ENV"
"""Names the active environment of maxaiconfigs/environments.json (the CLI's ``--env``)."""
USER_VARIABLE = "MAXAI_USER"
"""Names the user whose personal copies of the DAGs are built (the CLI's ``--user``)."""


Selection = tuple[str, str]
"""The environment and user asked for (empty: the repository's default environment; no personal copy)."""


def selection(env: str | None = None, user: str | None = None) -> Selection:
    """The environment and user to build for: the arguments given, else ``$MAXAI_ENV`` and ``$MAXAI_USER``."""
    return (
        os.environ.get(ENV_VARIABLE, "") if env is None else env,
        os.environ.get(USER_VARIABLE, "") if user is None else user,
    )


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
class Deployment:
    """Where and for whom an objective's DAG is built: the active environment and, for a personal copy, the user.

    Plain data (no Pydantic), so the parse cache's light path carries it; see maxai.config.environments.
    """

    environment: str = ""
    """The active environment's name; empty when the repository declares none."""
    user: str = ""
    """The developer whose personal copy this is; empty for the shared DAG."""
    dag_id_prefix: str = ""
    dag_id_suffix: str = ""
    tags: tuple[str, ...] = ()
    paused: bool | None = None
    """Airflow's ``is_paused_upon_creation``; None leaves Airflow's own default."""
    data_root: str = ""
    """Absolute folder of relative inputs and outputs (a personal copy's own ``users/<user>`` below it);
    empty: ``$MAXAI_DATA_DIR`` or ``<root>/data``."""

    def dag_id(self, base: str) -> str:
        user = f"__{self.user}" if self.user else ""
        return f"{self.dag_id_prefix}{base}{self.dag_id_suffix}{user}"

    def asset_scope(self) -> str:
        """Where relative data paths lie below the data folder (``dev/users/alice``): the scope of their Assets,
        so that no environment's or user's copy ever triggers another's asset-scheduled DAGs."""
        parts = [self.data_root.strip("/")] if self.data_root.strip("/") else []
        return "/".join([*parts, *(["users", self.user] if self.user else [])])

    def describe(self) -> str:
        """`` [env dev, personal copy of alice]`` for DAG descriptions; empty for no environment and no user."""
        parts = ([f"env {self.environment}"] if self.environment else []) + (
            [f"personal copy of {self.user}"] if self.user else []
        )
        return f" [{', '.join(parts)}]" if parts else ""


@dataclass(frozen=True)
class ObjectiveConfig:
    ref: ObjectiveRef
    root: Path
    dag: DagSettings
    tasks: tuple[ResolvedTask, ...]
    files: tuple[str, ...] = field(default=())
    """Config files read, relative to the root, use case level first."""
    deployment: Deployment = field(default_factory=Deployment)
    """The environment and user it is built for (maxai.config.environments)."""

    @property
    def dag_id(self) -> str:
        """The Airflow DAG id: ``<domain>.<usecase>.<objective>`` with the environment's and user's marks."""
        return self.deployment.dag_id(self.ref.dag_id)

    @property
    def code_dir(self) -> Path:
        """Where this use case's drivers and handlers live."""
        return self.root / USECASES_DIR / self.ref.domain / self.ref.usecase

    def task(self, name: str) -> ResolvedTask:
        for task in self.tasks:
            if task.name == name:
                return task
        raise KeyError(name)
