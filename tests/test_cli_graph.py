"""``maxai graph``: SVG and PNG drawn by Graphviz from the dot text maxai writes, a one-line error without Graphviz,
and diagram writers that take any boxes and labelled arrows."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from maxai.cli.diagram import BoxStyle, Diagram, Edge, Node, dot, mermaid, written
from tests.test_cli import maxai


def test_svg_and_png_are_drawn_by_graphviz(repo: Path, tmp_path: Path) -> None:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed here; test_graph_without_graphviz covers its absence")
    result = maxai("graph", "retail", "demand_forecast", "stores_eu", "--format", "svg", cwd=repo)
    assert result.returncode == 0, result.stderr
    svg = ElementTree.fromstring(result.stdout.encode())
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    texts = {element.text for element in svg.iter("{http://www.w3.org/2000/svg}text")}
    assert {"retail.demand_forecast.stores_eu", "daily_totals", "forecast_demand", "SparkSubmit"} <= texts
    edges = {
        element.findtext("{http://www.w3.org/2000/svg}title")
        for element in svg.iter("{http://www.w3.org/2000/svg}g")
        if element.get("class") == "edge"
    }
    assert "daily_totals->forecast_demand" in edges
    png = tmp_path / "graph.png"
    assert maxai("graph", "retail", "demand_forecast", "stores_eu", "-o", str(png), cwd=repo).returncode == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_graph_without_graphviz(repo: Path, tmp_path: Path) -> None:
    no_dot = tmp_path / "bin"
    no_dot.mkdir()
    for image_format in ("svg", "png"):
        target = tmp_path / f"graph.{image_format}"
        result = maxai(
            "graph", "retail", "store_segments", "weekly", "-o", str(target), cwd=repo, env={"PATH": str(no_dot)}
        )
        assert result.returncode == 1 and result.stdout == ""
        assert result.stderr.count("\n") == 1 and result.stderr.startswith(
            f"maxai graph: --format {image_format} needs"
        )
        assert "apt-get install graphviz" in result.stderr and "brew install graphviz" in result.stderr
        assert not target.exists()
    mermaid_text = maxai("graph", "retail", "store_segments", "weekly", cwd=repo, env={"PATH": str(no_dot)})
    assert mermaid_text.returncode == 0 and mermaid_text.stdout.startswith("flowchart LR")
    dot_text = maxai(
        "graph", "retail", "store_segments", "weekly", "--format", "dot", cwd=repo, env={"PATH": str(no_dot)}
    )
    assert dot_text.returncode == 0 and dot_text.stdout.startswith('digraph "retail.store_segments.weekly"')


def test_diagram_writers_take_any_boxes_and_labelled_arrows() -> None:
    diagram = Diagram(
        title="marketplace",
        nodes=(Node("retail.a.x", "objective", "objective"), Node('odd "name" <b>')),
        edges=(Edge("retail.a.x", 'odd "name" <b>', "s3://bucket/sales #2"),),
        styles={"objective": BoxStyle("#ffffff", "#000000")},
    )
    assert 't0 -->|"s3://bucket/sales #35;2"| t1' in mermaid(diagram)
    assert 't1["odd #quot;name#quot; #lt;b#gt;"]' in mermaid(diagram)
    assert '"retail.a.x" -> "odd \\"name\\" <b>" [label="s3://bucket/sales #2"];' in dot(diagram)
    if shutil.which("dot"):
        texts = [element.text for element in ElementTree.fromstring(written(diagram, "svg")).iter() if element.text]
        assert 'odd "name" <b>' in texts and "s3://bucket/sales #2" in texts
    with pytest.raises(ValueError, match="names an unknown node"):
        Diagram("d", (Node("a"),), (Edge("a", "b"),))
    with pytest.raises(ValueError, match="node names repeat"):
        Diagram("d", (Node("a"), Node("a")), ())
