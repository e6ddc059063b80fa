"""``maxai graph``: a picture of an objective's DAG (Mermaid, Graphviz dot, SVG or PNG)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

from maxai.cli.arguments import add_command
from maxai.cli.diagram import FORMATS, BoxStyle, Diagram, Edge, GraphvizError, Node, written
from maxai.cli.output import EXIT_OK, EXIT_PROBLEMS, Output, UsageError
from maxai.cli.scope import objective_ref, resolve_root
from maxai.config.data_lineage import ObjectiveData, objective_data
from maxai.config.layout import discover_objectives
from maxai.config.loader import load_objective
from maxai.config.objective import ObjectiveConfig
from maxai.errors import ConfigError
from maxai.kinds.registry import kind_named


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = add_command(
        commands,
        "graph",
        help="draw an objective's DAG, or the marketplace's data lineage (mermaid, dot, svg, png)",
        description="Draw the task graph of one objective, or with --lineage the graph of every objective and "
        "the data between them (an arrow from the objective that writes an output to each objective that reads "
        "it or waits for it; data no objective writes is drawn as its own box). mermaid and dot are text (for "
        "docs and pull requests); svg and png are drawn by Graphviz's `dot`, which must be on PATH.",
    )
    parser.add_argument("domain", nargs="?")
    parser.add_argument("usecase", nargs="?")
    parser.add_argument("objective", nargs="?")
    parser.add_argument(
        "--lineage", action="store_true", help="draw every objective and the data between them (no DOMAIN...)"
    )
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
    kinds = {task.kind: kind_named(task.kind) for task in config.tasks}
    return Diagram(
        title=config.dag_id,
        nodes=tuple(Node(task.name, kinds[task.kind].label, task.kind) for task in config.tasks),
        edges=tuple(Edge(upstream, task.name) for task in config.tasks for upstream in task.upstream),
        styles={name: BoxStyle(kind.fill, kind.stroke) for name, kind in kinds.items()},
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


_LINEAGE_STYLE = {
    "scheduled": BoxStyle("#e8f4e8", "#2e7d32"),
    "assets": BoxStyle("#fff4d6", "#c77c02"),
    "data": BoxStyle("#f2f2f2", "#7a7a7a"),
}


def lineage_diagram(objectives: list[ObjectiveData]) -> Diagram:
    """One box per objective, one per data that no objective writes; an arrow per data flow, labelled with
    the data it carries (``(triggers)`` when the reader's schedule waits for it)."""
    writers = {use.asset: objective.dag_id for objective in objectives for use in objective.writes}
    flows: dict[tuple[str, str], dict[str, bool]] = {}
    outside: set[str] = set()
    for objective in objectives:
        awaited = {use.asset for use in (*objective.awaits, *objective.externals)}
        for use in (*objective.reads, *objective.awaits, *objective.externals):
            source = writers.get(use.asset)
            if source is None:
                source = f"data: {use.asset.name}"
                outside.add(source)
            carried = flows.setdefault((source, objective.dag_id), {})
            carried[use.asset.name] = carried.get(use.asset.name, False) or use.asset in awaited
    nodes = [
        Node(objective.dag_id, "asset-scheduled", "assets")
        if objective.awaits or objective.externals
        else Node(objective.dag_id, "", "scheduled")
        for objective in objectives
    ] + [Node(name, "input from outside", "data") for name in sorted(outside)]
    edges = tuple(
        Edge(
            source,
            target,
            "; ".join(name + (" (triggers)" if triggers else "") for name, triggers in sorted(data.items())),
        )
        for (source, target), data in sorted(flows.items())
    )
    return Diagram(title="data lineage", nodes=tuple(nodes), edges=edges, styles=_LINEAGE_STYLE)


def _lineage(root: Path) -> tuple[list[ObjectiveData], list[str]]:
    loaded, broken = [], []
    for ref in discover_objectives(root):
        try:
            loaded.append(objective_data(load_objective(root, *ref.parts)))
        except ConfigError:
            broken.append(ref.dag_id)
    return loaded, broken


def run(args: argparse.Namespace, out: Output) -> int:
    root = resolve_root(args.root)
    if args.lineage:
        if args.domain is not None:
            raise UsageError("--lineage draws the whole marketplace: give no DOMAIN USECASE OBJ")
        check_destination(args)
        objectives, broken = _lineage(root)
        if broken:
            out.error(
                f"maxai graph --lineage: {len(broken)} objective(s) do not load ({', '.join(broken)}); "
                "`maxai validate` names their problems"
            )
            return EXIT_PROBLEMS
        return publish(lineage_diagram(objectives), args, out, {"lineage": str(len(objectives))})
    if args.objective is None:
        raise UsageError("give DOMAIN USECASE OBJ, or --lineage for the whole marketplace")
    ref = objective_ref(root, args.domain, args.usecase, args.objective)
    check_destination(args)
    return publish(objective_diagram(load_objective(root, *ref.parts)), args, out, {"dag_id": ref.dag_id})
