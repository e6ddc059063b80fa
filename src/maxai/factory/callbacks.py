"""Callbacks named in config -> what Airflow calls: on the DAG, on each operator, in deadline alerts.

Nothing a callback names is imported while a DAG is parsed: each becomes a :class:`ConfiguredCallback`
that imports its function or notifier class when Airflow first calls it, in the process that runs it
(the task's for task callbacks, the dag-processor's for the DAG's, an executor's for deadline alerts),
with ``maxaiusecases/<domain>/`` first on the import path, as for pod handlers. ``maxai validate``
checked the names beforehand (maxai.config.callbacks).

A function is called as ``function(context, **args)``; a notifier is built as ``Notifier(**args)`` and
called with the context. A callback that raises is logged by Airflow and changes no task's state.
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from maxai.config.layout import DAG_CALLBACKS, TASK_CALLBACKS, USECASES_DIR
from maxai.config.objective import ObjectiveConfig

if TYPE_CHECKING:
    from airflow.sdk.definitions.deadline import DeadlineAlert

JsonReference = str | dict[str, Any]


def plain_json(value: Any) -> Any:
    """A setting as JSON: validated configs hold Pydantic models, configs from the parse cache plain JSON."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [plain_json(item) for item in value]
    return value


def _import(reference: str, handlers: str | None) -> Any:
    from maxai.config.pysource import split_reference

    module, name = split_reference(reference)
    if handlers is not None and handlers not in sys.path:
        sys.path.insert(0, handlers)
    return getattr(importlib.import_module(module), name)


def load(reference: JsonReference, handlers: str | None) -> Callable[[Any], Any]:
    """The callable behind a reference: a function with its ``args`` bound after the context, or a notifier.
    ``handlers`` goes first on the import path (None: the handlers are importable already, as in the domain's
    image where ``python -m maxai.runtime.callback`` calls them)."""
    if isinstance(reference, str):
        return _import(reference, handlers)  # type: ignore[no-any-return]
    if "notifier" in reference:
        return _import(reference["notifier"], handlers)(**reference.get("args", {}))  # type: ignore[no-any-return]
    return functools.partial(_import(reference["function"], handlers), **reference.get("args", {}))


class ConfiguredCallback:
    """One callback from config; imports what it names on its first call, never while the DAG is parsed."""

    def __init__(self, reference: JsonReference, handlers: str) -> None:
        self.reference = reference
        self.handlers = handlers
        target = reference if isinstance(reference, str) else reference.get("function") or reference["notifier"]
        self.__name__ = str(target)  # Airflow logs a DAG callback by its __name__
        self.dag: Any = None
        """The DAG whose own callback this is (see :func:`bind_dag_callbacks`)."""

    def __call__(self, context: Any) -> Any:
        dag = context.get("dag")
        if self.dag is not None and dag is not None and not hasattr(dag, "get_template_env"):
            # Airflow 3.3's dag.test() (so maxai run) gives DAG callbacks its scheduler-side copy of the DAG,
            # with which a notifier cannot render its templates; the dag-processor gives the DAG itself.
            context = {**context, "dag": self.dag}
        return load(self.reference, self.handlers)(context)

    def __repr__(self) -> str:
        return f"ConfiguredCallback({self.reference!r})"


def _callbacks(value: Any, handlers: str) -> list[ConfiguredCallback] | None:
    value = plain_json(value)
    if value is None:
        return None
    return [ConfiguredCallback(reference, handlers) for reference in (value if isinstance(value, list) else [value])]


def handlers_folder(config: ObjectiveConfig) -> str:
    """The package root of the domain's handlers, put first on the import path of a callback."""
    return str(config.root / USECASES_DIR / config.ref.domain)


def task_callback_arguments(config: ObjectiveConfig, settings: Mapping[str, Any] | Any) -> dict[str, Any]:
    """BaseOperator's callback arguments set in ``settings`` (a task's operator arguments, or default_args)."""
    result = {}
    for key in TASK_CALLBACKS:
        value = settings.get(key) if isinstance(settings, Mapping) else getattr(settings, key, None)
        callbacks = _callbacks(value, handlers_folder(config))
        if callbacks is not None:
            result[key] = callbacks
    return result


def dag_callback_arguments(config: ObjectiveConfig) -> dict[str, Any]:
    """The DAG's callback arguments: ``on_success_callback``, ``on_failure_callback`` and ``deadline``."""
    result: dict[str, Any] = {}
    for key in DAG_CALLBACKS:
        callbacks = _callbacks(getattr(config.dag, key, None), handlers_folder(config))
        if callbacks is not None:
            result[key] = callbacks
    deadline = plain_json(getattr(config.dag, "deadline", None))
    if deadline is not None:
        result["deadline"] = [
            _deadline_alert(alert, handlers_folder(config))
            for alert in (deadline if isinstance(deadline, list) else [deadline])
        ]
    return result


def bind_dag_callbacks(dag: Any) -> None:
    """Tell the DAG's own callbacks which DAG they belong to."""
    for callback in [*(dag.on_success_callback or []), *(dag.on_failure_callback or [])]:
        if isinstance(callback, ConfiguredCallback):
            callback.dag = dag


def _deadline_alert(alert: dict[str, Any], handlers: str) -> DeadlineAlert:
    from airflow.sdk.definitions.callback import SyncCallback
    from airflow.sdk.definitions.deadline import DeadlineAlert, DeadlineReference

    return DeadlineAlert(
        reference=getattr(DeadlineReference, alert["reference"].upper()),
        interval=timedelta(seconds=alert["interval"]),
        # Airflow imports a deadline callback by its dotted path in an executor: this function, which
        # loads the configured one the same way as task callbacks. Its kwargs are stored as JSON.
        callback=SyncCallback(run_deadline_callback, kwargs={"callback": alert["callback"], "handlers": handlers}),
        name=alert.get("name"),
    )


def run_deadline_callback(callback: JsonReference, handlers: str, context: dict[str, Any]) -> None:
    """Called by Airflow's executor when a run misses a deadline; ``context`` holds ``dag_run`` and ``deadline``."""
    load(callback, handlers)(context)
