"""Named time zones (``"Europe/Berlin"``), checked against the IANA database as Airflow will read them.

Airflow builds a DAG's time zone with pendulum, which reads the same IANA database as the standard
library's ``zoneinfo`` (the system's, else the ``tzdata`` package). No Airflow import here.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import date, datetime

UTC = "UTC"


@functools.cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def zone_problem(name: str) -> str | None:
    """Why ``name`` is not a time zone Airflow accepts, or None."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        pass
    else:
        return None
    from maxai.config.diagnostics import did_you_mean

    zones = _known_zones()
    spoken = name.strip().replace(" ", "_").lower()
    by_place = sorted(zone for zone in zones if zone.lower().rsplit("/", 1)[-1] == spoken)
    hint = f" (did you mean {by_place[0]!r}?)" if by_place else did_you_mean(name, zones)
    if not hint and name.strip()[:1] in "+-0123456789":
        hint = "; give a named zone such as 'Europe/Berlin' (a fixed offset would ignore daylight saving time)"
    return f"unknown time zone {name!r}{hint or '; use an IANA name such as Europe/Berlin or America/New_York'}"


def check_zone(name: str) -> str:
    """Pydantic validator: the name unchanged, or ValueError."""
    problem = zone_problem(name)
    if problem:
        raise ValueError(problem)
    return name


def local_start(start: date | datetime, zone: str) -> date | datetime:
    """``start`` as a wall-clock time of ``zone``: a date-time written with an offset is converted to it."""
    if isinstance(start, datetime) and start.tzinfo is not None:
        return start.astimezone(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None)
    return start
