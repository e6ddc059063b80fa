"""The ``model`` kind: its config checks, its metric gate, and train -> register -> deploy against a real MLflow
tracking server (``maxai run``: dag.test() in a local Airflow home, MLflow reached through ``mlflow_default``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from maxai.config.loader import load_objective
from maxai.errors import ConfigError
from maxai.kinds.model.gate import Gate, gate_refusal
from tests.mlflow_server import mlflow_server

MAXAI = str(Path(sys.executable).parent / "maxai")
CONFIGS = "maxaiconfigs/retail/demand_model"


def _edit(path: Path, change: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def test_the_gate_wants_the_threshold_and_no_worse_than_the_alias_holder() -> None:
    gate = Gate("rmse", below=0.3)
    assert gate_refusal(gate, 0.2, None) is None
    assert gate_refusal(gate, 0.2, ("1", 0.25)) is None
    assert gate_refusal(gate, 0.2, ("1", None)) is None
    assert gate_refusal(gate, 0.31, None) == "rmse = 0.31 is not below 0.3"
    assert "worse than 0.1 of version 1" in str(gate_refusal(gate, 0.2, ("1", 0.1)))
    assert gate_refusal(Gate("rmse", below=0.3, compare_with_alias=False), 0.2, ("1", 0.1)) is None
    assert gate_refusal(Gate("auc", above=0.8), 0.9, ("3", 0.85)) is None
    assert "worse than 0.95" in str(gate_refusal(Gate("auc", above=0.8), 0.9, ("3", 0.95)))
    assert gate_refusal(gate, None, None) == "the new version's run logged no metric 'rmse'"


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (
            lambda d: d["tasks"][1]["model"].update(train_task="deploy_demand_model"),
            ("tasks", 1, "model", "train_task"),
            "'deploy_demand_model' must be a 'train' step; it is a 'deploy' step",
        ),
        (
            lambda d: d["tasks"][2]["model"].update(gate={"metric": "rmse"}),
            ("tasks", 2, "model", "gate"),
            "give exactly one of 'below' and 'above'",
        ),
        (
            lambda d: d["tasks"][0]["model"].update(alias="x"),
            ("tasks", 0, "model"),
            "'alias' belongs to a 'deploy' step, not a 'train' step",
        ),
        (
            lambda d: d["tasks"][1]["model"].pop("model_name"),
            ("tasks", 1, "model"),
            "a 'register' step needs 'model_name'",
        ),
        (
            lambda d: d["tasks"][0]["model"].update(tracking_uri="http://user:pw@mlflow"),
            ("tasks", 0, "model", "tracking_uri"),
            "value looks like",
        ),
    ],
)
def test_model_config_mistakes_name_their_place(
    example_repo: Path, change: Any, path: tuple[Any, ...], message: str
) -> None:
    _edit(example_repo / CONFIGS / "model_config.json", change)
    with pytest.raises(ConfigError) as raised:
        load_objective(example_repo, "retail", "demand_model", "weekly", use_cache=False)
    problems = [problem for problem in raised.value.problems if problem.path[: len(path)] == path]
    assert problems, str(raised.value)
    assert problems[0].file.endswith("demand_model/model_config.json")
    assert problems[0].line is not None
    assert message in str(raised.value)


def test_a_train_step_needs_a_function_and_the_others_refuse_one(example_repo: Path) -> None:
    py_config = example_repo / CONFIGS / "weekly/py_config.json"
    _edit(py_config, lambda d: d["train_demand_model"].pop("function"))
    with pytest.raises(ConfigError, match=r"give it one in py_config\.json"):
        load_objective(example_repo, "retail", "demand_model", "weekly", use_cache=False)
    _edit(
        py_config,
        lambda d: d.update(
            train_demand_model={
                **d["train_demand_model"],
                "function": "demand_model.handlers.train:train_demand_model",
            },
            register_demand_model={"function": "demand_model.handlers.train:train_demand_model"},
        ),
    )
    with pytest.raises(ConfigError, match="register or deploy step: it talks to MLflow only"):
        load_objective(example_repo, "retail", "demand_model", "weekly", use_cache=False)


@pytest.mark.airflow
def test_the_connection_holds_the_address_and_the_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    from maxai.kinds.model.tracking import shown_uri, tracking_settings

    monkeypatch.setenv("AIRFLOW_CONN_MLFLOW_BASIC", "https://robot:p%40ss@mlflow.example.com:8443/base")
    uri, variables = tracking_settings("mlflow_basic")
    assert uri == "https://mlflow.example.com:8443/base"
    assert variables["MLFLOW_TRACKING_USERNAME"] == "robot" and variables["MLFLOW_TRACKING_PASSWORD"] == "p@ss"
    extra = {
        "conn_type": "http",
        "extra": {"tracking_uri": "https://robot:secret@mlflow.example.com", "token": "t0k3n"},
    }
    monkeypatch.setenv("AIRFLOW_CONN_MLFLOW_TOKEN", json.dumps(extra))
    uri, variables = tracking_settings("mlflow_token")
    assert variables["MLFLOW_TRACKING_TOKEN"] == "t0k3n"
    assert shown_uri(uri) == "https://mlflow.example.com"
    monkeypatch.setenv("AIRFLOW_CONN_MLFLOW_EMPTY", json.dumps({"conn_type": "http"}))
    with pytest.raises(ValueError, match="'mlflow_empty' has no host"):
        tracking_settings("mlflow_empty")


@pytest.fixture(scope="module")
def tracking_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with mlflow_server(tmp_path_factory.mktemp("mlflow")) as uri:
        yield uri


def _run(repo: Path, uri: str, date: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "AIRFLOW_CONN_MLFLOW_DEFAULT": uri}
    command = [MAXAI, "run", "--root", str(repo), "retail", "demand_model", "weekly", "--date", date]
    return subprocess.run(command, env=environment, capture_output=True, text=True, check=False, timeout=600)


def _client(uri: str) -> Any:
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=uri, registry_uri=uri)


@pytest.mark.mlflow
@pytest.mark.airflow
def test_train_register_deploy_and_a_gate_that_keeps_the_champion(example_repo: Path, tracking_uri: str) -> None:
    first = _run(example_repo, tracking_uri, "2026-02-09")
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-4000:]
    client = _client(tracking_uri)
    champion = client.get_model_version_by_alias("retail-demand", "champion")
    assert champion.version == "1"
    assert champion.status == "READY"
    run = client.get_run(champion.run_id)
    assert run.info.status == "FINISHED"
    # named after the DAG run (maxai run triggers it by hand: manual__<when it started>)
    assert run.info.run_name.startswith("manual__")
    assert run.info.run_name == run.data.tags["maxai.dag_run_id"]
    assert run.data.params == {"ridge": "1.0", "holdout_days": "7"}
    assert 0 < run.data.metrics["rmse"] < 0.5

    # a gate no model passes: version 2 is registered, the alias stays on version 1, the deploy step is skipped
    _edit(example_repo / CONFIGS / "model_config.json", lambda d: d["tasks"][2]["model"]["gate"].update(below=0.0001))
    second = _run(example_repo, tracking_uri, "2026-02-16")
    assert second.returncode == 0, second.stdout[-4000:] + second.stderr[-4000:]
    assert "deploy_demand_model" in second.stdout and "skipped" in second.stdout
    assert client.get_model_version("retail-demand", "2").status == "READY"
    assert client.get_model_version_by_alias("retail-demand", "champion").version == "1"


_PROBE = """
import time

