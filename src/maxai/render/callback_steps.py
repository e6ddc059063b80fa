"""The objective's own callbacks and deadline alerts as container steps, for the targets other than Airflow.

Airflow calls ``@dag.on_success_callback``, ``@dag.on_failure_callback`` and each ``@dag.deadline``'s callback in
its own processes; Argo and Kubeflow run a container of the domain's image instead, whose entry point
``python -m maxai.runtime.callback`` calls them with a context shaped like Airflow's (see that module). This
module holds what both targets share: the callbacks as JSON, the image, and the command.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from maxai.config.objective import ObjectiveConfig, ResolvedTask
from maxai.errors import JsonPath, Problem
from maxai.factory.callbacks import plain_json
from maxai.render.findings import Findings
from maxai.render.places import Places

CALLBACK_COMMAND = ["python", "-m", "maxai.runtime.callback"]
NOTIFIER_NOTE = (
    "a notifier is an Airflow class (BaseNotifier): the callback's image needs Airflow's task SDK "
    "(apache-airflow-task-sdk) to build and call it"
)


@dataclass(frozen=True)
class Deadline:
    reference: str
    """``dagrun_queued_at`` or ``dagrun_logical_date``."""
    interval: int
    """Seconds after the reference."""
    callback: Any
    """The callback as config names it (JSON)."""
    path: JsonPath
    """Where config sets it, under ``@dag``."""


@dataclass(frozen=True)
class RunCallbacks:
    """The objective's run callbacks and deadline alerts, as JSON."""

    on_success: list[Any]
    on_failure: list[Any]
    deadlines: list[Deadline]

    def __bool__(self) -> bool:
        return bool(self.on_success or self.on_failure or self.deadlines)


def _list(value: Any) -> list[Any]:
    value = plain_json(value)
    return [] if value is None else value if isinstance(value, list) else [value]


def run_callbacks(config: ObjectiveConfig) -> RunCallbacks:
    dag = config.dag
    raw_deadlines = plain_json(dag.deadline)
    deadlines = [
        Deadline(
            alert["reference"],
            alert["interval"],
            alert["callback"],
            ("deadline", index) if isinstance(raw_deadlines, list) else ("deadline",),
        )
        for index, alert in enumerate(_list(dag.deadline))
    ]
    return RunCallbacks(_list(dag.on_success_callback), _list(dag.on_failure_callback), deadlines)


HOOKED_TASK_CALLBACKS = ("on_success_callback", "on_failure_callback")
"""A task's callbacks Argo runs as lifecycle hooks: once per task, on its final status."""


@dataclass(frozen=True)
class TaskCallback:
    """A task's ``on_success_callback`` or ``on_failure_callback``: its own, else default_args'."""

    task: ResolvedTask
    key: str
    callbacks: list[Any]
    place: Callable[[str], Problem]
    """Where config sets it: the task's arguments, or ``@dag.default_args``."""


def has_task_callbacks(config: ObjectiveConfig) -> bool:
    defaults = config.dag.default_args
    return any(getattr(defaults, key, None) for key in HOOKED_TASK_CALLBACKS) or any(
        task.arguments.get(key) for task in config.tasks for key in HOOKED_TASK_CALLBACKS
    )


def task_callbacks(config: ObjectiveConfig, places: Places) -> list[TaskCallback]:
    found = []
    for task in config.tasks:
        for key in HOOKED_TASK_CALLBACKS:
            if key in task.arguments:
                value, place = task.arguments[key], functools.partial(places.task, task, (key,))
            else:
                value = getattr(config.dag.default_args, key, None)
                place = functools.partial(places.dag, ("default_args", key))
            if _list(value):
                found.append(TaskCallback(task, key, _list(value), place))
    return found


def note_notifiers(callbacks: RunCallbacks, label: str, places: Places, findings: Findings) -> None:
    """A notifier needs Airflow where it runs: a note (the image may have it), refused with --strict."""
    named: list[tuple[JsonPath, Any]] = [
        *((("on_success_callback",), callback) for callback in callbacks.on_success),
        *((("on_failure_callback",), callback) for callback in callbacks.on_failure),
        *(((*deadline.path, "callback"), deadline.callback) for deadline in callbacks.deadlines),
    ]
    for path, callback in named:
        if isinstance(callback, dict) and "notifier" in callback:
            findings.note(places.dag(path, f"not in the {label} output as on Airflow: {NOTIFIER_NOTE}"))


def pod_task_values(config: ObjectiveConfig, key: str) -> set[str]:
    """The values the objective's pod tasks give ``key`` (``image``, ``service_account_name``)."""
    return {str(task.arguments[key]) for task in config.tasks if task.kind == "kubepod" and task.arguments.get(key)}


def first_callback_place(
    callbacks: RunCallbacks, hooked: list[TaskCallback], places: Places
) -> Callable[[str], Problem]:
    """Where the first callback is set: the place to name when there is no image to run it."""
    if callbacks.on_success or callbacks.on_failure:
        first = "on_failure_callback" if callbacks.on_failure else "on_success_callback"
        return functools.partial(places.dag, (first,))
    if callbacks.deadlines:
        return functools.partial(places.dag, callbacks.deadlines[0].path)
    return hooked[0].place


def callback_image(
    config: ObjectiveConfig, given: str | None, place: Callable[[str], Problem], findings: Findings
) -> str | None:
    """The image the callbacks run in: ``given`` (``--callback-image``), else the one image every pod task of the
    objective runs, which holds maxai and the domain's code (the handlers the pod tasks call are the domain's too)."""
    if given:
        return given
    images = sorted(pod_task_values(config, "image"))
    if len(images) == 1:
        return images[0]
    found = f"its pod tasks run {len(images)} images ({', '.join(images)})" if images else "it has no pod task"
    findings.refuse(
        place(
            "a callback runs in a container of the domain's image (maxai and the domain's handlers installed), "
            f"and maxai cannot tell which: {found}; give it with --callback-image IMAGE"
        )
    )
    return None


def run_arguments(target: str, dag_id: str, run: dict[str, str]) -> list[str]:
    """The entry point's arguments naming the run: the target, the DAG id, and ``run`` (option -> the target's
    expression for it)."""
    return ["--target", target, "--dag-id", dag_id, *(item for pair in run.items() for item in pair)]


def callback_arguments(callbacks: list[Any], target: str, dag_id: str, run: dict[str, str]) -> list[str]:
    """The entry point's arguments every call takes: what to call, and the run (:func:`run_arguments`)."""
    return ["--callbacks", json.dumps(callbacks, ensure_ascii=False), *run_arguments(target, dag_id, run)]
