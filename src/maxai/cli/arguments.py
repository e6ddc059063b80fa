"""Arguments every subcommand shares, and the objective every per-objective command names."""

from __future__ import annotations

import argparse
from typing import Any


def _common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--root",
        metavar="DIR",
        help="repository root holding maxaiconfigs/ (default: $MAXAI_ROOT, else found from the current folder)",
    )
    common.add_argument(
        "--env",
        metavar="NAME",
        help="environment of maxaiconfigs/environments.json to build for (default: $MAXAI_ENV, else the file's default)",
    )
    common.add_argument(
        "--user",
        metavar="NAME",
        help="build NAME's personal copies of the DAGs (default: $MAXAI_USER; none: the shared DAGs)",
    )
    common.add_argument("--json", action="store_true", help="machine-readable output")
    common.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour output (default: on a terminal, unless NO_COLOR is set)",
    )
    return common


COMMON_OPTIONS = _common_options()


def add_command(commands: argparse._SubParsersAction, name: str, **kwargs: Any) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """A subcommand with the shared ``--root``, ``--json`` and ``--color`` options."""
    parser: argparse.ArgumentParser = commands.add_parser(name, parents=[COMMON_OPTIONS], **kwargs)
    return parser


def add_objective_arguments(parser: argparse.ArgumentParser, *, objective_default: str | None = None) -> None:
    """DOMAIN USECASE OBJ; with ``objective_default`` the objective may be left out."""
    parser.add_argument("domain")
    parser.add_argument("usecase")
    if objective_default is None:
        parser.add_argument("objective")
    else:
        parser.add_argument(
            "objective", nargs="?", default=objective_default, help=f"objective name (default: {objective_default})"
        )


def add_revision_arguments(parser: argparse.ArgumentParser) -> None:
    """--base REV and --head REV of the commands that compare a git change."""
    parser.add_argument("--base", required=True, metavar="REV", help="git revision to compare with (e.g. origin/main)")
    parser.add_argument("--head", metavar="REV", help="compare with this revision instead of the working tree")
