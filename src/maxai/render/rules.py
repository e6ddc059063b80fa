"""What each config setting becomes on Argo Workflows and on Kubeflow Pipelines, key by key.

A key of the config models that is missing here is refused by ``coverage`` when it is set, so a key added
to the models later is an error in ``maxai render`` until someone decides what it becomes. A key is
*mapped* (it has a place in the output; some values may still be refused), *noted* (the output is made
but has no place for it: reported with the output, refused with ``--strict``) or *refused*.
docs/render.rst shows these tables (a test keeps them in step).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from maxai.config.assets import is_asset_schedule, schedule_json
from maxai.config.layout import DAG_CALLBACKS, TASK_CALLBACKS
from maxai.config.objective import ObjectiveConfig
from maxai.render.run_params import params_note, params_refusal

Judge = Callable[[Any, ObjectiveConfig], str | None]
"""Given a setting's value and its objective: why it cannot be expressed (or what is lost), or None."""


@dataclass(frozen=True)
class Handling:
    where: str
    """Where the setting goes on the target, for the docs; empty when it has no place."""
    refuse: Judge | None = None
    note: Judge | None = None
    always: bool = False
    """Judge the value even when it is the model's default."""


def to(where: str, *, refuse: Judge | None = None, note: Judge | None = None, always: bool = False) -> Handling:
    return Handling(where, refuse, note, always)


def noted(reason: str) -> Handling:
    return Handling(f"note: {reason}", note=lambda _value, _config: reason)


def refused(reason: str) -> Handling:
    return Handling(f"error: {reason}", refuse=lambda _value, _config: reason)


def unless(check: Callable[[Any], bool], reason: str) -> Judge:
    return lambda value, _config: None if check(value) else reason


@dataclass(frozen=True)
class Rule:
    argo: Handling
    kubeflow: Handling


def both(handling: Handling) -> Rule:
    return Rule(handling, handling)


_AIRFLOW_POOLS = "Airflow's pools, queues and priorities have no counterpart; remove it for this target"
_OPERATOR_ONLY = "how Airflow's operator drives the pod; the target's controller runs pods itself"
_NO_SCHEDULE_ON_KFP = "part of the recurring run (see schedule)"
KUBEFLOW_ZONE_NOTE = (
    "a recurring run fires in its Kubeflow installation's time zone, one for all runs (CRON_SCHEDULE_TIMEZONE of "
    "the ScheduledWorkflow controller, UTC unless set): create this objective's where that is {zone}; a run "
    "given no date processes the day of its schedule time in {zone}"
)


def _schedule_refusal(value: Any, target: str) -> str | None:
    return f"{target} has no continuous schedule" if value == "@continuous" else None


def _argo_schedule_refusal(value: Any, _config: ObjectiveConfig) -> str | None:
    """Assets are rendered as an Argo Events Sensor; assets *or* a cron (Airflow's AssetOrTimeSchedule) are not."""
    if is_asset_schedule(value):
        if schedule_json(value).get("cron") is not None:
            return (
                "an asset schedule with a cron (Airflow's AssetOrTimeSchedule) is not rendered: Argo would need a "
                "CronWorkflow and a Sensor submitting the same workflow; remove 'cron' or the assets"
            )
        return None
    return _schedule_refusal(value, "Argo")


def _kubeflow_schedule_refusal(value: Any, _config: ObjectiveConfig) -> str | None:
    """Assets are rendered as an Argo Events Sensor creating runs; assets *or* a cron are not."""
    if is_asset_schedule(value) and schedule_json(value).get("cron") is not None:
        return (
            "an asset schedule with a cron (Airflow's AssetOrTimeSchedule) is not rendered: Kubeflow would need a "
            "recurring run and a Sensor creating runs of the same pipeline; remove 'cron' or the assets"
        )
    return _schedule_refusal(value, "Kubeflow Pipelines")


