"""Turn Pydantic validation errors into short messages a data engineer can act on."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from maxai.config.jsonfile import child
from maxai.config.models import FUNCTION_PATTERN, MEMORY_PATTERN, TASK_NAME_PATTERN
from maxai.config.secrets import is_secret_key
from maxai.errors import JsonPath

_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "bool_type": "true or false",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "list_type": "a list",
    "none_required": "null",
    "date_type": "a date",
    "datetime_type": "a date",
}


_PATTERN_MEANINGS = {
    MEMORY_PATTERN: "a memory size such as '512m' or '2g'",
    TASK_NAME_PATTERN: "a valid task name (letters, digits, '_', '.', '-'; at most 200 characters)",
    FUNCTION_PATTERN: "a handler reference such as 'package.module:function'",
}


def json_type_name(value: Any) -> str:
    if isinstance(value, _Hidden):
        return "a value"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


class _Hidden:
    """Stands in for a value that must not be echoed (it sits under a credential-like key)."""

    def __repr__(self) -> str:
        return "'***'"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a close candidate exists, else an empty string."""
    pool = {candidate.replace("-", "_").lower(): candidate for candidate in candidates}
    matches = difflib.get_close_matches(word.replace("-", "_").lower(), list(pool), n=1, cutoff=0.7)
    return f" (did you mean {pool[matches[0]]!r}?)" if matches else ""


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types behind Optional / Union / Annotated."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        return [inner for arg in typing.get_args(annotation) for inner in _unwrap(arg)]
    return [annotation]


def _child_types(annotation: Any, part: str | int) -> list[Any]:
    children: list[Any] = []
    for candidate in _unwrap(annotation):
        origin = typing.get_origin(candidate)
        if isinstance(candidate, type) and issubclass(candidate, BaseModel) and isinstance(part, str):
            field = _field_by_key(candidate, part)
            if field is not None:
                children.extend(_unwrap(field))
            else:
                extra = candidate.__annotations__.get("__pydantic_extra__")
                resolved = typing.get_type_hints(candidate).get("__pydantic_extra__") if extra else None
                if resolved is not None:
                    children.extend(_child_types(resolved, part))
        elif origin is list and isinstance(part, int):
            children.extend(_unwrap(typing.get_args(candidate)[0]))
        elif origin is dict and isinstance(part, str):
            children.extend(_unwrap(typing.get_args(candidate)[1]))
    return children


def _field_by_key(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info.annotation
    return None


def allowed_keys(root: type[BaseModel], path: JsonPath) -> list[str]:
    """Keys the model allows for the object at ``path`` (for "did you mean")."""
    types_here: list[Any] = [root]
    for part in path:
        types_here = [child for current in types_here for child in _child_types(current, part)]
    keys: list[str] = []
    for candidate in types_here:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            keys.extend(info.alias or name for name, info in candidate.model_fields.items())
    return keys


def _real_path(data: Any, loc: tuple[str | int, ...]) -> JsonPath:
    """Drop Pydantic's union-member tags from ``loc``, keeping only keys present in the data."""
    path: list[str | int] = []
    for part in loc:
        found, value = child(data, part)
        if found:
            data = value
            path.append(part)
        elif isinstance(data, dict) and isinstance(part, str) and not path_is_tag(part):
            path.append(part)  # a missing required key
            break
    return tuple(path)


def path_is_tag(part: str) -> bool:
    """Pydantic names union members in ``loc`` ("str", "dict[str,str]", "function-after[...]")."""
    return any(mark in part for mark in "[]") or part in {
        "str",
        "int",
        "float",
        "bool",
        "list",
        "dict",
        "date",
        "datetime",
    }


def _value_at(data: Any, path: JsonPath) -> Any:
    for part in path:
        data = data[part]
    if path and isinstance(path[-1], str) and is_secret_key(path[-1]):
        return _Hidden()
    return data


def _message(error: ErrorDetails, value: Any, root: type[BaseModel], path: JsonPath) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(path[-1])
        return f"unknown key {_short(key)}{did_you_mean(key[:100], allowed_keys(root, path[:-1]))}"
    if kind == "missing":
        return f"required key {str(path[-1])!r} is missing"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {json_type_name(value)} {_short(value)}"
    if kind == "string_pattern_mismatch":
        shown = value if isinstance(value, str | _Hidden) else error.get("input")
        pattern = str(error.get("ctx", {}).get("pattern"))
        if pattern == TASK_NAME_PATTERN and isinstance(shown, str) and shown.startswith("@"):
            return f"unknown section {_short(shown)}; the only reserved section is '@dag'"
        wanted = _PATTERN_MEANINGS.get(pattern, f"a string matching {pattern}")
        return f"{_short(shown)} is not {wanted}"
    if kind == "too_short" and isinstance(value, list | dict):
        return "must not be empty"
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    if kind == "literal_error":
        return f"{_short(value)} is not allowed; expected {error.get('ctx', {}).get('expected')}"
    return f"{error['msg']} (got {_short(value)})"


def problems_from_validation(error: ValidationError, data: Any, root: type[BaseModel]) -> list[tuple[JsonPath, str]]:
    """``(path, message)`` pairs, one per place, with union alternatives folded together."""
    by_path: dict[JsonPath, list[str]] = {}
    expected_by_path: dict[JsonPath, list[str]] = {}
    for detail in error.errors(include_url=False):
        path = _real_path(data, tuple(detail["loc"]))
        try:
            value = _value_at(data, path)
        except (KeyError, IndexError, TypeError):
            value = None
        if detail["type"] in _EXPECTED and detail["type"] != "missing":
            expected_by_path.setdefault(path, []).append(_EXPECTED[detail["type"]])
            by_path.setdefault(path, [])
            continue
        message = _message(detail, value, root, path)
        messages = by_path.setdefault(path, [])
        if message not in messages:
            messages.append(message)
    result: list[tuple[JsonPath, str]] = []
    for path, messages in by_path.items():
        expected = list(dict.fromkeys(expected_by_path.get(path, [])))
        if expected and not messages:
            try:
                value = _value_at(data, path)
            except (KeyError, IndexError, TypeError):
                value = None
            messages = [f"expected {' or '.join(expected)}, got {json_type_name(value)} {_short(value)}"]
        elif expected:
            messages = [f"{messages[0]} (or {' or '.join(expected)})"]
        result.extend((path, message) for message in messages[:1])
    return result
