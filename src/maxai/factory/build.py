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
    lineage: dict[str, Any]
    """``outlets``, ``inlets`` (Airflow Assets) and the ``pre_execute`` hook: :meth:`create` passes them on."""
    pods: PodMode = "kubernetes"

    def env_vars(self) -> dict[str, str]:
        """The task's own ``env_vars`` argument with the MAXAI_* variables its handlers read."""
        from maxai.factory.operators import task_env_vars

        return task_env_vars(self.config, self.task)

    def create(self, operator_class: Any, arguments: dict[str, Any]) -> Any:
        """The task's operator, built from the kind's ``arguments`` plus what every kind's operator gets here:

        - its data lineage: ``outlets`` (the task's outputs, each update tagged by the ``pre_execute`` hook
          with the date the run processed) and ``inlets``;
        - BaseOperator's settings among the task's config arguments as Airflow takes them: ``retry_delay``
          and ``execution_timeout`` as timedelta, ``on_*_callback`` as callables (see maxai.factory.callbacks);
        - for a ``for_each`` task, one mapped operator: a run per value, each with its own ``MAXAI_ITEM`` in
          ``env_vars`` (the only argument that differs, so the mapping shows one expanded argument);
          ``arguments`` must then hold ``env_vars``.
        """
        from maxai.factory.operators import base_operator_arguments

        task = self.task
        arguments = {**arguments, **base_operator_arguments(self.config, task.arguments), **self.lineage}
        for_each = task.params.for_each
        if not for_each:
            return operator_class(task_id=task.name, dag=self.dag, **arguments)
        ((key, values),) = for_each.items()
        env_vars = arguments.pop("env_vars")
        per_value = [{**env_vars, ENV_ITEM: json.dumps({key: value})} for value in values]
        return operator_class.partial(task_id=task.name, dag=self.dag, **arguments).expand(env_vars=per_value)
