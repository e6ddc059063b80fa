"""``maxai run``: run one objective end to end on this machine."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from maxai.cli.arguments import add_command, add_objective_arguments
from maxai.cli.output import EXIT_OK, EXIT_PROBLEMS, Output, Styled, UsageError, styled
from maxai.cli.scope import objective_ref, resolve_root


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = add_command(
        commands,
        "run",
        help="run one objective's DAG here (SQLite Airflow, Spark in local[*])",
        description="Run an objective's DAG on this machine: a local Airflow home (.maxai/airflow under the "
        "root: SQLite, migrated once and reused), the spark_default connection pointed at local[*], and "
        "dag.test() for the logical date. Prints each task's state and duration; exits 1 when a task fails, "
        "showing the tail of its log. KubernetesPod tasks need a cluster: they are skipped (and said so) "
        "unless --local-pods runs their command as a local subprocess with the pod's arguments and environment.",
    )
    add_objective_arguments(parser)
    parser.add_argument("--date", metavar="YYYY-MM-DD", help="logical date of the run (default: today, UTC)")
    parser.add_argument(
        "--local-pods",
        action="store_true",
        help="run KubernetesPod tasks as local subprocesses (development convenience)",
    )
    parser.add_argument("--force", action="store_true", help="recompute outputs that already exist for this date")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a value for one of the objective's DAG params (@dag.params), as a trigger would give it; "
        "VALUE is read as JSON when it parses (42, true, [1,2]), else as a string; repeatable",
    )
    parser.add_argument(
        "--airflow-home", metavar="DIR", help="local Airflow home to use (default: <root>/.maxai/airflow)"
    )
    parser.set_defaults(handler=run)


def _logical_date(text: str | None) -> dt.date:
    if text is None:
        return dt.datetime.now(dt.UTC).date()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise UsageError(f"--date {text!r}: expected YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise UsageError(f"--date {text}: no such day ({error})") from None


def _day(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _check_date_in_range(
    day: dt.date, start: dt.date | dt.datetime, end: dt.date | dt.datetime | None, given: bool
) -> None:
    if day < _day(start):
        raise UsageError(f"--date {day}: before the objective's start_date {_day(start)} (@dag in py_config.json)")
    if end is not None and day > _day(end):
        raise UsageError(f"--date {day}: after the objective's end_date {_day(end)} (@dag in py_config.json)")
    if given and day > dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1):
        raise UsageError(f"--date {day}: that day has not begun; a run processes a day whose data exists")


def _param_values(given: list[str], declared: dict[str, Any]) -> dict[str, Any]:
    """``--param`` values checked against the objective's declared params, as Airflow checks a trigger's."""
    import jsonschema

    from maxai.config.diagnostics import did_you_mean
    from maxai.config.run_params import param_schema
    from maxai.factory.lineage import as_json

    values: dict[str, Any] = {}
    for text in given:
        name, sep, raw = text.partition("=")
        if not sep or not name:
            raise UsageError(f"--param {text!r}: write NAME=VALUE")
        if name not in declared:
            known = f"; it declares {', '.join(sorted(declared))}" if declared else "; it declares none (@dag.params)"
            raise UsageError(
                f"--param {name}: the objective has no such param{did_you_mean(name, list(declared))}{known}"
            )
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        schema = param_schema(as_json(declared[name]))
        error = next(jsonschema.Draft202012Validator(schema).iter_errors(value), None)
        if error is not None:
            raise UsageError(f"--param {name}={raw}: {error.message}")
        values[name] = value
    return values


def run(args: argparse.Namespace, out: Output) -> int:
    root = resolve_root(args.root)
    ref = objective_ref(root, args.domain, args.usecase, args.objective)
    logical_date = _logical_date(args.date)
    from maxai.config.loader import load_objective

    config = load_objective(root, *ref.parts)  # config problems are reported before Airflow starts
    _check_date_in_range(logical_date, config.dag.start_date, config.dag.end_date, args.date is not None)
    params = _param_values(args.param, dict(config.dag.params))
    pod_tasks = [task.name for task in config.tasks if task.kind == "kubepod"]
    if not args.json:
        out.line(out.paint(f"running {ref.dag_id} for {logical_date}", "bold"))
        if pod_tasks and not args.local_pods:
            out.line(
                out.paint(
                    f"  note: KubernetesPod tasks {', '.join(pod_tasks)} will be skipped (no cluster); add --local-pods to run them here",
                    "yellow",
                )
            )
    from maxai.runner.run import run_objective

    outcome = run_objective(
        root,
        ref,
        logical_date,
        pods="local" if args.local_pods else "skip",
        force=args.force,
        echo=None if not args.json else (lambda text: None),
        home=Path(args.airflow_home) if args.airflow_home else None,
        params=params,
    )
    if args.json:
        out.json(
            {
                "dag_id": outcome.dag_id,
                "logical_date": outcome.logical_date.isoformat(),
                "state": outcome.state,
                "ok": outcome.succeeded,
                "log_file": str(outcome.log_file),
                "tasks": [
                    {"name": task.name, "state": task.state, "duration": task.duration, "log_tail": task.log_tail}
                    for task in outcome.tasks
                ],
            }
        )
        return EXIT_OK if outcome.succeeded else EXIT_PROBLEMS
    out.line()
    rows: list[list[str | Styled]] = []
    for task in outcome.tasks:
        style = "green" if task.state == "success" else "yellow" if task.state == "skipped" else "red"
        duration = f"{task.duration:.1f}s" if task.duration else "-"
        rows.append([task.name, styled(task.state, style), duration])
    out.table(["TASK", "STATE", "DURATION"], rows)
    for task in outcome.failed_tasks:
        out.line()
        out.line(out.paint(f"task {task.name} {task.state}; last lines of its log:", "red", "bold"))
        for line in task.log_tail:
            out.line("  " + line)
    out.line()
    from maxai.factory.operators import data_dir

    out.line(out.paint(f"data folder: {data_dir(config)}", "dim"))
    out.line(out.paint(f"full log: {outcome.log_file}", "dim"))
    if outcome.succeeded:
        out.line(out.paint(f"✓ {ref.dag_id} succeeded for {logical_date}", "green", "bold"))
        return EXIT_OK
    failed = ", ".join(task.name for task in outcome.failed_tasks) or outcome.state
    out.line(out.paint(f"✗ {ref.dag_id} failed for {logical_date}: {failed}", "red", "bold"))
    return EXIT_PROBLEMS
