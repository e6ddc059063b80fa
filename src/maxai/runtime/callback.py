"""``python -m maxai.runtime.callback``: call an objective's callbacks outside Airflow, in a container.

What ``maxai render argo`` and ``maxai render kubeflow`` run for ``@dag.on_success_callback``,
``@dag.on_failure_callback`` and ``@dag.deadline``: the callbacks config names (``--callbacks``, a JSON list of
``"module:function"``, ``{"function", "args"}`` or ``{"notifier", "args"}``; ``--on-success`` and ``--on-failure``
only when the run ended so), called as Airflow calls them:
``function(context, **args)``, or ``Notifier(**args)(context)`` (a notifier is an Airflow class: the image then
needs Airflow). It runs in the domain's image, where the domain's package is installed; ``--handlers`` puts a
folder first on the import path instead (``maxaiusecases/<domain>`` in a checkout).

The context follows the one Airflow gives a deadline alert's callback, whose ``dag_run`` is JSON (a mapping, not
a DagRun), for every callback:

``dag_run``
    ``dag_id``, ``dag_run_id`` (the target's run: Argo's workflow name, Kubeflow's run id), ``logical_date``
    (None for a manual run or one given a ``date``) and ``queued_at`` (ISO 8601 text or None), ``run_type`` (``scheduled`` or ``manual``, None when unknown) and
    ``state``: ``success`` or ``failed`` once the run ended, ``running`` for a deadline alert.
``reason``
    ``success``, ``task_failure`` (a task failed, as Airflow says), or the target's own word for a failure
    without a failed task; None for a deadline alert.
``failed_tasks``
    The names (config's) of the tasks that failed, in the order they ended; empty when none or unknown.
``task_instance``
    Only when a task failed: ``{"task_id": <the last failed task>, "state": "failed"}`` (Airflow gives the DAG's
    failure callback the last failed task instance); for a task's own callback (``--task-id``), that task, with
    ``state`` ``success`` or ``failed`` (the run is then ``running``).
``deadline``
    Only for a deadline alert: ``deadline_time`` (ISO 8601), ``reference`` (``dagrun_queued_at`` or
    ``dagrun_logical_date``) and ``interval`` (seconds); for one checked once the run ended (``--late-deadlines``,
    Kubeflow), ``checked_at`` (ISO 8601) too, and ``dag_run`` is the ended run.
``target``
    ``argo`` or ``kubeflow``.

``--late-deadlines`` (Kubeflow, whose runs have no task that waits beside the others and stops when they end) checks
deadline alerts in the exit handler instead: each whose deadline passed before the run ended is called back then,
before the run's own callbacks; a run that never ends never alerts. A deadline alert (``--deadline-reference``)
waits until ``--deadline-from`` + ``--deadline-interval`` and then calls
back; with ``--hold`` it then sleeps until it is stopped (an Argo daemon step must not end on its own: Argo marks a
daemon whose pod succeeded as failed). A run without a logical date has no ``dagrun_logical_date`` deadline, as on
Airflow. A callback that raises is printed and the next one called; the exit code stays 0, as Airflow logs a
failing callback and changes no state. No Airflow import here.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from maxai.factory.callbacks import load as load_configured

STATES = {
    "succeeded": "success",
    "success": "success",
    "complete": "success",
    "cached": "success",
    "failed": "failed",
    "error": "failed",
    "canceled": "failed",
    "cancelled": "failed",
    "running": "running",
}
"""The targets' final states as Airflow's DagRunState: Argo's workflow.status; Kubeflow's task final status, the
state of ML Metadata's execution of the exit handler's group (COMPLETE, CACHED, FAILED, CANCELED: kubeflow/pipelines
backend/src/v2/driver/resolve.go)."""
REFERENCES = ("dagrun_queued_at", "dagrun_logical_date")
TARGETS = ("argo", "kubeflow")


class CallbackArgumentError(ValueError):
    """An argument the renderer wrote that this entry point cannot read."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m maxai.runtime.callback",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--callbacks", default="[]", help="the callbacks as config names them, a JSON list")
    parser.add_argument("--on-success", default="[]", help="callbacks called only when the run succeeded")
    parser.add_argument("--on-failure", default="[]", help="callbacks called only when the run failed")
    parser.add_argument("--handlers", help="a folder put first on the import path")
    parser.add_argument("--target", choices=TARGETS, required=True)
    parser.add_argument("--dag-id", required=True)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--logical-date", default="", help="ISO 8601; empty: the run has none")
    parser.add_argument("--queued-at", default="", help="ISO 8601; empty: unknown")
    parser.add_argument("--run-type", default="", help="scheduled or manual; empty: unknown")
    parser.add_argument(
        "--date-param", default="", help="the run's date param: a run given one has no logical date (a manual run)"
    )
    parser.add_argument("--state", default="running", help="the run's final state, as the target names it")
    parser.add_argument(
        "--task-final-status", default="", help="Kubeflow's PipelineTaskFinalStatus as JSON: its state is the run's"
    )
    parser.add_argument("--reason", default="", help="why a run failed when no task did (the target's word)")
    parser.add_argument("--task-id", default="", help="a task's callback: the task (config's name)")
    parser.add_argument("--task-state", choices=("success", "failed"), help="a task's callback: how the task ended")
    parser.add_argument("--failures", default="", help="Argo's {{workflow.failures}}, as Argo substitutes it")
    parser.add_argument("--task-names", default="{}", help="JSON: the target's task names -> config's")
    parser.add_argument("--deadline-reference", choices=REFERENCES, help="call back when this deadline passes")
    parser.add_argument("--deadline-from", default="", help="ISO 8601: the reference's time; empty: none")
    parser.add_argument("--deadline-interval", type=float, help="seconds after the reference")
    parser.add_argument("--hold", action="store_true", help="after a deadline alert, sleep until stopped")
    parser.add_argument(
        "--late-deadlines",
        default="[]",
        help='JSON list of {"reference", "interval", "callback"}: checked once the run ended, each called back '
        "when the run ended after its deadline (a target with no task that waits beside the others)",
    )
    return parser


