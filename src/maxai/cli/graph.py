"""``maxai graph``: a picture of an objective's DAG (Mermaid, Graphviz dot, SVG or PNG)."""

from __future__ import annotations

import argparse
import html
import shutil
import subprocess
import sys
from pathlib import Path

from maxai.cli.arguments import add_command, add_objective_arguments
from maxai.cli.output import EXIT_OK, EXIT_PROBLEMS, Output, UsageError
from maxai.cli.scope import objective_ref, resolve_root
from maxai.config.loader import load_objective
from maxai.config.objective import ObjectiveConfig

_KIND_LABEL = {"spark": "SparkSubmit", "kubepod": "KubernetesPod"}
_KIND_FILL = {"spark": "#fde9d9", "kubepod": "#dbe8fb"}
_KIND_STROKE = {"spark": "#e25a1c", "kubepod": "#326ce5"}


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = add_command(
        commands,
        "graph",
        help="draw an objective's DAG (mermaid, dot, svg, png)",
        description="Draw the task graph of one objective. mermaid and dot are text (for docs and pull "
        "requests); svg is drawn by maxai itself; png needs Graphviz's `dot` on PATH.",
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


def mermaid(config: ObjectiveConfig) -> str:
    ids = {task.name: f"t{index}" for index, task in enumerate(config.tasks)}
    lines = ["flowchart LR"]
    for task in config.tasks:
        lines.append(f'    {ids[task.name]}["{task.name}<br/><small>{_KIND_LABEL[task.kind]}</small>"]:::{task.kind}')
    for task in config.tasks:
        lines.extend(f"    {ids[upstream]} --> {ids[task.name]}" for upstream in task.upstream)
    for kind in ("spark", "kubepod"):
        lines.append(f"    classDef {kind} fill:{_KIND_FILL[kind]},stroke:{_KIND_STROKE[kind]}")
    return "\n".join(lines) + "\n"


def dot(config: ObjectiveConfig) -> str:
    lines = [
        f'digraph "{config.dag_id}" {{',
        "    rankdir=LR;",
        '    node [shape=box, style="rounded,filled", fontname="Helvetica"];',
        f'    label="{config.dag_id}"; labelloc=t; fontname="Helvetica";',
    ]
    for task in config.tasks:
        lines.append(
            f'    "{task.name}" [label="{task.name}\\n{_KIND_LABEL[task.kind]}", '
            f'fillcolor="{_KIND_FILL[task.kind]}", color="{_KIND_STROKE[task.kind]}"];'
        )
    for task in config.tasks:
        lines.extend(f'    "{upstream}" -> "{task.name}";' for upstream in task.upstream)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _layers(config: ObjectiveConfig) -> dict[str, int]:
    layer: dict[str, int] = {}
    for task in config.tasks:  # tasks are in task_id order; upstream may come later with depends_on
        layer[task.name] = 0
    changed = True
    while changed:
        changed = False
        for task in config.tasks:
            depth = max((layer[upstream] + 1 for upstream in task.upstream), default=0)
            if depth != layer[task.name]:
                layer[task.name], changed = depth, True
    return layer


def svg(config: ObjectiveConfig) -> str:
    width_box, height_box, gap_x, gap_y, margin = 190, 52, 70, 28, 24
    layer = _layers(config)
    columns: dict[int, list[str]] = {}
    for task in config.tasks:
        columns.setdefault(layer[task.name], []).append(task.name)
    position = {}
    for column, names in columns.items():
        for row, name in enumerate(names):
            position[name] = (margin + column * (width_box + gap_x), margin + 30 + row * (height_box + gap_y))
    width = margin * 2 + (max(columns) + 1) * width_box + max(columns) * gap_x
    height = margin * 2 + 30 + max(len(names) for names in columns.values()) * (height_box + gap_y) - gap_y
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{margin}" y="{margin + 8}" font-size="15" font-weight="bold">{html.escape(config.dag_id)}</text>',
    ]
    for task in config.tasks:
        x2, y2 = position[task.name]
        for upstream in task.upstream:
            x1, y1 = position[upstream]
            parts.append(
                f'<line x1="{x1 + width_box}" y1="{y1 + height_box / 2}" x2="{x2}" y2="{y2 + height_box / 2}" '
                'stroke="#555" stroke-width="1.5" marker-end="url(#arrow)"/>'
            )
    for task in config.tasks:
        x, y = position[task.name]
        parts.append(
            f'<rect x="{x}" y="{y}" width="{width_box}" height="{height_box}" rx="8" '
            f'fill="{_KIND_FILL[task.kind]}" stroke="{_KIND_STROKE[task.kind]}" stroke-width="1.5"/>'
        )
        parts.append(
            f'<text x="{x + width_box / 2}" y="{y + 22}" font-size="13" text-anchor="middle">{html.escape(task.name)}</text>'
        )
        parts.append(
            f'<text x="{x + width_box / 2}" y="{y + 40}" font-size="11" fill="#555" text-anchor="middle">{_KIND_LABEL[task.kind]}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def png(config: ObjectiveConfig) -> bytes:
    executable = shutil.which("dot")
    if executable is None:
        raise RuntimeError(
            "--format png needs Graphviz's `dot` on PATH (Debian: apt-get install graphviz); --format svg needs nothing"
        )
    result = subprocess.run([executable, "-Tpng"], input=dot(config).encode(), capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"dot failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


FORMATS = ("mermaid", "dot", "svg", "png")
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


def run(args: argparse.Namespace, out: Output) -> int:
    root = resolve_root(args.root)
    ref = objective_ref(root, args.domain, args.usecase, args.objective)
    args.format = chosen_format(args.format, args.output)
    if args.json and not args.output and args.format == "png":
        raise UsageError("--format png is binary: give -o FILE with --json")
    config = load_objective(root, *ref.parts)
    if args.format == "png":
        if not args.output and sys.stdout.isatty():
            raise UsageError("--format png writes binary data: give -o FILE or redirect standard output")
        try:
            data = png(config)
        except RuntimeError as error:
            out.error(f"maxai graph: {error}")
            return EXIT_PROBLEMS
    else:
        data = {"mermaid": mermaid, "dot": dot, "svg": svg}[args.format](config).encode()
    if args.output:
        target = Path(args.output)
        if not target.parent.is_dir():
            raise UsageError(f"-o {args.output}: folder {target.parent} does not exist")
        target.write_bytes(data)
        if not args.json:
            out.line(f"wrote {target}")
        else:
            out.json({"ok": True, "file": str(target), "format": args.format})
    elif args.json:
        out.json({"ok": True, "dag_id": ref.dag_id, "format": args.format, "graph": data.decode()})
    elif args.format == "png":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        out.stream.write(data.decode())
        out.stream.flush()
    return EXIT_OK
