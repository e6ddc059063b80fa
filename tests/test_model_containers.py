"""The model kind outside Airflow: its steps as Argo templates and Kubeflow executors that hand MLflow's run id
and the model version from step to step, refused without an image, and run for real (the Kubeflow executors'
commands, through maxai's sh wrapper) against a real MLflow tracking server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2 as ir

from maxai.config.loader import load_objective
from maxai.errors import ConfigError
from maxai.render.argo import argo_document, render_argo
from maxai.render.kubeflow import kubeflow_documents
from maxai.render.spark import IMAGE_CODE_DIR
from tests.mlflow_server import mlflow_server
from tests.render_schemas import argo_validator, errors

PARTS = ("retail", "demand_model", "weekly")
MODEL_CONFIG = "maxaiconfigs/retail/demand_model/model_config.json"
IMAGE = "registry.example.com/maxai/retail:1.4.0"
TASKS = ("train-demand-model", "register-demand-model", "deploy-demand-model")


def _argo_templates(root: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    document, _ = argo_document(load_objective(root, *PARTS, use_cache=False))
    spec = document["spec"]["workflowSpec"]
    templates = {template["name"]: template for template in spec["templates"]}
    return {task["name"]: task for task in templates["main"]["dag"]["tasks"]}, templates


def test_argo_hands_the_run_id_and_the_version_on_as_parameters(repo: Path) -> None:
    document = yaml.safe_load(render_argo(load_objective(repo, *PARTS)).text)
    assert errors(argo_validator("CronWorkflow"), document) == []
    dag, templates = _argo_templates(repo)
    train, register, deploy = (templates[name] for name in TASKS)
    [output] = train["outputs"]["parameters"]
    assert output == {"name": "mlflow_run_id", "valueFrom": {"path": "/tmp/maxai/outputs/mlflow_run_id"}}
    args = train["container"]["args"]
    assert args[args.index("--run-id-file") + 1] == output["valueFrom"]["path"]
    assert args[args.index("--code-dir") + 1] == f"{IMAGE_CODE_DIR}/retail"
    assert json.loads(args[args.index("--params") + 1]) == {"ridge": 1.0, "holdout_days": 7}
    assert dag["register-demand-model"]["arguments"]["parameters"] == [
        {"name": "mlflow_run_id", "value": "{{tasks.train-demand-model.outputs.parameters.mlflow_run_id}}"}
    ]
    assert register["inputs"]["parameters"] == [{"name": "mlflow_run_id"}]
    assert "{{inputs.parameters.mlflow_run_id}}" in register["container"]["args"]
    assert dag["deploy-demand-model"]["arguments"]["parameters"][0]["value"] == (
        "{{tasks.register-demand-model.outputs.parameters.model_version}}"
    )
    assert json.loads(deploy["container"]["args"][-1]) == {
        "metric": "rmse",
        "below": 0.5,
        "compare_with_alias": True,
    }
    for template in (train, register, deploy):
        container = template["container"]
        assert container["image"] == IMAGE
        assert container["command"] == ["python", "-m", "maxai.kinds.model.run_step"]
        secrets = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e}
        assert secrets["MLFLOW_TRACKING_URI"] == {"name": "mlflow-tracking", "key": "MLFLOW_TRACKING_URI"}
        assert secrets["MLFLOW_TRACKING_PASSWORD"]["optional"] is True
        assert not any("MLFLOW" in e["name"] and "value" in e for e in container["env"])  # never a credential


def test_kubeflow_wires_outputs_to_the_next_steps_inputs(repo: Path) -> None:
    documents, _ = kubeflow_documents(load_objective(repo, *PARTS))
    pipeline = json_format.ParseDict(documents[0], ir.PipelineSpec())
    register = pipeline.root.dag.tasks["register-demand-model"]
    source = register.inputs.parameters["upstream--mlflow_run_id"].task_output_parameter
    assert (source.producer_task, source.output_parameter_key) == ("train-demand-model", "mlflow_run_id")
    train_component = pipeline.components["comp-train-demand-model"]
    assert list(train_component.output_definitions.parameters) == ["mlflow_run_id"]
    assert "upstream--mlflow_run_id" in pipeline.components["comp-register-demand-model"].input_definitions.parameters
    platform = documents[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]["exec-train-demand-model"]
    required, optional = platform["secretAsEnv"]
    assert required["keyToEnv"] == [{"secretKey": "MLFLOW_TRACKING_URI", "envVar": "MLFLOW_TRACKING_URI"}]
    assert "optional" not in required and optional["optional"] is True


def test_argo_and_kubeflow_run_the_same_command(repo: Path) -> None:
    _, templates = _argo_templates(repo)
    documents, _ = kubeflow_documents(load_objective(repo, *PARTS))
    executors = documents[0]["deploymentSpec"]["executors"]
    for name in TASKS:
        argo = templates[name]["container"]
        kubeflow = executors[f"exec-{name}"]["container"]
        same = (
            " ".join(kubeflow["args"][5:])
            .replace("{{$.inputs.parameters['upstream--", "{{inputs.parameters.")
            .replace("']}}", "}}")
        )
        for output in ("mlflow_run_id", "model_version"):
            same = same.replace(f"{{{{$.outputs.parameters['{output}'].output_file}}}}", f"/tmp/maxai/outputs/{output}")
        assert same == " ".join(argo["command"] + argo["args"]), name


@pytest.mark.parametrize("render", [argo_document, kubeflow_documents])
def test_no_image_is_refused_naming_each_step(example_repo: Path, edit_json: Any, render: Any) -> None:
    edit_json(MODEL_CONFIG, lambda data: {key: value for key, value in data.items() if key != "image"})
    with pytest.raises(ConfigError) as raised:
        render(load_objective(example_repo, *PARTS, use_cache=False))
    problems = raised.value.problems
    assert [problem.path for problem in problems] == [("tasks", index, "model") for index in range(3)]
    assert all(problem.file.endswith("demand_model/model_config.json") and problem.line for problem in problems)
    assert "set 'image'" in problems[0].message


def test_a_steps_own_image_and_secret_win_and_a_connection_is_a_note(example_repo: Path, edit_json: Any) -> None:
    def change(data: dict[str, Any]) -> None:
        data["tasks"][0]["model"].update(image="registry.example.com/gpu:2", conn_id="mlflow_gpu")
        data["mlflow_secret_name"] = "mlflow-prod"

    edit_json(MODEL_CONFIG, change)
    config = load_objective(example_repo, *PARTS, use_cache=False)
    document, findings = argo_document(config)
    templates = {template["name"]: template for template in document["spec"]["workflowSpec"]["templates"]}
    assert templates["train-demand-model"]["container"]["image"] == "registry.example.com/gpu:2"
    assert templates["register-demand-model"]["container"]["image"] == IMAGE
    secret_names = {
        e["valueFrom"]["secretKeyRef"]["name"]
        for e in templates["train-demand-model"]["container"]["env"]
        if "valueFrom" in e
    }
    assert secret_names == {"mlflow-prod"}
    [note] = findings.notes
    assert note.path == ("tasks", 0, "model", "conn_id") and "Kubernetes Secret 'mlflow-prod'" in note.message
    with pytest.raises(ConfigError):
        argo_document(config, strict=True)


def test_a_value_from_a_task_that_does_not_run_before_is_refused(example_repo: Path, edit_json: Any) -> None:
    def change(data: dict[str, Any]) -> None:  # register first, by its place in the chain
        data["tasks"][1]["task_id"] = 5

    edit_json(MODEL_CONFIG, change)
    with pytest.raises(ConfigError) as raised:
        kubeflow_documents(load_objective(example_repo, *PARTS, use_cache=False))
    [problem] = raised.value.problems
    assert problem.path == ("tasks", 1, "model", "train_task")
    assert "from task 'train_demand_model', which does not run before it" in problem.message


@pytest.mark.airflow
def test_the_image_keys_leave_the_airflow_dag_as_it_was(example_repo: Path, edit_json: Any) -> None:
    from maxai.factory.dag import dag_from_config

    def operators(root: Path) -> list[dict[str, Any]]:
        dag = dag_from_config(load_objective(root, *PARTS, use_cache=False))
        return [
            {
                key: value
                for key, value in vars(task).items()
                if not key.startswith("_") and key not in ("dag", "task_group")
            }
            | {"class": type(task).__name__}
            for task in dag.tasks
        ]

    before = operators(example_repo)
    assert all("image" not in task and "mlflow_secret_name" not in task for task in before)
    edit_json(MODEL_CONFIG, lambda data: {"tasks": data["tasks"], "mlflow_secret_name": "other"})
    assert operators(example_repo) == before


@pytest.fixture(scope="module")
def tracking_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with mlflow_server(tmp_path_factory.mktemp("mlflow")) as uri:
        yield uri


def _run_executor(
    root: Path, container: dict[str, Any], platform: dict[str, Any], run_id: str, values: dict[str, str], outputs: Path
) -> subprocess.CompletedProcess[str]:
    """One Kubeflow executor as the launcher runs it: its placeholders resolved, its Secret's keys in the
    environment, the repository's domain folder standing in for the image's and the example data for /data."""
    secret = {"MLFLOW_TRACKING_URI": values.pop("secret:MLFLOW_TRACKING_URI")}
    env = {item["name"]: item["value"] for item in container["env"]}
    for entry in platform["secretAsEnv"]:
        for key in entry["keyToEnv"]:
            if key["secretKey"] in secret:
                env[key["envVar"]] = secret[key["secretKey"]]
            else:
                assert entry.get("optional"), key  # a missing key would stop the pod
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", MAXAI_DATA_DIR=str(root / "data"))
    resolved = []
    for argument in container["args"][5:]:
        for name, value in values.items():
            argument = argument.replace(f"{{{{$.inputs.parameters['upstream--{name}']}}}}", value)
            argument = argument.replace(f"{{{{$.outputs.parameters['{name}'].output_file}}}}", str(outputs / name))
        resolved.append(argument.replace(f"{IMAGE_CODE_DIR}/retail", str(root / "maxaiusecases/retail")))
    assert "{{" not in " ".join(resolved)
    run_inputs = ["2026-02-09", "false", "manual", "2026-02-09T04:00:00Z", run_id]
    command = [*container["command"], *run_inputs, *resolved]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=600)


def _run_pipeline(root: Path, uri: str, run_id: str, outputs: Path) -> list[subprocess.CompletedProcess[str]]:
    documents, _ = kubeflow_documents(load_objective(root, *PARTS, use_cache=False))
    executors = documents[0]["deploymentSpec"]["executors"]
    platforms = documents[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    outputs.mkdir()
    values = {"mlflow_run_id": "", "model_version": ""}
    results = []
    for name in TASKS:
        executor = f"exec-{name}"
        given = {**values, "secret:MLFLOW_TRACKING_URI": uri}
        result = _run_executor(root, executors[executor]["container"], platforms[executor], run_id, given, outputs)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        results.append(result)
        for output in values:
            if (outputs / output).exists():
                values[output] = (outputs / output).read_text()
    return results


@pytest.mark.mlflow
def test_the_rendered_steps_train_register_and_deploy(
    example_repo: Path, edit_json: Any, tracking_uri: str, tmp_path: Path
) -> None:
    from mlflow import MlflowClient

    _run_pipeline(example_repo, tracking_uri, "run-7", tmp_path / "first")
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    run_id = (tmp_path / "first/mlflow_run_id").read_text()
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED" and run.info.run_name == "run-7"
    assert run.data.tags["maxai.dag_run_id"] == "run-7"
    assert run.data.tags["maxai.task_id"] == "train_demand_model"
    assert run.data.params == {"ridge": "1.0", "holdout_days": "7"}
    assert 0 < run.data.metrics["rmse"] < 0.5
    assert (tmp_path / "first/model_version").read_text() == "1"
    assert client.get_model_version("retail-demand", "1").status == "READY"
    assert client.get_model_version_by_alias("retail-demand", "champion").version == "1"

    # a gate no model passes: version 2 is registered, the step ends successfully and the alias stays
    edit_json(MODEL_CONFIG, lambda data: data["tasks"][2]["model"]["gate"].update(below=0.0001))
    *_, deployed = _run_pipeline(example_repo, tracking_uri, "run-8", tmp_path / "second")
    assert "skipped: model 'retail-demand' version 2 not deployed" in deployed.stdout
    assert "alias 'champion' still names version 1" in deployed.stdout
    assert client.get_model_version("retail-demand", "2").status == "READY"
    assert client.get_model_version_by_alias("retail-demand", "champion").version == "1"


@pytest.mark.mlflow
def test_a_failing_handler_fails_the_rendered_train_step(
    example_repo: Path, edit_json: Any, tracking_uri: str, tmp_path: Path
) -> None:
    edit_json(
        "maxaiconfigs/retail/demand_model/weekly/py_config.json",
        lambda data: data["train_demand_model"]["args"].update(holdout_days=10000),
    )
    edit_json(MODEL_CONFIG, lambda data: data["tasks"][0]["model"].update(experiment="failing-in-a-container"))
    documents, _ = kubeflow_documents(load_objective(example_repo, *PARTS, use_cache=False))
    executor = "exec-train-demand-model"
    container = documents[0]["deploymentSpec"]["executors"][executor]["container"]
    platform = documents[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"][executor]
    given = {"mlflow_run_id": "", "secret:MLFLOW_TRACKING_URI": tracking_uri}
    result = _run_executor(example_repo, container, platform, "run-9", given, tmp_path)
    assert result.returncode == 1
    assert "maxai: train step failed: RuntimeError: training failed in MLflow run" in result.stderr
    assert not (tmp_path / "mlflow_run_id").exists()


def test_every_key_of_a_step_has_its_place_in_the_docs_table() -> None:
    """A key added to the model kind later must be given a place on Argo and Kubeflow (docs/render.rst)."""
    from maxai.config.models import OperatorArgs
    from maxai.kinds.model.config import ModelStep
    from maxai.kinds.model.container import ON_CONTAINERS

    assert set(ON_CONTAINERS) == set(ModelStep.model_fields) - set(OperatorArgs.model_fields)


def test_the_entry_point_imports_no_airflow() -> None:
    """The step's image holds maxai and mlflow-skinny, not Airflow."""
    probe = (
        "import sys, maxai.kinds.model.run_step; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('airflow', 'mlflow')))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
