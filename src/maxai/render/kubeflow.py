"""``maxai render kubeflow``: an objective as a Kubeflow Pipelines pipeline (the IR, ``PipelineSpec`` YAML), built with
the IR's own protobuf messages (``kfp-pipeline-spec``; ``kfp`` itself cannot share an environment with Airflow's
Kubernetes provider). Pod settings kfp-kubernetes would write go into a second YAML document, the platform spec.

Every container starts with a short POSIX ``sh`` wrapper (kubeflow_wrapper) that sets the MAXAI_* run variables
from Kubeflow's placeholders; the image needs ``sh``.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2 as ir

from maxai import __version__
from maxai.config.assets import is_asset_schedule
from maxai.config.objective import ObjectiveConfig, ResolvedTask
from maxai.config.schedule import CRON_PRESETS
from maxai.kinds.containers import ContainerStep
from maxai.render.argo_asset_updates import ASSET_UPDATE_IMAGE, awaited_in_repository, update_step_names
from maxai.render.container_steps import container_steps, is_container_kind
from maxai.render.coverage import TARGET_LABELS, check_coverage
from maxai.render.deployment import without_environment_connections
from maxai.render.describe import description, header, maxai_labels, utc_timestamp
from maxai.render.environment import (
    ASSET_TRIGGERED,
    DATE_PARAMETER_HELP,
    FORCE_PARAMETER_HELP,
    RUN_TYPE_PARAM,
    item_json,
    task_variables,
)
from maxai.render.findings import Findings, Rendered
from maxai.render.kubeflow_asset_updates import kubeflow_update_tasks
from maxai.render.kubeflow_callbacks import add_exit_handler, exit_handler_names
from maxai.render.kubeflow_env_from import pod_wrapper_end
from maxai.render.kubeflow_events import DEFAULT_API, KubeflowApi, kubeflow_sensor
from maxai.render.kubeflow_platform import KubeflowPod
from maxai.render.kubeflow_service_account import named_service_account, run_service_account
from maxai.render.kubeflow_steps import declare_parameters, input_placeholder, output_file, platform_config, wire_inputs
from maxai.render.kubeflow_wrapper import (
    EXPORTED_RUN_VARIABLES,
    RUN_ID_INPUT,
    RUNTIME_INPUTS,
    SCHEDULE_TIME_INPUT,
    WRAPPER_INPUTS,
    run_variables_script,
    wrapper_script,
)
from maxai.render.naming import kubernetes_name, objective_name, task_names
from maxai.render.places import Places
from maxai.render.run_params import run_params_json, written_params
from maxai.render.spark import in_image, spark_image, submit_command
from maxai.render.yaml_text import dump_yaml
from maxai.runtime.context import (
    DATE_PARAM,
    ENV_ITEM,
    ENV_RUN_PARAMS,
    FORCE_PARAM,
    run_date_zone,
)

SCHEMA_VERSION = "2.1.0"
LOOP_ITEM_INPUT = "pipelinechannel--loop-item"
"""The input through which Kubeflow's ParallelFor hands each value to the loop's component."""


def _placeholder(name: str) -> str:
    return f"{{{{$.inputs.parameters['{name}']}}}}"


def _parameter(kind: Any, default: Any = None, help_text: str = "") -> ir.ComponentInputsSpec.ParameterSpec:
    spec = ir.ComponentInputsSpec.ParameterSpec(parameter_type=kind)
    if default is not None:
        spec.default_value.CopyFrom(json_format.ParseDict(default, spec.default_value))
        spec.is_optional = True
    if help_text:
        spec.description = help_text
    return spec


def _pipeline_inputs(config: ObjectiveConfig) -> dict[str, Any]:
    """The pipeline's inputs every task gets, by type: the run's, then the objective's params."""
    types = ir.ParameterType
    inputs = {DATE_PARAM: types.STRING, FORCE_PARAM: types.BOOLEAN, RUN_TYPE_PARAM: types.STRING}
    for name, written in written_params(config).items():
        inputs[name] = types.NUMBER_INTEGER if written.get("type") == "integer" else types.NUMBER_DOUBLE
    return inputs


def _root_inputs(config: ObjectiveConfig) -> ir.ComponentInputsSpec:
    types = ir.ParameterType
    inputs = ir.ComponentInputsSpec()
    inputs.parameters[DATE_PARAM].CopyFrom(_parameter(types.STRING, "", DATE_PARAMETER_HELP))
    inputs.parameters[FORCE_PARAM].CopyFrom(_parameter(types.BOOLEAN, False, FORCE_PARAMETER_HELP))
    inputs.parameters[RUN_TYPE_PARAM].CopyFrom(
        _parameter(
            types.STRING,
            "manual",
            f"manual, scheduled for the runs of a recurring run, or {ASSET_TRIGGERED} for those the Sensor of an "
            "objective scheduled on assets creates",
        )
    )
    kinds = _pipeline_inputs(config)
    for name, written in written_params(config).items():
        help_text = written.get("description") or written.get("title") or ""
        inputs.parameters[name].CopyFrom(_parameter(kinds[name], written.get("default"), help_text))
    return inputs


