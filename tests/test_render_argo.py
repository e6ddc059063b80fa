"""`maxai render argo`: every example objective as an Argo Workflow or CronWorkflow that passes Argo's published
schema, with the Airflow DAG's tasks and edges, the pods KubernetesPodOperator would start, and SparkApplications
that pass the Spark operator's CRD schema."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from maxai.config import discover_objectives, load_objective
from maxai.config.assets import AssetSchedule
from maxai.config.models import DagSettings
from maxai.errors import ConfigError
from maxai.render.argo import argo_document, render_argo, run_values
from maxai.render.argo_asset_updates import UPDATE_SUFFIX
from maxai.render.argo_callbacks import DEADLINE_TEMPLATE
from maxai.render.kubeflow import render_kubeflow
from maxai.render.naming import kubernetes_name
from tests.conftest import REPO
from tests.render_schemas import argo_validator, errors, spark_application_validator

# Every example renders: retail.forecast_review.daily (scheduled on assets) is a WorkflowTemplate and a Sensor
# (test_render_argo_events); finance.fraud_scoring.cards's callbacks and deadline alert are an exit handler and a
# daemon task (test_render_argo_callbacks)
EXAMPLES = [ref.parts for ref in discover_objectives(REPO)]


def _templates(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    spec = document["spec"].get("workflowSpec", document["spec"])
    return {template["name"]: template for template in spec["templates"]}


@pytest.mark.parametrize("spark", ["operator", "submit"])
@pytest.mark.parametrize("parts", EXAMPLES, ids=".".join)
def test_every_example_passes_argos_schema(repo: Path, parts: tuple[str, str, str], spark: Any) -> None:
    config = load_objective(repo, *parts)
    rendered = render_argo(config, spark=spark)
    document = next(yaml.safe_load_all(rendered.text))  # an asset schedule's Sensor follows its template
    if isinstance(config.dag.schedule, AssetSchedule | dict):  # a dict: from the parse cache
        expected_kind = "WorkflowTemplate"
    else:
        expected_kind = "CronWorkflow" if config.dag.schedule not in (None, "@once") else "Workflow"
    assert document["kind"] == expected_kind
    assert errors(argo_validator(expected_kind), document) == []
    for template in _templates(document).values():
        if "resource" in template:
            application = json.loads(template["resource"]["manifest"])
            assert errors(spark_application_validator(), application) == [], template["name"]


@pytest.mark.parametrize("parts", EXAMPLES, ids=".".join)
def test_same_tasks_and_edges_as_the_airflow_dag(repo: Path, parts: tuple[str, str, str]) -> None:
    from maxai import build_dag

    airflow_dag = build_dag(*parts, root=repo)
    document, _ = argo_document(load_objective(repo, *parts))
    [dag_template] = [template for template in _templates(document).values() if "dag" in template]
    # the steps announcing awaited outputs to Argo Events (test_render_argo_events) and the deadline alerts
    # (test_render_argo_callbacks) are no tasks of the DAG
    tasks = [
        task
        for task in dag_template["dag"]["tasks"]
        if not task["name"].endswith(UPDATE_SUFFIX) and not task["name"].startswith(DEADLINE_TEMPLATE)
    ]
    edges = {task["name"]: set(task.get("dependencies", [])) for task in tasks}
    assert edges == {
        kubernetes_name(task.task_id): {kubernetes_name(upstream) for upstream in task.upstream_task_ids}
        for task in airflow_dag.tasks
    }
    for task in dag_template["dag"]["tasks"]:
        assert task["template"] in _templates(document)


def test_pod_template_is_the_pod_kubernetes_pod_operator_starts(repo: Path) -> None:
    """Container, volumes, placement and service account as KubernetesPodOperator builds the pod (offline)."""
    from maxai import build_dag
    from maxai.factory.integrity import pod_manifest

    checked = 0
    for parts in EXAMPLES:
        templates = _templates(argo_document(load_objective(repo, *parts))[0])
        for task in build_dag(*parts, root=repo).tasks:
            if type(task).__name__ != "KubernetesPodOperator":
                continue
            pod, template = pod_manifest(task)["spec"], templates[kubernetes_name(task.task_id)]
            container, expected = template["container"], pod["containers"][0]
            for field in ("image", "command", "args", "envFrom", "resources", "volumeMounts"):
                assert (container.get(field) or None) == (expected.get(field) or None), (task.task_id, field)
            assert {e["name"] for e in container["env"]} == {e["name"] for e in expected["env"]}
            kept = {e["name"]: e for e in expected["env"] if "{{" not in e.get("value", "")}
            assert {e["name"]: e for e in container["env"] if e["name"] in kept} == kept
            for field in ("volumes", "tolerations", "affinity", "nodeSelector", "serviceAccountName"):
                assert (template.get(field) or None) == (pod.get(field) or None), (task.task_id, field)
            deadline = pod.get("activeDeadlineSeconds")
            assert template.get("activeDeadlineSeconds") == (str(deadline) if deadline else None)
            assert template["metadata"]["labels"].items() >= {"maxai/objective": parts[2]}.items()
            checked += 1
    assert checked == 9  # the pods of cards, wire_transfers, daily (publish_review) and weekly


def test_run_date_is_argos_own_and_no_airflow_template_is_left(repo: Path) -> None:
    for parts in EXAMPLES:
        text = render_argo(load_objective(repo, *parts)).text
        tags = re.findall(r"\{\{.*?\}\}", text)
        # a container step's values handed from task to task: Argo's own parameters
        handed = ("{{inputs.parameters.", "{{tasks.", "{{item}}")  # and a for_each step's value
        assert tags and all(tag.startswith(("{{=", "{{workflow.", *handed)) for tag in tags), set(tags)
        assert "dag_run" not in text and "params." not in text
    cron, manual = run_values(True), run_values(False)
    assert cron["MAXAI_RUN_TIME"] == (
        "{{=workflow.parameters['date'] != '' ? workflow.parameters['date'] : workflow.scheduledTime}}"
    )
    assert "workflow.creationTimestamp" in manual["MAXAI_RUN_DATE"] and manual["MAXAI_RUN_TYPE"] == "manual"
    assert manual["MAXAI_FORCE"] == "{{=workflow.parameters['force'] == 'true' ? '1' : ''}}"


def test_a_zoned_objective_takes_the_date_in_its_zone(repo: Path) -> None:
    """stores_us (America/New_York, by day): a run given no date processes its scheduled time's day in New York,
    as on Airflow; Argo gives that time in the controller's zone (UTC)."""
    zoned = (
        "{{=workflow.parameters['date'] != '' ? sprig.substr(0, 10, workflow.parameters['date']) : "
        "sprig.dateInZone('2006-01-02', sprig.toDate('2006-01-02T15:04:05Z07:00', workflow.scheduledTime), "
        "'America/New_York')}}"
    )
    assert run_values(True, "America/New_York")["MAXAI_RUN_DATE"] == zoned
    document, _ = argo_document(load_objective(repo, "retail", "demand_forecast", "stores_us"))
    assert document["spec"]["timezone"] == "America/New_York"
    # each task's driver, in its SparkApplication manifest (a YAML text inside the document)
    manifests = [
        yaml.safe_load(template["resource"]["manifest"])
        for template in _templates(document).values()
        if "resource" in template
    ]
    dates = [
        item["value"]
        for manifest in manifests
        for item in manifest["spec"]["driver"]["env"]
        if item["name"] == "MAXAI_RUN_DATE"
    ]
    assert dates == [zoned] * 3
    eu = render_argo(load_objective(repo, "retail", "demand_forecast", "stores_eu")).text
    assert "dateInZone" not in eu  # UTC: the date as Argo gives the time


