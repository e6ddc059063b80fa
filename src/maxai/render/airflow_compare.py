"""Whether two Airflow DAGs are the same DAG: settings, params, tasks (class and keyword arguments) and edges."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import attrs

from maxai.render.airflow_pods import base_operator_arguments

_DAG_IGNORED = frozenset({"task_group"})
# pre_execute tags asset updates with the processed date (maxai.factory.lineage): it needs maxai at run
# time, so the standalone file goes without it (docs/render-airflow.rst says so)
_TASK_IGNORED = frozenset({"dag", "task_group", "pre_execute"})


def params_summary(params: Any) -> dict[str, tuple[Any, Any, Any]]:
    """A DAG's or task's params as comparable values: each Param's default, description and schema."""
    return {
        key: (param.value, param.description, param.schema)
        for key, param in ((key, params.get_param(key)) for key in params)
    }


def operator_arguments(task: Any) -> dict[str, Any]:
    """The keyword arguments an operator was built with (after default_args), without the DAG it belongs to;
    for a mapped task, its ``partial`` arguments and, under ``expand``, what it maps over."""
    if task.is_mapped:
        recorded = {**task.partial_kwargs, "expand": task.expand_input.value}
    else:
        recorded = task._BaseOperator__init_kwargs
    return {key: value for key, value in recorded.items() if key not in _TASK_IGNORED}


def _pod_operator() -> type:
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

    return KubernetesPodOperator


def _comparable(key: str, value: Any) -> Any:
    if key == "params" and value is not None:
        return params_summary(value)
    return _callbacks_compared(value)


def _callbacks_compared(value: Any) -> Any:
    """``value`` with every callback and deadline alert in it replaced by what it does (see
    :func:`maxai.render.callback_source.comparable_callback`)."""
    from maxai.render.callback_source import comparable_callback

    if isinstance(value, list | tuple):
        return [_callbacks_compared(item) for item in value]
    if isinstance(value, dict):
        return {key: _callbacks_compared(item) for key, item in value.items()}
    return comparable_callback(value)


def dag_differences(expected: Any, actual: Any, as_pods: Collection[str] = ()) -> list[str]:
    """What differs between two DAGs, in words; empty when they are the same.

    The tasks named in ``as_pods`` are run by ``actual`` as pods (maxai.render.airflow_pods): for them, only
    the arguments every operator takes are compared, with the edges."""
    differences = []
    for field in attrs.fields(type(expected)):
        if not field.init or field.name in _DAG_IGNORED:
            continue
        left, right = (_comparable(field.name, getattr(dag, field.name)) for dag in (expected, actual))
        if left != right:
            differences.append(f"DAG {field.name}: {left!r} != {right!r}")
    if str(expected.timezone) != str(actual.timezone):
        differences.append(f"DAG timezone: {expected.timezone} != {actual.timezone}")
    if set(expected.task_dict) != set(actual.task_dict):
        differences.append(f"tasks: {sorted(expected.task_dict)} != {sorted(actual.task_dict)}")
        return differences
    for task_id, task in expected.task_dict.items():
        other = actual.task_dict[task_id]
        kinds = [getattr(each, "operator_class", type(each)) for each in (task, other)]
        left, right = operator_arguments(task), operator_arguments(other)
        if task_id in as_pods:
            kinds[0] = _pod_operator()
            # do_xcom_push: whether the pod hands values on, the operator's own decision
            left, right = (
                {k: v for k, v in base_operator_arguments(a).items() if k != "do_xcom_push"} for a in (left, right)
            )
        if kinds[0] is not kinds[1] or task.is_mapped != other.is_mapped:
            differences.append(f"task {task_id}: {kinds[0].__name__} != {kinds[1].__name__}")
        for key in sorted(set(left) | set(right)):
            if _comparable(key, left.get(key)) != _comparable(key, right.get(key)):
                differences.append(f"task {task_id} argument {key}: {left.get(key)!r} != {right.get(key)!r}")
        if task.upstream_task_ids != other.upstream_task_ids:
            differences.append(
                f"task {task_id} upstream: {sorted(task.upstream_task_ids)} != {sorted(other.upstream_task_ids)}"
            )
    return differences