def _item_type(task: ResolvedTask) -> Any:
    """A ``for_each`` task's value type: integers, or names (STRING)."""
    values = next(iter((task.params.for_each or {}).values()), [])
    return ir.ParameterType.NUMBER_INTEGER if all(isinstance(v, int) for v in values) else ir.ParameterType.STRING


def _component(config: ObjectiveConfig, label: str, task: ResolvedTask, step: ContainerStep | None) -> ir.ComponentSpec:
    component = ir.ComponentSpec(executor_label=label)
    if step is not None:
        declare_parameters(component, step)
    kinds = {
        **_pipeline_inputs(config),
        SCHEDULE_TIME_INPUT: ir.ParameterType.STRING,
        RUN_ID_INPUT: ir.ParameterType.STRING,
    }
    for name, kind in kinds.items():
        component.input_definitions.parameters[name].CopyFrom(_parameter(kind))
    for key in task.params.for_each or {}:
        component.input_definitions.parameters[key].CopyFrom(_parameter(_item_type(task)))
    return component


def loop_name(name: str) -> str:
    """The ParallelFor around a ``for_each`` task: the name other tasks depend on."""
    return f"for-each-{name}"


def _pipeline_task(
    config: ObjectiveConfig,
    task: ResolvedTask,
    names: dict[str, str],
    channel: str = "",
    step: ContainerStep | None = None,
) -> ir.PipelineTaskSpec:
    """The task's spec in a DAG; in a loop's DAG (``channel``: the loop's prefix) its pipeline inputs come from
    the loop's inputs, its value from the loop's item, and its dependencies belong to the loop."""
    name = names[task.name]
    upstream = [] if channel else [_dependency(config, upstream, names) for upstream in task.upstream]
    spec = ir.PipelineTaskSpec(dependent_tasks=upstream)
    spec.task_info.name = name
    spec.component_ref.name = f"comp-{name}"
    spec.caching_options.enable_cache = False  # Airflow never reuses a task's result: handlers decide (skip_if_done)
    for parameter in _pipeline_inputs(config):
        spec.inputs.parameters[parameter].component_input_parameter = channel + parameter
    for key in task.params.for_each or {}:
        spec.inputs.parameters[key].component_input_parameter = LOOP_ITEM_INPUT
    for parameter, placeholder in RUNTIME_INPUTS.items():
        spec.inputs.parameters[parameter].runtime_value.constant.string_value = placeholder
    if step is not None:
        wire_inputs(spec, step, names)
    defaults, arguments = config.dag.default_args, task.arguments
    retries = arguments.get("retries", defaults.retries)
    if retries:
        spec.retry_policy.max_retry_count = retries
        spec.retry_policy.backoff_duration.seconds = arguments.get("retry_delay", defaults.retry_delay)
        exponential = arguments.get("retry_exponential_backoff", defaults.retry_exponential_backoff)
        spec.retry_policy.backoff_factor = 2 if exponential else 1
    return spec


def _dependency(config: ObjectiveConfig, upstream: str, names: dict[str, str]) -> str:
    mapped = any(task.name == upstream and task.params.for_each for task in config.tasks)
    return loop_name(names[upstream]) if mapped else names[upstream]


def _loop(
    config: ObjectiveConfig, task: ResolvedTask, names: dict[str, str]
) -> tuple[ir.PipelineTaskSpec, ir.ComponentSpec]:
    """A ``for_each`` task as Kubeflow's ParallelFor: a loop task in the root DAG iterating over the values
    (``parameterIterator``), and the loop's component, a DAG of the one task, given the pipeline's inputs."""
    ((_, values),) = (task.params.for_each or {}).items()
    loop = loop_name(names[task.name])
    channel = "pipelinechannel--"
    spec = ir.PipelineTaskSpec(dependent_tasks=[_dependency(config, upstream, names) for upstream in task.upstream])
    spec.task_info.name = loop
    spec.component_ref.name = f"comp-{loop}"
    for parameter in _pipeline_inputs(config):
        spec.inputs.parameters[channel + parameter].component_input_parameter = parameter
    spec.parameter_iterator.items.raw = json.dumps(values)
    spec.parameter_iterator.item_input = LOOP_ITEM_INPUT
    component = ir.ComponentSpec()
    component.dag.tasks[names[task.name]].CopyFrom(_pipeline_task(config, task, names, channel))
    for parameter, kind in _pipeline_inputs(config).items():
        component.input_definitions.parameters[channel + parameter].CopyFrom(_parameter(kind))
    component.input_definitions.parameters[LOOP_ITEM_INPUT].CopyFrom(_parameter(_item_type(task)))
    return spec, component