def test_cron_workflow_carries_the_schedule_and_dag_settings(repo: Path) -> None:
    document, _ = argo_document(load_objective(repo, "finance", "fraud_scoring", "wire_transfers"))
    spec = document["spec"]
    assert spec["schedules"] == ["15 */4 * * *"] and spec["timezone"] == "UTC"
    assert spec["when"] == "{{= now() >= date('2026-03-01T00:00:00Z') }}"
    workflow = spec["workflowSpec"]
    assert workflow["activeDeadlineSeconds"] == 7200 and workflow["parallelism"] == 16
    assert "synchronization" not in workflow  # max_active_runs 2: noted, not bounded
    retry = _templates(document)["score-transactions"]["retryStrategy"]
    assert retry == {"limit": "2", "retryPolicy": "Always", "backoff": {"duration": "300s", "factor": "2"}}
    assert document["metadata"]["namespace"] == "maxai-finance"
    assert [p["name"] for p in workflow["arguments"]["parameters"]] == ["date", "force"]


def test_spark_application_takes_the_merged_conf(repo: Path) -> None:
    document, _ = argo_document(load_objective(repo, "retail", "demand_forecast", "stores_us"))
    application = json.loads(_templates(document)["forecast-demand"]["resource"]["manifest"])
    spec = application["spec"]
    assert spec["image"] == "registry.example.com/maxai/retail-forecast:2.0.1"  # the task's own image
    assert spec["sparkConf"]["spark.sql.shuffle.partitions"] == "16"  # the objective's override of the task's
    assert spec["sparkConf"]["spark.sql.session.timeZone"] == "UTC"  # from the global conf
    assert application["metadata"]["namespace"] == "maxai-retail"
    assert spec["executor"]["instances"] == 8 and spec["driver"]["memory"] == "2g"
    assert (
        spec["mainApplicationFile"] == "local:///opt/maxai/usecases/retail/demand_forecast/handlers/forecast_demand.py"
    )
    env = {item["name"]: item["value"] for item in spec["driver"]["env"]}
    assert env["MAXAI_TASK"] == "forecast_demand" and "MAXAI_DATA_DIR" not in env
    assert json.loads(env["MAXAI_PARAMS"])["args"] == {"window_days": 14, "horizon_days": 14}


