"""Build one Airflow DAG from one objective's configs."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maxai.config import cache
from maxai.config.layout import (
    CONFIGS_DIR,
    DAG_SECTION,
    PY_CONFIG,
    ObjectiveRef,
    doc_md_file,
    find_root,
    names_markdown_file,
    real_path,
)
from maxai.config.objective import ObjectiveConfig, selection
from maxai.config.schedule import Partition
from maxai.errors import ConfigError, Problem
from maxai.factory.build import OperatorRequest, PodMode
from maxai.factory.callbacks import bind_dag_callbacks, dag_callback_arguments, task_callback_arguments
from maxai.factory.lineage import airflow_schedule, as_json, produced_assets, task_lineage
from maxai.kinds.registry import KindError, kind_named
from maxai.runtime.context import DATE_PARAM, FORCE_PARAM

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
    if not settings.params:
        return {}  # and the parsers of the many objectives without params never define the param models
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


def doc_md_text(config: ObjectiveConfig) -> str | None:
    """The DAG's documentation text; a ``.md`` file name is read here, never by Airflow (see layout.doc_md_file)."""
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
        try:
            kind = kind_named(task.kind)
        except KindError as error:
            raise ConfigError([Problem(task.source, ("tasks",), str(error))]) from error
        with _refusals_as_config_errors(task.source, ("tasks",), f"{kind.operator_name} of task {task.name!r}"):
            build = kind.load("build")
            assert build is not None
            request = OperatorRequest(config, task, dag, task_lineage(config, task, produced), pods)
            operators[task.name] = build(request)
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
