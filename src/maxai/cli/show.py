"""``maxai show``: one objective after layering and conf merging, down to each operator's arguments."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shlex
from typing import Any

from maxai.cli.arguments import add_command, add_objective_arguments
from maxai.cli.output import EXIT_OK, Output
from maxai.cli.scope import objective_ref, resolve_root
from maxai.config.assets import describe_schedule
from maxai.config.loader import load_objective
from maxai.config.objective import ObjectiveConfig, ResolvedTask
from maxai.config.secrets import is_plaintext_secret
from maxai.kinds.registry import kind_named
from maxai.runner.home import SPARK_CONNECTION


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = add_command(
        commands,
        "show",
        help="the resolved configuration of one objective and each task's operator arguments",
        description="Show one objective after layering (use case -> objective) and Spark conf merging: "
        "DAG settings, and for each task its upstream tasks, handler parameters and the exact operator "
        "keyword arguments; for Spark tasks also the spark-submit command line (imports Airflow).",
    )
    add_objective_arguments(parser)
    parser.add_argument(
        "--no-command", action="store_true", help="skip the spark-submit command line (no Airflow import)"
    )
    parser.set_defaults(handler=run)


def redacted(value: Any, key: str | None = None) -> Any:
    """A copy with values under credential-like keys hidden (belt and braces: such values are rejected on load)."""
    if key is not None and isinstance(value, str) and is_plaintext_secret(key, value):
        return "***"
    if isinstance(value, dict):
        # entries under "secrets" name Kubernetes Secrets; they hold no secret value
        return {k: v if k == "secrets" else redacted(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(item) for item in value]
    return value


def spark_command(config: ObjectiveConfig, task: ResolvedTask) -> tuple[list[str], str]:
    """The spark-submit command SparkSubmitOperator would run, and the connection it used."""
    connection_note = "spark_default connection from the environment"
    if os.environ.get("AIRFLOW_CONN_SPARK_DEFAULT", SPARK_CONNECTION) == SPARK_CONNECTION:
        os.environ["AIRFLOW_CONN_SPARK_DEFAULT"] = SPARK_CONNECTION
        connection_note = "master local[*], as `maxai run` uses"
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
    from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

    from maxai.factory.operators import spark_arguments

    operator = SparkSubmitOperator(task_id=task.name, **spark_arguments(config, task))
    hook = operator._get_hook()
    return list(hook._build_spark_submit_command(operator.application)), connection_note


def _with_environment(config: ObjectiveConfig, task: ResolvedTask) -> dict[str, Any]:
    from maxai.factory.operators import task_env_vars

    arguments = dict(task.arguments)
    arguments["env_vars"] = task_env_vars(config, task)
    return arguments


def describe(config: ObjectiveConfig, with_command: bool) -> dict[str, Any]:
    tasks = []
    for task in config.tasks:
        entry: dict[str, Any] = {
            "name": task.name,
            "task_id": task.order,
            "kind": task.kind,
            "operator": kind_named(task.kind).operator_name,
            "upstream": list(task.upstream),
            "defined_in": task.source,
            "params": redacted(task.params.model_dump(mode="json", exclude_defaults=True)),
            "arguments": redacted(_with_environment(config, task)),
        }
        if with_command and task.kind == "spark":
            command, note = spark_command(config, task)
            entry["spark_submit"] = redacted_command(command)
            entry["spark_connection"] = note
        tasks.append(entry)
    return {
        "dag_id": config.dag_id,
        "files": list(config.files),
        "deployment": dataclasses.asdict(config.deployment),
        # served from the parse cache, nested settings (callbacks, a deadline) are still the JSON they were
        # cached as: they serialise unchanged, and Pydantic's type warning would only alarm the user
        "dag": config.dag.model_dump(mode="json", warnings=False),
        "tasks": tasks,
    }


def redacted_command(command: list[str]) -> list[str]:
    shown = []
    for part in command:
        key, sep, value = part.partition("=")
        shown.append(f"{key}=***" if sep and is_plaintext_secret(key, value) else part)
    return shown


def run(args: argparse.Namespace, out: Output) -> int:
    root = resolve_root(args.root)
    ref = objective_ref(root, args.domain, args.usecase, args.objective)
    config = load_objective(root, *ref.parts)
    description = describe(config, with_command=not args.no_command)
    if args.json:
        out.json(description)
        return EXIT_OK
    dag = description["dag"]
    out.line(out.paint(config.dag_id, "bold"))
    out.line(f"  files:    {', '.join(config.files)}")
    deployment = config.deployment
    if deployment.environment or deployment.user:
        paused = {True: "paused", False: "unpaused", None: "Airflow's default"}[deployment.paused]
        who = f"   personal copy of {deployment.user}" if deployment.user else ""
        out.line(f"  env:      {deployment.environment or '-'}{who}   upon creation: {paused}")
    out.line(
        f"  schedule: {describe_schedule(dag['schedule'])}   start_date: {dag['start_date']}   catchup: {str(dag['catchup']).lower()}"
    )
    out.line(
        f"  owner:    {dag['default_args']['owner']}   retries: {dag['default_args']['retries']}   max_active_runs: {dag['max_active_runs']}"
    )
    if dag["tags"]:
        out.line(f"  tags:     {', '.join(dag['tags'])}")
    for task in description["tasks"]:
        out.line()
        after = ", ".join(task["upstream"]) or "-"
        out.line(
            f"{out.paint(task['name'], 'bold', 'cyan')}  {task['operator']}  task_id={task['task_id']}  after: {after}"
        )
        out.line(out.paint(f"  defined in {task['defined_in']}", "dim"))
        if task["params"]:
            out.line("  params:    " + json.dumps(task["params"], sort_keys=True))
        out.line("  arguments:")
        for key, value in task["arguments"].items():
            out.line(f"    {key}: {json.dumps(value, sort_keys=True, default=str)}")
        if "spark_submit" in task:
            out.line(f"  command ({task['spark_connection']}):")
            out.line("    " + shlex.join(task["spark_submit"]))
    return EXIT_OK
