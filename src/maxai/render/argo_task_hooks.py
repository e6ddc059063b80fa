"""A task's ``on_success_callback`` and ``on_failure_callback`` on Argo Workflows: lifecycle hooks of its DAG step.

Argo evaluates a DAG task's hooks whenever it looks at the task while it runs or once it is fulfilled, with
``tasks.<name>.status`` set to the node's phase, and runs a hook's template once its expression holds; the task is
not complete until its hooks are (argo-workflows ``workflow/controller/dag.go`` ``executeDAGTask``,
``workflow/controller/hooks.go`` ``executeTmplLifeCycleHook``). A task with retries is a retry node, Failed only
when no try is left: as Airflow's on_failure_callback, called when the task fails for good. A ``for_each`` task is
a group whose values Airflow calls back one by one, which one hook cannot do: refused.
"""

from __future__ import annotations

import json

from hera.workflows import models as argo

from maxai.render.callback_steps import TaskCallback
from maxai.render.findings import Findings

TASK_CALLBACK_TEMPLATE = "maxai-task-callback"
HOOK_ARGUMENTS = [
    *("--callbacks", "{{inputs.parameters.callbacks}}", "--task-id", "{{inputs.parameters.task}}"),
    *("--task-state", "{{inputs.parameters.state}}"),
]
"""The task callback template's own arguments to the entry point, from its input parameters."""
HOOK_INPUTS = ("callbacks", "task", "state")
_STATES = {  # the hook's name and the entry point's --task-state, by callback
    "on_success_callback": ("maxai-on-success", "success"),
    "on_failure_callback": ("maxai-on-failure", "failed"),
}


def _expression(name: str, key: str) -> str:
    status = f'tasks["{name}"].status'
    if key == "on_success_callback":
        return f'{status} == "Succeeded"'
    return f'{status} == "Failed" || {status} == "Error"'


def add_task_hooks(
    dag_tasks: list[argo.DAGTask],
    hooked: list[TaskCallback],
    names: dict[str, str],
    findings: Findings,
) -> bool:
    """Give each task with callbacks its hooks (``names``: config name -> the task's DAG step); whether any was
    added, so that the caller adds the template they run, :data:`TASK_CALLBACK_TEMPLATE`."""
    steps = {task.name: task for task in dag_tasks}
    added = False
    for callback in hooked:
        if callback.task.params.for_each:
            findings.refuse(
                callback.place(
                    "not rendered for Argo Workflows: a for_each task runs once per value and Airflow calls its "
                    "callback for each, where one lifecycle hook of its step runs once for them all"
                )
            )
            continue
        step = steps.get(names[callback.task.name])
        if step is None:
            continue  # a task refused for another reason
        hook_name, state = _STATES[callback.key]
        parameters = {"callbacks": json.dumps(callback.callbacks, ensure_ascii=False), "task": callback.task.name}
        parameters["state"] = state
        step.hooks = {
            **(step.hooks or {}),
            hook_name: argo.LifecycleHook(
                expression=_expression(step.name, callback.key),
                template=TASK_CALLBACK_TEMPLATE,
                arguments=argo.Arguments(
                    parameters=[argo.Parameter(name=key, value=value) for key, value in parameters.items()]
                ),
            ),
        }
        added = True
    return added
