"""How a config names a callback, and Airflow's deadline alerts. No Airflow import here, by design.

A callback is a function of the use case's handlers (or of an installed module), called with Airflow's
context and its ``args``, or an Airflow notifier class (``BaseNotifier``), built with its ``args`` and
called with the context. :mod:`maxai.config.callbacks` checks that each exists, without importing it;
:mod:`maxai.factory.callbacks` turns them into what Airflow calls.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Discriminator,
    Field,
    JsonValue,
    StringConstraints,
    Tag,
)

from maxai.config.durations import Seconds
from maxai.config.model_base import StrictModel as _Strict
from maxai.config.pysource import CLASS_PATTERN, FUNCTION_PATTERN

FunctionName = Annotated[str, StringConstraints(pattern=FUNCTION_PATTERN)]


class FunctionCallback(_Strict):
    function: FunctionName = Field(description="'module.path:function', called as function(context, **args)")
    args: dict[str, JsonValue] = Field(default_factory=dict, description="Keyword arguments after the context")


class NotifierCallback(_Strict):
    notifier: Annotated[str, StringConstraints(pattern=CLASS_PATTERN)] = Field(
        description="An Airflow notifier class (a BaseNotifier), as 'module.path.Class' or 'module.path:Class'"
    )
    args: dict[str, JsonValue] = Field(default_factory=dict, description="Keyword arguments of the notifier class")


def _kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "callback[str]"
    if isinstance(value, NotifierCallback) or (isinstance(value, dict) and "notifier" in value):
        return "callback[notifier]"
    if isinstance(value, FunctionCallback | dict):
        return "callback[function]"
    return None


# Union members are told apart by a discriminator, not by trying each: one error per mistake. Their tags have
# brackets, which maxai's error paths skip (a tag named like a key would pass for one).
CallbackRef = Annotated[
    Annotated[FunctionName, Tag("callback[str]")]
    | Annotated[FunctionCallback, Tag("callback[function]")]
    | Annotated[NotifierCallback, Tag("callback[notifier]")],
    Discriminator(
        _kind,
        custom_error_type="callback_type",
        custom_error_message="a callback is 'module.path:function', "
        '{"function": "module.path:function", "args": {...}} or {"notifier": "module.path.Class", "args": {...}}',
    ),
]


def _one_or_list(value: Any) -> str:
    return "list[]" if isinstance(value, list) else "one[]"


Callbacks = Annotated[
    Annotated[CallbackRef, Tag("one[]")] | Annotated[list[CallbackRef], Field(min_length=1), Tag("list[]")],
    Discriminator(_one_or_list),
]


class TaskCallbacks(_Strict):
    """A task's callbacks (``BaseOperator``'s, named in maxai.config.layout.TASK_CALLBACKS): each one callback
    or a list of them, called in order."""

    on_execute_callback: Callbacks | None = Field(default=None, description="Before the task runs")
    on_failure_callback: Callbacks | None = Field(default=None, description="When the task fails for good")
    on_success_callback: Callbacks | None = Field(default=None, description="When the task succeeds")
    on_retry_callback: Callbacks | None = Field(default=None, description="When the task fails and will be retried")
    on_skipped_callback: Callbacks | None = Field(default=None, description="When the task is skipped")


DeadlineReference = Literal["dagrun_queued_at", "dagrun_logical_date"]


class DeadlineSettings(_Strict):
    """One Airflow ``DeadlineAlert``: ``callback`` runs when a run is not finished ``interval`` after ``reference``."""

    reference: DeadlineReference = Field(
        description="dagrun_queued_at: when the run was queued (every kind of run); dagrun_logical_date: its "
        "logical date (runs without one, such as manual runs, get no deadline)"
    )
    interval: Annotated[Seconds, Field(gt=0)] = Field(
        description="How long after the reference the run must be finished"
    )
    callback: CallbackRef = Field(description="What is called when the deadline passes (a function or a notifier)")
    name: Annotated[str, StringConstraints(min_length=1, max_length=250)] | None = Field(
        default=None, description="The alert's name in Airflow (default: Airflow's)"
    )


Deadlines = Annotated[
    Annotated[DeadlineSettings, Tag("one[]")] | Annotated[list[DeadlineSettings], Field(min_length=1), Tag("list[]")],
    Discriminator(_one_or_list),
]
