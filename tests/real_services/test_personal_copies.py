"""A developer's personal copy beside the production DAGs in one Airflow (issue 15): the dag-processor parses
both, the copy runs on the cluster and writes below the developer's own folder only."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .api import AirflowAPI
from .conftest import PERSONAL_DAGS, RealServices
from .outputs import Output
from .test_manual_runs import OUTPUT_FOLDERS, STORES_EU, STORES_EU_OUTPUT, STORES_EU_TASKS, run_date

pytestmark = pytest.mark.real_services

USER = "alice"
PERSONAL_STORES_EU = f"{STORES_EU}__{USER}"
SALES_INPUT = "retail/sales.csv"


def personal_dag_file(root: Path, user: str) -> str:
    """What a developer puts in the personal bundle: the objective's dag.py, pinned to their copy (docs/team.rst)."""
    return (
        f"# {user}'s personal copy of retail / demand_forecast / stores_eu (docs/team.rst, one Airflow for all)\n"
        "import airflow.providers.apache.spark.operators.spark_submit  # noqa: F401\n"
        "import airflow.providers.cncf.kubernetes.operators.pod  # noqa: F401\n"
        "from maxai import build_dag\n\n"
        f'dag = build_dag("retail", "demand_forecast", "stores_eu", root="{root}", user="{user}")\n'
    )


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file below ``folder`` with its size and modification time: any write shows."""
    if not folder.exists():
        return {}
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_personal_copy_runs_beside_the_production_dag_and_writes_only_below_its_user(
    api: AirflowAPI, real_services: RealServices
) -> None:
    api.wait_for_dag(STORES_EU)
    production_output = real_services.data / STORES_EU_OUTPUT
    before = _snapshot(production_output)
    production_runs = [other["dag_run_id"] for other in api.runs(STORES_EU)]
    # The copy reads its inputs below its own folder too: the developer puts (or links) them there.
    personal_data = real_services.data / "users" / USER
    (personal_data / SALES_INPUT).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(real_services.data / SALES_INPUT, personal_data / SALES_INPUT)
    dag_file = real_services.folder / PERSONAL_DAGS / USER / "retail.demand_forecast.stores_eu.py"
    dag_file.parent.mkdir(parents=True, exist_ok=True)
    dag_file.write_text(personal_dag_file(real_services.root, USER))
    try:
        personal = api.wait_for_dag(PERSONAL_STORES_EU, timeout=180)
        assert {STORES_EU, PERSONAL_STORES_EU} <= set(api.dag_ids())
        assert api.import_errors() == [], api.import_errors()
        assert personal["is_paused"], personal  # a personal copy waits to be triggered
        assert personal["bundle_name"] == "personal", personal
        assert {tag["name"] for tag in personal["tags"]} >= {f"user:{USER}", "env:prod"}, personal["tags"]
        assert personal["timetable_summary"] in (None, "None"), personal  # its schedule is off
        assert api.tasks(PERSONAL_STORES_EU) == sorted(STORES_EU_TASKS)

        run = api.run_paused_dag(PERSONAL_STORES_EU, timeout=420)
        assert [other["dag_run_id"] for other in api.runs(PERSONAL_STORES_EU)] == [run["dag_run_id"]]  # none scheduled
        day = run_date(run)
        for task, folder in OUTPUT_FOLDERS.items():
            output = Output(personal_data / STORES_EU_OUTPUT / folder)
            assert (output.partition(day) / "_SUCCESS").is_file(), f"{task}: {output.describe()}"
            assert output.data_files(day) and not output.leftovers(), f"{task}: {output.describe()}"
        assert _snapshot(production_output) == before, "the personal copy wrote into the production outputs"
        # The production DAG is still there, from its own bundle, and ran nothing meanwhile.
        production = api.dag(STORES_EU)
        assert production is not None and production["bundle_name"] == "dags-folder", production
        assert [other["dag_run_id"] for other in api.runs(STORES_EU)] == production_runs
    finally:
        dag_file.unlink()
