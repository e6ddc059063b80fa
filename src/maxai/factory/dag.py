"""Build one Airflow DAG from one objective's configs."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from maxai.config import cache
from maxai.config.layout import CONFIGS_DIR, DAG_SECTION, PY_CONFIG, USECASES_DIR, ObjectiveRef, find_root, real_path
from maxai.config.objective import ObjectiveConfig, ResolvedTask, selection
from maxai.config.schedule import Partition
from maxai.factory.callbacks import bind_dag_callbacks, dag_callback_arguments, task_callback_arguments
from maxai.factory.lineage import airflow_schedule, as_json, produced_assets, task_lineage
from maxai.factory.operators import data_dir, kubepod_arguments, spark_arguments, user_folder
from maxai.runtime.context import DATE_PARAM, ENV_DATA_DIR, ENV_ITEM, FORCE_PARAM

if TYPE_CHECKING:
    from airflow.sdk import DAG

    from maxai.config.models import DagSettings


def _in_zone(value: date | datetime, zone: str) -> datetime:
    """A config date as a pendulum date-time of the objective's zone: Airflow takes the DAG's zone from its
    start_date, and its cron timetable fires at the wall-clock times of that zone (DST included)."""
    import pendulum

    if isinstance(value, datetime):
        if value.tzinfo is None:
            return pendulum.instance(value, tz=zone)
        return pendulum.instance(value).in_timezone(zone)
    return pendulum.datetime(value.year, value.month, value.day, tz=zone)


def _default_args(settings: DagSettings) -> dict[str, Any]:
    args = settings.default_args
    result: dict[str, Any] = {
        "owner": args.owner,
        "retries": args.retries,
        "retry_delay": timedelta(seconds=args.retry_delay),
        "retry_exponential_backoff": args.retry_exponential_backoff,
        "depends_on_past": args.depends_on_past,
        "email_on_failure": args.email_on_failure,
    }
    if args.email:
        result["email"] = list(args.email)
    if args.max_retry_delay is not None:
        result["max_retry_delay"] = timedelta(seconds=args.max_retry_delay)
    if args.execution_timeout is not None:
        result["execution_timeout"] = timedelta(seconds=args.execution_timeout)
    return result


# A date, or a date and time for objectives partitioned by hour or minute (jsonschema's date-time
# format checker needs an optional package, so the time part is checked by pattern and at run time).
_DATE_TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]00:?00)?$"


def declared_params(settings: DagSettings) -> dict[str, Any]:
    """The objective's own ``@dag.params`` as Airflow Params (no default: the trigger form requires a value)."""
    from airflow.sdk import Param

    from maxai.config.run_params import param_schema

    declared = {}
    for name, param in settings.params.items():
        written = as_json(param)
        if "default" in written:
            declared[name] = Param(written["default"], **param_schema(written))
        else:
            declared[name] = Param(**param_schema(written))
    return declared


def run_params(partition: Partition = "day", timezone: str = "UTC") -> dict[str, Any]:
    """The params every maxai DAG takes at trigger time (the trigger form shows them).

    A manual run has no logical date in Airflow 3: ``date`` lets the user pick the day (or, for
    objectives partitioned by hour or minute, the UTC time) it processes, to re-run it by hand;
    left empty, the run processes its own date.
    """
    from airflow.sdk import Param

    if partition == "day":
        date_param = Param(
            None,
            type=["null", "string"],
            format="date",
            title="Date to process",
            description="YYYY-MM-DD. Empty: the run's logical date, or for a manual run the day it is triggered "
            f"({timezone}).",
        )
    else:
        date_param = Param(
            None,
            type=["null", "string"],
            anyOf=[{"type": "null"}, {"format": "date"}, {"pattern": _DATE_TIME_PATTERN}],
            title="Date and time to process",
            description=(
                f"YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC): outputs are partitioned by {partition}. "
                "Empty: the run's logical date, or for a manual run the time it is triggered."
            ),
        )
    return {
        DATE_PARAM: date_param,
        FORCE_PARAM: Param(
            False,
            type="boolean",
            title="Recompute existing outputs",
            description="Recompute outputs that already exist for this date instead of reusing them.",
        ),
    }


