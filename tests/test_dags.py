"""Every example dag.py loads in a real Airflow DagBag and matches its configs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from maxai.config import discover_objectives, load_objective
from maxai.factory.integrity import dag_problems, pod_manifest, pod_problems
from maxai.testing import load_dagbag


@pytest.fixture(scope="module")
def dagbag(repo: Path) -> Any:
    return load_dagbag(repo / "maxaidags")


def test_dagbag_has_every_objective_and_no_import_error(dagbag: Any, repo: Path) -> None:
    assert dagbag.import_errors == {}
    assert sorted(dagbag.dag_ids) == [ref.dag_id for ref in discover_objectives(repo)]


@pytest.mark.parametrize(
    "dag_id",
    [
        "finance.fraud_scoring.cards",
        "finance.fraud_scoring.wire_transfers",
        "retail.demand_forecast.stores_eu",
        "retail.demand_forecast.stores_us",
        "retail.demand_model.weekly",
        "retail.forecast_review.daily",
        "retail.store_segments.weekly",
    ],
)
def test_dag_matches_its_configs(dagbag: Any, repo: Path, dag_id: str) -> None:
    dag = dagbag.dags[dag_id]
    config = load_objective(repo, *dag_id.split("."))
    assert dag_problems(dag, config) == []
    assert list(dag.task_ids) == [task.name for task in config.tasks]


def test_operator_types_and_arguments(dagbag: Any, repo: Path) -> None:
    from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

    dag = dagbag.dags["retail.store_segments.weekly"]
    features, cluster, publish = (
        dag.get_task(name) for name in ("store_features", "cluster_stores", "publish_segments")
    )
    assert isinstance(features, SparkSubmitOperator)
    assert isinstance(cluster, KubernetesPodOperator) and isinstance(publish, KubernetesPodOperator)
    assert features._driver_memory == "1g"
    assert features.conf["spark.kubernetes.container.image"] == "registry.example.com/maxai/retail:1.4.0"
    assert cluster.container_resources.limits == {"cpu": "2", "memory": "2Gi"}
    assert cluster.volume_mounts[0].mount_path == "/data"
    assert publish.upstream_task_ids == {"cluster_stores"}

    eu = dagbag.dags["retail.demand_forecast.stores_eu"]
    assert eu.schedule == "0 5 * * *" if hasattr(eu, "schedule") else True
    assert eu.default_args["owner"] == "retail-data"
    assert eu.default_args["retry_delay"].total_seconds() == 120
    assert set(eu.tags) == {"maxai", "retail", "demand_forecast", "eu", "env:prod"}
    forecast = eu.get_task("forecast_demand")
    assert forecast.conf["spark.kubernetes.container.image"] == "registry.example.com/maxai/retail-forecast:2.0.1"
    assert forecast._num_executors == 4
    assert forecast.env_vars["MAXAI_TASK"] == "forecast_demand"


def test_every_pod_passes_the_kubernetes_schema(dagbag: Any) -> None:
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

    checked = 0
    for dag in dagbag.dags.values():
        for task in dag.tasks:
            if isinstance(task, KubernetesPodOperator):
                manifest = pod_manifest(task)
                assert manifest["kind"] == "Pod"
                assert pod_problems(manifest) == [], (dag.dag_id, task.task_id)
                checked += 1
    assert checked == 9


def test_pod_manifest_carries_config_and_context(dagbag: Any) -> None:
    task = dagbag.dags["finance.fraud_scoring.wire_transfers"].get_task("score_transactions")
    manifest = pod_manifest(task)
    spec = manifest["spec"]
    container = spec["containers"][0]
    assert container["resources"] == {
        "limits": {"cpu": "4", "memory": "8Gi"},
        "requests": {"cpu": "2", "memory": "4Gi"},
    }
    assert spec["tolerations"][0]["key"] == "dedicated"
    assert spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["MAXAI_OBJECTIVE"] == "wire_transfers" and env["MAXAI_DATA_DIR"] == "/data"
    assert manifest["metadata"]["labels"]["maxai/objective"] == "wire_transfers"
    extract = dagbag.dags["finance.fraud_scoring.cards"].get_task("extract_transactions")
    secret_env = [e for e in pod_manifest(extract)["spec"]["containers"][0]["env"] if e["name"] == "LEDGER_DB_PASSWORD"]
    assert secret_env[0]["valueFrom"]["secretKeyRef"] == {"key": "password", "name": "ledger-db"}


def test_pod_schema_check_rejects_an_invalid_pod(dagbag: Any) -> None:
    manifest = pod_manifest(dagbag.dags["finance.fraud_scoring.cards"].get_task("report_alerts"))
    manifest["spec"]["containers"][0]["imagePullPolicy"] = 3
    assert pod_problems(manifest)
    manifest["spec"]["containers"][0].pop("imagePullPolicy")
    manifest["spec"]["containers"][0]["cpuLimit"] = "1"
    assert pod_problems(manifest)


def test_broken_objective_breaks_only_its_own_dag_file(example_repo: Path) -> None:
    broken = example_repo / "maxaiconfigs/retail/demand_forecast/stores_us/py_config.json"
    broken.write_text('{"@dag": {"schedule": "whenever"}}')
    # a fresh process: the DagBag must import the copy's dag.py files, found from their own location
    script = (
        "import json, sys\n"
        "from maxai.testing import load_dagbag\n"
        f"bag = load_dagbag({str(example_repo / 'maxaidags')!r})\n"
        "print(json.dumps({'dags': sorted(bag.dag_ids), 'errors': {k: str(v) for k, v in bag.import_errors.items()}}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    import json

    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["dags"] == [
        "finance.fraud_scoring.cards",
        "finance.fraud_scoring.wire_transfers",
        "retail.demand_forecast.stores_eu",
        "retail.demand_model.weekly",
        "retail.forecast_review.daily",
        "retail.store_segments.weekly",
    ]
    [(path, error)] = report["errors"].items()
    assert path.endswith("maxaidags/retail/demand_forecast/stores_us/dag.py")
    assert "maxaiconfigs/retail/demand_forecast/stores_us/py_config.json:1:" in error
    assert "is not a cron expression" in error


def test_dag_file_finds_its_root_without_environment(example_repo: Path, tmp_path: Path) -> None:
    shutil.rmtree(example_repo / "maxaidags/finance")
    result = subprocess.run(
        [sys.executable, str(example_repo / "maxaidags/retail/store_segments/weekly/dag.py")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_pytest_plugin_adds_an_integrity_test_per_objective(example_repo: Path) -> None:
    schedule = example_repo / "maxaiconfigs/retail/demand_forecast/stores_eu/py_config.json"
    schedule.write_text(schedule.read_text().replace('"0 5 * * *"', '"whenever"'))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--maxai-integrity", "-q", "-p", "no:cacheprovider", "-o", "addopts="],
        cwd=example_repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout[-3000:]
    assert "1 failed, 6 passed" in result.stdout
    assert "FAILED ::maxai-integrity::retail.demand_forecast.stores_eu" in result.stdout
    assert "is not a cron expression" in result.stdout
