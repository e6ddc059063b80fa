"""``maxai render argo``: an objective as an Argo Workflow, or as a CronWorkflow when it has a schedule, or as a
WorkflowTemplate and the Argo Events Sensor that submits it when it is scheduled on data assets (``argo_events``).

One template per task and a DAG template with the Airflow DAG's edges. Pod tasks are container templates
(``argo_pods``); Spark tasks create a SparkApplication for the Spark operator and wait for it (``--spark
operator``, the default), or run spark-submit in cluster mode in a container (``--spark submit``).
The run's date is the CronWorkflow's scheduled time (or the Workflow's creation time) unless the run is
given a ``date`` parameter, as the Airflow DAG's ``date`` param does.
"""

from __future__ import annotations

import json
from typing import Any

from hera.workflows import models as argo

from maxai.config.assets import is_asset_schedule
from maxai.config.objective import ObjectiveConfig, ResolvedTask
from maxai.config.schedule import CRON_PRESETS
from maxai.kinds.containers import ContainerStep
from maxai.render.argo_asset_updates import (
    ASSET_UPDATE_IMAGE,
    asset_update_steps,
    awaited_in_repository,
    update_step_names,
)
from maxai.render.argo_callbacks import add_run_callbacks, callback_template_names
from maxai.render.argo_events import sensor_document
from maxai.render.argo_pods import container_step_template, pod_template, retry_strategy, timeout
from maxai.render.container_steps import container_steps, is_container_kind
from maxai.render.coverage import TARGET_LABELS, SparkMode, check_coverage
from maxai.render.deployment import without_environment_connections
from maxai.render.describe import description, header, maxai_labels, tags, utc_timestamp
from maxai.render.environment import (
    ASSET_TRIGGERED,
    DATE_PARAMETER_HELP,
    FORCE_PARAMETER_HELP,
    RUN_TYPE_HELP,
    RUN_TYPE_PARAM,
    item_json,
    task_variables,
)
from maxai.render.findings import Findings, Rendered
from maxai.render.naming import objective_name, task_names
from maxai.render.places import Places
from maxai.render.run_params import run_params_json, written_params
from maxai.render.spark import in_image, spark_application, spark_image, submit_command
from maxai.render.yaml_text import dump_yaml
from maxai.runtime.context import (
    DATE_PARAM,
    ENV_DATE_SOURCE,
    ENV_ITEM,
    ENV_RUN_DATE,
    ENV_RUN_ID,
    ENV_RUN_PARAMS,
    ENV_RUN_TIME,
    ENV_RUN_TYPE,
    FORCE_ENV,
    FORCE_PARAM,
    run_date_zone,
)

API_VERSION = "argoproj.io/v1alpha1"
DAG_TEMPLATE = "main"
GO_RFC3339 = "2006-01-02T15:04:05Z07:00"
"""Go's layout of the times Argo gives (``workflow.scheduledTime``, ``workflow.creationTimestamp``)."""
CRON_NAME_LIMIT = 52
"""Argo refuses longer CronWorkflow names: it appends the scheduled time to name each run."""
SPARK_SUCCESS = "status.applicationState.state == COMPLETED"
SPARK_FAILURE = "status.applicationState.state in (FAILED, SUBMISSION_FAILED)"
OUTPUTS_DIR = "/tmp/maxai/outputs"
"""Where a container step writes the values later steps take (Argo reads them as output parameters)."""


