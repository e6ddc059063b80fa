"""Check Kubernetes objects written in kubepod_config.json against the official schema.

The schema comes from the ``kubernetes-validate`` package (the Kubernetes OpenAPI
definitions as JSON Schema, in its "strict" flavour that rejects unknown keys), so a
misspelt ``mountpath`` is an error here instead of a field the pod silently lacks.
Loaded once per process, on first use.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from maxai.errors import JsonPath

_DEFINITIONS_URI = "/api/_definitions.json"


@functools.lru_cache(maxsize=1)
def _registry() -> tuple[Any, str]:
    import kubernetes_validate  # noqa: F401  (imported for its data files only)
    from referencing import Registry, Resource

    base = resources.files("kubernetes_validate").joinpath("kubernetes-json-schema")
    versions = sorted(
        (entry.name for entry in base.iterdir() if entry.name.endswith("-local-strict")),
        key=lambda name: tuple(int(part) for part in name[1:].split("-")[0].split(".")),
    )
    version = versions[-1]
    definitions = json.loads(base.joinpath(version, "_definitions.json").read_text(encoding="utf-8"))
    registry: Registry[Any] = Registry().with_resource(_DEFINITIONS_URI, Resource.from_contents(definitions))
    return registry, version.removesuffix("-local-strict")


def kubernetes_schema_version() -> str:
    return _registry()[1]


@functools.lru_cache(maxsize=64)
def _validator(definition: str, is_list: bool) -> Any:
    from jsonschema import Draft202012Validator

    item = {"$ref": f"{_DEFINITIONS_URI}#/$defs/{definition}"}
    schema = {"type": "array", "items": item} if is_list else item
    return Draft202012Validator(schema, registry=_registry()[0])


def check_k8s_object(value: Any, definition: str, is_list: bool) -> list[tuple[JsonPath, str]]:
    """Problems with ``value`` as (relative path, message); memoised, as objectives share their use case's pods."""
    return list(_check_cached(json.dumps(value, sort_keys=True), definition, is_list))


@functools.lru_cache(maxsize=2048)
def _check_cached(value_json: str, definition: str, is_list: bool) -> tuple[tuple[JsonPath, str], ...]:
    value = json.loads(value_json)
    validator = _validator(definition, is_list)
    problems: list[tuple[JsonPath, str]] = []
    for error in sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path))):
        leaf = _deepest(error)
        path: JsonPath = tuple(leaf.absolute_path)
        if leaf.validator == "additionalProperties":
            extras = sorted(set(leaf.instance) - set(leaf.schema.get("properties", {})))
            problems.extend(((*path, extra), _describe(leaf, extra)) for extra in extras)
        else:
            problems.append((path, _describe(leaf)))
    # "requires 'mountPath'" says nothing new next to "unknown field 'mountpath' (did you mean 'mountPath'?)"
    misspelt_parents = {path[:-1] for path, message in problems if message.startswith("unknown Kubernetes field")}
    return tuple(
        (path, message)
        for path, message in problems
        if not (message.startswith("Kubernetes requires") and path in misspelt_parents)
    )


def _deepest(error: Any) -> Any:
    while error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    return error


def _describe(error: Any, extra: str | None = None) -> str:
    if extra is not None:
        from maxai.config.diagnostics import did_you_mean

        return f"unknown Kubernetes field {extra!r}{did_you_mean(extra, list(error.schema.get('properties', {})))}"
    if error.validator == "required":
        return f"Kubernetes requires {error.message.split(' is a required')[0]}"
    if error.validator == "type":
        from maxai.config.diagnostics import json_type_name

        expected = error.validator_value
        expected_text = " or ".join(expected) if isinstance(expected, list) else expected
        return f"expected {expected_text}, got {json_type_name(error.instance)}"
    return str(error.message)
