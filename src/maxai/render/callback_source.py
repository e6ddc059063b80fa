"""Callbacks and deadline alerts in a standalone Airflow DAG file, and the form in which two DAGs' callbacks are
compared.

``build_dag`` wraps each callback named in config in a ``ConfiguredCallback`` that imports it when Airflow first
calls it, and each deadline alert's callback in ``maxai.factory.callbacks.run_deadline_callback``; both need maxai
where they run. The standalone file names what config names instead: the function (``functools.partial`` binds its
``args``) or the notifier built with its ``args``, imported at the top of the file from the domain's handlers, and a
deadline alert's ``SyncCallback`` points at a small function the file defines, which calls what config names.
"""

from __future__ import annotations

import functools
import inspect
import json
import keyword
from collections.abc import Callable, Mapping
from typing import Any

from maxai.render.python_source import UnwritableValue

HANDLERS_FOLDER = "#handlers-folder "
"""An ``imports`` entry: a folder put first on the import path before the callbacks' modules are imported."""
HANDLER_MODULE = "#handler-module "
"""An ``imports`` entry: a module a callback comes from, imported after the handlers folder is on the path."""

Source = Callable[[Any, set[str], int], str]
"""``python_source.source``, which imports this module only when it meets a callback."""

_MAXAI_DEADLINE_CALLBACK = "maxai.factory.callbacks.run_deadline_callback"


class UnwritableCallback(UnwritableValue):
    """A callback the standalone file cannot call the way maxai does."""


def _target(reference: str) -> tuple[str, str]:
    from maxai.config.pysource import split_reference

    return split_reference(reference)


def _imported(reference: str, handlers: str, imports: set[str]) -> str:
    """The expression naming ``reference`` in the file, and the imports it needs."""
    imports.add(HANDLERS_FOLDER + handlers)
    imports.add(HANDLER_MODULE + _target(reference)[0])
    return _reference_path(reference)


def _keywords(args: Mapping[str, Any], source: Source, imports: set[str], indent: int) -> list[str]:
    if all(key.isidentifier() and not keyword.iskeyword(key) for key in args):
        return [f"{key}={source(value, imports, indent + 4)}" for key, value in args.items()]
    return ["**" + source(dict(args), imports, indent + 4)]


def configured_callback_source(callback: Any, source: Source, imports: set[str], indent: int) -> str:
    """A ``maxai.factory.callbacks.ConfiguredCallback`` as the plain callable it stands for."""
    reference = callback.reference
    if isinstance(reference, str):
        return _imported(reference, callback.handlers, imports)
    if "notifier" in reference:
        notifier = _imported(reference["notifier"], callback.handlers, imports)
        return f"{notifier}({', '.join(_keywords(reference.get('args', {}), source, imports, indent))})"
    function = _imported(reference["function"], callback.handlers, imports)
    args = reference.get("args", {})
    if not args:
        return function
    imports.add("import functools")
    return f"functools.partial({', '.join([function, *_keywords(args, source, imports, indent)])})"


DEADLINE_FUNCTION = "#deadline-function"
"""An ``imports`` entry: the file defines :data:`DEADLINE_CALLBACK_SOURCE`."""
DEADLINE_CALLBACK = "deadline_callback"
DEADLINE_CALLBACK_SOURCE = f'''

def {DEADLINE_CALLBACK}(context, callback, args, notifier=False):
    """Airflow calls this when a run misses a deadline alert's deadline. It imports it from this file, whose top
    puts the handlers on the import path, and calls what config names as build_dag's DAG does: a function with
    the context first and its args, or a notifier built with its args."""
    module, _, name = callback.rpartition(".")
    target = getattr(importlib.import_module(module), name)
    return target(**args)(context) if notifier else target(context, **args)
'''
"""Why not the function config names itself: Airflow would import it by its dotted path where the alert fires,
where the domain's handlers need not be on the import path, and pass the context by the name ``context``."""


def _deadline_callback_kwargs(configured: str | dict[str, Any]) -> dict[str, Any]:
    """What :data:`DEADLINE_CALLBACK` gets for the callback config names (run_deadline_callback's ``callback``)."""
    configured = {"function": configured} if isinstance(configured, str) else configured
    named = configured.get("function") or configured["notifier"]
    kwargs: dict[str, Any] = {"callback": _reference_path(named), "args": dict(configured.get("args", {}))}
    if "notifier" in configured:
        kwargs["notifier"] = True
    return kwargs


