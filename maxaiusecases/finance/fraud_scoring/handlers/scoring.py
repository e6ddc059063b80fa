"""Score transactions with a transparent rule model and report the ones above a threshold."""

from __future__ import annotations

import json
import math
from pathlib import Path

from maxai.runtime import TaskContext


def _risk(record: dict[str, object], mean_log_amount: float) -> float:
    amount = float(record["amount"])  # type: ignore[arg-type]
    surprise = max(0.0, math.log(max(amount, 0.01)) - mean_log_amount)
    night = 1.0 if int(record["hour"]) < 6 else 0.0  # type: ignore[call-overload]
    new_payee = 1.0 if record["new_payee"] else 0.0
    logit = -3.0 + 1.5 * surprise + 1.0 * night + 2.0 * new_payee
    return round(1.0 / (1.0 + math.exp(-logit)), 4)


def score(task: TaskContext, threshold: float = 0.8) -> None:
    if task.skip_if_done():
        return
    source = Path(task.input_path(dated=True)) / "transactions.jsonl"
    records = [json.loads(line) for line in source.read_text().splitlines() if line.strip()]
    mean_log_amount = sum(math.log(max(r["amount"], 0.01)) for r in records) / max(len(records), 1)
    out = Path(task.output_path())
    out.mkdir(parents=True, exist_ok=True)
    flagged = 0
    with (out / "scores.jsonl").open("w") as handle:
        for record in records:
            risk = _risk(record, mean_log_amount)
            flagged += risk >= threshold
            handle.write(json.dumps({"id": record["id"], "risk": risk, "flagged": risk >= threshold}) + "\n")
    task.mark_done()
    print(f"scored {len(records)} transactions, {flagged} at or above {threshold}")


def report(task: TaskContext) -> None:
    if task.skip_if_done():
        return
    source = Path(task.input_path(dated=True)) / "scores.jsonl"
    scores = [json.loads(line) for line in source.read_text().splitlines() if line.strip()]
    alerts = sorted((s for s in scores if s["flagged"]), key=lambda s: -s["risk"])
    out = Path(task.output_path())
    out.mkdir(parents=True, exist_ok=True)
    (out / "alerts.json").write_text(json.dumps({"count": len(alerts), "alerts": alerts}, indent=2) + "\n")
    task.mark_done()
    print(f"reported {len(alerts)} alerts")
