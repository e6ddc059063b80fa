"""Steps of tests/test_diff_backfill.py that each need a fresh process pointed at one Airflow metadata DB.

python airflow_runs.py parse DAGS_FOLDER                 # what the dag-processor stores: a new DAG version
python airflow_runs.py finished-run DAG_ID LOGICAL_DATE  # a scheduled run whose every task succeeded
python airflow_runs.py tasks DAG_ID LOGICAL_DATE         # that run's state and task states, as JSON
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path


def parse(dags_folder: str) -> None:
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db

    DagBundlesManager().sync_bundles_to_db()  # the configured "dags-folder" bundle that DAGs belong to
    bag = DagBag(dag_folder=dags_folder, safe_mode=True, bundle_path=Path(dags_folder), bundle_name="dags-folder")
    assert not bag.import_errors, bag.import_errors
    sync_bag_to_db(bag, "dags-folder", None)


def finished_run(dag_id: str, logical_date_text: str) -> None:
    from airflow.models.serialized_dag import SerializedDagModel
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState, TaskInstanceState
    from airflow.utils.types import DagRunTriggeredByType, DagRunType

    logical_date = datetime.fromisoformat(logical_date_text)
    with create_session() as session:
        dag = SerializedDagModel.get_dag(dag_id, session=session)
        assert dag is not None, f"{dag_id} is not in the DB"
        run = dag.create_dagrun(
            run_id=f"scheduled__{logical_date.isoformat()}",
            logical_date=logical_date,
            data_interval=(logical_date, logical_date),
            run_after=logical_date,
            run_type=DagRunType.SCHEDULED,
            triggered_by=DagRunTriggeredByType.TIMETABLE,
            state=DagRunState.SUCCESS,
            session=session,
        )
        for instance in run.get_task_instances(session=session):
            instance.state = TaskInstanceState.SUCCESS


def tasks(dag_id: str, logical_date: str) -> None:
    from airflow.models.dag_version import DagVersion
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        when = datetime.fromisoformat(logical_date)
        run = session.scalar(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.logical_date == when))
        latest = DagVersion.get_latest_version(dag_id, session=session)
        assert run is not None and latest is not None
        print(
            json.dumps(
                {
                    "state": str(run.state),
                    "run_type": str(run.run_type),
                    "on_latest_version": run.created_dag_version_id == latest.id,
                    "tasks": {
                        instance.task_id: str(instance.state) for instance in run.get_task_instances(session=session)
                    },
                }
            )
        )


STEPS = {"parse": parse, "finished-run": finished_run, "tasks": tasks}

if __name__ == "__main__":
    # Several steps in one process (each start costs seconds of imports), separated by "then".
    words = sys.argv[1:]
    while words:
        step = words[: words.index("then")] if "then" in words else words
        words = words[len(step) + 1 :]
        name, *arguments = step
        STEPS[name](*arguments)
