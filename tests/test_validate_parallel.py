"""`maxai validate` over many objectives runs in worker processes and reports the same as one process."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from maxai.cli.validate import PARALLEL_FROM, _check_chunk, check_objectives
from maxai.config.layout import discover_objectives


def _generator(repo: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("parse_time", repo / "bench" / "parse_time.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate_maxai


def test_parallel_validation_matches_sequential(repo: Path, tmp_path: Path) -> None:
    root = tmp_path / "big"
    _generator(repo)(root, PARALLEL_FROM + 50)
    broken = root / "maxaiconfigs/d0/u3/o31/py_config.json"
    broken.write_text(broken.read_text().replace('"retries": 2', '"retries": -2'))
    (root / "maxaiconfigs/d2/u27/spark_config.json").write_text('{"tasks": []}')
    refs = discover_objectives(root)
    assert len(refs) == PARALLEL_FROM + 50
    parallel_problems, parallel_status = check_objectives(root, refs, deep=False)
    sequential_problems, sequential_status, _ = _check_chunk(root, refs)
    assert parallel_status == sequential_status
    assert sorted(map(str, parallel_problems)) == sorted(set(map(str, sequential_problems)))
    assert sum(status != "ok" for status in parallel_status.values()) == 11  # o31 and the 10 objectives of u27
    assert any("retries" in problem.path_text for problem in parallel_problems)
