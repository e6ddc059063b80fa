"""The real-services tier: PostgreSQL, a Spark standalone cluster and Airflow's scheduler, dag-processor,
API server and triggerer, started here as subprocesses and driven through the REST API v2 only.

Everything runs in one temp folder holding a copy of the example marketplace plus the small test-only
objectives below (domain ``tier``, and one pod objective beside the finance example), so the tier may
edit configs under a running scheduler without touching the repository.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .api import AirflowAPI
from .services import (
    ADMIN_PASSWORD,
    SESSION_VARIABLE,
    Airflow,
    PostgreSQL,
    ServiceError,
    SparkCluster,
    airflow_environment,
    copy_marketplace,
    free_port,
    kill_session_processes,
    postgres_bindir,
    spark_class,
)

REPO = Path(__file__).resolve().parents[2]
TIER_FILES = Path(__file__).resolve().parent / "marketplace"
TODAY = datetime.datetime.now(datetime.UTC).date()
ZONE = "Pacific/Kiritimati"

# Test-only objectives: each one Spark task writing rows to its own output folder.
PROBE_SPARK = {
    "conf": {"spark.ui.enabled": False, "spark.sql.shuffle.partitions": 2},
    "tasks": [
        {
            "name": "write_rows",
            "task_id": 1,
            "spark_submit_conf": {
                "application": "handlers/write_rows.py",
                "driver_memory": "512m",
                "executor_memory": "512m",
            },
        }
    ],
}
PROBE_DEFAULTS = {"@dag": {"schedule": None, "default_args": {"retries": 1, "retry_delay": "5s"}}}


def _probe(rows: int, dag: dict[str, Any] | None = None, **task: Any) -> dict[str, Any]:
    return {"@dag": dag or {}, "write_rows": {"args": {"rows": rows}, **task}}


def probe_output(objective: str) -> str:
    return f"out/tier/probe/{objective}"


PROBE_OBJECTIVES: dict[str, dict[str, Any]] = {
    "quick": _probe(100, output=probe_output("quick")),
    "catchup": _probe(
        20,
        # Airflow 3's cron schedules run at the trigger time (logical date = that time): since yesterday
        # midnight, two runs are due, for yesterday and for today.
        {"schedule": "@daily", "start_date": (TODAY - datetime.timedelta(days=1)).isoformat(), "catchup": True},
        output=probe_output("catchup"),
    ),
    "backfill": _probe(30, {"schedule": "@daily", "start_date": "2026-01-01"}, output=probe_output("backfill")),
    "cleared": _probe(50, output=probe_output("cleared"), force=True),
    "broken": _probe(10, output=probe_output("broken")),
    # issue 14: an asset update of one objective triggers another; a DAG param; a for_each fan-out
    "producer": _probe(15, output=probe_output("producer")),
    "consumer": _probe(
        5,
        {"schedule": {"assets": [probe_output("producer")]}},
        input=probe_output("producer"),
        output=probe_output("consumer"),
    ),
    "params": _probe(
        10,
        {"params": {"rows": {"type": "integer", "default": 10, "minimum": 1, "maximum": 1000}}},
        output=probe_output("params"),
    ),
    "fan_out": _probe(4, output=probe_output("fan_out"), for_each={"part": ["a", "b"]}),
    # midnight in Kiritimati (UTC+14) is 10:00 UTC the day before: the run processes the local day
    "zoned": _probe(
        6,
        {
            "schedule": "0 0 * * *",
            "timezone": ZONE,
            "start_date": (TODAY - datetime.timedelta(days=3)).isoformat(),
        },
        output=probe_output("zoned"),
    ),
}
# A join under the real scheduler (issue 14): two root tasks, and a third that `depends_on` both and reads both
# outputs. A `fail` param names a branch that should fail, to see the join left upstream_failed.
JOIN_USECASE = ("tier", "joins", "fan_in")
JOIN_ROWS = {"left": 7, "right": 5}


def join_output(task: str) -> str:
    return f"out/tier/joins/{task}"


JOIN_SPARK = {
    "conf": {"spark.ui.enabled": False, "spark.sql.shuffle.partitions": 2},
    "tasks": [
        {
            "name": name,
            "task_id": task_id,
            **({"depends_on": depends_on} if depends_on is not None else {}),
            "spark_submit_conf": {
                "application": "handlers/rows.py",
                "driver_memory": "512m",
                "executor_memory": "512m",
            },
        }
        for name, task_id, depends_on in (("left", 1, None), ("right", 2, []), ("join", 3, ["left", "right"]))
    ],
}
JOIN_OBJECTIVE = {
    "@dag": {
        "schedule": None,
        "default_args": {"retries": 0},
        "params": {"fail": {"type": "string", "default": "", "description": "a task that should fail"}},
    },
    **{name: {"args": {"rows": rows}, "output": join_output(name)} for name, rows in JOIN_ROWS.items()},
    "join": {"input": {name: join_output(name) for name in JOIN_ROWS}, "output": join_output("join")},
}
PERSONAL_DAGS = "personal-dags"
"""In the tier's folder: a second DAG bundle of the same Airflow, for developers' personal DAG files."""
LOCAL_BUNDLE = "airflow.dag_processing.bundles.local.LocalDagBundle"
KILLED_ROWS = 1000
CALLBACKS_FILE = "callbacks.jsonl"
"""Where the ``late`` probe's callbacks write, in the tier's folder."""
POD_OBJECTIVE = ("finance", "fraud_scoring", "no_cluster")


def _write_json(path: Path, content: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, indent=2) + "\n")


def _write_dag_file(root: Path, domain: str, usecase: str, objective: str) -> None:
    path = root / "maxaidags" / domain / usecase / objective / "dag.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"# airflow DAG for {domain} / {usecase} / {objective} (real-services tier)\n"
        "from maxai import build_dag\n\n"
        f'dag = build_dag("{domain}", "{usecase}", "{objective}")\n'
    )


def _late_callbacks(path: str) -> dict[str, Any]:
    """A deadline the run is sure to miss (a Spark task takes longer than 2 s) and a success notifier."""
    record = {"function": "probe.handlers.callbacks:record", "args": {"path": path, "label": "deadline missed"}}
    notifier = {
        "notifier": "probe.handlers.callbacks.FileNotifier",
        "args": {"path": path, "label": "{{ dag.dag_id }} ok"},
    }
    return {
        "deadline": {"reference": "dagrun_queued_at", "interval": "2s", "callback": record},
        "on_success_callback": notifier,
    }


def _paused_at_creation(root: Path) -> None:
    """Every DAG of the tier starts paused (its scenarios unpause what they run): the copy's environments leave
    that to Airflow's own setting instead of unpausing production DAGs, schedules and all."""
    path = root / "maxaiconfigs" / "environments.json"
    content = json.loads(path.read_text())
    for environment in content["environments"].values():
        environment.pop("paused", None)
    _write_json(path, content)


