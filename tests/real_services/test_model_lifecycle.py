"""The ``model`` kind under the real scheduler (issue 17): the example's retail.demand_model.weekly trains,
registers and deploys against a real MLflow server that Airflow reaches through the ``mlflow_default``
connection of its environment; a gate that cannot pass leaves the alias where it was and skips the deploy."""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.mlflow_server import mlflow_server

from .api import AirflowAPI
from .conftest import RealServices, _write_dag_file, _write_json
from .services import SESSION_VARIABLE

pytestmark = [pytest.mark.real_services, pytest.mark.mlflow]

WEEKLY = "retail.demand_model.weekly"
STRICT = ("retail", "demand_model", "strict")
"""Written by this scenario beside the example's objective: the same steps, a gate no model passes."""
MODEL = "retail-demand"
EXPERIMENT = "retail-demand"
TASKS = ("train_demand_model", "register_demand_model", "deploy_demand_model")


@pytest.fixture(scope="session")
def tracking_uri(real_services: RealServices) -> Iterator[str]:
    folder = real_services.folder / "mlflow"
    folder.mkdir()
    # tagged like the tier's other processes, so that the session's end kills its workers whatever failed
    environment = {**os.environ, SESSION_VARIABLE: real_services.session}
    with mlflow_server(folder, real_services.mlflow_port, environment) as uri:
        yield uri


@pytest.fixture(scope="session")
def client(tracking_uri: str) -> Any:
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


def _mlflow_run(client: Any, dag_run_id: str) -> Any:
    """The MLflow run a DAG run's train step made: found by the tag naming the DAG run, not by its name."""
    experiment = client.get_experiment_by_name(EXPERIMENT)
    assert experiment is not None, f"no MLflow experiment {EXPERIMENT!r}"
    runs = client.search_runs([experiment.experiment_id], filter_string=f"tags.`maxai.dag_run_id` = '{dag_run_id}'")
    assert len(runs) == 1, [run.info for run in runs]
    return runs[0]


def _version_of(client: Any, run_id: str) -> Any:
    (version,) = client.search_model_versions(f"name = '{MODEL}' and run_id = '{run_id}'")
    return version


def _ended(instance: dict[str, Any]) -> datetime.datetime:
    return datetime.datetime.fromisoformat(instance["end_date"])


@dataclass
class WeeklyRun:
    dag_run_id: str
    all_run_ids: set[str]
    """The manual run and any scheduled run that unpausing the weekly objective started beside it."""


@pytest.fixture(scope="module")
def weekly_run(api: AirflowAPI, tracking_uri: str) -> WeeklyRun:
    api.wait_for_dag(WEEKLY)
    assert api.tasks(WEEKLY) == sorted(TASKS)
    run = api.trigger(WEEKLY)
    api.unpause(WEEKLY)
    try:
        api.assert_success(WEEKLY, run["dag_run_id"], timeout=420)
        # Unpausing may also have started the schedule's latest run (it registers a version too): let it end,
        # so that the alias moves no more while the scenarios look at it.
        others = [other["dag_run_id"] for other in api.runs(WEEKLY) if other["dag_run_id"] != run["dag_run_id"]]
        for other in others:
            api.assert_success(WEEKLY, other, timeout=420)
    finally:
        api.pause(WEEKLY)
    return WeeklyRun(run["dag_run_id"], {run["dag_run_id"], *others})


def test_train_register_deploy_runs_to_success_under_the_scheduler(
    api: AirflowAPI, client: Any, tracking_uri: str, weekly_run: WeeklyRun
) -> None:
    dag_run_id = weekly_run.dag_run_id
    assert api.task_states(WEEKLY, dag_run_id) == dict.fromkeys(TASKS, "success")
    # the train step's MLflow run is named after the DAG run, and says which DAG and task made it
    run = _mlflow_run(client, dag_run_id)
    assert run.info.run_name == dag_run_id
    assert run.info.status == "FINISHED"
    assert run.data.tags["maxai.dag_id"] == WEEKLY and run.data.tags["maxai.task_id"] == "train_demand_model"
    assert run.data.params == {"ridge": "1.0", "holdout_days": "7"}
    assert 0 < run.data.metrics["rmse"] < 0.5
    # the task found the server through the connection the tier gave Airflow's environment
    log = api.task_log(WEEKLY, dag_run_id, "train_demand_model", 1)
    assert f"MLflow run {run.info.run_id} in experiment {EXPERIMENT!r} ({tracking_uri})" in log, log[-3000:]
    version = _version_of(client, run.info.run_id)
    assert version.status == "READY"
    # the alias names the version of the deploy that ended last: this run's, unless a scheduled run beside it
    # deployed later (its gate compares with this version and passes when no worse)
    deploys = [api.task_instance(WEEKLY, other, "deploy_demand_model") for other in weekly_run.all_run_ids]
    last = max((deploy for deploy in deploys if deploy["state"] == "success"), key=_ended)
    expected = _version_of(client, _mlflow_run(client, last["dag_run_id"]).info.run_id)
    assert client.get_model_version_by_alias(MODEL, "champion").version == expected.version


def test_a_gate_that_cannot_pass_skips_the_deploy_and_leaves_the_alias(
    api: AirflowAPI, client: Any, real_services: RealServices, weekly_run: WeeklyRun
) -> None:
    domain, usecase, objective = STRICT
    configs = real_services.root / "maxaiconfigs" / domain / usecase
    py_config = json.loads((configs / "weekly" / "py_config.json").read_text())
    py_config["@dag"] = {"schedule": None, "default_args": {"retries": 0}}
    _write_json(configs / objective / "py_config.json", py_config)
    # merged by task name over the use case's model_config.json: only the threshold changes
    _write_json(
        configs / objective / "model_config.json",
        {"tasks": [{"name": "deploy_demand_model", "model": {"gate": {"below": 0.0001}}}]},
    )
    _write_dag_file(real_services.root, domain, usecase, objective)
    dag_id = ".".join(STRICT)
    champion = client.get_model_version_by_alias(MODEL, "champion")
    api.wait_for_dag(dag_id)
    run = api.run_paused_dag(dag_id, timeout=420)
    assert api.task_states(dag_id, run["dag_run_id"]) == {
        "train_demand_model": "success",
        "register_demand_model": "success",
        "deploy_demand_model": "skipped",
    }
    version = _version_of(client, _mlflow_run(client, run["dag_run_id"]).info.run_id)
    assert version.status == "READY" and int(version.version) > int(champion.version)
    assert client.get_model_version_by_alias(MODEL, "champion").version == champion.version
    log = api.task_log(dag_id, run["dag_run_id"], "deploy_demand_model", 1)
    refusal = f"version {version.version} not deployed: rmse = "
    assert refusal in log and f"is not below 0.0001; alias 'champion' still names version {champion.version}" in log, (
        log[-3000:]
    )
