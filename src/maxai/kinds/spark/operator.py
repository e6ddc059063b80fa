"""The SparkSubmitOperator of a ``spark`` task."""

from __future__ import annotations

from typing import Any

from maxai.config.objective import ResolvedTask
from maxai.factory.build import OperatorRequest
from maxai.factory.operators import spark_arguments


def build(request: OperatorRequest) -> Any:
    from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

    return request.create(SparkSubmitOperator, spark_arguments(request.config, request.task))


def integrity_problems(operator: Any, task: ResolvedTask) -> list[str]:
    from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

    if not isinstance(operator, SparkSubmitOperator):
        return [f"{task.name}: is {type(operator).__name__}, expected SparkSubmitOperator"]
    problems: list[str] = []
    if operator.conf != task.arguments.get("conf", {}):
        problems.append(f"{task.name}: Spark conf {operator.conf} differs from the config {task.arguments.get('conf')}")
    if operator.application != task.arguments["application"]:
        problems.append(
            f"{task.name}: application {operator.application!r}, expected {task.arguments['application']!r}"
        )
    return problems