def run_values(scheduled: bool, zone: str | None = None, on_assets: bool = False) -> dict[str, str]:
    """The run-dependent MAXAI_* variables as Argo expressions (evaluated when the workflow runs).

    A CronWorkflow's run processes its scheduled time, a Workflow its creation time (both UTC), unless the
    ``date`` parameter is given; a scheduled run given no ``date`` is ``scheduled``, anything else ``manual``.
    ``on_assets``: the run type is the ``run_type`` parameter, which the Sensor sets to ``asset_triggered`` (its
    date, the event's, is then an ``asset event``'s, as on Airflow).
    With ``zone`` (an objective partitioned by day in a time zone) the date of that time is taken in the zone,
    as on Airflow (Argo's controller formats the scheduled time in its own zone, UTC); a ``date`` as it is.
    """
    date = f"workflow.parameters['{DATE_PARAM}']"
    moment = "workflow.scheduledTime" if scheduled else "workflow.creationTimestamp"
    chosen = f"{date} != '' ? {date} : {moment}"
    own_time = "schedule time" if scheduled else "creation time"
    run_date = f"sprig.substr(0, 10, {chosen})"
    if zone is not None:
        in_zone = f"sprig.dateInZone('2006-01-02', sprig.toDate('{GO_RFC3339}', {moment}), '{zone}')"
        run_date = f"{date} != '' ? sprig.substr(0, 10, {date}) : {in_zone}"
    source = f"{date} != '' ? 'date param' : '{own_time}'"
    run_type = f"{{{{={date} != '' ? 'manual' : 'scheduled'}}}}" if scheduled else "manual"
    if on_assets:
        given = f"workflow.parameters['{RUN_TYPE_PARAM}']"
        source = f"{given} == '{ASSET_TRIGGERED}' ? 'asset event' : ({source})"
        run_type = f"{{{{workflow.parameters.{RUN_TYPE_PARAM}}}}}"
    return {
        ENV_RUN_TIME: f"{{{{={chosen}}}}}",
        ENV_RUN_DATE: f"{{{{={run_date}}}}}",
        ENV_DATE_SOURCE: f"{{{{={source}}}}}",
        ENV_RUN_ID: "{{workflow.name}}",
        ENV_RUN_TYPE: run_type,
        FORCE_ENV: f"{{{{=workflow.parameters['{FORCE_PARAM}'] == 'true' ? '1' : ''}}}}",
    }


def _parameters(config: ObjectiveConfig) -> argo.Arguments:
    """``date`` and ``force``, then the objective's own params (numbers: their text is their JSON)."""
    help_text = {DATE_PARAM: DATE_PARAMETER_HELP, FORCE_PARAM: FORCE_PARAMETER_HELP}
    parameters = [
        argo.Parameter(name=DATE_PARAM, value="", description=help_text[DATE_PARAM]),
        argo.Parameter(name=FORCE_PARAM, value="false", enum=["false", "true"], description=help_text[FORCE_PARAM]),
    ]
    if is_asset_schedule(config.dag.schedule):
        parameters.append(
            argo.Parameter(
                name=RUN_TYPE_PARAM, value="manual", enum=["manual", ASSET_TRIGGERED], description=RUN_TYPE_HELP
            )
        )
    for name, written in written_params(config).items():
        parameters.append(
            argo.Parameter(
                name=name,
                value=json.dumps(written["default"]) if "default" in written else None,
                enum=[json.dumps(value) for value in written["enum"]] if "enum" in written else None,
                description=written.get("description") or written.get("title"),
            )
        )
    return argo.Arguments(parameters=parameters)


def _run_params_variable(config: ObjectiveConfig) -> dict[str, str]:
    text = run_params_json(config, lambda name: f"{{{{workflow.parameters.{name}}}}}")
    return {ENV_RUN_PARAMS: text} if text is not None else {}


def _spark_template(
    config: ObjectiveConfig,
    task: ResolvedTask,
    name: str,
    env: dict[str, str],
    places: Places,
    findings: Findings,
    spark: SparkMode,
) -> argo.Template:
    arguments = in_image(config, task, places, findings)
    image = spark_image(task, places, findings)
    if spark == "submit":
        container = argo.Container(
            image=image,
            command=submit_command(arguments, env),
            env=[argo.EnvVar(name=key, value=value) for key, value in env.items()],  # a client-mode driver's own
        )
        return argo.Template(name=name, container=container, metadata=argo.Metadata(labels=maxai_labels(config)))
    application = spark_application(task, arguments, env, maxai_labels(config), places, findings)
    return argo.Template(
        name=name,
        resource=argo.ResourceTemplate(
            action="create",
            set_owner_reference=True,
            # JSON, not YAML: Argo evaluates the {{=...}} expressions in the text before parsing it, and YAML
            # would have doubled their quotes
            manifest=json.dumps(application, indent=2, ensure_ascii=False),
            success_condition=SPARK_SUCCESS,
            failure_condition=SPARK_FAILURE,
        ),
    )


def _namespace(config: ObjectiveConfig, places: Places, findings: Findings) -> str | None:
    """The pod tasks' namespace, which is the workflow's: every pod of a workflow runs in its namespace."""
    owners: dict[str, ResolvedTask] = {}
    for task in config.tasks:
        namespace = task.arguments.get("namespace") if task.kind == "kubepod" else None
        if namespace and namespace not in owners:
            if owners:
                first_namespace, first = next(iter(owners.items()))
                findings.refuse(
                    places.task(
                        task,
                        ("namespace",),
                        f"Argo runs every pod of a workflow in the workflow's namespace, but task {first.name!r} "
                        f"uses {first_namespace!r} and {task.name!r} uses {namespace!r}",
                    )
                )
            owners[namespace] = task
    return next(iter(owners), None)