_TASK_CALLBACK = Rule(
    refused(
        "Airflow calls this callback for each try of the task (on_execute_callback, on_retry_callback) or when it is "
        "skipped; an Argo lifecycle hook runs once per task, on its final status: only a task's on_success_callback "
        "and on_failure_callback are rendered"
    ),
    refused(
        "Airflow calls a task's callback when that task ends; Kubeflow has no hook on a task, and kfp allows one exit "
        "handler, around the whole pipeline: use @dag.on_failure_callback or @dag.on_success_callback"
    ),
)
_TASK_HOOK = Rule(
    to(
        "a lifecycle hook of the task's DAG step, when its status is Succeeded (on_failure_callback: Failed or "
        "Error, after its retries), runs python -m maxai.runtime.callback; error for a for_each task"
    ),
    _TASK_CALLBACK.kubeflow,
)
CALLBACK_RULES = {
    key: _TASK_HOOK if key in ("on_success_callback", "on_failure_callback") else _TASK_CALLBACK
    for key in TASK_CALLBACKS
}
"""A task's callbacks (in default_args or a task's arguments)."""
_DAG_CALLBACK_ON_ARGO = (
    "spec.onExit: a step when {{workflow.status}} is (not) Succeeded runs python -m maxai.runtime.callback in the "
    "pod tasks' image (or --callback-image)"
)
_DAG_CALLBACK_ON_KUBEFLOW = (
    "an exit handler (dsl.ExitHandler's IR): the tasks in a group exit-handler-1, then maxai-on-exit runs python -m "
    "maxai.runtime.callback with the group's final status, in the pod tasks' image (or --callback-image)"
)
_DAG_CALLBACK = Rule(to(_DAG_CALLBACK_ON_ARGO), to(_DAG_CALLBACK_ON_KUBEFLOW))

DAG_RULES: dict[str, Rule] = {
    **{key: _DAG_CALLBACK for key in DAG_CALLBACKS},
    "deadline": Rule(
        to(
            "a daemon DAG task per alert: sleeps until reference (dagrun_queued_at: the workflow's creation; "
            "dagrun_logical_date: a CronWorkflow run's scheduled time, else note) + interval, calls back, and is "
            "stopped when the DAG ends"
        ),
        to(
            "the exit handler (as for the run's callbacks) calls back when the run ended after the deadline",
            note=lambda _value, _config: (
                "an alert while the run goes on: a Kubeflow run has no task that waits beside the others and stops "
                "when they end, so the exit handler calls back once the run ended after its deadline (a run that "
                "never ends never alerts)"
            ),
        ),
    ),
    "start_date": Rule(to("CronWorkflow spec.when: now() >= start_date"), to(_NO_SCHEDULE_ON_KFP)),
    "end_date": Rule(to("CronWorkflow spec.when: now() <= end_date"), to(_NO_SCHEDULE_ON_KFP)),
    "partition": Rule(to("MAXAI_PARTITION"), to("MAXAI_PARTITION")),
    "timezone": Rule(
        to("CronWorkflow spec.timezone"),
        to(
            "the wrapper's run date (a day of the zone); note unless UTC: the recurring run's time zone",
            note=lambda value, _config: None if value == "UTC" else KUBEFLOW_ZONE_NOTE.format(zone=value),
        ),
    ),
    "schedule": Rule(
        to(
            "CronWorkflow spec.schedules, timezone UTC (none or @once: a Workflow); assets: a WorkflowTemplate and "
            "an Argo Events Sensor (with a cron too: refused); @continuous refused",
            refuse=_argo_schedule_refusal,
        ),
        to(
            "note: the recurring run to create (cron with seconds, catchup, max_concurrency); assets: an Argo Events "
            "Sensor creating runs through Kubeflow's API (with a cron too: refused); @continuous refused",
            refuse=_kubeflow_schedule_refusal,
        ),
    ),
    "catchup": Rule(
        to(
            "error when true",
            refuse=unless(
                lambda value: not value,
                "Argo's CronWorkflows do not catch up on missed runs; submit missed dates by hand "
                "(argo submit --from cronwf/NAME -p date=YYYY-MM-DD)",
            ),
        ),
        to(_NO_SCHEDULE_ON_KFP),
    ),
    "description": Rule(to("annotation workflows.argoproj.io/description"), to("pipelineInfo.description")),
    "doc_md": Rule(
        to("annotation workflows.argoproj.io/description, after the description"),
        to("pipelineInfo.description, after the description"),
    ),
    "tags": Rule(to("annotation maxai/tags"), to("pipelineInfo.description, a 'tags:' line")),
    "max_active_runs": Rule(
        to(
            "1: spec.synchronization.mutexes (runs wait for each other); more: note",
            note=unless(
                lambda value: value == 1,
                "Argo bounds concurrent runs above 1 only with a semaphore ConfigMap; runs are not bounded",
            ),
            always=True,
        ),
        to(_NO_SCHEDULE_ON_KFP),
    ),
    "max_active_tasks": Rule(
        to("spec.parallelism", always=True),
        to(
            "error when lower than the number of tasks",
            refuse=lambda value, config: (
                None
                if value >= len(config.tasks)
                else "Kubeflow Pipelines cannot limit how many tasks of a run run at once"
            ),
            always=True,
        ),
    ),
    "dagrun_timeout": Rule(to("spec.activeDeadlineSeconds"), noted("Kubeflow Pipelines has no run timeout")),
    "params": Rule(
        to(
            "workflow parameters (integer and number; enum kept) and MAXAI_RUN_PARAMS; other types refused",
            refuse=params_refusal,
            note=params_note(("enum",)),
        ),
        to(
            "root inputs (integer and number) and MAXAI_RUN_PARAMS; other types refused",
            refuse=params_refusal,
            note=params_note(()),
        ),
    ),
}

