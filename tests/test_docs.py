"""The documentation: the README renders as PyPI renders it, and the site (docs/) builds with warnings as errors
and names every config key, every command-line option and the public Python API."""

from __future__ import annotations

import html
import io
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from maxai.config.schema import SCHEMA_MODELS, build_schema

SPHINX_OPTIONS = ("-W", "--keep-going", "-E", "-q", "-b", "html")
"""What ``make docs`` runs sphinx-build with: any warning fails the build."""


def test_readme_renders_cleanly(repo: Path) -> None:
    import docutils.core

    warnings = io.StringIO()
    docutils.core.publish_string(
        (repo / "README.rst").read_text(encoding="utf-8"),
        source_path="README.rst",
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


def test_make_docs_builds_with_warnings_as_errors(repo: Path) -> None:
    recipe = re.search(r"^docs:.*\n((?:\t.*\n)+)", (repo / "Makefile").read_text(), re.MULTILINE)
    assert recipe is not None, "the Makefile has no docs target"
    assert all(option in recipe.group(1).split() for option in SPHINX_OPTIONS if option != "-q")


@pytest.fixture(scope="module")
def site(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", *SPHINX_OPTIONS, "-d", str(out / "doctrees"), "docs", str(out / "html")],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"sphinx-build failed:\n{result.stdout}\n{result.stderr}"
    return out / "html"


def _literals(page: str) -> set[str]:
    """The inline literals of an HTML page (``key`` in the source)."""
    found = re.findall(r'<code class="docutils literal notranslate">(.*?)</code>', page, re.DOTALL)
    return {html.unescape(re.sub(r"<[^>]+>", "", literal)) for literal in found}


def test_every_page_of_docs_is_built(repo: Path, site: Path) -> None:
    # sphinx warns (so the build fails) about a page no toctree reaches
    missing = [page.name for page in (repo / "docs").glob("*.rst") if not (site / f"{page.stem}.html").is_file()]
    assert missing == []


def _keys(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        yield from node.get("properties", {})
        for value in node.values():
            yield from _keys(value)
    elif isinstance(node, list):
        for value in node:
            yield from _keys(value)


@pytest.mark.parametrize("config_file", list(SCHEMA_MODELS))
def test_the_configuration_reference_names_every_key_of_the_schema(site: Path, config_file: str) -> None:
    page = (site / "config-reference.html").read_text(encoding="utf-8")
    anchor = f'id="config-{config_file.replace("_", "-").replace(".", "-")}"'
    assert anchor in page
    section = page[page.index(anchor) :]
    following = [other for other in SCHEMA_MODELS if other != config_file]
    ends = [section.find(f'id="config-{other.replace("_", "-").replace(".", "-")}"') for other in following]
    section = section[: min([end for end in ends if end > 0], default=len(section))]
    keys = set(_keys(build_schema(config_file)))
    assert len(keys) > 5
    assert sorted(keys - _literals(section)) == []


def test_the_command_reference_names_every_command_and_option(site: Path) -> None:
    import argparse

    from maxai.cli.main import build_parser

    page = (site / "cli-reference.html").read_text(encoding="utf-8")
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    subcommands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert len(subcommands.choices) >= 8
    for name, parser in subcommands.choices.items():
        assert re.search(rf"\bmaxai {name}\b", text), name
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            for option in action.option_strings:
                assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text), f"maxai {name} {option}"


def test_the_api_reference_documents_the_public_api(site: Path) -> None:
    page = (site / "api.html").read_text(encoding="utf-8")
    for name in ("maxai.build_dag", "maxai.ConfigError", "maxai.runtime.current_task", "maxai.runtime.TaskContext"):
        assert f'id="{name}"' in page, name
