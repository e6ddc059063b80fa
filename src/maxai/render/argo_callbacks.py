"""The objective's run callbacks and deadline alerts on Argo Workflows.

- ``on_success_callback`` and ``on_failure_callback``: the workflow's exit handler (``spec.onExit``), a steps
  template whose steps test ``{{workflow.status}}`` (``Succeeded``, ``Failed`` or ``Error`` once the DAG ended)
  and call back with ``{{workflow.failures}}``, the failed nodes (both are set only for the exit handler:
  argo-workflows ``util/variables/keys/globals.go``, ``workflow/controller/operator.go``).
- each deadline alert: a ``daemon: true`` DAG task without dependencies, started with the run, that sleeps until
  its deadline and calls back, then sleeps on. A daemoned node counts as fulfilled while it runs, so the DAG does
  not wait for it; when the DAG ends, Argo terminates its daemoned children and marks them Succeeded
  (``workflow/controller/dag.go`` ``executeDAG``, ``exec_control.go`` ``killDaemonedChildren``): the run's
  status is its tasks'. A daemon whose pod ends by itself is marked Failed (``operator.go``, "Daemoned pod
  succeeded"), hence ``--hold``. Its pod counts against ``spec.parallelism``, which grows by one per alert.

A callback that raises is printed by the entry point, which still exits 0: a failed exit handler would turn a
succeeded workflow into a failed one (``operator.go``), where Airflow only logs it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

from hera.workflows import models as argo

from maxai.config.assets import is_asset_schedule
from maxai.config.objective import ObjectiveConfig
from maxai.errors import Problem
from maxai.render.argo_task_hooks import HOOK_ARGUMENTS, HOOK_INPUTS, TASK_CALLBACK_TEMPLATE, add_task_hooks
from maxai.render.callback_steps import (
    CALLBACK_COMMAND,
    NOTIFIER_NOTE,
    Deadline,
    RunCallbacks,
    TaskCallback,
    callback_arguments,
    callback_image,
    first_callback_place,
    has_task_callbacks,
    note_notifiers,
    pod_task_values,
    run_arguments,
    run_callbacks,
    task_callbacks,
)
from maxai.render.describe import maxai_labels
from maxai.render.findings import Findings
from maxai.render.naming import kubernetes_name
from maxai.render.places import Places
from maxai.runtime.context import DATE_PARAM, ENV_RUN_TYPE

EXIT_TEMPLATE = "maxai-on-exit"
SUCCESS_TEMPLATE = "maxai-on-success"
FAILURE_TEMPLATE = "maxai-on-failure"
DEADLINE_TEMPLATE = "maxai-deadline"
QUEUED_AT = "{{workflow.creationTimestamp}}"
"""When the Workflow object was created (RFC 3339, UTC, in seconds): the run queued, Airflow's queued_at."""


def callback_template_names(config: ObjectiveConfig) -> dict[str, str]:
    """The templates this module adds, for the tasks' names not to take them."""
    callbacks = run_callbacks(config)
    names = {EXIT_TEMPLATE: "the workflow's exit handler"} if callbacks.on_success or callbacks.on_failure else {}
    if has_task_callbacks(config):
        names[TASK_CALLBACK_TEMPLATE] = "the template of the tasks' callbacks"
    if callbacks.on_success:
        names[SUCCESS_TEMPLATE] = "the step calling on_success_callback"
    if callbacks.on_failure:
        names[FAILURE_TEMPLATE] = "the step calling on_failure_callback"
    for index in range(len(callbacks.deadlines)):
        names[f"{DEADLINE_TEMPLATE}-{index}"] = "a deadline alert's step"
    return names


def _logical_date(scheduled: bool) -> str:
    """Airflow's logical date: a CronWorkflow run's scheduled time (RFC 3339, set from the cron controller's
    ``workflows.argoproj.io/scheduled-time`` annotation); none for a run given a ``date`` or not scheduled (Airflow's
    manual and asset-triggered runs have no logical date)."""
    if not scheduled:
        return ""
    return f"{{{{=workflow.parameters['{DATE_PARAM}'] != '' ? '' : workflow.scheduledTime}}}}"


def _template(name: str, image: str, arguments: list[str], config: ObjectiveConfig) -> argo.Template:
    """The callback's container, with the service account of the pod tasks when they share one (the handlers'
    permissions are theirs); else the workflow's."""
    accounts = pod_task_values(config, "service_account_name")
    return argo.Template(
        name=name,
        container=argo.Container(image=image, command=CALLBACK_COMMAND, args=arguments),
        metadata=argo.Metadata(labels=maxai_labels(config)),
        service_account_name=accounts.pop() if len(accounts) == 1 else None,
    )


def _refuse_argo_expressions(
    callbacks: RunCallbacks, hooked: list[TaskCallback], places: Places, findings: Findings
) -> None:
    """Argo replaces ``{{...}}`` anywhere in a template's arguments (and fails the run on a name it does not know):
    a callback's ``args`` holding it would not reach the callback as written."""
    named: list[tuple[Callable[[str], Problem], list[object]]] = [
        (functools.partial(places.dag, ("on_success_callback",)), callbacks.on_success),
        (functools.partial(places.dag, ("on_failure_callback",)), callbacks.on_failure),
        *((functools.partial(places.dag, deadline.path), [deadline.callback]) for deadline in callbacks.deadlines),
        *((callback.place, callback.callbacks) for callback in hooked),
    ]
    for place, values in named:
        if any("{{" in json.dumps(value, ensure_ascii=False) for value in values):
            findings.refuse(
                place(
                    "not rendered for Argo Workflows: the callback's args hold '{{', which Argo would take for its "
                    "own template expression in the callback step's arguments"
                )
            )