def test_image_code_folder_is_the_one_the_domain_images_use(repo: Path) -> None:
    from maxai.render.spark import IMAGE_CODE_DIR

    for dockerfile in sorted(repo.glob("maxaiusecases/*/Dockerfile")):
        assert f"WORKDIR {IMAGE_CODE_DIR}/{dockerfile.parent.name}\n" in dockerfile.read_text()
    assert f"WORKDIR {IMAGE_CODE_DIR}/{{domain}}" in (repo / "src/maxai/cli/scaffold.py").read_text()


def _problems(error: pytest.ExceptionInfo[ConfigError]) -> list[str]:
    return [str(problem) for problem in error.value.problems]


def test_airflow_only_settings_are_refused_with_file_and_key(
    example_repo: Path, edit_json: Callable[..., Path]
) -> None:
    def change(data: dict[str, Any]) -> None:
        submit = data["tasks"][0]["spark_submit_conf"]
        submit.update(pool="spark", trigger_rule="one_failed")
        submit["conf"] = {"spark.app.tag": "run-{{ ds }}"}

    edit_json("maxaiconfigs/retail/demand_forecast/spark_config.json", change)
    with pytest.raises(ConfigError) as error:
        render_argo(load_objective(example_repo, "retail", "demand_forecast", "stores_eu"))
    messages = _problems(error)
    file = "maxaiconfigs/retail/demand_forecast/spark_config.json"
    assert any(m.startswith(file) and "tasks[0].spark_submit_conf.pool: not rendered for Argo" in m for m in messages)
    assert any("spark_submit_conf.trigger_rule" in m and "all_success" in m for m in messages)
    assert any('conf["spark.app.tag"]: an Airflow (Jinja) template' in m for m in messages)