def _when(config: ObjectiveConfig) -> str | None:
    """The CronWorkflow's condition for start_date and end_date (Airflow schedules nothing outside them)."""
    conditions = [f"now() >= date('{utc_timestamp(config.dag.start_date)}')"]
    if config.dag.end_date is not None:
        conditions.append(f"now() <= date('{utc_timestamp(config.dag.end_date)}')")
    return "{{= " + " && ".join(conditions) + " }}"


def _item_variable(task: ResolvedTask) -> dict[str, str]:
    """A ``for_each`` task's ``MAXAI_ITEM``, with the value its step of ``withItems`` is given."""
    text = item_json(task, lambda key: f"{{{{inputs.parameters.{key}}}}}")
    return {ENV_ITEM: text} if text is not None else {}


def _dag_task(task: ResolvedTask, names: dict[str, str], container: ContainerStep | None) -> argo.DAGTask:
    """The task's step in the DAG template: one step per value for a ``for_each`` task (``withItems``); a
    container step's inputs are the output parameters of the tasks that produce them."""
    step = argo.DAGTask(
        name=names[task.name],
        template=names[task.name],
        dependencies=[names[upstream] for upstream in task.upstream] or None,
    )
    if task.params.for_each:
        ((key, values),) = task.params.for_each.items()
        step.with_items = [argo.Item(value) for value in values]
        step.arguments = argo.Arguments(parameters=[argo.Parameter(name=key, value="{{item}}")])
    elif container is not None and container.inputs:
        step.arguments = argo.Arguments(
            parameters=[
                argo.Parameter(name=name, value=f"{{{{tasks.{names[value.task]}.outputs.parameters.{value.output}}}}}")
                for name, value in container.inputs.items()
            ]
        )
    return step


def _templates(
    config: ObjectiveConfig, places: Places, findings: Findings, scheduled: bool, spark: SparkMode, update_image: str
) -> list[argo.Template]:
    awaited = awaited_in_repository(config, findings)
    reserved = {
        DAG_TEMPLATE: "the workflow's DAG template",
        **update_step_names(config, awaited),
        **callback_template_names(config),
    }
    names = task_names(config, places, findings, reserved)
    run = run_values(
        scheduled, run_date_zone(config.dag.partition, config.dag.timezone), is_asset_schedule(config.dag.schedule)
    )
    containers = container_steps(
        config,
        places,
        findings,
        TARGET_LABELS["argo"],
        lambda name: f"{{{{inputs.parameters.{name}}}}}",
        lambda name: f"{OUTPUTS_DIR}/{name}",
    )
    update_steps, update_templates = asset_update_steps(
        config, awaited, names, run, maxai_labels(config), places, findings, update_image
    )
    dag_tasks = [_dag_task(task, names, containers.get(task.name)) for task in config.tasks]
    templates = [argo.Template(name=DAG_TEMPLATE, dag=argo.DAGTemplate(tasks=dag_tasks + update_steps))]
    for task in config.tasks:
        env = {**task_variables(config, task, run), **_run_params_variable(config), **_item_variable(task)}
        if task.kind == "spark":
            template = _spark_template(config, task, names[task.name], env, places, findings, spark)
        elif is_container_kind(task.kind):
            if task.name not in containers:
                continue  # refused: the findings say why
            template = container_step_template(containers[task.name], names[task.name], env, maxai_labels(config))
        else:
            template = pod_template(task, names[task.name], env, maxai_labels(config), places, findings)
        if task.params.for_each:
            template.inputs = argo.Inputs(parameters=[argo.Parameter(name=key) for key in task.params.for_each])
        template.retry_strategy = retry_strategy(config, task)
        template.timeout = timeout(config, task)
        templates.append(template)
    return templates + update_templates


def _annotations(config: ObjectiveConfig) -> dict[str, str]:
    return {
        "workflows.argoproj.io/title": config.dag_id,
        "workflows.argoproj.io/description": description(config, with_owner_and_tags=False),
        "maxai/owner": config.dag.default_args.owner,
        "maxai/tags": ",".join(tags(config)),
    }


def _image_pull_secrets(config: ObjectiveConfig) -> list[argo.LocalObjectReference] | None:
    names = [
        secret["name"]
        for task in config.tasks
        for secret in task.arguments.get("image_pull_secrets") or []
        if task.kind == "kubepod" and secret.get("name")
    ]
    return [argo.LocalObjectReference(name=name) for name in dict.fromkeys(names)] or None


