"""`maxai render` under an environment and a personal copy: names, namespaces, images and data folders follow
them on every target, and a data folder that only the target's images know is refused, naming the file and key."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from maxai.config import load_objective
from maxai.errors import ConfigError
from maxai.render.argo import argo_document
from maxai.render.argo_asset_updates import UPDATE_SUFFIX
from maxai.render.kubeflow import kubeflow_documents
from tests.test_render_cli import maxai

STORES_EU = ("retail", "demand_forecast", "stores_eu")
WIRE_TRANSFERS = ("finance", "fraud_scoring", "wire_transfers")
STAGING = {
    "dag_id_prefix": "staging.",
    "data_root": "/mnt/staging",
    "namespace": "maxai-staging",
    "image_registry": "registry.staging.example.com",
    "image_tag": "rc1",
    "spark_conn_id": "spark_staging",
    "kubernetes_conn_id": "kubernetes_staging",
}


@pytest.fixture
def staged(example_repo: Path, edit_json: Callable[..., Path]) -> Path:
    """The example marketplace with a ``staging`` environment whose data lives at an absolute folder."""

    def add_staging(data: dict[str, Any]) -> None:
        data["environments"]["staging"] = STAGING

    edit_json("maxaiconfigs/environments.json", add_staging)
    return example_repo


def _env(variables: list[dict[str, Any]]) -> dict[str, str]:
    return {variable["name"]: variable.get("value") for variable in variables}


def _argo_containers(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(template name, container) of each task; a Spark task's driver is its SparkApplication's driver. The steps
    announcing awaited outputs (curl, no task of the objective) are left out."""
    spec = document["spec"].get("workflowSpec", document["spec"])
    for template in spec["templates"]:
        if template["name"].endswith(UPDATE_SUFFIX):
            continue
        if "container" in template:
            yield template["name"], template["container"]
        elif "resource" in template:
            application = yaml.safe_load(template["resource"]["manifest"])
            yield template["name"], {**application["spec"]["driver"], "image": application["spec"]["image"]}


def test_argo_names_images_namespace_and_data_folder_follow_the_environment_and_user(staged: Path) -> None:
    config = load_objective(staged, *STORES_EU, env="staging", user="alice")
    document, _ = argo_document(config)
    name = "staging-retail-demand-forecast-stores-eu--alice"
    assert document["metadata"].get("name", document["metadata"].get("generateName")).rstrip("-") == name
    assert document["metadata"]["annotations"]["workflows.argoproj.io/title"] == f"staging.{'.'.join(STORES_EU)}__alice"
    assert {"env:staging", "user:alice"} <= set(document["metadata"]["annotations"]["maxai/tags"].split(","))
    assert document["kind"] == "Workflow"  # a personal copy's schedule is off: no CronWorkflow
    containers = dict(_argo_containers(document))
    assert set(containers) == {"clean-sales", "daily-totals", "forecast-demand"}
    for template, container in containers.items():
        assert _env(container["env"])["MAXAI_DATA_DIR"] == "/mnt/staging/users/alice", template
        assert container["image"].startswith("registry.staging.example.com/") and container["image"].endswith(":rc1")
    # The production workflow keeps its own name, and its tasks their image's data folder.
    production, _ = argo_document(load_objective(staged, *STORES_EU, env="", user=""))
    assert production["metadata"]["name"] == "retail-demand-forecast-stores-eu"
    assert all("MAXAI_DATA_DIR" not in _env(container["env"]) for _, container in _argo_containers(production))


def test_kubeflow_pipeline_name_and_data_folder_follow_the_environment_and_user(staged: Path) -> None:
    config = load_objective(staged, *STORES_EU, env="staging", user="alice")
    documents, _ = kubeflow_documents(config)
    pipeline = documents[0]
    assert pipeline["pipelineInfo"]["name"] == "staging-retail-demand-forecast-stores-eu--alice"
    assert "[env staging, personal copy of alice]" in pipeline["pipelineInfo"]["description"]
    executors = pipeline["deploymentSpec"]["executors"]
    assert len(executors) == 3
    for executor in executors.values():
        container = executor["container"]
        assert _env(container["env"])["MAXAI_DATA_DIR"] == "/mnt/staging/users/alice"
        assert container["image"].startswith("registry.staging.example.com/")


