"""The running task's identity, parameters, paths and idempotency helpers."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from maxai.config.layout import DATA_DIR, is_uri
from maxai.config.models import TaskParams
from maxai.config.schedule import PARTITIONS, Partition, partition_path
from maxai.runtime.context import (
    ENV_DATA_DIR,
    ENV_DATE_SOURCE,
    ENV_DOMAIN,
    ENV_ITEM,
    ENV_OBJECTIVE,
    ENV_PARAMS,
    ENV_PARTITION,
    ENV_RUN_DATE,
    ENV_RUN_ID,
    ENV_RUN_PARAMS,
    ENV_RUN_TIME,
    ENV_RUN_TYPE,
    ENV_TASK,
    ENV_USECASE,
    FORCE_ENV,
)
from maxai.runtime.provenance import DONE_MARKER, must_recompute, read_writer, record_at_exit, record_writer


class TaskContextError(RuntimeError):
    """The process was not started by a maxai task (or its environment is damaged)."""


@dataclass(frozen=True)
class TaskContext:
    """What a running task knows about itself; handlers get it from :func:`current_task`."""

    domain: str
    usecase: str
    objective: str
    task: str
    """The task's name (its Airflow task_id)."""
    run_date: date
    """The date this run processes: its ``date`` param, else its logical date, else the day it ran (UTC, or the
    objective's time zone when it is partitioned by day)."""
    run_id: str
    params: TaskParams
    """The task's validated ``py_config.json`` entry: ``input``, ``output``, ``function``, ``args``, ``force``."""
    data_dir: str
    """The folder relative ``input`` and ``output`` paths are under."""
    run_type: str = ""
    """``manual``, ``scheduled``, ``backfill``, ``asset_triggered``, ... (empty outside Airflow)."""
    date_source: str = ""
    """Where ``run_date`` came from: ``date param``, ``logical date`` or ``run day``."""
    forced: bool = False
    """The run asked to recompute outputs that already exist (its ``force`` param, ``maxai run --force``)."""
    run_time: datetime | None = None
    """The moment this run processes (UTC), for objectives partitioned by hour or minute; midnight otherwise."""
    partition: Partition = "day"
    """How outputs are partitioned: ``day`` (``ds=...``), ``hour`` (``ds=.../hour=05``) or ``minute``."""
    run_params: Mapping[str, Any] = field(default_factory=dict)
    """The values of the DAG params the objective declares (``@dag.params``) for this run."""
    item: Mapping[str, Any] = field(default_factory=dict)
    """For a ``for_each`` task, the value this run handles (``{"region": "eu"}``); empty otherwise."""

    @property
    def moment(self) -> datetime:
        """What the run's partition is named after: its date (a day of the objective's zone), or its UTC time."""
        if self.partition == "day" or self.run_time is None:
            return datetime(self.run_date.year, self.run_date.month, self.run_date.day)
        return self.run_time

    @property
    def dag_id(self) -> str:
        return f"{self.domain}.{self.usecase}.{self.objective}"

    @property
    def args(self) -> Mapping[str, Any]:
        """The task's ``args`` from py_config.json, with its ``for_each`` value when it has one."""
        return {**self.params.args, **self.item} if self.item else self.params.args

    def _setting(self, setting: str, key: str | None) -> str:
        value = getattr(self.params, setting)
        if value is None:
            raise TaskContextError(f"task {self.task!r} has no {setting!r} in py_config.json")
        if isinstance(value, dict):
            if key is None:
                if len(value) != 1:
                    raise TaskContextError(f"task {self.task!r} has several {setting}s; name one of {sorted(value)}")
                key = next(iter(value))
            if key not in value:
                raise TaskContextError(f"task {self.task!r} has no {setting} named {key!r}; it has {sorted(value)}")
            return str(value[key])
        if key is not None:
            raise TaskContextError(f"task {self.task!r} has a single {setting}; it has no name {key!r}")
        return str(value)

    def resolve(self, path: str) -> str:
        """A relative data path made absolute under the data folder; URIs are returned unchanged."""
        if is_uri(path):
            return path
        return str(Path(self.data_dir) / path)

    def dated(self, path: str) -> str:
        """The partition of ``path`` this run processes (``.../ds=2026-01-31``, ``.../ds=2026-01-31/hour=05``)."""
        return f"{path.rstrip('/')}/{partition_path(self.moment, self.partition)}"

    def input_path(self, key: str | None = None, *, dated: bool = False) -> str:
        """The task's ``input`` (or ``input[key]``), resolved; ``dated=True`` picks this date's partition."""
        path = self.resolve(self._setting("input", key))
        return self.dated(path) if dated else path

    def output_path(self, key: str | None = None) -> str:
        """The task's ``output`` (or ``output[key]``) partition for the date this run processes, resolved.

        A ``for_each`` run writes below the date, in a folder of its value (``.../ds=2026-01-31/region=eu``),
        so that a task downstream reads all values of the date as one partitioned dataset.
        """
        dated = self.dated(self.resolve(self._setting("output", key)))
        return "/".join([dated, *(f"{name}={value}" for name, value in self.item.items())])

    def is_done(self, path: str) -> bool:
        """True when ``path`` holds a completed output (its ``_SUCCESS`` marker, or the file itself)."""
        if is_uri(path):
            return False  # no filesystem client here: remote outputs are always recomputed
        target = Path(path)
        return (target / DONE_MARKER).is_file() if target.is_dir() else target.is_file()

    def skip_if_done(self, key: str | None = None) -> bool:
        """True (and logged) when this date's output already exists and ``force`` is not set.

        Reruns and backfills then reuse finished work; set ``"force": true`` on the task
        in py_config.json, or trigger the run with the ``force`` param, to recompute.
        """
        path = self.output_path(key)
        if self.params.force or self.forced:
            print(f"maxai: force is set: recomputing {path} for {self.run_date}", flush=True)
            self._record_writer(path)
            return False
        if self.is_done(path):
            writer = read_writer(path)
            by = f"written by {writer.describe()}; " if writer else ""
            if writer is not None and must_recompute(self.run_type, writer):
                print(
                    f"maxai: output {path} for {self.run_date} was written by {writer.describe()}; "
                    f"this {self.run_type} run recomputes it",
                    flush=True,
                )
                self._record_writer(path)
                return False
            print(
                f"maxai: output {path} already exists for {self.run_date}; skipping "
                f"({by}trigger with force=true to recompute)",
                flush=True,
            )
            return True
        self._record_writer(path)
        return False

    def _record_writer(self, path: str) -> None:
        if not is_uri(path):
            record_at_exit(path, self.run_id, self.run_type, self.task, self.date_source)

    def mark_done(self, key: str | None = None) -> None:
        """Write the ``_SUCCESS`` marker for outputs that are not written by Spark."""
        path = self.output_path(key)
        if not is_uri(path):
            Path(path).mkdir(parents=True, exist_ok=True)
            (Path(path) / DONE_MARKER).touch()
            record_writer(path, self.run_id, self.run_type, self.task, self.date_source)

    def with_function(self, function: str) -> TaskContext:
        """The same context calling another handler (``module.path:name``)."""
        try:
            params = TaskParams.model_validate({**self.params.model_dump(), "function": function})
        except ValueError:
            raise TaskContextError(f"{function!r} is not a handler reference; use 'module.path:function'") from None
        return replace(self, params=params)

    def call_handler(self, *positional: Any) -> Any:
        """Import ``function`` ("module.path:name") from py_config and call it with ``args``."""
        import importlib

        spec = self.params.function
        if spec is None:
            raise TaskContextError(f"task {self.task!r} has no 'function' in py_config.json")
        module_name, _, attribute = spec.partition(":")
        try:
            function = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as error:
            raise TaskContextError(f"cannot load handler {spec!r}: {error}") from None
        return function(*positional, **self.params.args)


