"""What a task kind's operator builder gets, and the one way every kind creates its operator."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from maxai.config.objective import ObjectiveConfig, ResolvedTask
from maxai.runtime.context import ENV_ITEM

if TYPE_CHECKING:
    from airflow.sdk import DAG

PodMode = Literal["kubernetes", "local", "skip"]
"""How pod tasks run: on Kubernetes, as local processes (``maxai run --local-pods``), or skipped."""


@dataclass(frozen=True)
class OperatorRequest:
    """One task to build: its objective, the DAG it joins, its data lineage, and how pods run here."""

    config: ObjectiveConfig
    task: ResolvedTask
    dag: DAG
    lineage: dict[str, list[Any]]
    """``inlets``/``outlets`` (Airflow Assets) to pass to the operator."""
    pods: PodMode = "kubernetes"

    def env_vars(self) -> dict[str, str]:
        """The task's own ``env_vars`` argument with the MAXAI_* variables its handlers read."""
        from maxai.factory.operators import task_env_vars

        return task_env_vars(self.config, self.task)

    def create(self, operator_class: Any, arguments: dict[str, Any]) -> Any:
        """The operator, or for a ``for_each`` task one mapped operator: a run per value, each with its own
        ``MAXAI_ITEM`` in ``env_vars`` (the only argument that differs, so the mapping shows one expanded
        argument). ``arguments`` must hold ``env_vars`` for a ``for_each`` task."""
        task = self.task
        for_each = task.params.for_each
        if not for_each:
            return operator_class(task_id=task.name, dag=self.dag, **arguments)
        ((key, values),) = for_each.items()
        arguments = dict(arguments)
        env_vars = arguments.pop("env_vars")
        per_value = [{**env_vars, ENV_ITEM: json.dumps({key: value})} for value in values]
        return operator_class.partial(task_id=task.name, dag=self.dag, **arguments).expand(env_vars=per_value)