def _item_argument(task: ResolvedTask) -> list[str]:
    """A ``for_each`` task's MAXAI_ITEM as the wrapper's argument, Kubeflow filling in the value."""
    text = item_json(task, _placeholder)
    return [text] if text is not None else []


def _container(
    config: ObjectiveConfig, task: ResolvedTask, places: Places, findings: Findings, step: ContainerStep | None
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The executor's container (as JSON) and, for a pod task or a container step, its Kubernetes platform config."""
    env = task_variables(config, task, None)
    run_params = run_params_json(config, _placeholder)
    inputs = (
        [_placeholder(name) for name in WRAPPER_INPUTS] + _item_argument(task) + ([run_params] if run_params else [])
    )
    extra = ((ENV_ITEM,) if task.params.for_each else ()) + ((ENV_RUN_PARAMS,) if run_params else ())
    zone = run_date_zone(config.dag.partition, config.dag.timezone)
    container: dict[str, Any] = {"env": [{"name": key, "value": value} for key, value in env.items()]}
    if task.kind == "spark":
        arguments = in_image(config, task, places, findings)
        container.update(
            image=spark_image(task, places, findings),
            command=["sh", "-c", wrapper_script(True, extra, zone), "maxai"],
            args=[*inputs, *submit_command(arguments, env)],
        )
        return container, None
    if step is not None:
        container["env"] += [{"name": key, "value": value} for key, value in step.env.items()]
        container.update(
            image=step.image,
            command=["sh", "-c", wrapper_script(False, extra, zone), "maxai"],
            args=[*inputs, *step.command, *step.args],
        )
        return container, platform_config(step, maxai_labels(config))
    pod = KubeflowPod(task, places, findings)
    if not task.arguments.get("cmds"):
        findings.refuse(
            places.task_entry(
                task,
                "conf",
                "not rendered for Kubeflow Pipelines: give cmds (the container's command), which maxai's wrapper "
                "runs after setting the run's variables",
            )
        )
    kubernetes = pod.platform_config(maxai_labels(config))
    pod_end = pod_wrapper_end(task, kubernetes, [*env, *EXPORTED_RUN_VARIABLES, *extra], places, findings)
    container.update(
        image=task.arguments["image"],
        command=["sh", "-c", wrapper_script(False, extra, zone, pod_end), "maxai"],
        args=[*inputs, *task.arguments.get("cmds", []), *task.arguments.get("arguments", [])],
    )
    resources = pod.resources()
    if resources:
        container["resources"] = resources
    return container, kubernetes


def _run_level(config: ObjectiveConfig, key: str, what: str, places: Places, findings: Findings) -> None:
    """Namespace and service account belong to a Kubeflow run, not to its tasks: the pod tasks must agree."""
    pods = [task for task in config.tasks if task.kind == "kubepod"]
    values = {task.arguments.get(key) for task in pods}
    if len(values) > 1:
        first = pods[0]
        other = next(task for task in pods if task.arguments.get(key) != first.arguments.get(key))
        findings.refuse(
            places.task(
                other,
                (key,),
                f"not rendered for Kubeflow Pipelines: every task of a run has the run's {what}, but task "
                f"{first.name!r} has {first.arguments.get(key)!r} and {other.name!r} {other.arguments.get(key)!r}",
            )
        )
    elif values and None not in values:
        findings.note(
            places.task(
                pods[0],
                (key,),
                f"not in the Kubeflow Pipelines output: a run has one {what}; create the runs with {values.pop()!r}",
            )
        )


def _schedule_note(config: ObjectiveConfig, places: Places, findings: Findings) -> None:
    settings = config.dag
    if not isinstance(settings.schedule, str) or settings.schedule == "@continuous":
        return  # none, or refused by the coverage check
    if settings.schedule == "@once":
        advice = "start one run by hand"
    else:
        cron = "0 " + CRON_PRESETS.get(settings.schedule, settings.schedule)
        zone_text = "UTC" if settings.timezone == "UTC" else f"{settings.timezone}: see timezone"
        advice = (
            f"create a recurring run with cron {cron!r} (Kubeflow's cron has seconds first; {zone_text}), "
            f"max_concurrency {settings.max_active_runs}, {'catchup' if settings.catchup else 'no_catchup'}, "
            f"start time {utc_timestamp(settings.start_date)}"
            + (f", end time {utc_timestamp(settings.end_date)}" if settings.end_date else "")
            + f" and parameter {RUN_TYPE_PARAM}=scheduled"
        )
    findings.note(places.dag(("schedule",), f"not in the Kubeflow Pipelines output: schedules live in runs; {advice}"))


def kubeflow_documents(
    config: ObjectiveConfig,
    *,
    strict: bool = False,
    api: KubeflowApi = DEFAULT_API,
    update_image: str = ASSET_UPDATE_IMAGE,
    callback_image: str | None = None,
) -> tuple[list[dict[str, Any]], Findings]:
    """The PipelineSpec (and the platform spec, when a pod task has Kubernetes settings) as JSON, with the notes;
    for an objective scheduled on assets, the Argo Events Sensor creating its runs through ``api`` after them.
    ``update_image`` runs the tasks announcing awaited outputs (kubeflow_asset_updates), ``callback_image`` the
    callbacks (default: the image of the pod tasks)."""
    places, findings = Places(config), Findings(strict=strict)
    config = without_environment_connections(config, places)
    check_coverage(config, "kubeflow", places, findings, "submit")
    awaited = awaited_in_repository(config, findings)
    loops = {loop_name(kubernetes_name(task.name)): f"the loop of task {task.name!r}" for task in config.tasks}
    names = task_names(
        config, places, findings, loops | update_step_names(config, awaited) | exit_handler_names(config)
    )
    steps = container_steps(config, places, findings, TARGET_LABELS["kubeflow"], input_placeholder, output_file)
    pipeline = ir.PipelineSpec(schema_version=SCHEMA_VERSION, sdk_version=f"maxai-{__version__}")
    pipeline.pipeline_info.name = objective_name(config)
    pipeline.pipeline_info.display_name = config.dag_id
    pipeline.pipeline_info.description = description(config, with_owner_and_tags=True)
    pipeline.root.input_definitions.CopyFrom(_root_inputs(config))
    executors: dict[str, Any] = {}
    platform: dict[str, Any] = {}
    for task in config.tasks:
        name, step = names[task.name], steps.get(task.name)
        if is_container_kind(task.kind) and step is None:
            continue  # refused: the findings say why
        if task.params.for_each:
            loop, component = _loop(config, task, names)
            pipeline.root.dag.tasks[loop.task_info.name].CopyFrom(loop)
            pipeline.components[loop.component_ref.name].CopyFrom(component)
        else:
            pipeline.root.dag.tasks[name].CopyFrom(_pipeline_task(config, task, names, step=step))
        pipeline.components[f"comp-{name}"].CopyFrom(_component(config, f"exec-{name}", task, step))
        container, kubernetes = _container(config, task, places, findings, step)
        executors[f"exec-{name}"] = {"container": container}
        if kubernetes:
            platform[f"exec-{name}"] = kubernetes
    zone = run_date_zone(config.dag.partition, config.dag.timezone)
    dependency = functools.partial(_dependency, config, names=names)
    for update in kubeflow_update_tasks(
        config, awaited, names, dependency, run_variables_script(zone), RUNTIME_INPUTS, update_image, places, findings
    ):
        pipeline.root.dag.tasks[update.name].CopyFrom(update.task)
        pipeline.components[update.task.component_ref.name].CopyFrom(update.component)
        executors[update.component.executor_label] = {"container": update.container}
    # last: the exit handler's group takes every task, the update tasks too
    add_exit_handler(pipeline, executors, config, callback_image, places, findings)
    pipeline.deployment_spec.update({"executors": executors})
    _run_level(config, "namespace", "namespace", places, findings)
    run_service_account(config, places, findings)
    _schedule_note(config, places, findings)
    if config.dag.max_active_runs != 1 and config.dag.schedule is None:
        findings.note(
            places.dag(
                ("max_active_runs",), "not in the Kubeflow Pipelines output: runs started by hand are not bounded"
            )
        )
    documents = [json_format.MessageToDict(pipeline)]
    if platform:
        documents.append({"platforms": {"kubernetes": {"deploymentSpec": {"executors": platform}}}})
    if is_asset_schedule(config.dag.schedule):
        account = named_service_account(config)
        name = objective_name(config)
        documents.append(kubeflow_sensor(config, name, documents, api, account, places, findings))
    findings.raise_if_any()
    return documents, findings


def render_kubeflow(
    config: ObjectiveConfig,
    *,
    strict: bool = False,
    api: KubeflowApi = DEFAULT_API,
    update_image: str = ASSET_UPDATE_IMAGE,
    callback_image: str | None = None,
) -> Rendered:
    documents, findings = kubeflow_documents(
        config, strict=strict, api=api, update_image=update_image, callback_image=callback_image
    )
    sensor = " and the Argo Events Sensor creating its runs" if documents[-1].get("kind") == "Sensor" else ""
    text = header(f"Kubeflow Pipelines pipeline (IR YAML){sensor}", config, "maxai render kubeflow", findings.notes)
    text += dump_yaml(documents)
    return Rendered(text, tuple(findings.notes))