def argo_documents(
    config: ObjectiveConfig,
    *,
    strict: bool = False,
    spark: SparkMode = "operator",
    update_image: str = ASSET_UPDATE_IMAGE,
    callback_image: str | None = None,
) -> tuple[list[dict[str, Any]], Findings]:
    """The Workflow or CronWorkflow, or the WorkflowTemplate and its Sensor, as dicts, with the notes; a
    ConfigError for what Argo cannot express. ``update_image`` runs the steps announcing awaited outputs,
    ``callback_image`` the callbacks (default: the image of the pod tasks)."""
    places, findings = Places(config), Findings(strict=strict)
    config = without_environment_connections(config, places)
    check_coverage(config, "argo", places, findings, spark)
    settings = config.dag
    on_assets = is_asset_schedule(config.dag.schedule)
    scheduled = not on_assets and settings.schedule not in (None, "@once")
    name = objective_name(config, CRON_NAME_LIMIT if scheduled else 57)
    spec = argo.WorkflowSpec(
        entrypoint=DAG_TEMPLATE,
        arguments=_parameters(config),
        templates=_templates(config, places, findings, scheduled, spark, update_image),
        parallelism=settings.max_active_tasks,
        active_deadline_seconds=settings.dagrun_timeout,
        synchronization=argo.Synchronization(mutexes=[argo.Mutex(name=name)])
        if settings.max_active_runs == 1
        else None,
        image_pull_secrets=_image_pull_secrets(config),
    )
    add_run_callbacks(spec, config, DAG_TEMPLATE, scheduled, callback_image, places, findings)
    namespace = _namespace(config, places, findings)
    labels, annotations = maxai_labels(config), _annotations(config)
    sensor_metadata = {"labels": dict(labels), **({"namespace": namespace} if namespace else {})}
    sensor = sensor_document(config, name, sensor_metadata, places, findings) if on_assets else None
    findings.raise_if_any()
    document: argo.Workflow | argo.CronWorkflow | argo.WorkflowTemplate
    if sensor is not None:
        metadata = argo.ObjectMeta(name=name, namespace=namespace, labels=labels, annotations=annotations)
        template = argo.WorkflowTemplate(api_version=API_VERSION, kind="WorkflowTemplate", metadata=metadata, spec=spec)
        return [template.model_dump(by_alias=True, exclude_none=True, mode="json"), sensor], findings
    if scheduled:
        assert isinstance(settings.schedule, str)
        document = argo.CronWorkflow(
            api_version=API_VERSION,
            kind="CronWorkflow",
            metadata=argo.ObjectMeta(name=name, namespace=namespace, labels=labels, annotations=annotations),
            spec=argo.CronWorkflowSpec(
                schedules=[CRON_PRESETS.get(settings.schedule, settings.schedule)],
                timezone=settings.timezone,
                when=_when(config),
                workflow_metadata=argo.ObjectMeta(labels=labels, annotations=annotations),
                workflow_spec=spec,
            ),
        )
    else:
        document = argo.Workflow(
            api_version=API_VERSION,
            kind="Workflow",
            metadata=argo.ObjectMeta(
                generate_name=f"{name}-", namespace=namespace, labels=labels, annotations=annotations
            ),
            spec=spec,
        )
    return [document.model_dump(by_alias=True, exclude_none=True, mode="json")], findings


def argo_document(
    config: ObjectiveConfig, *, strict: bool = False, spark: SparkMode = "operator"
) -> tuple[dict[str, Any], Findings]:
    """The Workflow, CronWorkflow or WorkflowTemplate as a dict (without an asset schedule's Sensor)."""
    documents, findings = argo_documents(config, strict=strict, spark=spark)
    return documents[0], findings


def render_argo(
    config: ObjectiveConfig,
    *,
    strict: bool = False,
    spark: SparkMode = "operator",
    update_image: str = ASSET_UPDATE_IMAGE,
    callback_image: str | None = None,
) -> Rendered:
    documents, findings = argo_documents(
        config, strict=strict, spark=spark, update_image=update_image, callback_image=callback_image
    )
    command = "maxai render argo" + (" --spark submit" if spark == "submit" else "")
    kinds = " and Argo Events ".join(document["kind"] for document in documents)
    text = header(f"Argo {kinds}", config, command, findings.notes)
    text += dump_yaml(documents)
    return Rendered(text, tuple(findings.notes))
