"""Python source for the values an Airflow DAG is built from: literals, durations, dates, Params, Kubernetes
models, the provider's Secret, assets, callbacks and deadline alerts (maxai.render.callback_source). Anything
else is refused, so a value is never written approximately."""

from __future__ import annotations

import json
import keyword
from datetime import datetime, timedelta
from typing import Any

WIDTH = 100


class UnwritableValue(TypeError):
    """A value ``maxai render airflow`` cannot write as source."""


def _string(value: str) -> str:
    if '"' in value and "'" not in value:
        return repr(value)
    return json.dumps(value, ensure_ascii=False)  # JSON's escapes are Python's, and its quotes are double


def _call(name: str, positional: list[str], keywords: dict[str, str], indent: int) -> str:
    parts = positional + [f"{key}={text}" for key, text in keywords.items()]
    one_line = f"{name}({', '.join(parts)})"
    if len(one_line) + indent <= WIDTH and "\n" not in one_line:
        return one_line
    pad = " " * (indent + 4)
    return f"{name}(\n" + "".join(f"{pad}{part},\n" for part in parts) + " " * indent + ")"


def _container(opening: str, closing: str, items: list[str], indent: int) -> str:
    one_line = opening + ", ".join(items) + closing
    if len(one_line) + indent <= WIDTH and "\n" not in one_line:
        return one_line
    pad = " " * (indent + 4)
    return opening + "\n" + "".join(f"{pad}{item},\n" for item in items) + " " * indent + closing


def _kubernetes_model(value: Any, indent: int, imports: set[str]) -> str:
    imports.add("from kubernetes.client import models as k8s")
    keywords = {
        attribute: source(getattr(value, attribute), imports, indent + 4)
        for attribute in value.openapi_types
        if getattr(value, attribute) is not None
    }
    return _call(f"k8s.{type(value).__name__}", [], keywords, indent)


def _param(value: Any, indent: int, imports: set[str]) -> str:
    imports.add("from airflow.sdk import Param")
    positional = [source(value.value, imports, indent + 4)]
    keywords = {}
    if value.description is not None:
        keywords["description"] = source(value.description, imports, indent + 4)
    if all(key.isidentifier() and not keyword.iskeyword(key) for key in value.schema):
        keywords.update({key: source(item, imports, indent + 4) for key, item in value.schema.items()})
    else:
        positional.append("**" + source(value.schema, imports, indent + 4))
    return _call("Param", positional, keywords, indent)


def source(value: Any, imports: set[str], indent: int = 0) -> str:
    """``value`` as a Python expression; ``imports`` receives the import lines it needs."""
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list | tuple):
        return _container("[", "]", [source(item, imports, indent + 4) for item in value], indent)
    if isinstance(value, set | frozenset):
        return _container("[", "]", [source(item, imports, indent + 4) for item in sorted(value)], indent)
    if isinstance(value, dict):
        items = [f"{source(key, imports)}: {source(item, imports, indent + 4)}" for key, item in value.items()]
        return _container("{", "}", items, indent)
    if isinstance(value, timedelta):
        imports.add("from datetime import timedelta")
        seconds = value.total_seconds()
        return f"timedelta(seconds={int(seconds) if seconds.is_integer() else seconds})"
    if isinstance(value, datetime):
        zone = getattr(value.tzinfo, "name", None)
        if zone is None:
            raise UnwritableValue(f"a date and time without a named time zone: {value!r}")
        imports.add("import pendulum")
        fields = [value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond]
        while len(fields) > 3 and fields[-1] == 0:
            fields.pop()
        return f"pendulum.datetime({', '.join(map(str, fields))}, tz={_string(zone)})"
    kind = type(value)
    if kind.__module__.startswith("kubernetes.client.models") and hasattr(value, "openapi_types"):
        return _kubernetes_model(value, indent, imports)
    if f"{kind.__module__}.{kind.__qualname__}" == "airflow.providers.cncf.kubernetes.secret.Secret":
        imports.add("from airflow.providers.cncf.kubernetes.secret import Secret")
        fields = [value.deploy_type, value.deploy_target, value.secret, value.key]
        return f"Secret({', '.join(source(field, imports) for field in fields)})"
    if f"{kind.__module__}.{kind.__qualname__}" == "airflow.sdk.definitions.param.Param":
        return _param(value, indent, imports)
    qualified = f"{kind.__module__}.{kind.__qualname__}"
    if qualified == "maxai.factory.callbacks.ConfiguredCallback":
        from maxai.render.callback_source import configured_callback_source

        return configured_callback_source(value, source, imports, indent)
    if qualified == "airflow.sdk.definitions.deadline.DeadlineAlert":
        from maxai.render.callback_source import deadline_alert_source

        return deadline_alert_source(value, source, imports, indent)
    if qualified == "airflow.sdk.definitions.asset.Asset":
        imports.add("from airflow.sdk import Asset")
        return f"Asset(name={_string(value.name)}, uri={_string(value.uri)})"
    if qualified in ("airflow.sdk.definitions.asset.AssetAll", "airflow.sdk.definitions.asset.AssetAny"):
        imports.add(f"from airflow.sdk import {kind.__name__}")
        return _call(kind.__name__, [source(item, imports, indent + 4) for item in value.objects], {}, indent)
    if f"{kind.__module__}.{kind.__qualname__}" == "airflow.sdk.definitions.param.ParamsDict":
        return source({key: value.get_param(key) for key in value}, imports, indent)
    raise UnwritableValue(f"a value of type {kind.__module__}.{kind.__qualname__}")
