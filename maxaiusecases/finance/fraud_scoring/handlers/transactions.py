"""Extract the transactions of one logical date.

This example has no ledger to read from, so it draws a reproducible sample: the same
channel and date always give the same transactions, which keeps reruns idempotent.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from maxai.runtime import TaskContext


def extract(task: TaskContext, channel: str = "card", sample_size: int = 100) -> None:
    if task.skip_if_done():
        return
    rng = random.Random(f"{channel}:{task.run_date.isoformat()}")
    out = Path(task.output_path())
    out.mkdir(parents=True, exist_ok=True)
    with (out / "transactions.jsonl").open("w") as handle:
        for number in range(sample_size):
            amount = round(rng.lognormvariate(4.0, 1.0), 2)
            record = {
                "id": f"{channel}-{task.run_date:%Y%m%d}-{number:05d}",
                "channel": channel,
                "amount": amount,
                "hour": rng.randrange(24),
                "new_payee": rng.random() < 0.1,
            }
            handle.write(json.dumps(record) + "\n")
    task.mark_done()
    print(f"extracted {sample_size} {channel} transactions for {task.run_date}")
