"""Parsing under a running scheduler: a config broken meanwhile (scenario 6), and two dag-processors
sharing maxai's parse cache (scenario 7)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from .api import AirflowAPI
from .conftest import RealServices, probe_output
from .outputs import Output
from .services import wait_for
from .test_manual_runs import run_date

pytestmark = pytest.mark.real_services

BROKEN_DAG = "tier.probe.broken"
BROKEN_CONFIG = "maxaiconfigs/tier/probe/broken/py_config.json"


def _errors_for(api: AirflowAPI, suffix: str) -> list[dict[str, object]]:
    return [error for error in api.import_errors() if str(error["filename"]).endswith(suffix)]


def test_broken_config_shows_an_import_error_and_other_dags_keep_running(
    api: AirflowAPI, real_services: RealServices
) -> None:
    api.wait_for_dag(BROKEN_DAG)
    dags_before = api.dag_ids()
    config = real_services.root / BROKEN_CONFIG
    original = config.read_text()
    content = json.loads(original)
    content["write_rows"]["outptu"] = "typo"
    text = json.dumps(content, indent=2) + "\n"
    line = next(number for number, row in enumerate(text.splitlines(), 1) if '"outptu"' in row)
    config.write_text(text)
    try:
        errors = wait_for(
            "the broken config's import error", lambda: _errors_for(api, "tier/probe/broken/dag.py"), timeout=120
        )
        message = str(errors[0]["stack_trace"])
        assert f"{BROKEN_CONFIG}:{line}:" in message, message
        assert "unknown key 'outptu'" in message, message
        assert len(api.import_errors()) == 1, api.import_errors()
        # Every other DAG is still there, and still runs.
        assert set(api.dag_ids()) >= set(dags_before) - {BROKEN_DAG}
        dag_id = "tier.probe.quick"
        api.unpause(dag_id)
        run = api.trigger(dag_id)
        finished = api.assert_success(dag_id, run["dag_run_id"])
        api.pause(dag_id)
        output = Output(real_services.data / probe_output("quick"))
        assert (output.partition(run_date(finished)) / "_SUCCESS").is_file(), output.describe()
    finally:
        config.write_text(original)
    wait_for("the import error to clear once fixed", lambda: not api.import_errors(), timeout=120)


def _cache_entries(cache: Path) -> list[Path]:
    return sorted(cache.rglob("*.json")) if cache.exists() else []


def test_two_dag_processors_share_the_cache_without_corrupting_it(api: AirflowAPI, real_services: RealServices) -> None:
    airflow = real_services.airflow
    dags = {dag_id: api.tasks(dag_id) for dag_id in api.dag_ids()}
    assert len(dags) >= 10, dags
    # Empty the cache, so both processors write every entry again at the same time.
    for entry in _cache_entries(real_services.cache):
        entry.unlink()
    second = airflow.start_service("dag-processor-2", "dag-processor")
    try:
        started = time.monotonic()
        wait_for(
            "both processors to refill the cache",
            lambda: len(_cache_entries(real_services.cache)) >= len(dags),
            timeout=120,
        )
        # Several parse rounds of both processors (min_file_process_interval is 10 s here).
        while time.monotonic() - started < 35:
            second.check_alive()
            airflow.check_alive()
            time.sleep(2)
        entries = _cache_entries(real_services.cache)
        for entry in entries:
            assert not entry.name.startswith(".tmp-"), f"temporary cache file left behind: {entry}"
            json.loads(entry.read_text())  # every entry is whole JSON
        assert {dag_id: api.tasks(dag_id) for dag_id in api.dag_ids()} == dags
        assert api.import_errors() == []
    finally:
        airflow.stop_service("dag-processor-2")