def _presets_for_the_tier(root: Path) -> None:
    """The tier's Spark worker has 2 cores and 2g: a preset's executor larger than that is never given one
    (the example's ``large`` asks 2 cores and 4g), so the copy's Spark presets ask what the worker holds."""
    path = root / "maxaiconfigs" / "presets.json"
    content = json.loads(path.read_text())
    for preset in content["presets"].values():
        if "spark" in preset:
            preset["spark"].update(executor_memory="1g", executor_cores=1)
    _write_json(path, content)


def build_marketplace(root: Path, holds: Path) -> Path:
    copy_marketplace(REPO, root)
    _paused_at_creation(root)
    _presets_for_the_tier(root)
    shutil.copytree(TIER_FILES / "maxaiusecases", root / "maxaiusecases", dirs_exist_ok=True)
    configs = root / "maxaiconfigs" / "tier" / "probe"
    _write_json(configs / "spark_config.json", PROBE_SPARK)
    _write_json(configs / "py_config.json", PROBE_DEFAULTS)
    objectives = {
        **PROBE_OBJECTIVES,
        "killed": _probe(
            KILLED_ROWS,
            {"default_args": {"retries": 2, "retry_delay": "3s"}},
            output=probe_output("killed"),
        ),
    }
    objectives["killed"]["write_rows"]["args"]["hold_dir"] = str(holds)
    objectives["late"] = _probe(20, _late_callbacks(str(root.parent / CALLBACKS_FILE)), output=probe_output("late"))
    for objective, content in objectives.items():
        _write_json(configs / objective / "py_config.json", content)
        _write_dag_file(root, "tier", "probe", objective)
    domain, usecase, objective = JOIN_USECASE
    _write_json(root / "maxaiconfigs" / domain / usecase / "spark_config.json", JOIN_SPARK)
    _write_json(root / "maxaiconfigs" / domain / usecase / objective / "py_config.json", JOIN_OBJECTIVE)
    _write_dag_file(root, domain, usecase, objective)
    domain, usecase, objective = POD_OBJECTIVE
    _write_json(
        root / "maxaiconfigs" / domain / usecase / objective / "py_config.json",
        {"@dag": {"schedule": None, "description": "pod tasks with no cluster", "default_args": {"retries": 0}}},
    )
    _write_dag_file(root, domain, usecase, objective)
    return root


