"""The contract between the factory and a running task: environment variables.

Every task (spark-submit application, pod, local subprocess) gets the same variables,
so handler code reads its identity and parameters the same way wherever it runs.
This module imports nothing heavy: it is loaded inside Spark drivers and pods.
"""

from __future__ import annotations

from collections.abc import Sequence

ENV_DOMAIN = "MAXAI_DOMAIN"
ENV_USECASE = "MAXAI_USECASE"
ENV_OBJECTIVE = "MAXAI_OBJECTIVE"
ENV_TASK = "MAXAI_TASK"
ENV_PARAMS = "MAXAI_PARAMS"
ENV_RUN_DATE = "MAXAI_RUN_DATE"
ENV_RUN_TIME = "MAXAI_RUN_TIME"
ENV_PARTITION = "MAXAI_PARTITION"
ENV_DATE_SOURCE = "MAXAI_DATE_SOURCE"
ENV_RUN_ID = "MAXAI_RUN_ID"
ENV_RUN_TYPE = "MAXAI_RUN_TYPE"
ENV_DATA_DIR = "MAXAI_DATA_DIR"
ENV_RUN_PARAMS = "MAXAI_RUN_PARAMS"
"""The DAG params of the run (those the objective declares in ``@dag.params``), as JSON."""
ENV_ITEM = "MAXAI_ITEM"
"""For a ``for_each`` task: the value this mapped run handles, as JSON (``{"region": "eu"}``)."""
FORCE_ENV = "MAXAI_FORCE"
"""``1`` makes every task recompute outputs that already exist (the run's ``force`` param)."""

DATE_PARAM = "date"
"""The DAG param that picks the date a run processes (``YYYY-MM-DD``); null means "the run's own date"."""
FORCE_PARAM = "force"
"""The DAG param that makes a run recompute outputs that already exist for its date."""

EVENT_RUN_DATE = "maxai_run_date"
EVENT_RUN_TIME = "maxai_run_time"
"""Keys of the ``extra`` of every asset update a maxai task makes: the date (and moment) it processed."""


# The date a run processes, defined in every kind of run. Airflow 3 gives manual and
# asset-triggered runs no logical date, so `{{ ds }}` is undefined there; `dag_run` and
# `params` exist in every run. Order: the `date` param; the logical date; for a run triggered by
# asset updates, the latest date those updates carry (so a downstream objective processes the
# partition its upstream wrote, also in a backfill); the day the run was created for (run_after).
# All UTC; an objective partitioned by day with a time zone takes the date in its zone (`dag` is in
# every task's context; its timezone is the config's).
def _event_value(key: str) -> str:
    return (
        "((dag_run.consumed_asset_events | map(attribute='extra') | selectattr('"
        + key
        + "', 'defined') | map(attribute='"
        + key
        + "') | sort | list)[-1:] | join)"
    )


_EVENT_DATE = _event_value(EVENT_RUN_DATE)
_EVENT_TIME = _event_value(EVENT_RUN_TIME)
RUN_TIME_TEMPLATE = (
    "{{ params." + DATE_PARAM + " or ((dag_run.logical_date | ts) if dag_run.logical_date else "
    "(" + _EVENT_TIME + " or (dag_run.run_after | ts))) }}"
)


def _run_date_template(in_zone: str) -> str:
    """The run date; ``in_zone`` converts the logical date and run_after before their date is taken."""
    return (
        "{{ (params." + DATE_PARAM + " or ((dag_run.logical_date" + in_zone + " | ds) if dag_run.logical_date"
        " else (" + _EVENT_DATE + " or (dag_run.run_after" + in_zone + " | ds))))[:10] }}"
    )


RUN_DATE_TEMPLATE = _run_date_template("")
ZONED_RUN_DATE_TEMPLATE = _run_date_template(".astimezone(dag.timezone)")


def run_date_zone(partition: str, timezone: str) -> str | None:
    """The time zone whose day a run processes, when it is not UTC's: only an objective partitioned by day takes
    its zone's date; hours and minutes stay UTC (a local hour repeats when DST ends)."""
    return timezone if partition == "day" and timezone != "UTC" else None


def run_date_template(partition: str, timezone: str) -> str:
    """The Airflow template of the date a run processes (see :func:`run_date_zone`)."""
    return ZONED_RUN_DATE_TEMPLATE if run_date_zone(partition, timezone) else RUN_DATE_TEMPLATE


DATE_SOURCE_TEMPLATE = (
    "{{ 'date param' if params." + DATE_PARAM + " else ('logical date' if dag_run.logical_date else "
    "('asset event' if " + _EVENT_DATE + " else 'run day')) }}"
)
RUN_TYPE_TEMPLATE = "{{ dag_run.run_type.value if dag_run.run_type.value is defined else dag_run.run_type }}"
FORCE_TEMPLATE = "{{ '1' if params." + FORCE_PARAM + " else '' }}"


def run_params_template(names: Sequence[str]) -> str:
    """The JSON of the run's values of the declared params (names are identifiers: checked by the config)."""
    return "{{ {" + ", ".join(f"{name!r}: params[{name!r}]" for name in names) + "} | tojson }}"


IDENTITY_VARIABLES = (
    ENV_DOMAIN,
    ENV_USECASE,
    ENV_OBJECTIVE,
    ENV_TASK,
    ENV_PARAMS,
    ENV_RUN_DATE,
    ENV_RUN_TIME,
    ENV_PARTITION,
    ENV_DATE_SOURCE,
    ENV_RUN_ID,
    ENV_RUN_TYPE,
    FORCE_ENV,
    ENV_RUN_PARAMS,
    ENV_ITEM,
)


def task_environment(
    domain: str,
    usecase: str,
    objective: str,
    task: str,
    params_json: str,
    data_dir: str,
    partition: str = "day",
    run_param_names: Sequence[str] = (),
    timezone: str = "UTC",
) -> dict[str, str]:
    """The variables the factory gives a task; ``params_json`` comes from :func:`encode_params`.

    The run's date and time, id, type, ``force`` and declared params are Airflow templates rendered
    at run time; ``partition`` (day, hour, minute) is how the objective's outputs are partitioned. Days
    are those of the objective's ``timezone``; hours and minutes are always UTC (a local hour repeats when
    DST ends).
    """
    environment = {
        ENV_DOMAIN: domain,
        ENV_USECASE: usecase,
        ENV_OBJECTIVE: objective,
        ENV_TASK: task,
        ENV_PARAMS: params_json,
        ENV_RUN_DATE: run_date_template(partition, timezone),
        ENV_RUN_TIME: RUN_TIME_TEMPLATE,
        ENV_PARTITION: partition,
        ENV_DATE_SOURCE: DATE_SOURCE_TEMPLATE,
        ENV_RUN_ID: "{{ run_id }}",
        ENV_RUN_TYPE: RUN_TYPE_TEMPLATE,
        FORCE_ENV: FORCE_TEMPLATE,
        ENV_DATA_DIR: data_dir,
    }
    if run_param_names:
        environment[ENV_RUN_PARAMS] = run_params_template(run_param_names)
    return environment
