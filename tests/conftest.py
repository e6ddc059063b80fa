"""Shared fixtures. Airflow reads its configuration at import, so the environment of a
throw-away local Airflow home (SQLite, examples off, local Spark connection) is set here,
before any test module imports Airflow."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="maxai-test-airflow-"))

from maxai.runner.home import local_environment  # noqa: E402

os.environ.update(local_environment(REPO, _AIRFLOW_HOME))
os.environ["MAXAI_CACHE_DIR"] = tempfile.mkdtemp(prefix="maxai-test-cache-")  # never the user's own cache
os.environ.pop("MAXAI_ROOT", None)
os.environ.pop("MAXAI_DATA_DIR", None)

EXAMPLE_PARTS = ("maxaiconfigs", "maxaidags", "maxaiusecases", "data")


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """A migrated SQLite metadata DB for this test session."""
    from maxai.runner.home import prepare

    prepare(REPO, _AIRFLOW_HOME)
    return _AIRFLOW_HOME


@pytest.fixture
def example_repo(tmp_path: Path) -> Path:
    """A private copy of the example marketplace that a test may break."""
    root = tmp_path / "repo"
    for part in EXAMPLE_PARTS:
        shutil.copytree(REPO / part, root / part, ignore=shutil.ignore_patterns("out", "__pycache__"))
    return root


def _run_git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@t",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@t",
        },
    )
    return result.stdout


@pytest.fixture
def git() -> Callable[..., str]:
    """Run git in a repository as a fixed author: git(repo, "commit", ...) returns its output."""
    return _run_git


@pytest.fixture
def git_repo(example_repo: Path) -> Path:
    """The example copy as a git repository with one commit on ``main``."""
    _run_git(example_repo, "init", "-q", "-b", "main")
    _run_git(example_repo, "add", "-A")
    _run_git(example_repo, "commit", "-q", "-m", "base")
    return example_repo


@pytest.fixture
def edit_json(example_repo: Path) -> Callable[..., Path]:
    """Rewrite one config file of the example copy: edit_json(relative_path, fn) or raw text."""
    import json

    def edit(relative: str, change: object) -> Path:
        path = example_repo / relative
        if isinstance(change, str):
            path.write_text(change, encoding="utf-8")
        elif isinstance(change, bytes):
            path.write_bytes(change)
        elif callable(change):
            data = json.loads(path.read_text()) if path.exists() else {}
            result = change(data)
            path.write_text(json.dumps(data if result is None else result, indent=2))
        else:
            path.write_text(json.dumps(change, indent=2))
        return path

    return edit


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    """A data folder holding the example input, used through MAXAI_DATA_DIR."""
    folder = tmp_path / "data"
    shutil.copytree(REPO / "data" / "retail", folder / "retail")
    os.environ["MAXAI_DATA_DIR"] = str(folder)
    yield folder
    os.environ.pop("MAXAI_DATA_DIR", None)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How many generated cases the property-based tests ran (hypothesis examples)."""
    import sys

    module = sys.modules.get("tests.test_hostile_input")
    counts = getattr(module, "CASES_RUN", None)
    if counts:
        terminalreporter.write_sep("-", "property-based cases run")
        for name, count in counts.items():
            terminalreporter.write_line(f"{name}: {count}")
        terminalreporter.write_line(f"total: {sum(counts.values())}")
