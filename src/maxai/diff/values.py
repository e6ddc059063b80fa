"""Differences between two JSON values, as one change per key path that differs."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from maxai.errors import format_json_path


class _Unset:
    """The side of a change where the key does not exist."""

    def __repr__(self) -> str:
        return "(unset)"


UNSET: Any = _Unset()


@dataclass(frozen=True)
class ValueChange:
    path: str
    """Where the value lives, as a JSON path (``conf["spark.sql.shuffle.partitions"]``)."""
    old: Any = UNSET
    new: Any = UNSET

    def as_dict(self) -> dict[str, Any]:
        """``old``/``new`` are left out on the side where the key does not exist."""
        result: dict[str, Any] = {"path": self.path}
        if self.old is not UNSET:
            result["old"] = self.old
        if self.new is not UNSET:
            result["new"] = self.new
        return result

    def describe(self) -> str:
        return f"{self.path}: {show_value(self.old)} -> {show_value(self.new)}"


def show_value(value: Any) -> str:
    if value is UNSET:
        return "(unset)"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _same(old: Any, new: Any) -> bool:
    # JSON tells true from 1 and 1 from 1.0 in a config; Python's == does not.
    return type(old) is type(new) and old == new


def value_changes(old: Any, new: Any, path: tuple[str | int, ...] = ()) -> list[ValueChange]:
    """Every key path where ``old`` and ``new`` differ. Objects are compared key by key; a list that
    differs is one change (a list's meaning is its whole order, e.g. application arguments)."""
    if isinstance(old, dict) and isinstance(new, dict):
        changes: list[ValueChange] = []
        for key in [*old, *(key for key in new if key not in old)]:
            changes.extend(value_changes(old.get(key, UNSET), new.get(key, UNSET), (*path, key)))
        return changes
    if _same(old, new):
        return []
    return [ValueChange(format_json_path(path), old, new)]


def as_json(value: Any, root_prefix: str = "") -> Any:
    """A config value as plain JSON: models dumped, tuples as lists, dataclasses by field.

    Strings lose ``root_prefix`` (the repository root and a slash): resolved paths such as a Spark task's
    ``application`` are absolute, and two checkouts of one repository must compare equal.
    """
    if isinstance(value, BaseModel):
        return as_json(value.model_dump(mode="json"), root_prefix)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: as_json(getattr(value, field.name), root_prefix) for field in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): as_json(item, root_prefix) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_json(item, root_prefix) for item in value]
    if isinstance(value, str) and root_prefix:
        return value.replace(root_prefix, "")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
