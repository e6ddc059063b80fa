"""A change to a repository-wide config file (environments.json, presets.json) concerns every objective."""

from __future__ import annotations

import json
from pathlib import Path

from maxai.cli.main import main
from maxai.config import discover_objectives
from tests.test_cli import _changed


def test_changed_presets_file_concerns_every_objective(git_repo: Path) -> None:
    path = git_repo / "maxaiconfigs" / "presets.json"
    data = json.loads(path.read_text())
    data["presets"]["large"]["spark"]["executor_memory"] = "6g"
    path.write_text(json.dumps(data))
    report = _changed(git_repo)
    assert sorted(o["dag_id"] for o in report["objectives"]) == [ref.dag_id for ref in discover_objectives(git_repo)]


def test_validate_takes_a_repository_file(example_repo: Path, capsys: object) -> None:
    (example_repo / "maxaiconfigs" / "environments.json").write_text('{"default": "prod", "environments": {}}')
    code = main(["validate", "--root", str(example_repo), str(example_repo / "maxaiconfigs" / "environments.json")])
    assert code == 1
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "maxaiconfigs/environments.json:1:" in out and "environments" in out
