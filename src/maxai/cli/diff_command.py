"""``maxai diff``: what a git change does to each DAG, and the backfills that give added tasks to existing runs."""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from maxai.cli.arguments import add_command, add_revision_arguments
from maxai.cli.git import export_tree, merge_base
from maxai.cli.output import EXIT_OK, EXIT_PROBLEMS, Output
from maxai.cli.scope import resolve_root
from maxai.config.layout import CONFIGS_DIR, DAGS_DIR, USECASES_DIR
from maxai.diff.backfill import BACKFILLS_PATH, Backfill
from maxai.diff.dags import DagDiff, RepositoryDiff, compare_repositories

# What a revision needs for its objectives to load exactly as Airflow would load them.
_TREES = (CONFIGS_DIR, DAGS_DIR, USECASES_DIR)


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = add_command(
        commands,
        "diff",
        help="what a git change does to each DAG: tasks, edges, arguments, schedule; backfills to run",
        description="Load every objective as it is at the merge base of --base and as it is in the working tree "
        "(or --head), with the same layering and conf merging Airflow gets, and report per DAG: tasks added, "
        "removed and changed (which arguments, old -> new), edges added and removed, DAG settings changed, and "
        "DAGs added or removed. For every DAG with added tasks it prints the Airflow 3 backfill (command and "
        "REST call) that gives them to the runs that already exist. Exit code 1 when an objective does not "
        "load on either side.",
    )
    add_revision_arguments(parser)
    parser.set_defaults(handler=run)


def _today() -> date:
    return datetime.now(UTC).date()


def repository_diff(root: Path, base: str, head: str | None) -> RepositoryDiff:
    common = merge_base(root, base, head)
    with tempfile.TemporaryDirectory(prefix="maxai-diff-") as scratch:
        base_root = export_tree(root, common, _TREES, Path(scratch) / "base")
        head_root = export_tree(root, head, _TREES, Path(scratch) / "head") if head else root
        return compare_repositories(base_root, head_root, _today())


def dag_as_dict(dag: DagDiff) -> dict[str, Any]:
    return {
        "dag_id": dag.dag_id,
        "status": dag.status,
        "tasks": dag.tasks,
        "settings": [change.as_dict() for change in dag.settings],
        "added_tasks": dag.added_tasks,
        "removed_tasks": dag.removed_tasks,
        "changed_tasks": [
            {"task": task.name, "changes": [change.as_dict() for change in task.changes]} for task in dag.changed_tasks
        ],
        "added_edges": [list(edge) for edge in dag.added_edges],
        "removed_edges": [list(edge) for edge in dag.removed_edges],
        "backfill": dag.backfill.as_dict() if dag.backfill else None,
    }


def diff_as_dict(diff: RepositoryDiff, base: str, head: str | None) -> dict[str, Any]:
    return {
        "ok": not diff.unloadable,
        "base": base,
        "head": head,
        "dags": [dag_as_dict(dag) for dag in diff.dags if dag.status != "unchanged"],
        "unchanged": [dag.dag_id for dag in diff.with_status("unchanged")],
        "unloadable": [
            {"dag_id": item.dag_id, "side": item.side, "problems": [problem.as_dict() for problem in item.problems]}
            for item in diff.unloadable
        ],
    }


def backfill_lines(backfill: Backfill) -> list[str]:
    tasks = ", ".join(backfill.tasks)
    if backfill.command is None:
        lines = [f"existing runs lack {tasks}; no backfill: {backfill.reason}"]
    else:
        lines = [
            f"backfill so that existing runs get {tasks} (after Airflow has parsed the new version):",
            f"  {backfill.command}",
            f"  or POST {BACKFILLS_PATH} {json.dumps(backfill.body)}",
            f"  Runs from {backfill.from_date} to {backfill.to_date} that succeeded or failed are cleared and run "
            "again on the latest DAG version (tasks whose output exists skip); dates without a run get one "
            "(narrow the range to the dates that ran); queued or running runs are left alone.",
        ]
    lines.append(f"  one run, only its new tasks: POST {backfill.clear_path} {json.dumps(backfill.clear_body)}")
    return lines


def dag_lines(dag: DagDiff) -> list[str]:
    if dag.status in ("added", "removed"):
        return [f"{dag.dag_id}: {dag.status} ({len(dag.tasks)} task{'s' if len(dag.tasks) != 1 else ''})"]
    lines = [f"{dag.dag_id}: changed"]
    lines.extend(f"  {change.describe()}" for change in dag.settings)
    lines.extend(f"  + task {name}" for name in dag.added_tasks)
    lines.extend(f"  - task {name}" for name in dag.removed_tasks)
    for task in dag.changed_tasks:
        lines.append(f"  ~ task {task.name}")
        lines.extend(f"      {change.describe()}" for change in task.changes)
    lines.extend(f"  + edge {upstream} -> {downstream}" for upstream, downstream in dag.added_edges)
    lines.extend(f"  - edge {upstream} -> {downstream}" for upstream, downstream in dag.removed_edges)
    if dag.backfill is not None:
        lines.extend(f"  {line}" for line in backfill_lines(dag.backfill))
    return lines


def summary_line(diff: RepositoryDiff, base: str) -> str:
    counts = {status: len(diff.with_status(status)) for status in ("changed", "added", "removed", "unchanged")}
    return f"since {base}: " + ", ".join(f"{count} {status}" for status, count in counts.items()) + " DAG(s)"


def print_diff(out: Output, diff: RepositoryDiff, base: str, head: str | None) -> None:
    for dag in diff.dags:
        if dag.status != "unchanged":
            for line in dag_lines(dag):
                out.line(line)
    for item in diff.unloadable:
        where = f"at {base}" if item.side == "base" else f"at {head}" if head else "in the working tree"
        out.error(f"{item.dag_id}: does not load {where}; its diff is not shown:")
        for problem in item.problems:
            out.error(f"  {problem}")
    out.line(out.paint(summary_line(diff, base), "bold"))


def run(args: argparse.Namespace, out: Output) -> int:
    root = resolve_root(args.root)
    diff = repository_diff(root, args.base, args.head)
    if args.json:
        out.json(diff_as_dict(diff, args.base, args.head))
    else:
        print_diff(out, diff, args.base, args.head)
    return EXIT_PROBLEMS if diff.unloadable else EXIT_OK