def test_a_pods_own_data_folder_gets_the_personal_copys_folder_below_it(repo: Path) -> None:
    document, _ = argo_document(load_objective(repo, *WIRE_TRANSFERS, env="", user="bob"))
    containers = dict(_argo_containers(document))
    assert containers
    for template, container in containers.items():
        assert _env(container["env"])["MAXAI_DATA_DIR"] == "/data/users/bob", template


@pytest.mark.parametrize("render", [argo_document, kubeflow_documents])
def test_a_data_folder_below_the_images_is_refused_at_its_place_in_environments_json(
    repo: Path, render: Callable[..., Any]
) -> None:
    with pytest.raises(ConfigError) as dev:
        render(load_objective(repo, *STORES_EU, env="dev", user=""))
    [problem] = dev.value.problems
    text = (repo / "maxaiconfigs" / "environments.json").read_text()
    assert (problem.file, problem.path) == ("maxaiconfigs/environments.json", ("environments", "dev", "data_root"))
    assert problem.line == next(
        number for number, line in enumerate(text.splitlines(), 1) if '"data_root": "dev"' in line
    )
    assert "below dev/ of the data folder" in problem.message and "an absolute data_root" in problem.message
    with pytest.raises(ConfigError) as personal:
        render(load_objective(repo, *STORES_EU, env="", user="alice"))
    [problem] = personal.value.problems
    assert problem.path == ("environments", "prod") and problem.line is not None
    assert "alice's personal copy reads and writes below users/alice/" in problem.message


def test_render_airflow_writes_the_personal_copy_it_was_asked_for(staged: Path, tmp_path: Path) -> None:
    target = tmp_path / "stores_eu.py"
    result = maxai(
        "render", "airflow", *STORES_EU, "-o", str(target), "--env", "staging", "--user", "alice", "--json", cwd=staged
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ok"]
    text = target.read_text()
    assert 'dag_id="staging.retail.demand_forecast.stores_eu__alice"' in text
    assert 'build_dag("retail", "demand_forecast", "stores_eu", env="staging", user="alice")' in text
    assert '"MAXAI_DATA_DIR": "/mnt/staging/users/alice"' in text
    assert "is_paused_upon_creation=True" in text


def test_the_environments_airflow_connections_stay_out_but_a_tasks_own_is_still_judged(
    staged: Path, edit_json: Callable[..., Path]
) -> None:
    for parts in (STORES_EU, WIRE_TRANSFERS):
        config = load_objective(staged, *parts, env="staging", user="")
        assert {task.arguments.get("conn_id") or task.arguments.get("kubernetes_conn_id") for task in config.tasks} <= {
            "spark_staging",
            "kubernetes_staging",
        }
        for render in (argo_document, kubeflow_documents):
            if parts == WIRE_TRANSFERS and render is kubeflow_documents:
                continue  # refused on Kubeflow for its own settings (test_render_kubeflow)
            _, findings = render(config)
            assert not [note for note in findings.notes if str(note.path[-1]).endswith("conn_id")], findings.notes

    def own_connection(data: dict[str, Any]) -> None:
        data["tasks"][0]["spark_submit_conf"]["conn_id"] = "spark_staging"

    edit_json("maxaiconfigs/retail/demand_forecast/spark_config.json", own_connection)
    with pytest.raises(ConfigError) as error:
        argo_document(load_objective(staged, *STORES_EU, env="staging", user=""))
    assert [problem.path for problem in error.value.problems] == [("tasks", 0, "spark_submit_conf", "conn_id")]
