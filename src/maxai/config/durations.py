"""Durations in configs: whole seconds (``300``) or a string such as ``"5m"``, ``"1h30m"``, ``"2d"``."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, NonNegativeInt, WithJsonSchema

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def _parse_duration(value: Any) -> Any:
    """Durations are whole seconds (``300``) or a string such as ``"5m"``, ``"1h30m"``, ``"2d"``."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or a string like '5m' or '1h30m'")
    if isinstance(value, str):
        match = _DURATION.match(value.strip())
        if not value.strip() or match is None:
            raise ValueError(f"{value!r} is not a duration; use seconds or a string like '90s', '5m', '1h30m', '2d'")
        days, hours, minutes, seconds = (int(group or 0) for group in match.groups())
        value = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    if isinstance(value, int) and value > MAX_DURATION_SECONDS:
        raise ValueError(f"{value} seconds is more than Airflow can hold; the longest duration is 3650d (ten years)")
    return value


MAX_DURATION_SECONDS = 3650 * 24 * 3600
Seconds = Annotated[
    NonNegativeInt,
    BeforeValidator(_parse_duration),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": 3650 * 24 * 3600},
                {"type": "string", "pattern": r"^(\d+d)?(\d+h)?(\d+m)?(\d+s)?$", "minLength": 2},
            ],
            "description": "Seconds, or a duration such as '90s', '5m', '1h30m', '2d'",
        }
    ),
]