PodMode = Literal["kubernetes", "local", "skip"]
SKIPPED_POD_REASON = "KubernetesPod task skipped: no cluster here (run with --local-pods to run its command locally)"


def _local_pod_data_dir(config: ObjectiveConfig, task: ResolvedTask) -> str:
    """Where a pod run as a local process reads and writes: the task's own ``MAXAI_DATA_DIR`` if it names a
    folder of this machine, the local data folder if it lies on one of the pod's volumes (which exist only
    in the pod) or is not set."""
    own = (task.arguments.get("env_vars") or {}).get(ENV_DATA_DIR)
    if not own:
        return data_dir(config)
    mounts = [mount.get("mountPath", "") for mount in task.arguments.get("volume_mounts") or []]
    on_a_volume = any(own == path or own.startswith(path.rstrip("/") + "/") for path in mounts if path)
    return data_dir(config) if on_a_volume else user_folder(str(own), config.deployment.user)


def _operator(operator_class: Any, task: ResolvedTask, dag: DAG, arguments: dict[str, Any]) -> Any:
    """One operator, or for a ``for_each`` task one mapped operator: a run per value, each with its own
    ``MAXAI_ITEM`` (the only argument that differs, so the mapping shows one expanded argument)."""
    for_each = task.params.for_each
    if not for_each:
        return operator_class(task_id=task.name, dag=dag, **arguments)
    ((key, values),) = for_each.items()
    env_vars = arguments.pop("env_vars")
    per_value = [{**env_vars, ENV_ITEM: json.dumps({key: value})} for value in values]
    return operator_class.partial(task_id=task.name, dag=dag, **arguments).expand(env_vars=per_value)


def _pod_operator(config: ObjectiveConfig, task: ResolvedTask, dag: DAG, pods: PodMode, lineage: dict[str, Any]) -> Any:
    arguments = {**kubepod_arguments(config, task), **lineage}
    if pods == "kubernetes":
        from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

        return _operator(KubernetesPodOperator, task, dag, arguments)
    from maxai.config.models import OperatorArgs
    from maxai.factory.local_pods import LocalPodOperator, SkippedPodOperator

    base = {key: arguments[key] for key in (*OperatorArgs.model_fields, *lineage) if key in arguments}
    if pods == "skip":
        return _operator(
            SkippedPodOperator, task, dag, {**base, "reason": SKIPPED_POD_REASON, "env_vars": arguments["env_vars"]}
        )
    return _operator(
        LocalPodOperator,
        task,
        dag,
        {
            **base,
            "image": arguments["image"],
            "cmds": list(arguments.get("cmds", [])),
            "arguments": list(arguments.get("arguments", [])),
            "env_vars": arguments["env_vars"],
            "handler_path": str(config.root / USECASES_DIR / config.ref.domain),
            "data_dir": _local_pod_data_dir(config, task),
        },
    )


def doc_md_text(config: ObjectiveConfig) -> str | None:
    """The DAG's documentation text; a ``.md`` file name is read here, never by Airflow (see paths.doc_md_file)."""
    from maxai.config.paths import doc_md_file, names_markdown_file

    value = config.dag.doc_md
    if value is None or not names_markdown_file(value):
        return value

    usecase_dir = config.root / CONFIGS_DIR / config.ref.domain / config.ref.usecase
    found = doc_md_file(config.root, usecase_dir, usecase_dir / config.ref.objective, value)
    if found is None:  # removed since the configs were checked: say so on the DAG page rather than guess
        return f"*{value} not found in {CONFIGS_DIR}/{config.ref.domain}/{config.ref.usecase}/*\n"
    return found.read_text(encoding="utf-8", errors="replace").rstrip() + "\n"


def _py_config_file(config: ObjectiveConfig) -> str:
    """The py_config.json that sets the objective's DAG settings (its own, else its use case's)."""
    files = [name for name in config.files if name.endswith("/" + PY_CONFIG)]
    return files[-1] if files else f"{CONFIGS_DIR}/{'/'.join(config.ref.parts)}/{PY_CONFIG}"