def _require(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name)
    if not value:
        raise TaskContextError(
            f"{name} is not set: this code must run as a maxai task (spark-submit, pod, or `maxai run`)"
        )
    return value


def current_task(environ: Mapping[str, str] | None = None) -> TaskContext:
    """The context of the task this process runs, read from the environment the factory set."""
    env = os.environ if environ is None else environ
    raw_params = _require(env, ENV_PARAMS)
    try:
        params = TaskParams.model_validate(json.loads(raw_params))
    except ValueError as error:
        raise TaskContextError(f"{ENV_PARAMS} is not valid task parameters: {error}") from None
    raw_date = _require(env, ENV_RUN_DATE)
    try:
        run_date = date.fromisoformat(raw_date)
    except ValueError:
        raise TaskContextError(f"{ENV_RUN_DATE}={raw_date!r} is not a date (YYYY-MM-DD)") from None
    partition = env.get(ENV_PARTITION) or "day"
    if partition not in PARTITIONS:
        raise TaskContextError(f"{ENV_PARTITION}={partition!r} is not one of {', '.join(PARTITIONS)}")
    raw_time = env.get(ENV_RUN_TIME)
    run_time = None
    if raw_time:
        try:
            parsed = datetime.fromisoformat(raw_time)
            run_time = parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
        except ValueError:
            raise TaskContextError(f"{ENV_RUN_TIME}={raw_time!r} is not a date and time (YYYY-MM-DDTHH:MM)") from None
    context = TaskContext(
        run_params=_json_object(env, ENV_RUN_PARAMS),
        item=_json_object(env, ENV_ITEM),
        domain=_require(env, ENV_DOMAIN),
        usecase=_require(env, ENV_USECASE),
        objective=_require(env, ENV_OBJECTIVE),
        task=_require(env, ENV_TASK),
        run_date=run_date,
        run_id=env.get(ENV_RUN_ID, ""),
        params=params,
        data_dir=env.get(ENV_DATA_DIR) or str(Path.cwd() / DATA_DIR),
        run_type=env.get(ENV_RUN_TYPE, ""),
        date_source=env.get(ENV_DATE_SOURCE, ""),
        forced=env.get(FORCE_ENV) == "1",
        run_time=run_time,
        partition=partition,
    )
    _announce(context)
    return context


def _json_object(environ: Mapping[str, str], name: str) -> dict[str, Any]:
    raw = environ.get(name)
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise TaskContextError(f"{name} is not JSON: {raw[:200]!r}") from None
    if not isinstance(value, dict):
        raise TaskContextError(f"{name} is not a JSON object: {raw[:200]!r}")
    return value


_announced: set[tuple[str, str]] = set()


def _announce(context: TaskContext) -> None:
    """Say once per process, in the task's log, which date this task processes and why."""
    key = (context.run_id, context.task + json.dumps(context.item, sort_keys=True))
    if key in _announced:
        return
    _announced.add(key)
    run = f"{context.run_type} run {context.run_id}" if context.run_type else f"run {context.run_id or '(no id)'}"
    source = f" ({context.date_source})" if context.date_source else ""
    what = context.run_date.isoformat()
    if context.partition != "day":
        what = f"{context.moment:%Y-%m-%d %H:%M} UTC ({context.partition} partition)"
    item = "".join(f" [{key}={value}]" for key, value in context.item.items())
    print(f"maxai: {context.dag_id} / {context.task}{item} processes {what}{source}, {run}", flush=True)