import mlflow
from mlflow import MlflowClient


def ends_failed(task):
    mlflow.start_run()
    mlflow.end_run("FAILED")  # and exits 0: only the run says it failed


def killed_meanwhile(task):
    run = mlflow.start_run()
    MlflowClient().set_terminated(run.info.run_id, "KILLED")  # as someone would from MLflow's side
    time.sleep(300)
"""


@pytest.mark.mlflow
@pytest.mark.airflow
@pytest.mark.parametrize(
    ("function", "message"),
    [("ends_failed", "MLflow run {run_id} ended FAILED"), ("killed_meanwhile", "MLflow run {run_id} ended KILLED")],
)
def test_a_run_ending_failed_or_killed_fails_its_task(
    example_repo: Path, tracking_uri: str, function: str, message: str
) -> None:
    (example_repo / "maxaiusecases/retail/demand_model/handlers/probe.py").write_text(_PROBE, encoding="utf-8")
    py_config = example_repo / CONFIGS / "weekly/py_config.json"
    probe = f"demand_model.handlers.probe:{function}"
    _edit(py_config, lambda d: d["train_demand_model"].update(function=probe, args={}))
    _edit(
        example_repo / CONFIGS / "model_config.json",
        lambda d: d["tasks"][0]["model"].update(experiment=function, poll_interval=1),
    )
    result = _run(example_repo, tracking_uri, "2026-02-09")
    assert result.returncode != 0
    client = _client(tracking_uri)
    (run,) = client.search_runs([client.get_experiment_by_name(function).experiment_id])
    output = result.stdout + result.stderr
    assert message.format(run_id=run.info.run_id) in output, output[-4000:]
    assert "register_demand_model upstream_failed" in output


@pytest.mark.mlflow
@pytest.mark.airflow
def test_a_failing_training_job_fails_its_task_naming_the_mlflow_run(example_repo: Path, tracking_uri: str) -> None:
    # more holdout days than the data has: the handler raises
    _edit(
        example_repo / CONFIGS / "weekly/py_config.json",
        lambda d: d["train_demand_model"]["args"].update(holdout_days=10000),
    )
    _edit(example_repo / CONFIGS / "model_config.json", lambda d: d["tasks"][0]["model"].update(experiment="failing"))
    result = _run(example_repo, tracking_uri, "2026-02-09")
    assert result.returncode != 0
    client = _client(tracking_uri)
    experiment = client.get_experiment_by_name("failing")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.status == "FAILED"
    output = result.stdout + result.stderr
    assert f"training failed in MLflow run {run.info.run_id}" in output, output[-4000:]
