"""A task as a container step, for targets outside maxai's Airflow DAG (Argo Workflows, Kubeflow Pipelines, the
standalone Airflow file, which runs it in a pod).

A kind whose ``TaskKind.container_step`` names a function ``(ContainerRequest) -> ContainerStep | None`` is
rendered by ``maxai render argo|kubeflow|airflow``: the renderer asks the function what one task runs (image,
command, environment, the values it hands to later steps and those it takes from earlier ones) and writes it
in the target's own terms. The function knows nothing of the target: it writes an input's value and an
output's file where the request's ``input`` and ``output_path`` say.
No Airflow import here, nor Pydantic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from maxai.config.objective import ObjectiveConfig, ResolvedTask

JsonPath = tuple[str | int, ...]


@dataclass(frozen=True)
class SecretKey:
    """An environment variable whose value is a key of a Kubernetes Secret (never written in a config)."""

    secret: str
    key: str
    optional: bool = False
    """The container starts when the Secret lacks the key (the variable is then unset)."""


@dataclass(frozen=True)
class UpstreamValue:
    """An output of an earlier task of the objective, which this task takes as an input."""

    task: str
    """The task's name in its config file."""
    output: str
    """The name of one of its ``ContainerStep.outputs``."""
    place: JsonPath = ()
    """The key of this task's arguments that names the task: where a problem with the value is reported."""


@dataclass(frozen=True)
class ContainerStep:
    """What one task runs, in terms every container target has."""

    image: str
    command: list[str]
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    """Plain variables, added to the ``MAXAI_*`` ones every task gets."""
    secret_env: dict[str, SecretKey] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    """Name -> the file the step writes the value to: ``request.output_path(name)``."""
    inputs: dict[str, UpstreamValue] = field(default_factory=dict)
    """Name -> where its value comes from; ``request.input(name)`` stands for the value in ``command``/``args``."""
    skipped_exit_code: int | None = None
    """The exit code by which this step says it skipped itself (``request.skipped_exit_code``, when it uses it)."""


@dataclass(frozen=True)
class ContainerRequest:
    """One task to describe, and the target's means of placing values and reporting what it cannot render."""

    config: ObjectiveConfig
    task: ResolvedTask
    target: str
    """The target's name for messages: "Argo Workflows", "Kubeflow Pipelines"."""
    code_dir: str
    """Where the image holds the domain's code (``maxaiusecases/<domain>/``): handlers are imported from there."""
    input: Callable[[str], str]
    """The placeholder the target replaces with an input's value (in ``command`` and ``args``)."""
    output_path: Callable[[str], str]
    """The file a step writes an output's value to (a placeholder on targets that choose the path)."""
    refuse: Callable[[JsonPath, str], None]
    """A problem at a path of the task's arguments (its file, line and column are found): nothing is rendered."""
    note: Callable[[JsonPath, str], None]
    """A setting that has no place in the output: reported with it (refused with ``--strict``)."""
    skipped_exit_code: int | None = None
    """The exit code by which a step that decides to skip itself says so, on a target that marks such a task
    skipped (the standalone Airflow file); None: the target has no skipped state, and the step ends successfully."""

    @property
    def arguments(self) -> dict[str, Any]:
        return self.task.arguments
