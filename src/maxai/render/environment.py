"""The environment a task gets on Argo or Kubeflow: the same MAXAI_* variables as under Airflow
(see maxai.runtime.context), with the run's date, id, type and ``force`` given by the target's own means
instead of Airflow templates."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from maxai.config.objective import ObjectiveConfig, ResolvedTask
from maxai.render.deployment import data_folder
from maxai.runtime.context import (
    DATE_PARAM,
    ENV_DATA_DIR,
    ENV_DATE_SOURCE,
    ENV_RUN_DATE,
    ENV_RUN_ID,
    ENV_RUN_TIME,
    ENV_RUN_TYPE,
    FORCE_ENV,
    FORCE_PARAM,
    task_environment,
)

RUN_VARIABLES = (ENV_RUN_TIME, ENV_RUN_DATE, ENV_DATE_SOURCE, ENV_RUN_ID, ENV_RUN_TYPE, FORCE_ENV)
"""The variables that depend on the run; every target gives each of them a value of its own."""
RUN_TYPE_PARAM = "run_type"
"""Kubeflow cannot tell a scheduled run from a manual one: its recurring runs pass ``scheduled`` here; the Argo
Events Sensors that start the runs of an objective scheduled on assets pass ``asset_triggered`` (Argo and
Kubeflow)."""
ASSET_TRIGGERED = "asset_triggered"
"""Airflow's run type of a run its scheduler started for updated assets."""
RUN_TYPE_HELP = (
    f"manual, or {ASSET_TRIGGERED} (set by the Sensor that starts a run when the awaited assets are updated)."
)
RUN_PARAMETERS = (DATE_PARAM, FORCE_PARAM)
"""The parameters every rendered pipeline takes, as the Airflow DAG's trigger form does."""
DATE_PARAMETER_HELP = (
    "YYYY-MM-DD (or YYYY-MM-DDTHH:MM UTC for objectives partitioned by hour or minute). "
    "Empty: the time the run was scheduled for, or for a run started by hand the time it was created (UTC)."
)
FORCE_PARAMETER_HELP = "true: recompute outputs that already exist for this date instead of reusing them."


def _is_airflow_template(value: str) -> bool:
    return "{{" in value or "{%" in value


def item_json(task: ResolvedTask, placeholder: Callable[[str], str]) -> str | None:
    """A ``for_each`` task's ``MAXAI_ITEM`` as JSON around the target's ``placeholder`` for its value; None for
    other tasks.

    The quotes around a name are part of the template, not of the value the target substitutes: values are plain
    names or integers (the config allows no others; the coverage check refuses a mix), so the JSON stays valid
    wherever the target puts it, a SparkApplication manifest's text included.
    """
    if not task.params.for_each:
        return None
    ((key, values),) = task.params.for_each.items()
    value = placeholder(key)
    if not all(isinstance(item, int) for item in values):
        value = f'"{value}"'
    return f'{{"{key}": {value}}}'


def task_variables(config: ObjectiveConfig, task: ResolvedTask, run_values: Mapping[str, str] | None) -> dict[str, str]:
    """The task's own ``env_vars`` with the MAXAI_* variables, the run-dependent ones from ``run_values`` (left
    out when it is None: the target sets them another way).

    ``MAXAI_DATA_DIR`` is set only when the task or the environment gives one (maxai.render.deployment): the data
    folder of the machine that renders means nothing in a cluster, where the image's own ``MAXAI_DATA_DIR`` (the
    example Dockerfiles set ``/data``) applies.
    """
    missing = [name for name in RUN_VARIABLES if run_values is not None and name not in run_values]
    if missing:
        raise ValueError(f"no value for {', '.join(missing)}")
    ref = config.ref
    maxai = task_environment(
        ref.domain, ref.usecase, ref.objective, task.name, task.params_json, "", config.dag.partition
    )
    maxai.pop(ENV_DATA_DIR)
    for name in RUN_VARIABLES:
        if run_values is None:
            del maxai[name]
        else:
            maxai[name] = run_values[name]
    unknown = sorted(name for name, value in maxai.items() if name not in RUN_VARIABLES and _is_airflow_template(value))
    if unknown:  # a variable added to the runtime contract that no renderer knows yet: never ship the template
        raise ValueError(f"maxai render has no value for {', '.join(unknown)} outside Airflow")
    variables = {**(task.arguments.get("env_vars") or {}), **maxai}
    folder = data_folder(config, task)
    if folder is not None:
        variables[ENV_DATA_DIR] = folder
    return variables
