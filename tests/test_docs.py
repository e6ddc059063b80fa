"""The README and docs/ are reStructuredText that renders without errors (tables included)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

DOCUMENTS = [
    "README.rst",
    *sorted(
        str(path.relative_to(Path(__file__).resolve().parents[1]))
        for path in (Path(__file__).resolve().parents[1] / "docs").glob("*.rst")
    ),
]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_document_renders_cleanly(repo: Path, name: str) -> None:
    import docutils.core

    warnings = io.StringIO()
    docutils.core.publish_string(
        (repo / name).read_text(encoding="utf-8"),
        source_path=name,
        writer="null",
        settings_overrides={"report_level": 2, "halt_level": 5, "warning_stream": warnings},
    )
    assert warnings.getvalue() == ""


def test_readme_opens_with_the_two_commands(repo: Path) -> None:
    lines = (repo / "README.rst").read_text(encoding="utf-8").splitlines()
    commands = [line.strip() for line in lines[:12] if line.strip().startswith("make ")]
    assert [command.split()[:2] for command in commands] == [["make", "demo"], ["make", "test"]]
    makefile = (repo / "Makefile").read_text()
    assert "demo:" in makefile and "test:" in makefile
    assert "make test" in (repo / ".ci" / "run").read_text()
