"""What a task kind is: the file it reads, the model of its entries, its operator builder, how it shows.

A kind is declared by a :class:`TaskKind` object, registered under the entry-point group ``maxai.task_kinds``
(see ``maxai.kinds.registry``). Its parts are named by ``"module:attribute"`` references and imported only
when used: declaring a kind costs nothing, so a DAG-parsing process that serves an objective from the parse
cache imports neither the kind's Pydantic model nor its config checks, only its operator builder.
No Airflow import here, nor Pydantic.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

    from maxai.config.collector import ProblemCollector
    from maxai.config.layering import Layer

KIND_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,30}$"
"""A kind's name: it names its config file, ``<name>_config.json``."""
_KIND_NAME = re.compile(KIND_NAME_PATTERN)


def load_reference(reference: str) -> Any:
    """The object a ``"package.module:attribute"`` reference names."""
    module_name, _, attribute = reference.partition(":")
    module = importlib.import_module(module_name)
    value = module
    for part in attribute.split(".") if attribute else []:
        value = getattr(value, part)
    return value


@dataclass(frozen=True)
class KindContext:
    """What a kind's ``arguments`` and ``check`` functions get besides the validated file."""

    collector: ProblemCollector
    layers: list[Layer]
    """The layers of the kind's file (use case first), for :meth:`problem`."""
    root: Path
    code_dir: Path
    """Where the use case's drivers and handlers live (``maxaiusecases/<domain>/<usecase>``)."""
    depends_on: list[str]
    """Paths the resolution depends on (for the parse cache): add any file a check reads."""

    def problem(self, path: tuple[str | int, ...], message: str) -> None:
        """A problem at ``path`` of the kind's file (its file, line and column are found from the layers)."""
        self.collector.add(self.layers, path, message)


@dataclass(frozen=True)
class TaskKind:
    """One task kind. References are ``"module:attribute"`` strings, imported when first used.

    The file model (``model``) is a Pydantic model whose ``tasks`` is a list of entries derived from
    ``maxai.config.models.TaskBase`` (``name``, ``task_id``, ``depends_on``), so ordering, layering and errors
    work the same for every kind. ``arguments(context, file, index, entry) -> dict`` gives a task's operator
    arguments as plain JSON (default: its ``section`` dumped without unset keys). ``build(request)`` gets a
    ``maxai.factory.build.OperatorRequest`` and returns the task's operator.
    """

    name: str
    model: str
    """The file's Pydantic model."""
    build: str
    """``(OperatorRequest) -> operator``: the Airflow operator of one task."""
    operator_name: str
    """What ``maxai show`` prints as the task's operator."""
    label: str
    """The second line of the task's box in ``maxai graph``."""
    fill: str = "#eeeeee"
    stroke: str = "#666666"
    """Colours of the task's box in ``maxai graph``."""
    section: str = "conf"
    """The key of a task entry holding its operator arguments."""
    arguments: str | None = None
    normalise: str | None = None
    """``(data, file, text, problems) -> data``: applied to each layer as it is read (e.g. alternative spellings)."""
    clean: str | None = None
    """``(merged data) -> data`` before validation (e.g. empty strings dropped)."""
    check_data: str | None = None
    """``(collector, layers, cleaned data)``: checks of the file alone, memoised per file version."""
    check: str | None = None
    """``(context, file)``: checks that depend on the rest of the repository."""
    schema: str | None = None
    """``(schema dict) -> None``: adjusts the generated JSON Schema of the file."""
    integrity: str | None = None
    """``(operator, task) -> list[str]``: what differs between a built operator and its task (``maxai validate --deep``)."""
    calls_function: bool = False
    """Whether its tasks call the ``function`` of their py_config entry; if not, one written there is an error."""
    function_use: str | None = None
    """``(arguments) -> "required" | "optional" | "never"``: the same, decided per task (overrides ``calls_function``)."""
    no_function: str = "does not call a handler"
    """Completes "'<task>' ..., and 'function' is never called"."""
    container_step: str | None = None
    """``(maxai.kinds.containers.ContainerRequest) -> ContainerStep | None``: the task as a container step, for
    ``maxai render argo`` and ``maxai render kubeflow`` (None once it refused); a kind without it is refused there."""

    def __post_init__(self) -> None:
        if not _KIND_NAME.match(self.name):
            raise ValueError(f"task kind name {self.name!r} does not match {KIND_NAME_PATTERN}")

    @property
    def config_file(self) -> str:
        return f"{self.name}_config.json"

    def file_model(self) -> type[BaseModel]:
        """The Pydantic model of the kind's file."""
        model: type[BaseModel] = load_reference(self.model)
        return model

    def task_function_use(self, arguments: dict[str, Any]) -> str:
        """Whether a task with these operator arguments calls its py_config ``function``: required, optional, never."""
        decide = self.load("function_use")
        if decide is not None:
            return str(decide(arguments))
        return "optional" if self.calls_function else "never"

    def load(self, part: str) -> Callable[..., Any] | None:
        """The function (or model) a reference field names, or None when the field is not set."""
        reference = getattr(self, part)
        if reference is None:
            return None
        loaded: Callable[..., Any] = load_reference(reference)
        return loaded
