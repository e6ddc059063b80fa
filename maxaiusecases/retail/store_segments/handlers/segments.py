"""Pod handlers: group stores into segments by sales volume, then publish the segments.

Plain Python (no Spark) so the pods stay small; called through ``python -m maxai.runtime``
with the ``function`` and ``args`` of their py_config entry.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from maxai.runtime import TaskContext


def _read_features(folder: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for part in sorted(folder.glob("part-*.csv")):
        with part.open(newline="") as handle:
            rows.extend(csv.DictReader(handle))
    if not rows:
        raise FileNotFoundError(f"no store features in {folder}")
    return rows


def _kmeans_1d(values: list[float], k: int, rounds: int = 50) -> list[int]:
    """Deterministic 1-D k-means: centres start at evenly spaced quantiles."""
    ordered = sorted(values)
    centres = [ordered[min(len(ordered) - 1, (2 * i + 1) * len(ordered) // (2 * k))] for i in range(k)]
    labels = [0] * len(values)
    for _ in range(rounds):
        labels = [min(range(k), key=lambda c: abs(value - centres[c])) for value in values]
        updated = []
        for c in range(k):
            members = [value for value, label in zip(values, labels) if label == c]
            updated.append(sum(members) / len(members) if members else centres[c])
        if updated == centres:
            break
        centres = updated
    # segment 0 = lowest volume
    rank = {c: position for position, c in enumerate(sorted(range(k), key=lambda c: centres[c]))}
    return [rank[label] for label in labels]


def cluster_stores(task: TaskContext, segments: int = 2) -> None:
    if task.skip_if_done():
        return
    features = _read_features(Path(task.input_path(dated=True)))
    volumes = [float(row["mean_daily_units"]) for row in features]
    labels = _kmeans_1d(volumes, min(segments, len(volumes)))
    result = [
        {"store": row["store"], "segment": label, "mean_daily_units": float(row["mean_daily_units"])}
        for row, label in zip(features, labels)
    ]
    out = Path(task.output_path())
    out.mkdir(parents=True, exist_ok=True)
    (out / "segments.json").write_text(json.dumps(result, indent=2) + "\n")
    task.mark_done()
    print(f"clustered {len(result)} stores into {len(set(labels))} segments")


def publish_segments(task: TaskContext) -> None:
    if task.skip_if_done():
        return
    segments = json.loads((Path(task.input_path(dated=True)) / "segments.json").read_text())
    by_segment: dict[int, list[str]] = {}
    for row in segments:
        by_segment.setdefault(row["segment"], []).append(row["store"])
    out = Path(task.output_path())
    out.mkdir(parents=True, exist_ok=True)
    summary = {"run_date": task.run_date.isoformat(), "segments": {str(k): v for k, v in sorted(by_segment.items())}}
    (out / "published.json").write_text(json.dumps(summary, indent=2) + "\n")
    task.mark_done()
    print(f"published {len(by_segment)} segments")
