"""Run one objective's DAG on this machine with ``dag.test()``, reporting progress per task.

Airflow's and Spark's own output (thousands of lines) goes to a log file under the local
Airflow home; the terminal gets one line per task event and, when a task fails, the tail of
that task's log.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from maxai.config.layout import ObjectiveRef
from maxai.runner.home import prepare
from maxai.runtime.context import FORCE_PARAM

LOG_TAIL_LINES = 40


@dataclass
class TaskOutcome:
    name: str
    state: str
    duration: float | None
    log_tail: list[str] = field(default_factory=list)


@dataclass
class RunOutcome:
    dag_id: str
    logical_date: date
    state: str
    log_file: Path
    tasks: list[TaskOutcome]

    @property
    def succeeded(self) -> bool:
        return self.state == "success" and all(task.state in ("success", "skipped") for task in self.tasks)

    @property
    def failed_tasks(self) -> list[TaskOutcome]:
        return [task for task in self.tasks if task.state not in ("success", "skipped")]


@contextlib.contextmanager
def _output_to(log_file: Path) -> Iterator[TextIO]:
    """Send fds 1 and 2 (ours and every subprocess's) to ``log_file``; yield the real terminal."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    terminal = os.fdopen(os.dup(saved_out), "w", buffering=1)
    with log_file.open("a") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield terminal
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved_out, 1)
            os.dup2(saved_err, 2)
            os.close(saved_out)
            os.close(saved_err)
            terminal.close()


def task_log_tail(log_file: Path, task: str, lines: int = LOG_TAIL_LINES) -> list[str]:
    """The last lines the failing task wrote (``dag.test`` marks each task's start and end)."""
    start_marker = f"starting task_id={task} "
    end_marker = f"end task task_id={task} "
    collected: list[str] = []
    inside = False
    with log_file.open(errors="replace") as handle:
        for line in handle:
            if start_marker in line:
                inside, collected = True, []
            elif end_marker in line:
                inside = False
            elif inside:
                collected.append(line.rstrip("\n"))
    return collected[-lines:]


def instance_name(instance: Any) -> str:
    """A task instance as users name it: ``task``, or ``task[2]`` for one run of a ``for_each`` task."""
    map_index = getattr(instance, "map_index", -1)
    return instance.task_id if map_index is None or map_index < 0 else f"{instance.task_id}[{map_index}]"


def _attach_progress(dag: Any, echo: Callable[[str], None]) -> None:
    started: dict[str, float] = {}

    def on_start(context: Any) -> None:
        name = instance_name(context["ti"])
        started[name] = time.monotonic()
        echo(f"  ... {name} running")

    def finished(state: str) -> Callable[[Any], None]:
        def report(context: Any) -> None:
            name = instance_name(context["ti"])
            elapsed = time.monotonic() - started.get(name, time.monotonic())
            echo(f"  {state:>7} {name} ({elapsed:.1f}s)")

        return report

    for task in dag.tasks:
        # Airflow normalises callbacks to lists at construction; set after it, they must be lists too.
        # The progress lines come first, then the task's own callbacks from its config.
        task.on_execute_callback = [on_start, *task.on_execute_callback]
        task.on_success_callback = [finished("ok"), *task.on_success_callback]
        task.on_failure_callback = [finished("FAILED"), *task.on_failure_callback]
        task.on_skipped_callback = [finished("skipped"), *task.on_skipped_callback]
        # dag.test() waits out retry delays in the foreground; a local run reports the failure instead.
        task.retries = 0


def run_objective(
    root: Path,
    ref: ObjectiveRef,
    logical_date: date,
    *,
    pods: str = "skip",
    force: bool = False,
    echo: Callable[[str], None] | None = None,
    home: Path | None = None,
    params: dict[str, Any] | None = None,
) -> RunOutcome:
    """Run the objective for ``logical_date``; returns the per-task outcome (never raises on task failure).

    ``params`` are values of the objective's declared DAG params, as a trigger would give them.
    The environment Airflow and Spark need is set for the run and restored afterwards.
    """
    saved_environment = dict(os.environ)
    try:
        return _run(root, ref, logical_date, pods, force, echo, home, params or {})
    finally:
        os.environ.clear()
        os.environ.update(saved_environment)


def _run(
    root: Path,
    ref: ObjectiveRef,
    logical_date: date,
    pods: str,
    force: bool,
    echo: Callable[[str], None] | None,
    home: Path | None,
    params: dict[str, Any],
) -> RunOutcome:
    local = prepare(root, home)
    from maxai.config.loader import load_objective
    from maxai.factory.dag import dag_from_config

    config = load_objective(local.root, *ref.parts)
    dag = dag_from_config(config, pods=pods)  # type: ignore[arg-type]
    log_dir = local.home / "runs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / f"{ref.dag_id}_{logical_date.isoformat()}_{int(time.time())}.log"

    import pendulum

    # Midnight of that day where the run date is taken: the objective's zone for daily partitions, else UTC.
    zone = config.dag.timezone if config.dag.partition == "day" else "UTC"
    when = pendulum.datetime(logical_date.year, logical_date.month, logical_date.day, tz=zone)
    with _output_to(log_file) as terminal:

        def say(message: str) -> None:
            (echo or (lambda text: print(text, file=terminal, flush=True)))(message)

        _attach_progress(dag, say)
        # Deadline alerts are the scheduler's (none runs here), and Airflow 3.3's dag.test() fails at the end
        # of a successful run of a DAG that has any: it looks its alerts up by id in a copy that holds none.
        dag.deadline = None
        run = dag.test(logical_date=when, run_conf={**params, FORCE_PARAM: force})
    order = {task.name: index for index, task in enumerate(config.tasks)}
    outcomes = []
    for instance in sorted(run.get_task_instances(), key=lambda ti: (order.get(ti.task_id, 0), ti.map_index)):
        state = str(instance.state.value if hasattr(instance.state, "value") else instance.state)
        tail = task_log_tail(log_file, instance.task_id) if state not in ("success", "skipped") else []
        outcomes.append(TaskOutcome(instance_name(instance), state, instance.duration, tail))
    run_state = str(run.state.value if hasattr(run.state, "value") else run.state)
    return RunOutcome(ref.dag_id, logical_date, run_state, log_file, outcomes)
