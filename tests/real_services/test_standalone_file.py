"""The way out of maxai under the real services: ``maxai render airflow`` writes a DAG file with no maxai import;
the dag-processor parses it from a bundle of its own, its Spark task runs on the cluster, and its deadline alert
and success notifier fire the callbacks config names (the alert through the ``deadline_callback`` the file
defines, which Airflow's executor imports from the DAG file)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .api import AirflowAPI
from .conftest import CALLBACKS_FILE, PERSONAL_DAGS, RealServices, probe_output
from .outputs import Output
from .test_callbacks import assert_deadline_and_notifier_called
from .test_manual_runs import run_date

pytestmark = pytest.mark.real_services

USER = "rendered"
"""A personal copy's name, so that the file's DAG id and outputs are its own beside the maxai-built probe."""
DAG_ID = f"tier.probe.late__{USER}"


def _render(real_services: RealServices, target: Path) -> str:
    """The standalone file, rendered as a user would: the CLI, with the services' environment (data folder)."""
    maxai = Path(sys.executable).with_name("maxai")
    command = [str(maxai), "render", "airflow", "tier", "probe", "late", "--user", USER, "-o", str(target)]
    result = subprocess.run(
        command, cwd=real_services.root, env=real_services.airflow.env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return target.read_text()


def test_a_rendered_file_runs_under_the_real_services_and_fires_its_callbacks(
    api: AirflowAPI, real_services: RealServices
) -> None:
    target = real_services.folder / PERSONAL_DAGS / USER / "late.py"
    target.parent.mkdir(parents=True, exist_ok=True)
    text = _render(real_services, target)
    imports = [line for line in text.splitlines() if line.startswith(("import ", "from "))]
    assert not any("maxai" in line for line in imports), imports
    dag = api.wait_for_dag(DAG_ID, timeout=180)
    assert api.import_errors() == [], api.import_errors()
    assert dag["bundle_name"] == "personal", dag

    run = api.run_paused_dag(DAG_ID, timeout=420)
    run_id = run["dag_run_id"]
    Output(real_services.data / "users" / USER / probe_output("late")).assert_single(run_date(run), rows=20)

    assert_deadline_and_notifier_called(real_services.folder / CALLBACKS_FILE, DAG_ID, run_id)
