"""The standalone Airflow file runs a container kind's tasks (the model kind's MLflow steps) as pods: the same
container step as on Argo, values handed on through XCom, a refused gate ending the task skipped. The pods'
commands run for real here, through the file's own wrapper script and Airflow's own template rendering,
against a real MLflow tracking server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from maxai.config import load_objective
from maxai.errors import ConfigError
from maxai.render.airflow import render_airflow
from maxai.render.airflow_pods import OUTPUTS_DIR, SKIPPED_EXIT_CODE, XCOM_FILE, wrapper_script
from maxai.render.argo import argo_document
from maxai.render.spark import IMAGE_CODE_DIR
from tests.mlflow_server import mlflow_server

pytestmark = pytest.mark.airflow
PARTS = ("retail", "demand_model", "weekly")
MODEL_CONFIG = "maxaiconfigs/retail/demand_model/model_config.json"
STEPS = ("train_demand_model", "register_demand_model", "deploy_demand_model")


def _loaded_dag(root: Path, **render: Any) -> tuple[Any, str]:
    """The rendered file, executed as the dag-processor would (it imports nothing of maxai)."""
    text = render_airflow(load_objective(root, *PARTS, use_cache=False), **render).text
    namespace: dict[str, Any] = {"__name__": "rendered_demand_model"}
    exec(compile(text, "weekly.py", "exec"), namespace)
    return namespace["dag"], text


def test_each_step_is_a_pod_running_the_step_argo_runs(repo: Path) -> None:
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

    dag, text = _loaded_dag(repo)
    assert "maxai" not in "".join(line for line in text.splitlines() if line.startswith(("import", "from")))
    document, _ = argo_document(load_objective(repo, *PARTS, use_cache=False))
    templates = {template["name"]: template for template in document["spec"]["workflowSpec"]["templates"]}
    for name in STEPS:
        pod = dag.get_task(name)
        assert isinstance(pod, KubernetesPodOperator)
        container = templates[name.replace("_", "-")]["container"]
        assert pod.image == container["image"] == "registry.example.com/maxai/retail:1.4.0"
        command = pod.arguments if pod.cmds[:2] == ["sh", "-c"] else [*pod.cmds, *pod.arguments]
        pulls = {  # Argo's input parameters are the file's XCom pulls; the rest of the command is the same
            f"{{{{inputs.parameters.{output}}}}}": f'{{{{ ti.xcom_pull(task_ids="{task}")["{output}"] }}}}'
            for task, output in (("train_demand_model", "mlflow_run_id"), ("register_demand_model", "model_version"))
        }
        argo_command = [pulls.get(part, part) for part in (*container["command"], *container["args"])]
        skipping = ["--skipped-exit-code", str(SKIPPED_EXIT_CODE)] if name == "deploy_demand_model" else []
        assert command == argo_command + skipping
        secrets = {v.name: v.value_from.secret_key_ref for v in pod.env_vars if v.value_from}
        assert secrets["MLFLOW_TRACKING_URI"].name == "mlflow-tracking" and not secrets["MLFLOW_TRACKING_URI"].optional
        assert secrets["MLFLOW_TRACKING_TOKEN"].optional is True
        plain = {v.name: v.value for v in pod.env_vars if not v.value_from}
        assert plain["MAXAI_TASK"] == name and plain["MAXAI_RUN_ID"] == "{{ run_id }}"
        assert "MAXAI_DATA_DIR" not in plain  # the image's own data folder applies, as on Argo
    train, register, deploy = (dag.get_task(name) for name in STEPS)
    assert train.do_xcom_push and register.do_xcom_push and not deploy.do_xcom_push
    assert '{{ ti.xcom_pull(task_ids="train_demand_model")["mlflow_run_id"] }}' in register.arguments
    assert '{{ ti.xcom_pull(task_ids="register_demand_model")["model_version"] }}' in deploy.arguments
    assert deploy.skip_on_exit_code == [SKIPPED_EXIT_CODE] and not train.skip_on_exit_code
    assert deploy.arguments[-2:] == ["--skipped-exit-code", str(SKIPPED_EXIT_CODE)]
    assert train.retries == 1 and train.owner == "retail-data"  # the DAG's default_args reach the pods


def test_airflow_templating_leaves_the_wrapper_script_alone(repo: Path) -> None:
    """``cmds`` is a templated field: the script must hold nothing Jinja would take for its own syntax."""
    dag, _ = _loaded_dag(repo)
    train = dag.get_task("train_demand_model")
    assert train.render_template(train.cmds, {}) == train.cmds
    assert train.cmds[2] == wrapper_script({"mlflow_run_id": f"{OUTPUTS_DIR}/mlflow_run_id"})


def test_the_pods_are_a_note_and_strict_refuses_them(repo: Path) -> None:
    rendered = render_airflow(load_objective(repo, *PARTS))
    assert [note.path for note in rendered.notes] == [("tasks", index, "name") for index in range(3)]
    assert all("KubernetesPodOperator" in note.message for note in rendered.notes)
    with pytest.raises(ConfigError) as raised:
        render_airflow(load_objective(repo, *PARTS), strict=True)
    assert all(problem.message.endswith("(refused by --strict)") for problem in raised.value.problems)


def test_a_step_without_an_image_is_refused(example_repo: Path, edit_json: Any) -> None:
    """Without an image the step cannot run as a pod: refused at the step, as on Argo and Kubeflow."""
    edit_json(MODEL_CONFIG, lambda data: data.pop("image") and None)
    with pytest.raises(ConfigError) as raised:
        render_airflow(load_objective(example_repo, *PARTS, use_cache=False))
    messages = [problem.message for problem in raised.value.problems]
    assert len(messages) == 3 and all("not rendered for Airflow" in m and "'image'" in m for m in messages)


def _script(outputs: Path, values: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The wrapper as the pod runs it, around a step that writes the given outputs."""
    for name, value in values.items():
        (outputs / name).write_text(value)
    paths = {name: str(outputs / name) for name in ("a", "b")}
    script = wrapper_script(paths).replace(XCOM_FILE, str(outputs / "return.json"))
    return subprocess.run(["sh", "-c", script, "maxai-step", "true"], capture_output=True, text=True, check=False)


