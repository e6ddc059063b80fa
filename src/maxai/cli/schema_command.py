"""``maxai schema``: write or check the JSON Schemas of the config files."""

from __future__ import annotations

import argparse
from pathlib import Path

from maxai.cli.arguments import add_command
from maxai.cli.output import EXIT_OK, EXIT_PROBLEMS, Output
from maxai.config.schema import SCHEMA_DIR, stale_schema_files, write_schema_files


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = add_command(
        commands,
        "schema",
        help="write (or --check) JSON Schemas of the config files",
        description="Write spark_config, kubepod_config and py_config JSON Schemas, and those of "
        "maxaiconfigs/environments.json and presets.json (generated from maxai's models) for editors and other tools. With --check, write nothing and exit 1 when they are out of date.",
    )
    parser.add_argument(
        "--out", metavar="DIR", help=f"folder to write to (default: {SCHEMA_DIR}/ under the root, else ./{SCHEMA_DIR})"
    )
    parser.add_argument("--check", action="store_true", help="only report schema files that are missing or stale")
    parser.set_defaults(handler=run)


def _folder(args: argparse.Namespace) -> Path:
    if args.out:
        return Path(args.out)
    if args.root:
        return Path(args.root) / SCHEMA_DIR
    return Path.cwd() / SCHEMA_DIR


def run(args: argparse.Namespace, out: Output) -> int:
    folder = _folder(args)
    if args.check:
        stale = stale_schema_files(folder)
        if args.json:
            out.json({"ok": not stale, "stale": stale, "folder": str(folder)})
        elif stale:
            out.line(out.paint(f"✗ out of date in {folder}: {', '.join(stale)} (run `maxai schema`)", "red"))
        else:
            out.line(out.paint(f"✓ schemas in {folder} are up to date", "green"))
        return EXIT_PROBLEMS if stale else EXIT_OK
    written = write_schema_files(folder)
    if args.json:
        out.json({"ok": True, "written": written, "folder": str(folder)})
    else:
        out.line(f"wrote {', '.join(written)} to {folder}" if written else f"schemas in {folder} already up to date")
    return EXIT_OK
