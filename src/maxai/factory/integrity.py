"""Checks that a built DAG is what its configs say, and that its pods are valid Kubernetes objects.

Used by the test suite, the ``maxai.testing`` pytest plugin and ``maxai validate --deep``.
"""

from __future__ import annotations

import json
from typing import Any

from maxai.config.objective import ObjectiveConfig, ResolvedTask
from maxai.runtime.context import ENV_ITEM


def pod_manifest(operator: Any) -> dict[str, Any]:
    """The pod a KubernetesPodOperator would create, as Kubernetes JSON (camelCase), built offline."""
    from kubernetes.client import ApiClient

    pod = operator.build_pod_request_obj(dry_run=True)
    manifest: dict[str, Any] = ApiClient().sanitize_for_serialization(pod)
    return manifest


def pod_problems(manifest: dict[str, Any]) -> list[str]:
    """Problems with a pod manifest under the strict Kubernetes schema (unknown fields rejected)."""
    import kubernetes_validate

    from maxai.config.k8s_schema import kubernetes_schema_version

    try:
        kubernetes_validate.validate(manifest, kubernetes_schema_version(), strict=True)
    except kubernetes_validate.ValidationError as error:
        where = ".".join(str(part) for part in error.absolute_path) or "pod"
        return [f"{where}: {error.message}"]
    return []


def mapped_instances(operator: Any) -> list[Any]:
    """The operator, or for a ``for_each`` task one plain operator per value, as the task runner builds
    each mapped run (the partial arguments with that run's expanded ones), to check them like any other."""
    if not getattr(operator, "is_mapped", False):
        return [operator]
    expanded: dict[str, list[Any]] = operator.expand_input.value
    count = len(next(iter(expanded.values())))
    return [
        operator.operator_class(
            task_id=operator.task_id,
            **operator.partial_kwargs,
            **{name: values[index] for name, values in expanded.items()},
        )
        for index in range(count)
    ]


def _mapping_problems(operator: Any, for_each: dict[str, list[Any]] | None, name: str) -> list[str]:
    mapped = bool(getattr(operator, "is_mapped", False))
    if not for_each:
        return [f"{name}: is mapped, but the config has no for_each"] if mapped else []
    if not mapped:
        return [f"{name}: the config maps it over {for_each}, but it is a single task"]
    ((key, values),) = for_each.items()
    items = [json.loads(env[ENV_ITEM]) for env in operator.expand_input.value["env_vars"]]
    expected = [{key: value} for value in values]
    return [] if items == expected else [f"{name}: mapped over {items}, expected {expected}"]


def dag_problems(dag: Any, config: ObjectiveConfig) -> list[str]:
    """Differences between a built DAG and the objective's resolved configs."""
    problems: list[str] = []
    if dag.dag_id != config.dag_id:
        problems.append(f"dag_id is {dag.dag_id!r}, expected {config.dag_id!r}")
    expected_names = [task.name for task in config.tasks]
    actual_names = sorted(dag.task_ids, key=lambda name: expected_names.index(name) if name in expected_names else -1)
    if sorted(actual_names) != sorted(expected_names):
        problems.append(f"tasks are {sorted(dag.task_ids)}, expected {sorted(expected_names)}")
        return problems
    for task in config.tasks:
        operator = dag.get_task(task.name)
        if set(operator.upstream_task_ids) != set(task.upstream):
            problems.append(
                f"{task.name}: upstream {sorted(operator.upstream_task_ids)}, expected {sorted(task.upstream)}"
            )
        mapping = _mapping_problems(operator, task.params.for_each, task.name)
        if mapping:
            problems.extend(mapping)
            continue
        for instance in mapped_instances(operator):
            problems.extend(_operator_problems(instance, task))
    return problems


def _operator_problems(operator: Any, task: ResolvedTask) -> list[str]:
    from maxai.kinds.registry import kind_named

    check = kind_named(task.kind).load("integrity")
    return list(check(operator, task)) if check is not None else []