def _time(text: str, option: str) -> datetime | None:
    """An ISO 8601 time (Argo's RFC 3339, with ``Z`` or an offset), in UTC; None for an empty text."""
    if not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CallbackArgumentError(f"{option}: {text!r} is not an ISO 8601 time") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _json(text: str, option: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CallbackArgumentError(f"{option}: not JSON ({error})") from None


def argo_failed_nodes(text: str) -> list[dict[str, Any]]:
    """Argo's ``{{workflow.failures}}``: a JSON text quoted once more (Argo quotes it so that substitution keeps its
    quotes), holding a list of failed nodes or ``null``."""
    if not text.strip():
        return []
    value = _json(text, "--failures")
    if isinstance(value, str):
        value = _json(value, "--failures")
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(node, dict) for node in value):
        raise CallbackArgumentError("--failures: not a list of Argo's failed nodes")
    return value


def failed_tasks(nodes: Sequence[Mapping[str, Any]], task_names: Mapping[str, str]) -> list[str]:
    """The config names of the tasks whose nodes failed, by the time they ended. A node is a DAG task by its display
    name (a ``withItems`` or retry child adds ``(index:value)``); other nodes (the DAG itself) are not tasks."""
    ended = sorted(nodes, key=lambda node: str(node.get("finishedAt") or ""))
    names = []
    for node in ended:
        shown = str(node.get("displayName") or "").split("(", 1)[0]
        if shown in task_names and task_names[shown] not in names:
            names.append(task_names[shown])
    return names


def _logical_date(args: argparse.Namespace) -> datetime | None:
    """A manual run, or one given a date, has no logical date, as Airflow's manual runs."""
    logical_date = _time(args.logical_date, "--logical-date")
    return None if args.run_type == "manual" or args.date_param.strip() else logical_date


def _reason(state: str, failed: Sequence[str], given: str) -> str | None:
    if state == "success":
        return "success"
    if state == "failed":
        return "task_failure" if failed else (given or "failed")
    return None


def _final_state(args: argparse.Namespace) -> str:
    if not args.task_final_status.strip():
        return str(args.state)
    status = _json(args.task_final_status, "--task-final-status")
    if not isinstance(status, dict) or not isinstance(status.get("state"), str):
        raise CallbackArgumentError("--task-final-status: no 'state' in it")
    return str(status["state"])


def build_context(args: argparse.Namespace, deadline_time: datetime | None = None) -> dict[str, Any]:
    """The mapping the callbacks get (keys in the module's docstring)."""
    state = STATES.get(_final_state(args).strip().lower())
    if state is None:
        raise CallbackArgumentError(f"--state: {_final_state(args)!r} is none of {', '.join(sorted(STATES))}")
    task_names = _json(args.task_names, "--task-names")
    if not isinstance(task_names, dict):
        raise CallbackArgumentError("--task-names: not a JSON object")
    failed = failed_tasks(argo_failed_nodes(args.failures), task_names)
    if args.task_id and args.task_state == "failed" and args.task_id not in failed:
        failed.append(args.task_id)
    context: dict[str, Any] = {
        "dag_run": {
            "dag_id": args.dag_id,
            "dag_run_id": args.run_id,
            "logical_date": _iso(_logical_date(args)),
            "queued_at": _iso(_time(args.queued_at, "--queued-at")),
            "run_type": args.run_type or None,
            "state": state,
        },
        "reason": _reason(state, failed, args.reason),
        "failed_tasks": failed,
        "target": args.target,
    }
    if args.task_id:
        context["task_instance"] = {"task_id": args.task_id, "state": args.task_state}
    elif failed:
        context["task_instance"] = {"task_id": failed[-1], "state": "failed"}
    if deadline_time is not None:
        context["deadline"] = {
            "deadline_time": deadline_time.isoformat(),
            "reference": args.deadline_reference,
            "interval": args.deadline_interval,
        }
    return context


