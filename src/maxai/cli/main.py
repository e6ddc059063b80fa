"""The ``maxai`` command. Subcommands live in modules of their own; Airflow is imported only
by the subcommands that build or run DAGs."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from maxai import __version__
from maxai.cli import (
    changed,
    deploy_command,
    diff_command,
    graph,
    listing,
    render_command,
    run_command,
    scaffold,
    schema_command,
    show,
    validate,
)
from maxai.cli.output import EXIT_PROBLEMS, EXIT_USAGE, Output, UsageError
from maxai.config.objective import ENV_VARIABLE, USER_VARIABLE
from maxai.errors import ConfigError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="maxai",
        description="Validate, inspect, scaffold, run and render maxai objectives (JSON configs -> Airflow DAGs).",
        epilog="Exit codes: 0 ok, 1 problems found, 2 usage error. `maxai COMMAND --help` for details.",
    )
    parser.add_argument("--version", action="version", version=f"maxai {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (
        validate,
        listing,
        show,
        graph,
        scaffold,
        changed,
        diff_command,
        deploy_command,
        schema_command,
        run_command,
        render_command,
    ):
        module.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Output(args.color)
    chosen = {ENV_VARIABLE: args.env, USER_VARIABLE: args.user}
    before = {name: os.environ.get(name) for name in chosen}
    try:
        for name, value in chosen.items():
            if value is not None:  # --env and --user act as the variables would, for this command only
                os.environ[name] = value
        return int(args.handler(args, out))
    except UsageError as error:
        out.error(f"maxai {args.command}: {error}")
        return EXIT_USAGE
    except ConfigError as error:
        if args.json:
            out.json({"ok": False, "problems": [problem.as_dict() for problem in error.problems]})
        else:
            for problem in error.problems:
                out.error(
                    f"{out.paint(problem.location(), 'bold')}: {problem.path_text}: {out.paint(problem.message, 'red')}"
                )
        return EXIT_PROBLEMS
    except BrokenPipeError:
        # the reader went away (`maxai show ... | head`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        out.error("interrupted")
        return 130
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


if __name__ == "__main__":
    sys.exit(main())
