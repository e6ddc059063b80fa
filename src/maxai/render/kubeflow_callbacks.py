"""The objective's run callbacks on Kubeflow Pipelines: an exit handler, in the IR kfp's compiler writes for
``dsl.ExitHandler`` (kubeflow/pipelines ``sdk/python/kfp/compiler/pipeline_spec_builder.py``,
``build_exit_handler_groups_recursively`` and ``build_task_spec_for_exit_task``).

The root DAG's tasks move into the component of a group task, ``exit-handler-1``, which gets the pipeline's inputs
as ``pipelinechannel--<name>``; the exit task ``maxai-on-exit`` depends on the group with
``triggerPolicy.strategy: ALL_UPSTREAM_TASKS_COMPLETED`` (it runs however the group ended) and takes the group's
``TASK_FINAL_STATUS``, whose ``state`` (COMPLETE, FAILED, CANCELED...: ``backend/src/v2/driver/resolve.go``)
tells ``python -m maxai.runtime.callback`` which callbacks to call. A deadline alert is checked there too, once the
run ended (``--late-deadlines``): a Kubeflow run has no task that waits beside the others and stops when they end. Kubeflow names no failed task there: the
context's ``failed_tasks`` is empty. ``queued_at`` is the run's creation time, ``logical_date`` the schedule time of
a recurring run's run given no ``date`` (the ``run_type`` input says ``scheduled``).
"""

from __future__ import annotations

import json
from typing import Any

from kfp.pipeline_spec import pipeline_spec_pb2 as ir

from maxai.config.objective import ObjectiveConfig
from maxai.render.callback_steps import (
    CALLBACK_COMMAND,
    callback_image,
    first_callback_place,
    note_notifiers,
    run_arguments,
    run_callbacks,
)
from maxai.render.environment import RUN_TYPE_PARAM
from maxai.render.findings import Findings
from maxai.render.places import Places
from maxai.runtime.context import DATE_PARAM

GROUP = "exit-handler-1"
"""kfp's name for a pipeline's first ``dsl.ExitHandler`` group."""
EXIT_TASK = "maxai-on-exit"
CHANNEL = "pipelinechannel--"
STATUS_INPUT = "status"
_RUN_INPUTS = {  # the exit task's inputs from Kubeflow's placeholders (backend/src/v2/driver/resolve.go)
    "run_id": "{{$.pipeline_job_uuid}}",
    "create_time": "{{$.pipeline_job_create_time_utc}}",
    "schedule_time": "{{$.pipeline_job_schedule_time_utc}}",
}
_PIPELINE_INPUTS = (DATE_PARAM, RUN_TYPE_PARAM)


def exit_handler_names(config: ObjectiveConfig) -> dict[str, str]:
    """The tasks this module adds to the root DAG, for the objective's tasks not to take their names."""
    if not run_callbacks(config):
        return {}
    return {GROUP: "the exit handler's group", EXIT_TASK: "the exit handler's task"}


def _placeholder(name: str) -> str:
    return f"{{{{$.inputs.parameters['{name}']}}}}"


def _group(pipeline: ir.PipelineSpec) -> tuple[ir.PipelineTaskSpec, ir.ComponentSpec]:
    """The root DAG's tasks as the group's component, which takes each pipeline input through a channel."""
    component = ir.ComponentSpec()
    task = ir.PipelineTaskSpec()
    task.task_info.name = GROUP
    task.component_ref.name = f"comp-{GROUP}"
    for name, parameter in pipeline.root.input_definitions.parameters.items():
        component.input_definitions.parameters[CHANNEL + name].parameter_type = parameter.parameter_type
        task.inputs.parameters[CHANNEL + name].component_input_parameter = name
    for name, moved in pipeline.root.dag.tasks.items():
        component.dag.tasks[name].CopyFrom(moved)
        for parameter in component.dag.tasks[name].inputs.parameters.values():
            if parameter.component_input_parameter:
                parameter.component_input_parameter = CHANNEL + parameter.component_input_parameter
    return task, component


def _exit_task() -> tuple[ir.PipelineTaskSpec, ir.ComponentSpec]:
    component = ir.ComponentSpec(executor_label=f"exec-{EXIT_TASK}")
    status = component.input_definitions.parameters[STATUS_INPUT]
    status.parameter_type = ir.ParameterType.TASK_FINAL_STATUS
    status.is_optional = True
    task = ir.PipelineTaskSpec(dependent_tasks=[GROUP])
    task.task_info.name = EXIT_TASK
    task.component_ref.name = f"comp-{EXIT_TASK}"
    task.trigger_policy.strategy = ir.PipelineTaskSpec.TriggerPolicy.TriggerStrategy.ALL_UPSTREAM_TASKS_COMPLETED
    task.caching_options.enable_cache = False
    task.inputs.parameters[STATUS_INPUT].task_final_status.producer_task = GROUP
    for name in _PIPELINE_INPUTS:
        component.input_definitions.parameters[name].parameter_type = ir.ParameterType.STRING
        task.inputs.parameters[name].component_input_parameter = name
    for name, placeholder in _RUN_INPUTS.items():
        component.input_definitions.parameters[name].parameter_type = ir.ParameterType.STRING
        task.inputs.parameters[name].runtime_value.constant.string_value = placeholder
    return task, component


def add_exit_handler(
    pipeline: ir.PipelineSpec,
    executors: dict[str, Any],
    config: ObjectiveConfig,
    image_option: str | None,
    places: Places,
    findings: Findings,
) -> None:
    """Wrap the root DAG in the exit handler when the objective has run callbacks or deadline alerts (a Kubeflow run
    cannot call back while it goes on: the exit handler checks each deadline once the run ended, noted by the
    rules)."""
    callbacks = run_callbacks(config)
    if not callbacks:
        return
    note_notifiers(callbacks, "Kubeflow Pipelines", places, findings)
    image = callback_image(config, image_option, first_callback_place(callbacks, [], places), findings)
    if image is None:
        return
    group_task, group_component = _group(pipeline)
    exit_task, exit_component = _exit_task()
    pipeline.root.dag.ClearField("tasks")
    pipeline.root.dag.tasks[GROUP].CopyFrom(group_task)
    pipeline.root.dag.tasks[EXIT_TASK].CopyFrom(exit_task)
    pipeline.components[f"comp-{GROUP}"].CopyFrom(group_component)
    pipeline.components[f"comp-{EXIT_TASK}"].CopyFrom(exit_component)
    run = {
        "--run-id": _placeholder("run_id"),
        "--run-type": _placeholder(RUN_TYPE_PARAM),
        # the schedule time is a recurring run's, else the run's creation (backend/src/v2/cmd/driver/main.go): a
        # logical date only for a scheduled run given no date, which the entry point decides
        "--queued-at": _placeholder("create_time"),
        "--logical-date": _placeholder("schedule_time"),
        "--date-param": _placeholder(DATE_PARAM),
    }
    arguments = [*run_arguments("kubeflow", config.dag_id, run), "--task-final-status", _placeholder(STATUS_INPUT)]
    arguments += ["--on-success", json.dumps(callbacks.on_success, ensure_ascii=False)]
    arguments += ["--on-failure", json.dumps(callbacks.on_failure, ensure_ascii=False)]
    if callbacks.deadlines:
        late = [
            {"reference": alert.reference, "interval": alert.interval, "callback": alert.callback}
            for alert in callbacks.deadlines
        ]
        arguments += ["--late-deadlines", json.dumps(late, ensure_ascii=False)]
    executors[f"exec-{EXIT_TASK}"] = {"container": {"image": image, "command": CALLBACK_COMMAND, "args": arguments}}