def load(reference: Any) -> Callable[[Mapping[str, Any]], Any]:
    """What config names, ready to be called with the context, as under Airflow (``maxai.factory.callbacks.load``)."""
    if isinstance(reference, str):
        reference = {"function": reference}
    if not isinstance(reference, dict) or not ({"function", "notifier"} & reference.keys()):
        raise CallbackArgumentError(f"--callbacks: {reference!r} names no function or notifier")
    return load_configured(reference, None)


def call_back(callbacks: Sequence[Any], context: Mapping[str, Any], log: Callable[[str], None]) -> int:
    """Call each callback in order; one that fails is printed and the next called. The number that failed."""
    failures = 0
    for reference in callbacks:
        try:
            load(reference)(context)
        except Exception:
            failures += 1
            log(f"maxai: callback {json.dumps(reference)} failed:\n{traceback.format_exc()}")
        else:
            log(f"maxai: called {json.dumps(reference)}")
    return failures


def _deadline(args: argparse.Namespace) -> datetime | None:
    """When a deadline alert fires; None when the run has no such deadline (no logical date)."""
    if args.deadline_interval is None or args.deadline_interval <= 0:
        raise CallbackArgumentError("--deadline-reference needs --deadline-interval, a number of seconds above 0")
    reference = _time(args.deadline_from, "--deadline-from")
    return None if reference is None else reference + timedelta(seconds=args.deadline_interval)


def _sleep_until(moment: datetime) -> None:
    while (left := (moment - datetime.now(UTC)).total_seconds()) > 0:
        time.sleep(min(left, 60.0))


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _callbacks(text: str, option: str) -> list[Any]:
    callbacks = _json(text, option)
    if not isinstance(callbacks, list):
        raise CallbackArgumentError(f"{option}: not a JSON list")
    return callbacks


def _late_deadline(alert: Any) -> tuple[str, float, Any]:
    if not isinstance(alert, dict) or alert.get("reference") not in REFERENCES or "callback" not in alert:
        raise CallbackArgumentError(f"--late-deadlines: {alert!r} is no deadline alert")
    interval = alert.get("interval")
    if not isinstance(interval, int | float) or isinstance(interval, bool) or interval <= 0:
        raise CallbackArgumentError(f"--late-deadlines: {alert!r} needs an interval, a number of seconds above 0")
    return str(alert["reference"]), float(interval), alert["callback"]


def call_late_deadlines(args: argparse.Namespace, context: Mapping[str, Any], now: datetime) -> None:
    """Each deadline alert the ended run missed, called back now (late: the target could not wait beside the run)."""
    alerts = [_late_deadline(alert) for alert in _callbacks(args.late_deadlines, "--late-deadlines")]
    references = {
        "dagrun_queued_at": _time(args.queued_at, "--queued-at"),
        "dagrun_logical_date": _logical_date(args),
    }
    for reference, interval, callback in alerts:
        start = references[reference]
        if start is None:
            _log(f"maxai: the run has no {reference.removeprefix('dagrun_')}: no deadline")
            continue
        deadline_time = start + timedelta(seconds=interval)
        if now < deadline_time:
            _log(f"maxai: the run ended before its deadline {deadline_time.isoformat()} ({reference} + {interval}s)")
            continue
        deadline = {
            "deadline_time": deadline_time.isoformat(),
            "reference": reference,
            "interval": interval,
            "checked_at": now.isoformat(),
        }
        call_back([callback], {**context, "deadline": deadline}, _log)


def run(args: argparse.Namespace) -> None:
    callbacks = _callbacks(args.callbacks, "--callbacks")
    by_state = {
        "success": _callbacks(args.on_success, "--on-success"),
        "failed": _callbacks(args.on_failure, "--on-failure"),
    }
    if args.handlers and args.handlers not in sys.path:
        sys.path.insert(0, args.handlers)
    if args.deadline_reference is None:
        context = build_context(args)
        # Airflow would have called a missed deadline's callback while the run went on: before the run's own
        call_late_deadlines(args, context, datetime.now(UTC))
        call_back([*callbacks, *by_state.get(context["dag_run"]["state"], [])], context, _log)
        return
    deadline_time = _deadline(args)
    build_context(args)  # every argument is read before the wait, not when the deadline passes
    if deadline_time is None:
        _log(f"maxai: the run has no {args.deadline_reference.removeprefix('dagrun_')}: no deadline")
    else:
        _log(f"maxai: deadline {deadline_time.isoformat()} ({args.deadline_reference} + {args.deadline_interval}s)")
        _sleep_until(deadline_time)
        call_back(callbacks, build_context(args, deadline_time), _log)
    if args.hold:
        while True:
            time.sleep(3600)


def main(argv: Sequence[str] | None = None) -> int:
    # Argo stops a daemon step (a deadline alert the run outlived) with SIGTERM: that is its normal end
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(0))
    args = _parser().parse_args(argv)
    try:
        run(args)
    except CallbackArgumentError as error:
        print(f"maxai: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