def test_the_wrapper_writes_outputs_as_one_json_object_of_strings(tmp_path: Path) -> None:
    value = 'quote " backslash \\ tab \t ü\nsecond line\n'
    result = _script(tmp_path, {"a": value, "b": "7"})
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "return.json").read_text()) == {"a": value.removesuffix("\n"), "b": "7"}
    assert not (tmp_path / "return.json.part").exists()


def test_the_wrapper_fails_on_a_missing_output_or_a_control_character(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    result = _script(tmp_path / "one", {"a": "1"})
    assert result.returncode == 1 and 'the step ended without writing its output "b"' in result.stderr
    (tmp_path / "two").mkdir()
    result = _script(tmp_path / "two", {"a": "1", "b": "bell \a"})
    assert result.returncode == 1 and "holds control characters" in result.stderr
    assert not (tmp_path / "two/return.json").exists()


@pytest.fixture(scope="module")
def tracking_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with mlflow_server(tmp_path_factory.mktemp("mlflow")) as uri:
        yield uri


class _XComFromFiles:
    """``ti`` for Airflow's template rendering: ``xcom_pull`` reads the ``return.json`` each pod left."""

    def __init__(self, folders: dict[str, Path]) -> None:
        self.folders = folders

    def xcom_pull(self, task_ids: str) -> Any:
        return json.loads((self.folders[task_ids] / "return.json").read_text())


def _run_pods(root: Path, uri: str, run_id: str, work: Path) -> list[subprocess.CompletedProcess[str]]:
    """Each pod's container as Kubernetes would start it: the templated arguments rendered by the operator with
    the earlier pods' XComs, the MAXAI_* variables as Airflow would render them for ``run_id``, the Secret's key
    in the environment, the repository's domain folder standing in for the image's."""
    dag, _ = _loaded_dag(root)
    folders = {name: work / name for name in STEPS}
    results = []
    for name in STEPS:
        pod = dag.get_task(name)
        folders[name].mkdir(parents=True)
        arguments = pod.render_template(pod.arguments, {"ti": _XComFromFiles(folders)})
        command = [
            part.replace(XCOM_FILE, str(folders[name] / "return.json"))
            .replace(OUTPUTS_DIR, str(folders[name]))
            .replace(f"{IMAGE_CODE_DIR}/retail", str(root / "maxaiusecases/retail"))
            for part in [*pod.cmds, *arguments]
        ]
        env = {v.name: v.value for v in pod.env_vars if v.value is not None and "{{" not in v.value}
        env.update(
            MAXAI_RUN_ID=run_id,
            MAXAI_RUN_DATE="2026-02-09",
            MLFLOW_TRACKING_URI=uri,
            MAXAI_DATA_DIR=str(root / "data"),
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        )
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=600)
        results.append(result)
        if result.returncode != 0:
            break
    return results


@pytest.mark.mlflow
def test_the_pods_train_register_and_deploy_then_skip_on_a_refused_gate(
    example_repo: Path, edit_json: Any, tracking_uri: str, tmp_path: Path
) -> None:
    from mlflow import MlflowClient

    results = _run_pods(example_repo, tracking_uri, "pods-1", tmp_path / "first")
    assert [result.returncode for result in results] == [0, 0, 0], results[-1].stderr[-3000:]
    run_id = json.loads((tmp_path / "first/train_demand_model/return.json").read_text())["mlflow_run_id"]
    assert json.loads((tmp_path / "first/register_demand_model/return.json").read_text()) == {"model_version": "1"}
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    assert client.get_run(run_id).data.tags["maxai.dag_run_id"] == "pods-1"
    assert client.get_model_version_by_alias("retail-demand", "champion").version == "1"

    # a gate no model passes: the deploy pod ends with the code the operator takes as "skipped"
    edit_json(MODEL_CONFIG, lambda data: data["tasks"][2]["model"]["gate"].update(below=0.0001))
    *_, deployed = _run_pods(example_repo, tracking_uri, "pods-2", tmp_path / "second")
    assert deployed.returncode == SKIPPED_EXIT_CODE, deployed.stderr[-3000:]
    assert "skipped: model 'retail-demand' version 2 not deployed" in deployed.stdout
    assert client.get_model_version_by_alias("retail-demand", "champion").version == "1"


def test_a_copy_whose_data_only_the_image_knows_is_refused(repo: Path) -> None:
    """The pods take MAXAI_DATA_DIR from their image: a dev copy would write the image's production folder."""
    with pytest.raises(ConfigError) as raised:
        render_airflow(load_objective(repo, *PARTS, env="dev", user="alice"))
    [problem] = raised.value.problems
    assert problem.file == "maxaiconfigs/environments.json" and problem.path == ("environments", "dev", "data_root")
    assert "not rendered for Airflow" in problem.message and "train_demand_model" in problem.message
