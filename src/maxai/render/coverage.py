"""Every setting of an objective judged against a target's rules (``rules``, ``spark_rules``, ``pod_rules``):
what has no place in the output is refused or noted, never dropped without a word."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal

from pydantic import BaseModel

from maxai.config.objective import ObjectiveConfig, ResolvedTask
from maxai.errors import JsonPath, Problem
from maxai.render.container_steps import hook_owns, is_translated
from maxai.render.deployment import check_data_folders
from maxai.render.findings import Findings
from maxai.render.places import Places
from maxai.render.pod_rules import POD_RULES
from maxai.render.rules import DAG_RULES, DEFAULT_ARGS_RULES, TASK_RULES, Handling, Rule
from maxai.render.spark_rules import SPARK_RULES

Target = Literal["argo", "kubeflow"]
SparkMode = Literal["operator", "submit"]
TARGET_LABELS: dict[Target, str] = {"argo": "Argo Workflows", "kubeflow": "Kubeflow Pipelines"}


def _handling(rule: Rule, target: Target) -> Handling:
    return rule.argo if target == "argo" else rule.kubeflow


def _judge(
    handling: Handling | None,
    value: Any,
    config: ObjectiveConfig,
    target: Target,
    findings: Findings,
    place: Callable[[str], Problem],
) -> None:
    label = TARGET_LABELS[target]
    if handling is None:
        findings.refuse(place(f"not rendered for {label}: maxai does not know where this setting goes there"))
        return
    reason = handling.refuse(value, config) if handling.refuse else None
    if reason:
        findings.refuse(place(f"not rendered for {label}: {reason}"))
        return
    lost = handling.note(value, config) if handling.note else None
    if lost:
        findings.note(place(f"not in the {label} output: {lost}"))


def _judge_model(
    model: BaseModel,
    rules: Mapping[str, Rule],
    skip: frozenset[str],
    config: ObjectiveConfig,
    target: Target,
    findings: Findings,
    place: Callable[[str, str], Problem],
) -> None:
    for key, field in type(model).model_fields.items():
        if key in skip:
            continue
        value = getattr(model, key)
        rule = rules.get(key)
        handling = _handling(rule, target) if rule else None
        if value == field.get_default(call_default_factory=True) and not (handling and handling.always):
            continue
        _judge(handling, value, config, target, findings, functools.partial(place, key))


def _task_handling(task: ResolvedTask, key: str, target: Target, spark: SparkMode) -> Handling | None:
    if task.kind == "spark" and key in SPARK_RULES:
        rule = SPARK_RULES[key]
        return rule.operator if target == "argo" and spark == "operator" else rule.submit
    if task.kind == "kubepod" and key in POD_RULES:
        return _handling(POD_RULES[key], target)
    return _handling(TASK_RULES[key], target) if key in TASK_RULES else None


def _strings(value: Any, path: JsonPath) -> Iterator[tuple[JsonPath, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, (*path, str(key)))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def check_coverage(
    config: ObjectiveConfig, target: Target, places: Places, findings: Findings, spark: SparkMode = "operator"
) -> None:
    """Refuse (or note) every setting of ``config`` that ``target`` cannot express.

    A task of a kind the target has no translation for (any kind but ``spark`` and ``kubepod`` that has no
    ``container_step`` function) is refused at once: nothing else of the objective is rendered. The keys of a
    container kind's own arguments are its function's to translate or refuse; BaseOperator's are judged here.
    """
    label = TARGET_LABELS[target]
    for task in config.tasks:
        if not is_translated(task.kind):
            findings.refuse(
                places.task_entry(
                    task, "name", f"not rendered for {label}: maxai has no {label} translation of {task.kind!r} tasks"
                )
            )
    findings.raise_if_any()
    _judge_model(
        config.dag,
        DAG_RULES,
        frozenset({"default_args"}),
        config,
        target,
        findings,
        lambda key, message: places.dag((key,), message),
    )
    _judge_model(
        config.dag.default_args,
        DEFAULT_ARGS_RULES,
        frozenset(),
        config,
        target,
        findings,
        lambda key, message: places.dag(("default_args", key), message),
    )
    check_data_folders(config, label, findings)
    for task in config.tasks:
        values = next(iter((task.params.for_each or {}).values()), [])
        if len({type(value) for value in values}) > 1:
            findings.refuse(
                places.py_entry(
                    task,
                    "for_each",
                    f"not rendered for {label}: one template runs every value, so they must be all names or "
                    "all integers",
                )
            )
        for key, value in task.arguments.items():
            if hook_owns(task, key):
                continue
            handling = _task_handling(task, key, target, spark)
            _judge(handling, value, config, target, findings, functools.partial(places.task, task, (key,)))
        for path, text in _strings(task.arguments, ()):
            if "{{" in text or "{%" in text:
                findings.refuse(
                    places.task(
                        task,
                        path,
                        f"an Airflow (Jinja) template: {label} does not render Jinja; use a plain value "
                        "(handlers get the run's date from maxai.runtime)",
                    )
                )
