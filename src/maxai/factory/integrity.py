"""Checks that a built DAG is what its configs say, and that its pods are valid Kubernetes objects.

Used by the test suite, the ``maxai.testing`` pytest plugin and ``maxai validate --deep``.
"""

from __future__ import annotations

from typing import Any

from maxai.config.objective import ObjectiveConfig


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


def dag_problems(dag: Any, config: ObjectiveConfig) -> list[str]:
    """Differences between a built DAG and the objective's resolved configs."""
    from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

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
        if task.kind == "spark":
            if not isinstance(operator, SparkSubmitOperator):
                problems.append(f"{task.name}: is {type(operator).__name__}, expected SparkSubmitOperator")
                continue
            if operator.conf != task.arguments.get("conf", {}):
                problems.append(
                    f"{task.name}: Spark conf {operator.conf} differs from the config {task.arguments.get('conf')}"
                )
            if operator.application != task.arguments["application"]:
                problems.append(
                    f"{task.name}: application {operator.application!r}, expected {task.arguments['application']!r}"
                )
        else:
            if not isinstance(operator, KubernetesPodOperator):
                problems.append(f"{task.name}: is {type(operator).__name__}, expected KubernetesPodOperator")
                continue
            if operator.image != task.arguments["image"]:
                problems.append(f"{task.name}: image {operator.image!r}, expected {task.arguments['image']!r}")
            problems.extend(f"{task.name}: pod {problem}" for problem in pod_problems(pod_manifest(operator)))
    return problems
