"""``maxai graph``: a picture of an objective's DAG (Mermaid, Graphviz dot, SVG or PNG)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

from maxai.cli.arguments import add_command, add_objective_arguments
from maxai.cli.diagram import FORMATS, BoxStyle, Diagram, Edge, GraphvizError, Node, written
from maxai.cli.output import EXIT_OK, EXIT_PROBLEMS, Output, UsageError
from maxai.cli.scope import objective_ref, resolve_root
from maxai.config.loader import load_objective
from maxai.config.objective import ObjectiveConfig

_KIND_LABEL = {"spark": "SparkSubmit", "kubepod": "KubernetesPod"}
_KIND_STYLE = {"spark": BoxStyle("#fde9d9", "#e25a1c"), "kubepod": BoxStyle("#dbe8fb", "#326ce5")}


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = add_command(
        commands,
        "graph",
        help="draw an objective's DAG (mermaid, dot, svg, png)",
        description="Draw the task graph of one objective. mermaid and dot are text (for docs and pull "
        "requests); svg and png are drawn by Graphviz's `dot`, which must be on PATH.",
    )
    add_objective_arguments(parser)
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="default: from the extension of -o FILE (.mmd .dot .gv .svg .png), else mermaid",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    parser.set_defaults(handler=run)


def objective_diagram(config: ObjectiveConfig) -> Diagram:
    """One box per task (its name and operator), one arrow per upstream task."""
    return Diagram(
        title=config.dag_id,
        nodes=tuple(Node(task.name, _KIND_LABEL[task.kind], task.kind) for task in config.tasks),
        edges=tuple(Edge(upstream, task.name) for task in config.tasks for upstream in task.upstream),
        styles=_KIND_STYLE,
    )


FORMAT_OF_EXTENSION = {
    ".mmd": "mermaid",
    ".mermaid": "mermaid",
    ".dot": "dot",
    ".gv": "dot",
    ".svg": "svg",
    ".png": "png",
}


def chosen_format(requested: str | None, output: str | None) -> str:
    """The format asked for, checked against the output file's extension (which decides when none is asked)."""
    if output is None:
        return requested or "mermaid"
    extension = Path(output).suffix.lower()
    implied = FORMAT_OF_EXTENSION.get(extension)
    if requested is None:
        if implied is None:
            known = ", ".join(sorted(FORMAT_OF_EXTENSION))
            raise UsageError(
                f"-o {output}: cannot tell the format from {extension or 'no extension'!r}; "
                f"use one of {known} or give --format"
            )
        return implied
    if implied is not None and implied != requested:
        raise UsageError(f"-o {output}: a {extension} file holds {implied}, but --format {requested} was asked for")
    return requested


def check_destination(args: argparse.Namespace) -> None:
    """Usage errors of ``--format``/``-o``/``--json`` together, found before anything is read or drawn."""
    args.format = chosen_format(args.format, args.output)
    if args.json and not args.output and args.format == "png":
        raise UsageError("--format png is binary: give -o FILE with --json")
    if args.format == "png" and not args.output and sys.stdout.isatty():
        raise UsageError("--format png writes binary data: give -o FILE or redirect standard output")
    if args.output and not Path(args.output).parent.is_dir():
        raise UsageError(f"-o {args.output}: folder {Path(args.output).parent} does not exist")


def publish(diagram: Diagram, args: argparse.Namespace, out: Output, about: Mapping[str, str]) -> int:
    """The diagram in ``args.format`` to ``-o FILE`` or standard output; ``about`` goes into the ``--json`` answer."""
    try:
        data = written(diagram, args.format)
    except GraphvizError as error:
        out.error(f"maxai {args.command}: {error}")
        return EXIT_PROBLEMS
    if args.output:
        target = Path(args.output)
        target.write_bytes(data)
        if not args.json:
            out.line(f"wrote {target}")
        else:
            out.json({"ok": True, "file": str(target), "format": args.format})
    elif args.json:
        out.json({"ok": True, **about, "format": args.format, "graph": data.decode()})
    elif args.format == "png":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        out.stream.write(data.decode())
        out.stream.flush()
    return EXIT_OK


def run(args: argparse.Namespace, out: Output) -> int:
    root = resolve_root(args.root)
    ref = objective_ref(root, args.domain, args.usecase, args.objective)
    check_destination(args)
    return publish(objective_diagram(load_objective(root, *ref.parts)), args, out, {"dag_id": ref.dag_id})
