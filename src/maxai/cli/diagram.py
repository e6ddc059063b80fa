"""A diagram of boxes and arrows, written as Mermaid or Graphviz text, or drawn as SVG/PNG by Graphviz's ``dot``.

Knows nothing of objectives: ``maxai graph`` turns an objective's tasks into a :class:`Diagram`, and any other
picture (objectives and the data between them, say) can be written by the same functions.
"""

from __future__ import annotations

import html
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field

TEXT_FORMATS = ("mermaid", "dot")
DRAWN_FORMATS = ("svg", "png")
FORMATS = TEXT_FORMATS + DRAWN_FORMATS

INSTALL_GRAPHVIZ = (
    "install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; "
    "others: https://graphviz.org/download/)"
)
DOT_TIMEOUT_SECONDS = 60


class GraphvizError(RuntimeError):
    """Graphviz's ``dot`` is missing or refused to draw: one line saying what to do."""


@dataclass(frozen=True)
class BoxStyle:
    fill: str
    stroke: str


@dataclass(frozen=True)
class Node:
    name: str
    """Unique within its diagram, and the box's first line."""
    caption: str = ""
    """A smaller second line (what kind of thing the box is)."""
    style: str | None = None
    """A key of :attr:`Diagram.styles`."""


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str = ""


@dataclass(frozen=True)
class Diagram:
    title: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    styles: Mapping[str, BoxStyle] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [node.name for node in self.nodes]
        known = set(names)
        if len(known) != len(names):
            raise ValueError(f"diagram {self.title!r}: node names repeat: {names}")
        for edge in self.edges:
            if edge.source not in known or edge.target not in known:
                raise ValueError(f"diagram {self.title!r}: edge {edge.source} -> {edge.target} names an unknown node")
        for node in self.nodes:
            if node.style is not None and node.style not in self.styles:
                raise ValueError(f"diagram {self.title!r}: node {node.name} has an unknown style {node.style!r}")


def _mermaid_text(text: str) -> str:
    # inside a quoted Mermaid label these would end the label or open HTML; Mermaid's entity codes stand in
    return text.replace("#", "#35;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def mermaid(diagram: Diagram) -> str:
    ids = {node.name: f"t{index}" for index, node in enumerate(diagram.nodes)}
    lines = ["flowchart LR"]
    for node in diagram.nodes:
        label = _mermaid_text(node.name)
        if node.caption:
            label += f"<br/><small>{_mermaid_text(node.caption)}</small>"
        lines.append(f'    {ids[node.name]}["{label}"]' + (f":::{node.style}" if node.style else ""))
    for edge in diagram.edges:
        arrow = f'-->|"{_mermaid_text(edge.label)}"|' if edge.label else "-->"
        lines.append(f"    {ids[edge.source]} {arrow} {ids[edge.target]}")
    for name, style in diagram.styles.items():
        lines.append(f"    classDef {name} fill:{style.fill},stroke:{style.stroke}")
    return "\n".join(lines) + "\n"


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot(diagram: Diagram) -> str:
    lines = [
        f"digraph {_dot_string(diagram.title)} {{",
        "    rankdir=LR;",
        '    node [shape=box, style="rounded,filled", fontname="Helvetica"];',
        '    edge [fontname="Helvetica", fontsize=10];',
        f'    label={_dot_string(diagram.title)}; labelloc=t; fontname="Helvetica";',
    ]
    for node in diagram.nodes:
        # an HTML-like label: the caption smaller and grey under the name, as in the Mermaid picture
        label = html.escape(node.name)
        if node.caption:
            label += f'<BR/><FONT POINT-SIZE="10" COLOR="#555555">{html.escape(node.caption)}</FONT>'
        attributes = [f"label=<{label}>"]
        if node.style:
            style = diagram.styles[node.style]
            attributes += [f'fillcolor="{style.fill}"', f'color="{style.stroke}"']
        else:
            attributes.append('fillcolor="white"')
        lines.append(f"    {_dot_string(node.name)} [{', '.join(attributes)}];")
    for edge in diagram.edges:
        label = f" [label={_dot_string(edge.label)}]" if edge.label else ""
        lines.append(f"    {_dot_string(edge.source)} -> {_dot_string(edge.target)}{label};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def graphviz_drawing(dot_source: str, image_format: str) -> bytes:
    """``dot_source`` drawn by Graphviz as ``svg`` or ``png``."""
    executable = shutil.which("dot")
    if executable is None:
        raise GraphvizError(
            f"--format {image_format} needs Graphviz's `dot` on PATH: {INSTALL_GRAPHVIZ}; "
            "--format mermaid and --format dot need nothing"
        )
    try:
        result = subprocess.run(
            [executable, f"-T{image_format}"],
            input=dot_source.encode(),
            capture_output=True,
            check=False,
            timeout=DOT_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired as error:
        raise GraphvizError(f"{executable} took more than {DOT_TIMEOUT_SECONDS} s to draw the graph") from error
    if result.returncode != 0:
        message = " ".join(result.stderr.decode(errors="replace").split())
        raise GraphvizError(f"{executable} -T{image_format} failed (exit code {result.returncode}): {message}")
    return result.stdout


def written(diagram: Diagram, diagram_format: str) -> bytes:
    """The diagram in one of :data:`FORMATS`; SVG and PNG raise :class:`GraphvizError` without Graphviz."""
    if diagram_format == "mermaid":
        return mermaid(diagram).encode()
    if diagram_format in DRAWN_FORMATS:
        return graphviz_drawing(dot(diagram), diagram_format)
    if diagram_format == "dot":
        return dot(diagram).encode()
    raise ValueError(f"unknown diagram format {diagram_format!r}: one of {', '.join(FORMATS)}")
