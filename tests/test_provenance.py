"""Runs of different kinds never silently share a partition: each records that it wrote it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from maxai.runtime import current_task
from maxai.runtime.provenance import PROVENANCE_FILE, read_writer


def _environment(data: Path, run_type: str, run_id: str, force: bool = False) -> dict[str, str]:
    return {
        "MAXAI_DOMAIN": "retail",
        "MAXAI_USECASE": "demand_forecast",
        "MAXAI_OBJECTIVE": "stores_eu",
        "MAXAI_TASK": "publish",
        "MAXAI_PARAMS": json.dumps({"output": "out/publish"}),
        "MAXAI_RUN_DATE": "2026-11-26",
        "MAXAI_DATE_SOURCE": "run day" if run_type == "manual" else "logical date",
        "MAXAI_RUN_ID": run_id,
        "MAXAI_RUN_TYPE": run_type,
        "MAXAI_FORCE": "1" if force else "",
        "MAXAI_DATA_DIR": str(data),
    }


def test_a_scheduled_run_recomputes_what_a_manual_run_wrote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manual = current_task(_environment(tmp_path, "manual", "manual__1"))
    assert manual.skip_if_done() is False
    manual.mark_done()
    partition = Path(manual.output_path())
    assert read_writer(str(partition)).run_id == "manual__1"  # type: ignore[union-attr]

    scheduled = current_task(_environment(tmp_path, "scheduled", "scheduled__2026-11-26T05:00:00+00:00"))
    assert scheduled.skip_if_done() is False
    assert "was written by manual run manual__1" in capsys.readouterr().out
    scheduled.mark_done()
    assert read_writer(str(partition)).run_type == "scheduled"  # type: ignore[union-attr]

    # a backfill and a later manual run adopt the scheduled run's partition, and say whose it is
    for run_type, run_id in (("backfill", "backfill__x"), ("manual", "manual__2")):
        assert current_task(_environment(tmp_path, run_type, run_id)).skip_if_done() is True
        assert "written by scheduled run scheduled__2026-11-26T05:00:00+00:00" in capsys.readouterr().out
    # force recomputes whatever wrote it
    assert current_task(_environment(tmp_path, "manual", "manual__3", force=True)).skip_if_done() is False


def test_a_spark_style_handler_records_its_run_when_it_exits(tmp_path: Path) -> None:
    # The handler never calls mark_done: Spark writes _SUCCESS, and the writer is recorded at exit.
    script = (
        "from pathlib import Path\n"
        "from maxai.runtime import current_task\n"
        "task = current_task()\n"
        "assert not task.skip_if_done()\n"
        "out = Path(task.output_path()); out.mkdir(parents=True)\n"
        "(out / 'part-0000.parquet').write_bytes(b'x'); (out / '_SUCCESS').touch()\n"
    )
    environment = _environment(tmp_path, "scheduled", "scheduled__a")
    subprocess.run([sys.executable, "-c", script], env=environment, check=True)
    partition = tmp_path / "out/publish/ds=2026-11-26"
    recorded = json.loads((partition / PROVENANCE_FILE).read_text())
    assert recorded["run_id"] == "scheduled__a" and recorded["run_type"] == "scheduled"
    assert not [path for path in partition.iterdir() if path.name.startswith(".maxai-run-")]


def test_an_incomplete_partition_gets_no_record(tmp_path: Path) -> None:
    script = (
        "from maxai.runtime import current_task\n"
        "task = current_task(); task.skip_if_done()\n"
        "raise SystemExit(3)  # the job failed before Spark wrote _SUCCESS\n"
    )
    result = subprocess.run([sys.executable, "-c", script], env=_environment(tmp_path, "manual", "m"), check=False)
    assert result.returncode == 3
    assert not (tmp_path / "out/publish/ds=2026-11-26" / PROVENANCE_FILE).exists()