def personal_bundle(folder: Path) -> dict[str, str]:
    """Airflow's settings for two DAG bundles: the marketplace's maxaidags (its DAGs folder) and PERSONAL_DAGS."""
    personal = folder / PERSONAL_DAGS
    personal.mkdir(exist_ok=True)
    bundles = [
        {"name": "dags-folder", "classpath": LOCAL_BUNDLE, "kwargs": {}},
        {"name": "personal", "classpath": LOCAL_BUNDLE, "kwargs": {"path": str(personal)}},
    ]
    return {"AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST": json.dumps(bundles)}


# --- prerequisites -------------------------------------------------------------------------------------


def _missing_prerequisites() -> list[str]:
    missing = []
    if shutil.which("java") is None:
        missing.append("java (Spark needs a JVM: apt-get install openjdk-17-jre-headless)")
    if postgres_bindir() is None:
        missing.append("PostgreSQL server binaries (apt-get install postgresql)")
    if spark_class() is None:
        missing.append("pyspark's bin/spark-class (pip install pyspark)")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        missing.append("runuser (to run PostgreSQL as a non-root user)")
    return missing


@pytest.fixture(scope="session")
def prerequisites() -> None:
    missing = _missing_prerequisites()
    if missing:
        message = "real-services tier needs: " + "; ".join(missing)
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message + " (CI must have them: see .ci/run)")
        pytest.skip(message)


# --- the services ------------------------------------------------------------------------------------


@dataclass
class RealServices:
    folder: Path
    root: Path
    data: Path
    cache: Path
    holds: Path
    session: str
    postgres: PostgreSQL
    spark: SparkCluster
    airflow: Airflow
    mlflow_port: int
    """Where ``mlflow_default`` points: the scenario of the model kind starts its MLflow server there."""

    def logs(self) -> str:
        parts = [self.airflow.log_tails()]
        for path in (self.postgres.log, *(service.log for service in self.spark.services)):
            if path.exists():
                parts.append(
                    f"----- {path.name} -----\n" + "\n".join(path.read_text(errors="replace").splitlines()[-15:])
                )
        return "\n".join(parts)


@pytest.fixture(scope="session")
def real_services(prerequisites: None, request: pytest.FixtureRequest) -> Iterator[RealServices]:
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="maxai-real-services-"))
    folder.chmod(0o755)  # PostgreSQL runs as its own user and must reach its folder
    session = uuid.uuid4().hex
    base_env = {**os.environ, SESSION_VARIABLE: session}
    holds = folder / "holds"
    root = build_marketplace(folder / "marketplace", holds)
    cache = folder / "cache"
    postgres = PostgreSQL(folder / "postgresql", base_env)
    spark = SparkCluster(folder / "spark", {**base_env, "SPARK_LOCAL_IP": "127.0.0.1"})
    airflow: Airflow | None = None
    failed = True
    try:
        postgres.start()
        spark.start()
        api_port = free_port()
        env = airflow_environment(
            base=base_env,
            home=folder / "airflow",
            root=root,
            cache=cache,
            database_url=postgres.url,
            api_port=api_port,
            spark_master_port=spark.port,
        )
        env.update(personal_bundle(folder))
        # Airflow's services read connections from the environment they start with, so the MLflow address is
        # fixed now; the server itself starts only with the scenario that uses it (test_model_lifecycle.py).
        mlflow_port = free_port()
        env["AIRFLOW_CONN_MLFLOW_DEFAULT"] = f"http://127.0.0.1:{mlflow_port}"
        airflow = Airflow(folder, env, api_port)
        try:
            airflow.start()
        except ServiceError as error:
            raise ServiceError(f"{error}\n{airflow.log_tails()}") from None
        print(f"\nreal services up in {time.monotonic() - started:.1f}s under {folder}")
        yield RealServices(folder, root, root / "data", cache, holds, session, postgres, spark, airflow, mlflow_port)
        failed = False
    finally:
        if airflow is not None:
            airflow.stop()
        spark.stop()
        postgres.stop()
        leftovers = kill_session_processes(session)
        if leftovers:
            print(f"killed {len(leftovers)} leftover processes of the tier: {leftovers}")
        if failed or request.session.testsfailed or os.environ.get("MAXAI_KEEP_REAL_SERVICES"):
            print(f"real-services folder kept for inspection: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def api(real_services: RealServices) -> Iterator[AirflowAPI]:
    client = AirflowAPI(real_services.airflow.api_url, "admin", ADMIN_PASSWORD)
    yield client
    client.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture(autouse=True)
def _service_logs_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if request.node.stash.get(_FAILED, False) and "real_services" in request.fixturenames:
        services: RealServices = request.getfixturevalue("real_services")
        print("\n===== real-services logs =====\n" + services.logs())
