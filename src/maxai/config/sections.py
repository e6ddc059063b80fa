"""Validating a layered config file against its model, memoised by the versions of its layers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from maxai.config.collector import ProblemCollector
from maxai.config.k8s_rules import pod_problems
from maxai.config.k8s_schema import check_k8s_object
from maxai.config.layering import Layer, merge_config
from maxai.config.models import (
    K8S_OBJECT_FIELDS,
)
from maxai.errors import Problem


def _drop_unset(mapping: Any) -> Any:
    """An empty string means "not set" (the conventions' ``"py_files": ""``)."""
    if not isinstance(mapping, dict):
        return mapping
    return {key: value for key, value in mapping.items() if value != ""}


def clean_spark(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    cleaned = dict(data)
    if "conf" in cleaned:
        cleaned["conf"] = _drop_unset(cleaned["conf"])
    if isinstance(cleaned.get("tasks"), list):
        tasks = []
        for task in cleaned["tasks"]:
            if isinstance(task, dict) and isinstance(task.get("spark_submit_conf"), dict):
                submit = _drop_unset(task["spark_submit_conf"])
                if "conf" in submit:
                    submit["conf"] = _drop_unset(submit["conf"])
                task = {**task, "spark_submit_conf": submit}
            tasks.append(task)
        cleaned["tasks"] = tasks
    return cleaned


def clean_kubepod(data: Any) -> Any:
    if not isinstance(data, dict) or not isinstance(data.get("tasks"), list):
        return data
    tasks = [
        {**task, "conf": _drop_unset(task["conf"])}
        if isinstance(task, dict) and isinstance(task.get("conf"), dict)
        else task
        for task in data["tasks"]
    ]
    return {**data, "tasks": tasks}


def _merge_layers(layers: list[Layer]) -> Any:
    merged = layers[0].data
    for layer in layers[1:]:
        merged = merge_config(merged, layer.data)
    return merged


SectionModel = TypeVar("SectionModel", bound=BaseModel)


def validate_layers(
    collector: ProblemCollector, layers: list[Layer], model: type[SectionModel], clean: Callable[[Any], Any]
) -> tuple[SectionModel | None, Any]:
    data = clean(_merge_layers(layers))
    try:
        return model.model_validate(data), data
    except ValidationError as error:
        collector.add_validation(layers, error, data, model)
        return None, data


_SECTIONS: dict[tuple[Any, ...], tuple[Any, list[Problem]]] = {}


def validated_section(
    collector: ProblemCollector,
    layers: list[Layer],
    model: type[SectionModel],
    clean: Callable[[Any], Any],
    check: Callable[[ProblemCollector, list[Layer], Any], None] | None = None,
) -> SectionModel | None:
    """Validate a Spark or pod file (layered), then ``check`` the cleaned data; memoised by the file versions.

    Objectives of a use case usually share its spark_config and kubepod_config unchanged, so a
    DagBag or ``maxai validate`` checks each combination once.
    """
    key = (model.__name__, *(layer.version for layer in layers))
    if key not in _SECTIONS:
        section = ProblemCollector()
        validated, data = validate_layers(section, layers, model, clean)
        if validated is not None and check is not None:
            check(section, layers, data)
        if len(_SECTIONS) > 4096:
            _SECTIONS.clear()
        _SECTIONS[key] = (validated, section.problems)
    validated, problems = _SECTIONS[key]
    collector.problems.extend(problems)
    return validated  # type: ignore[no-any-return]


def check_pod_objects(collector: ProblemCollector, layers: list[Layer], data: Any) -> None:
    for index, task in enumerate(data["tasks"]):
        for argument, (definition, is_list) in K8S_OBJECT_FIELDS.items():
            value = task["conf"].get(argument)
            if value is None:
                continue
            for relative, message in check_k8s_object(value, definition, is_list):
                collector.add(layers, ("tasks", index, "conf", argument, *relative), message)
        for relative, message in pod_problems(task["conf"]):
            collector.add(layers, ("tasks", index, "conf", *relative), message)
