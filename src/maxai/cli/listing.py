"""``maxai list``: every objective with its DAG id, schedule and task counts."""

from __future__ import annotations

import argparse
import collections

from maxai.cli.arguments import add_command
from maxai.cli.output import EXIT_OK, EXIT_PROBLEMS, Output, Styled, styled
from maxai.cli.scope import resolve_root
from maxai.config.assets import describe_schedule, schedule_json
from maxai.config.layout import discover_objectives
from maxai.config.loader import load_objective
from maxai.errors import ConfigError


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = add_command(
        commands,
        "list",
        help="domains, use cases and objectives with DAG ids, schedules and task counts",
        description="List every objective as a table (or JSON). Objectives whose configs are invalid are "
        "listed with their problem count; the exit code is then 1.",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, out: Output) -> int:
    root = resolve_root(args.root)
    rows = []
    broken = 0
    for ref in discover_objectives(root):
        entry: dict[str, object] = {
            "domain": ref.domain,
            "usecase": ref.usecase,
            "objective": ref.objective,
            "dag_id": ref.dag_id,
        }
        try:
            config = load_objective(root, *ref.parts)
        except ConfigError as error:
            broken += 1
            entry.update({"valid": False, "problems": len(error.problems)})
        else:
            spark = sum(1 for task in config.tasks if task.kind == "spark")
            entry.update(
                {
                    "dag_id": config.dag_id,  # with the environment's and user's marks (--env, --user)
                    "valid": True,
                    "schedule": schedule_json(config.dag.schedule),
                    "tasks": len(config.tasks),
                    "spark_tasks": spark,
                    "kubepod_tasks": sum(1 for task in config.tasks if task.kind == "kubepod"),
                    # tasks of every other kind, by kind (spark and pod counts keep their own keys)
                    "other_tasks": dict(
                        collections.Counter(task.kind for task in config.tasks if task.kind not in ("spark", "kubepod"))
                    ),
                }
            )
        rows.append(entry)
    if args.json:
        out.json(rows)
    elif not rows:
        out.line("no objectives found under " + str(root / "maxaiconfigs"))
    else:
        table: list[list[str | Styled]] = []
        for row in rows:
            if row["valid"]:
                other_tasks = row["other_tasks"]
                assert isinstance(other_tasks, dict)
                others = "".join(f", {count} {kind}" for kind, count in other_tasks.items())
                tasks = f"{row['tasks']} ({row['spark_tasks']} spark, {row['kubepod_tasks']} pod{others})"
                table.append(
                    [
                        str(row["domain"]),
                        str(row["usecase"]),
                        str(row["objective"]),
                        str(row["dag_id"]),
                        describe_schedule(row["schedule"]),
                        tasks,
                    ]
                )
            else:
                table.append(
                    [
                        str(row["domain"]),
                        str(row["usecase"]),
                        str(row["objective"]),
                        str(row["dag_id"]),
                        "-",
                        styled(f"invalid: {row['problems']} problem(s)", "red"),
                    ]
                )
        out.table(["DOMAIN", "USE CASE", "OBJECTIVE", "DAG ID", "SCHEDULE", "TASKS"], table)
    return EXIT_PROBLEMS if broken else EXIT_OK