def add_run_callbacks(
    spec: argo.WorkflowSpec,
    config: ObjectiveConfig,
    dag_template: str,
    scheduled: bool,
    image_option: str | None,
    places: Places,
    findings: Findings,
) -> None:
    """Add the exit handler, the deadline alerts' daemon tasks and the tasks' callback hooks to ``spec`` (templates,
    ``onExit``, DAG tasks, hooks, parallelism); refusals and notes go to ``findings``."""
    from maxai.render.argo import run_values  # argo imports this module

    callbacks, hooked = run_callbacks(config), task_callbacks(config, places)
    if not callbacks and not hooked:
        return
    _refuse_argo_expressions(callbacks, hooked, places, findings)
    note_notifiers(callbacks, "Argo Workflows", places, findings)
    for callback in hooked:
        if any(isinstance(named, dict) and "notifier" in named for named in callback.callbacks):
            findings.note(callback.place(f"not in the Argo Workflows output as on Airflow: {NOTIFIER_NOTE}"))
    image = callback_image(config, image_option, first_callback_place(callbacks, hooked, places), findings)
    if image is None:
        return
    logical_date = _logical_date(scheduled)
    run = {
        "--run-id": "{{workflow.name}}",
        "--queued-at": QUEUED_AT,
        "--logical-date": logical_date,
        "--run-type": run_values(scheduled, on_assets=is_asset_schedule(config.dag.schedule))[ENV_RUN_TYPE],
    }
    task_names = json.dumps({kubernetes_name(task.name): task.name for task in config.tasks}, ensure_ascii=False)
    ended = ["--state", "{{workflow.status}}", "--failures", "{{workflow.failures}}", "--task-names", task_names]
    templates: list[argo.Template] = []
    exit_steps: list[argo.WorkflowStep] = []
    for name, named, when in (
        (SUCCESS_TEMPLATE, callbacks.on_success, "{{workflow.status}} == Succeeded"),
        (FAILURE_TEMPLATE, callbacks.on_failure, "{{workflow.status}} != Succeeded"),
    ):
        if named:
            arguments = callback_arguments(named, "argo", config.dag_id, run) + ended
            templates.append(_template(name, image, arguments, config))
            exit_steps.append(argo.WorkflowStep(name=name, template=name, when=when))
    if exit_steps:
        templates.append(argo.Template(name=EXIT_TEMPLATE, steps=[argo.ParallelSteps(root=exit_steps)]))
        spec.on_exit = EXIT_TEMPLATE
    daemons = _deadline_tasks(config, callbacks.deadlines, scheduled, image, run, places, findings, templates)
    names = {task.name: kubernetes_name(task.name) for task in config.tasks}
    for template in spec.templates or []:
        if template.name == dag_template and template.dag is not None:
            if add_task_hooks(template.dag.tasks, hooked, names, findings):
                arguments = [*run_arguments("argo", config.dag_id, run), *HOOK_ARGUMENTS]
                hook_template = _template(TASK_CALLBACK_TEMPLATE, image, arguments, config)
                hook_template.inputs = argo.Inputs(parameters=[argo.Parameter(name=name) for name in HOOK_INPUTS])
                templates.append(hook_template)
            template.dag.tasks.extend(daemons)
    if spec.parallelism is not None:
        spec.parallelism += len(daemons)  # an alert's pod is no task: Airflow's max_active_tasks does not count it
    spec.templates = [*(spec.templates or []), *templates]


def _deadline_tasks(
    config: ObjectiveConfig,
    deadlines: list[Deadline],
    scheduled: bool,
    image: str,
    run: dict[str, str],
    places: Places,
    findings: Findings,
    templates: list[argo.Template],
) -> list[argo.DAGTask]:
    tasks = []
    for index, deadline in enumerate(deadlines):
        if deadline.reference == "dagrun_logical_date" and not scheduled:
            findings.note(
                places.dag(
                    (*deadline.path, "reference"),
                    "not in the Argo Workflows output: only a CronWorkflow's scheduled runs have a logical date on "
                    "Argo, and this objective is not scheduled by a cron; as Airflow's manual and asset-triggered "
                    "runs, its runs have no such deadline",
                )
            )
            continue
        name = f"{DEADLINE_TEMPLATE}-{index}"
        reference_time = QUEUED_AT if deadline.reference == "dagrun_queued_at" else run["--logical-date"]
        waiting = ["--deadline-reference", deadline.reference, "--deadline-from", reference_time]
        waiting += ["--deadline-interval", str(deadline.interval), "--hold"]
        arguments = [*callback_arguments([deadline.callback], "argo", config.dag_id, run), *waiting]
        template = _template(name, image, arguments, config)
        template.daemon = True
        templates.append(template)
        tasks.append(argo.DAGTask(name=name, template=name))
    return tasks
