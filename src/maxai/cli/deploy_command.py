"""``maxai deploy``: validate, then ship configs, DAG files and handlers to a DAGs folder as one atomic release."""

from __future__ import annotations

import argparse
import os
import shlex
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from maxai.cli.arguments import add_command
from maxai.cli.output import EXIT_OK, EXIT_PROBLEMS, Output, UsageError
from maxai.cli.scope import resolve_root
from maxai.cli.validate import check_objectives
from maxai.config.layout import DAGS_DIR, discover_objectives
from maxai.config.repository import layout_problems
from maxai.deploy.destination import (
    CURRENT,
    MIN_KEEP,
    RELEASES,
    CurrentRelease,
    DeployError,
    Destination,
    releases_to_prune,
    unique_release_name,
)
from maxai.deploy.files import Snapshot, manifest_text, release_name, take_snapshot
from maxai.deploy.local import LocalDestination
from maxai.deploy.plan import Plan, plan_release
from maxai.deploy.remote import RemoteDestination, is_remote
from maxai.errors import ConfigError, Problem

SSH_ENV = "MAXAI_DEPLOY_SSH"
DEFAULT_KEEP = 5


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = add_command(
        commands,
        "deploy",
        help="validate, then copy configs, DAG files and handlers to an Airflow DAGs folder atomically",
        description="Copy maxaiconfigs/, maxaidags/ and maxaiusecases/ (no data/, hidden files or caches) to DEST "
        "as a new release beside the current one (DEST/releases/<release>), then switch the link DEST/current "
        "to it in one rename: Airflow, whose DAGs folder is DEST/current/maxaidags, sees the old release or the "
        "new one, never a mix. Unchanged files are hard links to the current release. Refuses (exit 1) what "
        "`maxai validate` rejects, and changes nothing then. DEST is a folder here, or host:path over ssh and "
        "rsync.",
    )
    parser.add_argument("destination", metavar="DEST", help="a folder here, or [user@]host:path on another machine")
    parser.add_argument("--dry-run", action="store_true", help="list the files that would change; change nothing")
    parser.add_argument(
        "--keep",
        type=int,
        default=DEFAULT_KEEP,
        metavar="N",
        help=f"releases kept at DEST, the new one included (at least {MIN_KEEP}; default {DEFAULT_KEEP})",
    )
    parser.add_argument(
        "--deep", action="store_true", help="validate as `maxai validate --deep` does (builds every DAG offline)"
    )
    parser.add_argument(
        "--ssh",
        metavar="CMD",
        help=f"ssh command for host:path, e.g. 'ssh -p 2222 -i ~/.ssh/deploy' (default: ${SSH_ENV}, else ssh)",
    )
    parser.set_defaults(handler=run)


def open_destination(text: str, ssh: str | None) -> Destination:
    if is_remote(text):
        command = shlex.split(ssh or os.environ.get(SSH_ENV) or "ssh")
        if not command:
            raise UsageError("--ssh is empty")
        try:
            return RemoteDestination(text, command)
        except DeployError as error:
            raise UsageError(str(error)) from None
    return LocalDestination(Path(text))


def validation_problems(root: Path, deep: bool) -> list[Problem]:
    """What ``maxai validate [--deep]`` reports for the repository at ``root``."""
    refs = discover_objectives(root)
    problems, _ = check_objectives(root, refs, deep)
    return layout_problems(root, refs) + problems


def plan_lines(plan: Plan) -> list[str]:
    return [
        *(f"  + {path}" for path in plan.added),
        *(f"  ~ {path}" for path in plan.changed),
        *(f"  - {path}" for path in plan.removed),
    ]


def counts_text(plan: Plan) -> str:
    return (
        f"{len(plan.added)} added, {len(plan.changed)} changed, {len(plan.removed)} removed, "
        f"{len(plan.unchanged)} unchanged"
    )


def _report(
    out: Output, json_output: bool, destination: Destination, plan: Plan, current: CurrentRelease, **result: Any
) -> None:
    if json_output:
        out.json(
            {
                "ok": True,
                "destination": destination.display,
                "dags_folder": f"{destination.display}/{CURRENT}/{DAGS_DIR}",
                "previous": current.name,
                **result,
                **plan.as_dict(),
            }
        )
        return
    for line in plan_lines(plan):
        out.line(line)
    release = result["release"]
    if result["dry_run"]:
        verdict = "nothing would change" if plan.empty else f"release {release} would become current"
        out.line(out.paint(f"dry run, {destination.display}: {counts_text(plan)}; {verdict}", "bold"))
    elif release is None:
        out.line(out.paint(f"{destination.display}: nothing to deploy, release {current.name} holds this", "bold"))
    else:
        out.line(out.paint(f"{destination.display}: {counts_text(plan)}", "bold"))
        out.line(
            f"{CURRENT} -> {RELEASES}/{release}; Airflow's DAGs folder: {destination.display}/{CURRENT}/{DAGS_DIR}"
        )
        if result["pruned"]:
            out.line(f"removed old releases: {', '.join(result['pruned'])}")


def _deploy(
    destination: Destination, snapshot: Snapshot, source: Path, keep: int
) -> tuple[CurrentRelease, Plan, dict[str, Any]]:
    with destination.lock():
        current = destination.current()
        plan = plan_release(snapshot.files, current.files)
        if plan.empty and current.name is not None:
            return current, plan, {"dry_run": False, "release": None, "pruned": []}
        now = datetime.now(UTC)
        name = unique_release_name(release_name(snapshot.files, now), current.releases)
        destination.publish(snapshot, plan, current, name, manifest_text(snapshot.files, name, now, str(source)))
        pruned = releases_to_prune(current.releases, name, current.name, keep)
        destination.prune(pruned)
        return current, plan, {"dry_run": False, "release": name, "pruned": pruned}


def run(args: argparse.Namespace, out: Output) -> int:
    root = resolve_root(args.root)
    if args.keep < MIN_KEEP:
        raise UsageError(f"--keep {args.keep}: keep at least {MIN_KEEP} releases (the new one and the one before it)")
    destination = open_destination(args.destination, args.ssh)
    with tempfile.TemporaryDirectory(prefix="maxai-deploy-") as scratch:
        snapshot = take_snapshot(root, Path(scratch) / "release")
        problems = validation_problems(snapshot.root, args.deep)
        if problems:
            out.error(
                f"maxai deploy: refused: `maxai validate` finds {len(problems)} problem(s); "
                f"nothing at {destination.display} changed"
            )
            raise ConfigError(problems)
        try:
            if args.dry_run:
                current = destination.current()
                plan = plan_release(snapshot.files, current.files)
                name = release_name(snapshot.files, datetime.now(UTC))
                _report(out, args.json, destination, plan, current, dry_run=True, release=name, pruned=[])
                return EXIT_OK
            current, plan, result = _deploy(destination, snapshot, root, args.keep)
        except DeployError as error:
            out.error(f"maxai deploy: {error}")
            return EXIT_PROBLEMS
        _report(out, args.json, destination, plan, current, **result)
    return EXIT_OK
