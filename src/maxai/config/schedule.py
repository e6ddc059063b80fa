"""Schedules as Airflow will read them, and whether outputs are partitioned finely enough for them.

Cron expressions are parsed with ``croniter``, the library Airflow's cron timetables use, so an
expression validate accepts is one the dag-processor accepts and vice versa. No Airflow import.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta
from typing import Any, Literal

Partition = Literal["day", "hour", "minute"]
PARTITIONS: tuple[Partition, ...] = ("day", "hour", "minute")

CRON_PRESETS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
"""Airflow's cron presets (``airflow.utils.dates.cron_presets``)."""
NON_CRON_SCHEDULES = ("@once", "@continuous")


def partition_key(moment: datetime, partition: Partition) -> tuple[int, ...]:
    """What identifies the output partition of a run processing ``moment``."""
    key = (moment.year, moment.month, moment.day)
    if partition == "day":
        return key
    if partition == "hour":
        return (*key, moment.hour)
    return (*key, moment.hour, moment.minute)


def partition_path(moment: datetime, partition: Partition) -> str:
    """The partition folder(s) under an output: ``ds=2026-02-10``, ``ds=2026-02-10/hour=05``, ``.../minute=15``."""
    path = f"ds={moment.date().isoformat()}"
    if partition in ("hour", "minute"):
        path += f"/hour={moment.hour:02d}"
    if partition == "minute":
        path += f"/minute={moment.minute:02d}"
    return path


def check_cron(expression: str) -> str:
    """The five-field cron expression behind ``expression`` (a preset or cron); ValueError if Airflow would refuse it."""
    from croniter import CroniterBadCronError

    cron = CRON_PRESETS.get(expression, expression)
    if expression.startswith("@") and expression not in CRON_PRESETS:
        presets = ", ".join(sorted([*CRON_PRESETS, *NON_CRON_SCHEDULES]))
        raise ValueError(f"unknown preset {expression!r}; use one of {presets}")
    fields = cron.split()
    if len(fields) != 5:
        raise ValueError(
            f"{expression!r} is not a cron expression: it has {len(fields)} fields, Airflow takes five "
            "(minute hour day-of-month month day-of-week), e.g. '0 6 * * *'"
        )
    try:
        _expanded(cron)
    except (CroniterBadCronError, ValueError) as error:
        raise ValueError(f"{expression!r} is not a cron expression Airflow accepts: {error}") from None
    return cron


@functools.lru_cache(maxsize=4096)
def _expanded(cron: str) -> tuple[list[Any], ...]:
    """croniter's parse of ``cron`` (its fields, expanded), once per expression per process."""
    from croniter import croniter

    return tuple(croniter(cron).expanded)


@functools.lru_cache(maxsize=4096)
def schedule_problem(expression: str, start: date | datetime, partition: Partition) -> str | None:
    """Why Airflow would refuse ``expression``, or why its runs would share output partitions; None if neither.

    Memoised: objectives of a repository share a handful of schedules.
    """
    try:
        cron = check_cron(expression)
        first_fire_time(cron, start)
        clash = partition_clash(cron, start, partition)
    except ValueError as error:
        return str(error)
    return f"{expression!r} {clash}" if clash else None


def first_fire_time(cron: str, start: date | datetime) -> datetime:
    """The first time ``cron`` fires at or after ``start``; ValueError if it never does in five years."""
    from croniter import CroniterBadDateError, croniter

    begin = start if isinstance(start, datetime) else datetime(start.year, start.month, start.day)
    iterator = croniter(cron, begin.replace(tzinfo=None) - timedelta(seconds=1), max_years_between_matches=5)
    try:
        moment: datetime = iterator.get_next(datetime)
    except CroniterBadDateError:
        raise ValueError(f"{cron!r} never fires: no such date in the five years after the start date") from None
    return moment


def runs_per_partition(cron: str, partition: Partition) -> int:
    """How many runs fall in one partition, at most, on a day the schedule fires.

    A five-field cron fires at every listed minute of every listed hour of a day it fires on,
    so this is exact without walking the calendar.
    """
    minutes, hours = _expanded(cron)[:2]
    # croniter writes a field that covers its whole range as ["*"]
    per_hour = 60 if minutes == ["*"] else len(minutes)
    per_day = per_hour * (24 if hours == ["*"] else len(hours))
    if partition == "minute":
        return 1
    return per_hour if partition == "hour" else per_day


def partition_clash(cron: str, start: date | datetime, partition: Partition) -> str | None:
    """Why two runs of ``cron`` would share an output partition, or None when each run has its own."""
    if runs_per_partition(cron, partition) <= 1:
        return None
    from croniter import croniter

    first = first_fire_time(cron, start)
    second: datetime = croniter(cron, first).get_next(datetime)
    finer = next(option for option in PARTITIONS if runs_per_partition(cron, option) <= 1)
    return (
        f"runs at {first:%H:%M} and {second:%H:%M} of {first:%Y-%m-%d}, but outputs are partitioned by "
        f'{partition}: the second run would find the first one\'s output and skip; set "partition": "{finer}" in @dag'
    )