DEFAULT_ARGS_RULES: dict[str, Rule] = {
    **CALLBACK_RULES,
    "owner": Rule(to("annotation maxai/owner"), to("pipelineInfo.description, an 'owner:' line")),
    "retries": Rule(to("retryStrategy.limit, retryPolicy Always"), to("retryPolicy.maxRetryCount")),
    "retry_delay": Rule(to("retryStrategy.backoff.duration"), to("retryPolicy.backoffDuration")),
    "retry_exponential_backoff": Rule(
        to("retryStrategy.backoff.factor: 2 (else 1)"), to("retryPolicy.backoffFactor: 2 (else 1)")
    ),
    "max_retry_delay": Rule(
        to("retryStrategy.backoff.cap"),
        noted("Kubeflow's backoffMaxDuration bounds the total time spent retrying, not each delay"),
    ),
    "execution_timeout": Rule(
        to("template timeout"),
        refused("Kubeflow Pipelines has no task timeout (a pod task's active_deadline_seconds bounds its pod)"),
    ),
    "depends_on_past": both(
        to(
            "error when true",
            refuse=unless(lambda value: not value, "a task waiting for its previous run has no counterpart"),
        )
    ),
    "email": both(refused("Airflow sends these emails; use the target's own notifications")),
    "email_on_failure": both(
        to(
            "error when true",
            refuse=unless(lambda value: not value, "Airflow sends this email; use the target's own notifications"),
        )
    ),
}

TASK_RULES: dict[str, Rule] = {
    **CALLBACK_RULES,
    "retries": DEFAULT_ARGS_RULES["retries"],
    "retry_delay": DEFAULT_ARGS_RULES["retry_delay"],
    "retry_exponential_backoff": DEFAULT_ARGS_RULES["retry_exponential_backoff"],
    "execution_timeout": DEFAULT_ARGS_RULES["execution_timeout"],
    "pool": both(refused(_AIRFLOW_POOLS)),
    "pool_slots": both(refused(_AIRFLOW_POOLS)),
    "priority_weight": both(refused(_AIRFLOW_POOLS)),
    "queue": both(refused(_AIRFLOW_POOLS)),
    "trigger_rule": both(
        to(
            "all_success only: a task runs once its upstream tasks succeeded",
            refuse=unless(
                lambda value: value == "all_success",
                "only all_success (the default) is rendered: a task runs once all its upstream tasks succeeded",
            ),
        )
    ),
    "doc_md": Rule(
        noted("a task's documentation is display-only and Argo has no place for it"),
        noted("a task's documentation is display-only and Kubeflow has no place for it"),
    ),
}