@contextlib.contextmanager
def _refusals_as_config_errors(file: str, path: tuple[str, ...], what: str) -> Iterator[None]:
    """Whatever Airflow or a provider refuses while building becomes a ConfigError naming the config file.

    ``maxai validate`` checks every rule it knows; this is the net under it, so that a dag-processor's
    import error (and ``validate --deep``) names the config that caused it instead of a traceback.
    """
    from maxai.errors import ConfigError, Problem

    try:
        yield
    except ConfigError:
        raise
    except Exception as error:
        raise ConfigError(
            [Problem(file, path, f"{what} refused these settings: {type(error).__name__}: {error}")]
        ) from error


def dag_from_config(config: ObjectiveConfig, *, pods: PodMode = "kubernetes") -> DAG:
    """The Airflow DAG for an already loaded objective.

    ``pods`` other than "kubernetes" is for ``maxai run`` on a machine without a cluster:
    "local" runs each pod's command as a subprocess, "skip" skips pod tasks.
    """
    from airflow.sdk import DAG

    settings = config.dag
    ref = config.ref
    deployment = config.deployment
    tags = list(dict.fromkeys(["maxai", ref.domain, ref.usecase, *settings.tags, *deployment.tags]))
    description = settings.description or f"maxai {ref.domain} / {ref.usecase} / {ref.objective}"
    with _refusals_as_config_errors(_py_config_file(config), (DAG_SECTION,), "Airflow's DAG"):
        dag = DAG(
            dag_id=config.dag_id,
            schedule=airflow_schedule(settings.schedule, settings.timezone, scope=deployment.asset_scope()),
            start_date=_in_zone(settings.start_date, settings.timezone),
            end_date=_in_zone(settings.end_date, settings.timezone) if settings.end_date is not None else None,
            catchup=settings.catchup,
            description=description + deployment.describe(),
            is_paused_upon_creation=deployment.paused,
            doc_md=doc_md_text(config),
            tags=tags,
            max_active_runs=settings.max_active_runs,
            max_active_tasks=settings.max_active_tasks,
            dagrun_timeout=timedelta(seconds=settings.dagrun_timeout) if settings.dagrun_timeout is not None else None,
            default_args=_default_args(settings) | task_callback_arguments(config, settings.default_args),
            params={**declared_params(settings), **run_params(settings.partition, settings.timezone)},
            **dag_callback_arguments(config),
        )
    bind_dag_callbacks(dag)
    operators: dict[str, Any] = {}
    produced = produced_assets(config)
    for task in config.tasks:
        operator = "SparkSubmitOperator" if task.kind == "spark" else "KubernetesPodOperator"
        with _refusals_as_config_errors(task.source, ("tasks",), f"{operator} of task {task.name!r}"):
            lineage = task_lineage(config, task, produced)
            if task.kind == "spark":
                from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

                arguments = {**spark_arguments(config, task), **lineage}
                operators[task.name] = _operator(SparkSubmitOperator, task, dag, arguments)
            else:
                operators[task.name] = _pod_operator(config, task, dag, pods, lineage)
    for task in config.tasks:
        for upstream in task.upstream:
            operators[upstream] >> operators[task.name]
    return dag


def _caller_folder() -> Path | None:
    frame = sys._getframe(2)
    caller_file = frame.f_globals.get("__file__")
    return Path(caller_file).parent if caller_file else None


def build_dag(
    domain: str,
    usecase: str,
    objective: str,
    *,
    root: str | Path | None = None,
    env: str | None = None,
    user: str | None = None,
) -> DAG:
    """The DAG ``<domain>.<usecase>.<objective>``, built from that objective's configs only.

    ``root`` (the folder holding ``maxaiconfigs/``) defaults to ``$MAXAI_ROOT``, else the
    nearest folder at or above the calling file, else above the current directory.
    ``env`` and ``user`` (default ``$MAXAI_ENV`` and ``$MAXAI_USER``) pick the environment and the
    personal copy (see maxai.config.environments).
    Raises :class:`maxai.ConfigError` when the configs are wrong.
    """
    if root is None:
        root = find_root(_caller_folder())
    chosen = selection(env, user)
    # An unchanged objective comes from the parse cache without the loader and the Pydantic models.
    config = cache.lookup(Path(real_path(root)), ObjectiveRef(domain, usecase, objective), chosen, light=True)
    if config is None:
        from maxai.config.loader import load_objective

        config = load_objective(Path(root), domain, usecase, objective, env=chosen[0], user=chosen[1])
    return dag_from_config(config)
