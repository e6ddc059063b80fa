"""Tasks of kinds that describe themselves as container steps (``TaskKind.container_step``), for Argo, Kubeflow
and the standalone Airflow file alike: the kind's function is asked for each task's step, then the values handed between steps are
checked (the producer runs before, is no ``for_each`` task and declares the output)."""

from __future__ import annotations

from collections.abc import Callable

from maxai.config.models import OperatorArgs
from maxai.config.objective import ObjectiveConfig, ResolvedTask
from maxai.errors import JsonPath, Problem
from maxai.kinds.containers import ContainerRequest, ContainerStep
from maxai.kinds.registry import kind_named
from maxai.render.findings import Findings
from maxai.render.places import Places
from maxai.render.spark import IMAGE_CODE_DIR

NATIVE_KINDS = ("spark", "kubepod")
"""Kinds each renderer translates with code of its own; any other kind needs a ``container_step`` function."""


def is_container_kind(kind: str) -> bool:
    return kind not in NATIVE_KINDS and kind_named(kind).container_step is not None


def is_translated(kind: str) -> bool:
    return kind in NATIVE_KINDS or is_container_kind(kind)


def hook_owns(task: ResolvedTask, key: str) -> bool:
    """Whether a key of the task's arguments is its kind's own, which the kind's ``container_step`` translates
    (or refuses); BaseOperator's settings (retries, pool, ...) are judged by the renderers' rules."""
    return is_container_kind(task.kind) and key not in OperatorArgs.model_fields


def _at(places: Places, task: ResolvedTask, report: Callable[[Problem], None]) -> Callable[[JsonPath, str], None]:
    """Report a problem at a path of the task's arguments."""

    def report_at(path: JsonPath, message: str) -> None:
        report(places.task(task, path, message))

    return report_at


def _ancestors(config: ObjectiveConfig, task: ResolvedTask) -> set[str]:
    upstream = {item.name: item.upstream for item in config.tasks}
    found: set[str] = set()
    waiting = list(task.upstream)
    while waiting:
        name = waiting.pop()
        if name not in found:
            found.add(name)
            waiting.extend(upstream.get(name, []))
    return found


def container_steps(
    config: ObjectiveConfig,
    places: Places,
    findings: Findings,
    target: str,
    input_placeholder: Callable[[str], str],
    output_path: Callable[[str], str],
    skipped_exit_code: int | None = None,
) -> dict[str, ContainerStep]:
    """The container step of every task whose kind has one, by task name; what cannot be rendered is refused."""
    steps: dict[str, ContainerStep] = {}
    for task in config.tasks:
        if not is_container_kind(task.kind):
            continue
        describe = kind_named(task.kind).load("container_step")
        assert describe is not None
        request = ContainerRequest(
            config=config,
            task=task,
            target=target,
            code_dir=f"{IMAGE_CODE_DIR}/{config.ref.domain}",
            input=input_placeholder,
            output_path=output_path,
            refuse=_at(places, task, findings.refuse),
            note=_at(places, task, findings.note),
            skipped_exit_code=skipped_exit_code,
        )
        step = describe(request)
        if step is not None:
            steps[task.name] = step
    by_name = {task.name: task for task in config.tasks}
    for name, step in steps.items():
        task = by_name[name]
        before = _ancestors(config, task)
        for value in step.inputs.values():
            reason = None
            producer = by_name.get(value.task)
            if task.params.for_each:
                reason = "a for_each task cannot take values from other tasks there"
            elif producer is None or value.task not in before:
                reason = f"it takes {value.output!r} from task {value.task!r}, which does not run before it"
            elif producer.params.for_each:
                reason = f"it takes {value.output!r} from task {value.task!r}, a for_each task (one value per item)"
            elif is_container_kind(producer.kind) and producer.name not in steps:
                continue  # the producer was refused already
            elif value.output not in (steps[value.task].outputs if value.task in steps else {}):
                reason = f"it takes {value.output!r} from task {value.task!r}, which has no such output"
            if reason:
                findings.refuse(places.task(task, value.place, f"not rendered for {target}: {reason}"))
    return steps
