"""Which run wrote an output partition, so that runs of different kinds never silently share one.

A partition is named by the date it holds (``ds=2026-11-26``), whichever run computed it. A manual run
of today and the scheduled run of today therefore write the same partition. Each completed partition
records the run that wrote it (``_MAXAI_RUN.json`` beside Spark's ``_SUCCESS``), and the rule is:

- a scheduled or backfill run (the runs that define a date's official output) reuses only what a
  scheduled or backfill run wrote; a partition a manual run wrote, perhaps before that day's data was
  complete, is recomputed;
- a manual run reuses any complete partition, and its log names the run that wrote it;
- ``force`` recomputes in every case.
"""

from __future__ import annotations

import atexit
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

PROVENANCE_FILE = "_MAXAI_RUN.json"
DONE_MARKER = "_SUCCESS"
"""Spark writes it when a job's output is complete; maxai uses the same convention."""
OFFICIAL_RUN_TYPES = frozenset({"scheduled", "backfill"})


@dataclass(frozen=True)
class Writer:
    run_id: str
    run_type: str
    task: str
    date_source: str
    written_at: str

    def describe(self) -> str:
        kind = f"{self.run_type} run" if self.run_type else "run"
        return f"{kind} {self.run_id or '(no id)'} at {self.written_at}"


def read_writer(partition: str) -> Writer | None:
    """The run recorded in ``partition``, or None (not recorded, unreadable, or a remote path)."""
    try:
        data = json.loads((Path(partition) / PROVENANCE_FILE).read_text(encoding="utf-8"))
        return Writer(**{field: str(data.get(field, "")) for field in Writer.__dataclass_fields__})
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def must_recompute(current_run_type: str, writer: Writer | None) -> bool:
    """True when a run of ``current_run_type`` may not adopt a partition ``writer`` wrote."""
    if current_run_type not in OFFICIAL_RUN_TYPES or writer is None:
        return False
    return writer.run_type not in OFFICIAL_RUN_TYPES


def write_writer(partition: str, writer: Writer) -> None:
    """Record ``writer`` in a completed local partition (atomically; nothing for remote or incomplete ones)."""
    folder = Path(partition)
    if not (folder / DONE_MARKER).is_file():
        return
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".maxai-run-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(asdict(writer), stream)
        Path(temporary).replace(folder / PROVENANCE_FILE)
    except OSError:
        Path(temporary).unlink(missing_ok=True)


def record_writer(partition: str, run_id: str, run_type: str, task: str, date_source: str) -> None:
    """Record that this run wrote ``partition``, now (nothing for remote or incomplete partitions)."""
    written_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    write_writer(partition, Writer(run_id, run_type, task, date_source, written_at))


def record_at_exit(partition: str, run_id: str, run_type: str, task: str, date_source: str) -> None:
    """Record the writer when this process ends, once the handler's job (Spark's write) has completed it."""
    atexit.register(record_writer, partition, run_id, run_type, task, date_source)