def deadline_alert_source(alert: Any, source: Source, imports: set[str], indent: int) -> str:
    """A ``DeadlineAlert`` as Airflow's own classes, its callback :data:`DEADLINE_CALLBACK` calling what config
    names."""
    from airflow.sdk.definitions.deadline import DeadlineReference

    imports.add("from airflow.sdk.definitions.deadline import DeadlineAlert, DeadlineReference")
    imports.add("from airflow.sdk.definitions.callback import SyncCallback")
    names = [name for name in vars(DeadlineReference) if name.isupper()]
    reference = next((name for name in names if type(getattr(DeadlineReference, name)) is type(alert.reference)), None)
    if reference is None or alert.callback.path != _MAXAI_DEADLINE_CALLBACK:
        raise UnwritableCallback(f"a deadline alert maxai did not build: {alert.reference!r}, {alert.callback!r}")
    kwargs = _deadline_callback_kwargs(alert.callback.kwargs["callback"])
    _imported(kwargs["callback"], alert.callback.kwargs["handlers"], imports)
    imports.update({DEADLINE_FUNCTION, "import importlib"})
    pad = " " * (indent + 4)
    lines = [
        f"reference=DeadlineReference.{reference}",
        f"interval={source(alert.interval, imports, indent + 4)}",
        f"callback=SyncCallback({DEADLINE_CALLBACK}, kwargs={source(kwargs, imports, indent + 8)})",
    ]
    if alert.name is not None:
        lines.append(f"name={source(alert.name, imports, indent + 4)}")
    return "DeadlineAlert(\n" + "".join(f"{pad}{line},\n" for line in lines) + " " * indent + ")"


def handler_import_lines(imports: set[str]) -> list[str]:
    """The lines that put the handlers folders on the import path, import the callbacks' modules and define
    the deadline alerts' callback."""
    folders = sorted(entry[len(HANDLERS_FOLDER) :] for entry in imports if entry.startswith(HANDLERS_FOLDER))
    modules = sorted(entry[len(HANDLER_MODULE) :] for entry in imports if entry.startswith(HANDLER_MODULE))
    lines = [
        f"if {json.dumps(folder)} not in sys.path:  # the domain's handlers, where the callbacks come from\n"
        f"    sys.path.insert(0, {json.dumps(folder)})"
        for folder in folders
    ]
    lines += [f"import {module}  # noqa: E402" for module in modules]
    return lines + ([DEADLINE_CALLBACK_SOURCE] if DEADLINE_FUNCTION in imports else [])


def _path(value: Any) -> str:
    return f"{value.__module__}.{value.__qualname__}"


def _reference_path(reference: str) -> str:
    module, name = _target(reference)
    return f"{module}.{name}"


def _notifier_state(notifier: Any) -> dict[str, Any]:
    return {key: value for key, value in vars(notifier).items() if not key.startswith("_")}


def comparable_callback(value: Any) -> Any:
    """What a callback does, as a value two DAGs' callbacks can be compared by; ``value`` itself for anything else:
    a ``ConfiguredCallback`` and the plain callable the standalone file writes for it compare equal."""
    from maxai.factory.callbacks import ConfiguredCallback, load

    if isinstance(value, ConfiguredCallback):
        reference = value.reference
        if isinstance(reference, str):
            return ("function", _reference_path(reference), {})
        if "notifier" in reference:
            notifier = load(reference, value.handlers)
            return ("notifier", _path(type(notifier)), _notifier_state(notifier))
        return ("function", _reference_path(reference["function"]), dict(reference.get("args", {})))
    if isinstance(value, functools.partial) and not value.args:
        return ("function", _path(value.func), dict(value.keywords))
    if inspect.isfunction(value):
        return ("function", _path(value), {})
    if type(value).__name__ == "DeadlineAlert":
        callback = value.callback
        path, kwargs = callback.path, dict(callback.kwargs)
        if path == _MAXAI_DEADLINE_CALLBACK:
            path, kwargs = DEADLINE_CALLBACK, _deadline_callback_kwargs(kwargs["callback"])
        elif path.rpartition(".")[2] == DEADLINE_CALLBACK:  # the file's own, whatever module it was loaded as
            path = DEADLINE_CALLBACK
        return ("deadline", type(value.reference).__name__, value.interval, value.name, path, kwargs)
    if hasattr(value, "notify") and callable(value):  # an Airflow notifier the file builds
        return ("notifier", _path(type(value)), _notifier_state(value))
    return value