def test_catchup_and_task_name_collisions_are_refused(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    edit_json("maxaiconfigs/retail/demand_forecast/stores_eu/py_config.json", lambda d: d["@dag"].update(catchup=True))
    edit_json(
        "maxaiconfigs/retail/demand_forecast/spark_config.json",
        lambda d: d["tasks"][1].update(name="clean-sales"),
    )
    edit_json(
        "maxaiconfigs/retail/demand_forecast/py_config.json",
        lambda d: d.update({"clean-sales": d.pop("daily_totals")}),
    )
    edit_json(
        "maxaiconfigs/retail/demand_forecast/stores_eu/py_config.json",
        lambda d: d.update({"clean-sales": d.pop("daily_totals")}),
    )
    with pytest.raises(ConfigError) as error:
        render_argo(load_objective(example_repo, "retail", "demand_forecast", "stores_eu"))
    messages = _problems(error)
    assert any('["@dag"].catchup: not rendered for Argo Workflows' in m for m in messages)
    assert any(
        "tasks[1].name: task names 'clean_sales'" in m and "'clean-sales'" in m and "both become 'clean-sales'" in m
        for m in messages
    )


def test_settings_added_to_the_models_later_are_refused(repo: Path) -> None:
    """A key no rule knows (here a DAG setting and an operator argument of the future) is never dropped."""

    class FutureDagSettings(DagSettings):
        sla_window: str = "none"

    config = load_objective(repo, "retail", "demand_forecast", "stores_eu")
    settings = FutureDagSettings.model_validate({**config.dag.model_dump(), "sla_window": "1h"})
    first = dataclasses.replace(config.tasks[0], arguments={**config.tasks[0].arguments, "outlets": ["x"]})
    future = dataclasses.replace(config, dag=settings, tasks=(first, *config.tasks[1:]))
    with pytest.raises(ConfigError) as error:
        render_argo(future)
    messages = _problems(error)
    assert any('["@dag"].sla_window: not rendered for Argo Workflows: maxai does not know' in m for m in messages)
    assert any("tasks[0].spark_submit_conf.outlets: not rendered for Argo" in m for m in messages)


def test_operator_only_settings_are_notes_and_strict_refuses_them(repo: Path) -> None:
    config = load_objective(repo, "retail", "store_segments", "weekly")
    rendered = render_argo(config)
    assert sorted(note.path[-1] for note in rendered.notes) == ["on_finish_action", "startup_timeout_seconds"]
    assert all(note.file == "maxaiconfigs/retail/store_segments/kubepod_config.json" for note in rendered.notes)
    assert "# Settings with no place in this output" in rendered.text
    with pytest.raises(ConfigError) as error:
        render_argo(config, strict=True)
    assert all("(refused by --strict)" in m for m in _problems(error))


def test_spark_submit_container_runs_the_command_spark_submit_hook_builds(repo: Path) -> None:
    """--spark submit: the same command Airflow's SparkSubmitHook builds for a Kubernetes master."""
    import os

    from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

    from maxai.render.environment import task_variables
    from maxai.render.spark import KUBERNETES_MASTER

    config = load_objective(repo, "retail", "demand_forecast", "stores_eu")
    templates = _templates(argo_document(config, spark="submit")[0])
    connection = json.dumps({"conn_type": "spark", "host": KUBERNETES_MASTER, "extra": {"deploy-mode": "cluster"}})
    os.environ["AIRFLOW_CONN_MAXAI_RENDER_TEST"] = connection
    try:
        for task in config.tasks:
            container = templates[kubernetes_name(task.name)]["container"]
            env = task_variables(config, task, run_values(True))
            arguments = {**task.arguments, "application": container["command"][-1], "env_vars": env}
            operator = SparkSubmitOperator(task_id=task.name, conn_id="maxai_render_test", **arguments)
            hook = operator._get_hook()
            assert container["command"] == hook._build_spark_submit_command(arguments["application"])
    finally:
        del os.environ["AIRFLOW_CONN_MAXAI_RENDER_TEST"]


@pytest.mark.parametrize("schedule", [None, "@once"])
def test_objective_without_a_cron_schedule_is_a_workflow(
    example_repo: Path, edit_json: Callable[..., Path], schedule: str | None
) -> None:
    edit_json(
        "maxaiconfigs/retail/demand_forecast/stores_eu/py_config.json", lambda d: d["@dag"].update(schedule=schedule)
    )
    document, _ = argo_document(load_objective(example_repo, "retail", "demand_forecast", "stores_eu"))
    assert (
        document["kind"] == "Workflow" and document["metadata"]["generateName"] == "retail-demand-forecast-stores-eu-"
    )
    assert errors(argo_validator("Workflow"), document) == []
    application = json.loads(_templates(document)["clean-sales"]["resource"]["manifest"])
    env = {item["name"]: item["value"] for item in application["spec"]["driver"]["env"]}
    assert "workflow.creationTimestamp" in env["MAXAI_RUN_TIME"] and env["MAXAI_RUN_TYPE"] == "manual"


def test_continuous_schedule_is_refused(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    edit_json(
        "maxaiconfigs/retail/demand_forecast/stores_eu/py_config.json",
        lambda d: d["@dag"].update(schedule="@continuous", partition="minute"),
    )
    with pytest.raises(ConfigError) as error:
        render_argo(load_objective(example_repo, "retail", "demand_forecast", "stores_eu"))
    assert _problems(error) == [
        'maxaiconfigs/retail/demand_forecast/stores_eu/py_config.json:3:5: ["@dag"].schedule: '
        "not rendered for Argo Workflows: Argo has no continuous schedule"
    ]


def _review_without_airflow_only_settings(data: dict[str, Any]) -> None:
    """forecast_review's fan-out, without what Argo cannot express (its asset schedule and params)."""
    data["@dag"]["schedule"] = None
    del data["@dag"]["params"]


@pytest.mark.parametrize("spark", ["operator", "submit"])
def test_for_each_is_one_step_per_value(
    example_repo: Path, edit_json: Callable[..., Path], spark: Any, tmp_path: Path
) -> None:
    edit_json("maxaiconfigs/retail/forecast_review/daily/py_config.json", _review_without_airflow_only_settings)
    document, _ = argo_document(load_objective(example_repo, "retail", "forecast_review", "daily"), spark=spark)
    assert errors(argo_validator("Workflow"), document) == []
    [dag_template] = [template for template in _templates(document).values() if "dag" in template]
    steps = {task["name"]: task for task in dag_template["dag"]["tasks"]}
    assert steps["summarise-region"]["withItems"] == ["eu", "us"]
    assert steps["summarise-region"]["arguments"] == {"parameters": [{"name": "region", "value": "{{item}}"}]}
    assert "withItems" not in steps["compare-regions"]
    template = _templates(document)["summarise-region"]
    assert template["inputs"] == {"parameters": [{"name": "region"}]}
    if spark == "operator":
        manifest_text = template["resource"]["manifest"]
        # what Argo does for the step of "eu": substitute the parameter in the manifest's text
        application = json.loads(manifest_text.replace("{{inputs.parameters.region}}", "eu"))
        assert errors(spark_application_validator(), application) == []
        env = {entry["name"]: entry["value"] for entry in application["spec"]["driver"]["env"]}
    else:
        env = {entry["name"]: entry["value"] for entry in template["container"]["env"]}
        env = {key: value.replace("{{inputs.parameters.region}}", "eu") for key, value in env.items()}
    assert json.loads(env["MAXAI_ITEM"]) == {"region": "eu"}


def test_for_each_mixing_names_and_numbers_is_refused(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    def mixed(data: dict[str, Any]) -> None:
        _review_without_airflow_only_settings(data)
        data["summarise_region"]["for_each"] = {"region": ["eu", 2]}
        data["summarise_region"]["input"] = "out/retail/demand_forecast/stores_eu/forecast"

    edit_json("maxaiconfigs/retail/forecast_review/daily/py_config.json", mixed)
    with pytest.raises(ConfigError, match=r"summarise_region.*for_each.*all names or all integers"):
        argo_document(load_objective(example_repo, "retail", "forecast_review", "daily"))


def test_number_params_are_workflow_parameters_and_reach_every_task(
    example_repo: Path, edit_json: Callable[..., Path]
) -> None:
    edit_json("maxaiconfigs/retail/forecast_review/daily/py_config.json", lambda d: d["@dag"].update(schedule=None))
    config = load_objective(example_repo, "retail", "forecast_review", "daily")
    document, findings = argo_document(config)
    assert errors(argo_validator("Workflow"), document) == []
    parameters = {p["name"]: p for p in document["spec"]["arguments"]["parameters"]}
    assert parameters["top_stores"] == {
        "name": "top_stores",
        "value": "3",
        "description": "How many stores with the highest forecast the review lists",
    }
    # the trigger form checks minimum and maximum; Argo does not, and says so
    [note] = [note for note in findings.notes if note.path == ("@dag", "params")]
    assert "maximum, minimum, title" in note.message
    for template in _templates(document).values():
        if "dag" in template:
            continue
        if "resource" in template:  # what Argo does with a run given top_stores=7: substitute it in the text
            manifest = template["resource"]["manifest"].replace("{{workflow.parameters.top_stores}}", "7")
            manifest = manifest.replace("{{inputs.parameters.region}}", "eu")
            env = {e["name"]: e["value"] for e in json.loads(manifest)["spec"]["driver"]["env"]}
        else:
            env = {
                e["name"]: e["value"].replace("{{workflow.parameters.top_stores}}", "7")
                for e in template["container"]["env"]
            }
        assert json.loads(env["MAXAI_RUN_PARAMS"]) == {"top_stores": 7}, template["name"]


def test_a_text_param_is_refused_by_name(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    def text_param(data: dict[str, Any]) -> None:
        data["@dag"]["schedule"] = None
        data["@dag"]["params"]["region_label"] = {"type": "string", "default": "all"}

    edit_json("maxaiconfigs/retail/forecast_review/daily/py_config.json", text_param)
    with pytest.raises(ConfigError, match=r"params: .*only integer and number params are rendered, and 'region_label'"):
        argo_document(load_objective(example_repo, "retail", "forecast_review", "daily"))


def test_a_deadline_alert_on_kubeflow_is_a_note_saying_why(repo: Path) -> None:
    """cards renders for Kubeflow: its deadline alert is checked by the exit handler once the run ended, a note at
    its key with the reason (test_render_kubeflow_callbacks runs it), refused by --strict."""
    config = load_objective(repo, "finance", "fraud_scoring", "cards")
    notes = {note.path: note.message for note in render_kubeflow(config).notes if note.path[0] == "@dag"}
    assert ("@dag", "deadline") in notes  # beside the schedule and dagrun_timeout, which runs hold
    assert "a Kubeflow run has no task that waits beside the others" in notes[("@dag", "deadline")]
    with pytest.raises(ConfigError) as error:
        render_kubeflow(config, strict=True)
    assert ("@dag", "deadline") in {problem.path for problem in error.value.problems}


def test_env_from_sources_keep_the_pod_operators_order(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    """A key in a later envFrom source wins, so the order is the one KubernetesPodOperator gives its pod:
    env_from, then configmaps, then the Secrets attached whole."""
    from maxai import build_dag
    from maxai.factory.integrity import pod_manifest

    def sources(data: dict[str, Any]) -> None:
        conf = data["tasks"][0]["conf"]
        conf["configmaps"] = ["finance-overrides"]
        conf["secrets"].append({"deploy_type": "env", "deploy_target": None, "secret": "ledger-api"})

    edit_json("maxaiconfigs/finance/fraud_scoring/kubepod_config.json", sources)
    parts = ("finance", "fraud_scoring", "wire_transfers")
    template = _templates(argo_document(load_objective(example_repo, *parts))[0])["extract-transactions"]
    task = build_dag(*parts, root=example_repo).get_task("extract_transactions")
    expected = pod_manifest(task)["spec"]["containers"][0]["envFrom"]
    assert [next(iter(source.values()))["name"] for source in expected] == [
        "finance-endpoints",
        "finance-overrides",
        "ledger-api",
    ]
    assert template["container"]["envFrom"] == expected
