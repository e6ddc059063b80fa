"""``python -m maxai.runtime.callback``: the objective's callbacks called outside Airflow, in a real subprocess, with
the example on-call handler writing ``on_call/<dag_id>.jsonl`` under MAXAI_DATA_DIR."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

PAGE = {"function": "fraud_scoring.handlers.on_call:page", "args": {"channel": "#fraud-cards"}}
HANDLERS = str(REPO / "maxaiusecases" / "finance")
CONTEXT_DUMP = """
import json, os

def dump(context, name):
    with open(os.path.join(os.environ["MAXAI_DATA_DIR"], name + ".json"), "w") as handle:
        json.dump(context, handle)

def broken(context):
    raise RuntimeError("the pager is down")
"""


def _argo_failures(nodes: list[dict[str, Any]] | None) -> str:
    """``{{workflow.failures}}`` as a container argument: Argo quotes the JSON once more (strconv.Quote) before its
    substitution escapes it into the template, so the argument is a JSON string holding the JSON."""
    return json.dumps(json.dumps(nodes))


def _call(data_dir: Path, *arguments: str, handlers: str = HANDLERS) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "MAXAI_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-m", "maxai.runtime.callback", "--handlers", handlers, *arguments]
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60, check=False)


def _run(dag_id: str = "finance.fraud_scoring.cards") -> list[str]:
    return ["--target", "argo", "--dag-id", dag_id, "--run-id", "finance-fraud-scoring-cards-1764187200"]


def _alerts(data_dir: Path, dag_id: str = "finance.fraud_scoring.cards") -> list[dict[str, Any]]:
    path = data_dir / "on_call" / f"{dag_id}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_failed_run_pages_with_the_last_failed_task(tmp_path: Path) -> None:
    failures = [
        {"displayName": "finance-fraud-scoring-cards-1764187200", "finishedAt": "2026-11-26T20:01:09Z"},
        {"displayName": "report-alerts", "phase": "Failed", "finishedAt": "2026-11-26T20:01:07Z"},
        {"displayName": "score-transactions(0)", "phase": "Failed", "finishedAt": "2026-11-26T20:00:31Z"},
        {"displayName": "score-transactions", "phase": "Failed", "finishedAt": "2026-11-26T20:00:40Z"},
    ]
    names = {"score-transactions": "score_transactions", "report-alerts": "report_alerts"}
    result = _call(
        tmp_path,
        *_run(),
        *("--callbacks", json.dumps([PAGE]), "--state", "Failed", "--failures", _argo_failures(failures)),
        *("--task-names", json.dumps(names)),
    )
    assert result.returncode == 0, result.stderr
    [alert] = _alerts(tmp_path)
    assert alert["channel"] == "#fraud-cards" and alert["dag_id"] == "finance.fraud_scoring.cards"
    assert alert["run_id"] == "finance-fraud-scoring-cards-1764187200"
    assert alert["what"] == "task_failure" and alert["task"] == "report_alerts"


def test_the_context_holds_exactly_the_documented_keys(tmp_path: Path) -> None:
    (tmp_path / "handlers").mkdir()
    (tmp_path / "handlers" / "context_dump.py").write_text(CONTEXT_DUMP)
    callbacks = [{"function": "context_dump:dump", "args": {"name": "ended"}}]
    failures = [{"displayName": "score-transactions", "phase": "Error", "finishedAt": "2026-11-26T20:00:40Z"}]
    result = _call(
        tmp_path,
        *_run(),
        *("--callbacks", json.dumps(callbacks), "--state", "Error", "--failures", _argo_failures(failures)),
        *("--task-names", '{"score-transactions": "score_transactions"}', "--run-type", "scheduled"),
        *("--queued-at", "2026-11-26T20:00:02Z", "--logical-date", "2026-11-26T21:00:00+01:00"),
        handlers=str(tmp_path / "handlers"),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "ended.json").read_text()) == {
        "dag_run": {
            "dag_id": "finance.fraud_scoring.cards",
            "dag_run_id": "finance-fraud-scoring-cards-1764187200",
            "logical_date": "2026-11-26T20:00:00+00:00",
            "queued_at": "2026-11-26T20:00:02+00:00",
            "run_type": "scheduled",
            "state": "failed",
        },
        "reason": "task_failure",
        "failed_tasks": ["score_transactions"],
        "task_instance": {"task_id": "score_transactions", "state": "failed"},
        "target": "argo",
    }
    # a success: no failure ("null", as Argo writes an empty list), no task instance, no logical date
    callbacks = [{"function": "context_dump:dump", "args": {"name": "succeeded"}}]
    result = _call(
        tmp_path,
        *_run(),
        *("--callbacks", json.dumps(callbacks), "--state", "Succeeded", "--failures", _argo_failures(None)),
        handlers=str(tmp_path / "handlers"),
    )
    assert result.returncode == 0, result.stderr
    succeeded = json.loads((tmp_path / "succeeded.json").read_text())
    assert succeeded["reason"] == "success" and succeeded["failed_tasks"] == [] and "task_instance" not in succeeded
    assert succeeded["dag_run"]["state"] == "success" and succeeded["dag_run"]["logical_date"] is None


@pytest.mark.parametrize(
    ("run_type", "date", "logical_date"),
    [("scheduled", "", "2026-11-23T03:00:00+00:00"), ("scheduled", "2026-11-20", None), ("manual", "", None)],
)
def test_only_a_scheduled_run_given_no_date_has_a_logical_date(
    tmp_path: Path, run_type: str, date: str, logical_date: str | None
) -> None:
    (tmp_path / "handlers").mkdir()
    (tmp_path / "handlers" / "context_dump.py").write_text(CONTEXT_DUMP)
    callbacks = [{"function": "context_dump:dump", "args": {"name": "run"}}]
    result = _call(
        tmp_path,
        *("--target", "kubeflow", "--dag-id", "retail.store_segments.weekly", "--run-id", "5f0c"),
        *("--callbacks", json.dumps(callbacks), "--run-type", run_type, "--date-param", date),
        *("--logical-date", "2026-11-23T03:00:00Z", "--task-final-status", '{"state": "CANCELED", "error": {}}'),
        handlers=str(tmp_path / "handlers"),
    )
    assert result.returncode == 0, result.stderr
    dag_run = json.loads((tmp_path / "run.json").read_text())["dag_run"]
    assert dag_run["logical_date"] == logical_date and dag_run["state"] == "failed"


def test_a_failing_callback_is_printed_and_the_next_one_still_called(tmp_path: Path) -> None:
    (tmp_path / "handlers").mkdir()
    (tmp_path / "handlers" / "context_dump.py").write_text(CONTEXT_DUMP)
    callbacks = ["context_dump:broken", {"function": "context_dump:dump", "args": {"name": "after"}}]
    result = _call(
        tmp_path,
        *_run(),
        *("--callbacks", json.dumps(callbacks), "--state", "Failed"),
        handlers=str(tmp_path / "handlers"),
    )
    assert result.returncode == 0  # as Airflow: a failing callback is logged and changes no state
    assert 'callback "context_dump:broken" failed' in result.stderr and "the pager is down" in result.stderr
    assert (tmp_path / "after.json").is_file()


def test_a_deadline_alert_waits_calls_back_and_holds_until_stopped(tmp_path: Path) -> None:
    queued = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=2700 - 2)
    command = [sys.executable, "-m", "maxai.runtime.callback", "--handlers", HANDLERS, *_run()]
    command += ["--callbacks", json.dumps([PAGE]), "--queued-at", queued.strftime("%Y-%m-%dT%H:%M:%SZ")]
    command += ["--deadline-reference", "dagrun_queued_at", "--deadline-from", queued.strftime("%Y-%m-%dT%H:%M:%SZ")]
    command += ["--deadline-interval", "2700", "--hold"]
    process = subprocess.Popen(
        command, env={**os.environ, "MAXAI_DATA_DIR": str(tmp_path)}, stderr=subprocess.PIPE, text=True
    )
    try:
        assert _alerts(tmp_path) == []  # not before the deadline
        for _ in range(300):
            if _alerts(tmp_path):
                break
            time.sleep(0.1)
        [alert] = _alerts(tmp_path)
        assert alert["what"] == "deadline missed" and alert["dag_id"] == "finance.fraud_scoring.cards"
        assert datetime.fromisoformat(alert["at"]) >= queued + timedelta(seconds=2700)
        time.sleep(0.5)
        assert process.poll() is None  # an Argo daemon that ends by itself is marked Failed: it holds
    finally:
        process.terminate()  # Argo stops a daemon with SIGTERM when the DAG ends
        assert process.wait(timeout=30) == 0


def test_no_logical_date_no_deadline(tmp_path: Path) -> None:
    arguments = ["--callbacks", json.dumps([PAGE]), "--deadline-reference", "dagrun_logical_date"]
    result = _call(tmp_path, *_run(), *arguments, "--deadline-from", "", "--deadline-interval", "60")
    assert result.returncode == 0 and "no logical_date: no deadline" in result.stderr
    assert _alerts(tmp_path) == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--state", "Paused"], "--state: 'Paused' is none of"),
        (["--failures", "[{"], "--failures: not JSON"),
        (["--queued-at", "yesterday"], "--queued-at: 'yesterday' is not an ISO 8601 time"),
        (["--deadline-reference", "dagrun_queued_at", "--deadline-from", "2026-11-26T20:00:00Z"], "--deadline-interv"),
        (["--late-deadlines", '[{"reference": "dagrun_started_at", "callback": "m:f"}]'], "is no deadline alert"),
        (["--late-deadlines", '[{"reference": "dagrun_queued_at", "callback": "m:f"}]'], "needs an interval"),
    ],
)
def test_arguments_it_cannot_read_are_errors(tmp_path: Path, arguments: list[str], message: str) -> None:
    result = _call(tmp_path, *_run(), "--callbacks", json.dumps([PAGE]), *arguments)
    assert result.returncode == 2 and message in result.stderr
    assert _alerts(tmp_path) == []


def test_no_airflow_import(tmp_path: Path) -> None:
    """It runs in the domain's image, which need not have Airflow."""
    code = (
        "import sys\n"
        "from maxai.runtime.callback import main\n"
        f"main(['--handlers', {HANDLERS!r}, '--target', 'kubeflow', '--dag-id', 'd', '--run-id', 'r', "
        f"'--state', 'SUCCEEDED', '--callbacks', {json.dumps([PAGE])!r}])\n"
        "assert not [name for name in sys.modules if name.split('.')[0] == 'airflow'], 'airflow imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "MAXAI_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert _alerts(tmp_path, "d")[0]["what"] == "success"
