"""Pod handler: joins the regional shares and the top stores into one review document.

Plain Python (the Spark tasks upstream write JSON lines), called through ``python -m maxai.runtime``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from maxai.runtime import TaskContext


def _json_lines(folder: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for part in sorted(folder.glob("part-*.json")) for line in part.read_text().splitlines()]
    if not rows:
        raise FileNotFoundError(f"no rows in {folder}")
    return rows


def publish(task: TaskContext) -> None:
    if task.skip_if_done():
        return
    review = {
        "date": task.run_date.isoformat(),
        "regions": sorted(_json_lines(Path(task.input_path("shares", dated=True))), key=lambda row: row["region"]),
        "top_stores": _json_lines(Path(task.input_path("top_stores", dated=True))),
    }
    out = Path(task.output_path())
    out.mkdir(parents=True, exist_ok=True)
    (out / "review.json").write_text(json.dumps(review, indent=2) + "\n")
    task.mark_done()
    print(f"review of {len(review['regions'])} regions, top {len(review['top_stores'])} stores", flush=True)
