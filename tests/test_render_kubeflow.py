"""`maxai render kubeflow`: example objectives as Kubeflow Pipelines IR that parses as a PipelineSpec (and a
platform spec whose Kubernetes settings parse as kfp-kubernetes' KubernetesExecutorConfig), with the Airflow
DAG's tasks and edges; the sh wrapper that sets the run's variables, run for real."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2 as ir

from maxai.config import discover_objectives, load_objective
from maxai.errors import ConfigError
from maxai.render.argo_asset_updates import UPDATE_SUFFIX
from maxai.render.kubeflow import kubeflow_documents, render_kubeflow
from maxai.render.kubeflow_callbacks import EXIT_TASK, GROUP
from maxai.render.kubeflow_wrapper import POD_SCRIPT, SPARK_SCRIPT, wrapper_script
from maxai.render.naming import kubernetes_name
from maxai.render.run_params import written_params
from tests.conftest import REPO
from tests.render_schemas import kubernetes_executor_config

# Every example renders: finance.fraud_scoring.cards with its exit handler (test_render_kubeflow_callbacks), and
# retail.forecast_review.daily, scheduled on assets, with its Sensor (test_render_kubeflow_events)
EXAMPLES = [ref.parts for ref in discover_objectives(REPO)]
ZONED = ("retail", "demand_forecast", "stores_us")  # America/New_York, partitioned by day


def test_a_time_zone_is_a_note_naming_the_installation_setting(repo: Path) -> None:
    """Kubeflow's recurring runs fire in the installation's zone (the ScheduledWorkflow controller's
    CRON_SCHEDULE_TIMEZONE): the schedule note says so, and --strict refuses it."""
    config = load_objective(repo, *ZONED)
    notes = {note.path[-1]: note.message for note in render_kubeflow(config).notes}
    assert "CRON_SCHEDULE_TIMEZONE" in notes["timezone"] and "America/New_York" in notes["timezone"]
    assert "cron '0 0 6 * * *'" in notes["schedule"] and "America/New_York" in notes["schedule"]
    with pytest.raises(ConfigError):
        render_kubeflow(config, strict=True)


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (["", "false", "scheduled", "2026-03-02T03:00:00Z", "r"], "2026-03-01 schedule time"),  # 22:00 EST
        (["", "false", "scheduled", "2026-07-01T03:30:00Z", "r"], "2026-06-30 schedule time"),  # 23:30 EDT
        (["", "false", "scheduled", "2026-07-01T04:30:00Z", "r"], "2026-07-01 schedule time"),  # 00:30 EDT
        (["2026-01-31", "false", "manual", "2026-07-01T03:30:00Z", "r"], "2026-01-31 date param"),
    ],
)
def test_a_zoned_objective_processes_the_day_of_its_zone(repo: Path, inputs: list[str], expected: str) -> None:
    """As on Airflow: a day-partitioned objective in a time zone processes the zone's date of its schedule time
    (DST included); a date given at trigger time is taken as it is. The real runtime reads it."""
    container = _container(repo, ZONED, "exec-clean-sales")
    assert container["command"][2] == wrapper_script(spark=True, zone="America/New_York")
    env = {item["name"]: item["value"] for item in container["env"]}
    probe = "from maxai.runtime import current_task; t = current_task(); print(t.run_date, t.date_source)"
    pod_form = wrapper_script(spark=False, zone="America/New_York")  # the same run variables, then the command
    output = _run_wrapper(pod_form, inputs, [sys.executable, "-c", probe], env)
    assert output.strip().splitlines()[-1] == expected


def test_a_schedule_time_that_is_no_time_stops_the_task(repo: Path) -> None:
    script = wrapper_script(spark=False, zone="America/New_York")
    result = subprocess.run(
        ["sh", "-c", script, "maxai", "", "false", "scheduled", "not-a-time", "r", "true"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1 and "cannot take the date of not-a-time in America/New_York" in result.stderr


def _documents(repo: Path, parts: tuple[str, ...]) -> list[dict[str, Any]]:
    return list(yaml.safe_load_all(render_kubeflow(load_objective(repo, *parts)).text))


@pytest.mark.parametrize("parts", EXAMPLES, ids=".".join)
def test_every_renderable_example_parses_as_pipeline_spec(repo: Path, parts: tuple[str, str, str]) -> None:
    documents = [document for document in _documents(repo, parts) if document.get("kind") != "Sensor"]
    pipeline = json_format.ParseDict(documents[0], ir.PipelineSpec())  # unknown fields are errors
    deployment = json_format.ParseDict(
        json_format.MessageToDict(pipeline.deployment_spec), ir.PipelineDeploymentConfig()
    )
    added = {f"exec-{EXIT_TASK}"}  # cards' exit handler (test_render_kubeflow_callbacks)
    assert {label for label in deployment.executors if not label.endswith(UPDATE_SUFFIX)} - added == {
        f"exec-{kubernetes_name(task.name)}" for task in load_objective(repo, *parts).tasks
    }
    if len(documents) > 1:
        platform = json_format.ParseDict(documents[1], ir.PlatformSpec())
        messages = kubernetes_executor_config()
        for label, config in platform.platforms["kubernetes"].deployment_spec.executors.items():
            assert label in deployment.executors
            json_format.ParseDict(json_format.MessageToDict(config), messages.KubernetesExecutorConfig())


@pytest.mark.parametrize("parts", EXAMPLES, ids=".".join)
def test_same_tasks_and_edges_as_the_airflow_dag(repo: Path, parts: tuple[str, str, str]) -> None:
    from maxai import build_dag

    pipeline = json_format.ParseDict(_documents(repo, parts)[0], ir.PipelineSpec())
    tasks = pipeline.root.dag.tasks
    if GROUP in tasks:  # an exit handler: the tasks are in its group (test_render_kubeflow_callbacks)
        assert set(tasks) == {GROUP, EXIT_TASK}
        tasks = pipeline.components[f"comp-{GROUP}"].dag.tasks
    edges = {  # a for_each task by its loop; without the tasks announcing awaited outputs (test_render_kubeflow_events)
        name.removeprefix("for-each-"): {upstream.removeprefix("for-each-") for upstream in task.dependent_tasks}
        for name, task in tasks.items()
        if not name.endswith(UPDATE_SUFFIX)
    }
    assert edges == {
        kubernetes_name(task.task_id): {kubernetes_name(upstream) for upstream in task.upstream_task_ids}
        for task in build_dag(*parts, root=repo).tasks
    }
    for task in pipeline.root.dag.tasks.values():
        assert not task.caching_options.enable_cache
        component = pipeline.components[task.component_ref.name]
        assert component.executor_label or component.dag.tasks  # a container, or a loop's DAG


def test_pod_settings_reach_the_platform_spec(repo: Path) -> None:
    documents = _documents(repo, ("retail", "store_segments", "weekly"))
    executors = documents[0]["deploymentSpec"]["executors"]
    container = executors["exec-cluster-stores"]["container"]
    assert container["resources"] == {
        "resourceCpuRequest": "500m",
        "resourceMemoryRequest": "1Gi",
        "resourceCpuLimit": "2",
        "resourceMemoryLimit": "2Gi",
    }
    platform = documents[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]["exec-cluster-stores"]
    assert platform["pvcMount"] == [
        {"mountPath": "/data", "pvcNameParameter": {"runtimeValue": {"constant": "maxai-retail-data"}}}
    ]
    assert platform["imagePullPolicy"] == "IfNotPresent"
    assert platform["podMetadata"]["labels"]["maxai/objective"] == "weekly"
    spark = executors["exec-store-features"]["container"]
    assert spark["image"] == "registry.example.com/maxai/retail:1.4.0"
    assert spark["args"][5:8] == ["spark-submit", "--master", "k8s://https://kubernetes.default.svc"]


def test_no_airflow_template_is_left(repo: Path) -> None:
    for parts in EXAMPLES:
        config = load_objective(repo, *parts)
        documents, _ = kubeflow_documents(config)  # the pipeline's; a Sensor's Go template: test_render_kubeflow_events
        text = json.dumps([document for document in documents if document.get("kind") != "Sensor"])
        tags = set(re.findall(r"\{\{.*?\}\}", text))
        run_values = [*written_params(config), *(key for task in config.tasks for key in task.params.for_each or {})]
        tags -= {f"{{{{$.inputs.parameters['{name}']}}}}" for name in run_values}  # the params, a loop's value
        handed = r"\{\{\$\.(inputs\.parameters\['upstream--\w+'\]|outputs\.parameters\['\w+'\]\.output_file)\}\}"
        tags = {tag for tag in tags if not re.fullmatch(handed, tag)}  # a container step's values, task to task
        if EXIT_TASK in text:  # the exit task's inputs: the run's creation time and final status (Kubeflow's own)
            tags -= {
                "{{$.inputs.parameters['create_time']}}",
                "{{$.pipeline_job_create_time_utc}}",
                "{{$.inputs.parameters['status']}}",
            }
        assert tags == {
            "{{$.inputs.parameters['date']}}",
            "{{$.inputs.parameters['force']}}",
            "{{$.inputs.parameters['run_type']}}",
            "{{$.inputs.parameters['schedule_time']}}",
            "{{$.inputs.parameters['run_id']}}",
            "{{$.pipeline_job_schedule_time_utc}}",
            "{{$.pipeline_job_uuid}}",
        }


def test_schedule_and_run_level_settings_are_notes(repo: Path) -> None:
    config = load_objective(repo, "retail", "store_segments", "weekly")
    notes = {note.path[-1]: note.message for note in render_kubeflow(config).notes}
    assert "cron '0 0 3 * * 1'" in notes["schedule"] and "no_catchup" in notes["schedule"]
    assert "run_type=scheduled" in notes["schedule"]
    assert "'maxai-retail'" in notes["namespace"]
    assert "read-write" in notes["readOnly"]
    with pytest.raises(ConfigError):
        render_kubeflow(config, strict=True)


def _run_wrapper(script: str, inputs: list[str], command: list[str], env: dict[str, str]) -> str:
    """The container's command as Kubeflow runs it, once the placeholders are resolved."""
    result = subprocess.run(
        ["sh", "-c", script, "maxai", *inputs, *command],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], **env},
        check=True,
    )
    return result.stdout


def _container(repo: Path, parts: tuple[str, str, str], executor: str) -> dict[str, Any]:
    documents, _ = kubeflow_documents(load_objective(repo, *parts))
    container: dict[str, Any] = documents[0]["deploymentSpec"]["executors"][executor]["container"]
    return container


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (
            ["", "false", "scheduled", "2026-02-10T05:00:00Z", "run-1"],
            ("2026-02-10", "schedule time", False, "scheduled"),
        ),
        (
            ["2026-01-31", "true", "manual", "2026-02-10T05:00:00Z", "run-2"],
            ("2026-01-31", "date param", True, "manual"),
        ),
        (  # created by the Sensor of an objective scheduled on assets: the event's date, as on Airflow
            ["2026-03-04", "false", "asset_triggered", "2026-03-05T01:00:00Z", "run-3"],
            ("2026-03-04", "asset event", False, "asset_triggered"),
        ),
    ],
)
def test_wrapper_gives_the_runtime_its_run_variables(repo: Path, inputs: list[str], expected: tuple[Any, ...]) -> None:
    """The real maxai runtime reads what the wrapper exports, beside the container's own environment."""
    container = _container(repo, ("retail", "store_segments", "weekly"), "exec-cluster-stores")
    assert container["command"] == ["sh", "-c", POD_SCRIPT, "maxai"]
    env = {item["name"]: item["value"] for item in container["env"]}
    probe = (
        "from maxai.runtime import current_task; t = current_task(); "
        "print(t.run_date, t.date_source, t.forced, t.run_type, t.run_id, t.task, sep='|')"
    )
    output = _run_wrapper(POD_SCRIPT, inputs, [sys.executable, "-c", probe], env).strip().splitlines()[-1]
    date, source, forced, run_type, run_id, task = output.split("|")
    assert (date, source, forced == "True", run_type) == expected
    assert run_id == inputs[4] and task == "cluster_stores"


def test_spark_wrapper_hands_the_run_variables_to_the_driver(repo: Path, tmp_path: Path) -> None:
    container = _container(repo, ("retail", "demand_forecast", "stores_eu"), "exec-clean-sales")
    assert container["command"] == ["sh", "-c", SPARK_SCRIPT, "maxai"]
    submit = container["args"][5:]
    assert submit[0] == "spark-submit"
    printer = tmp_path / "spark-submit"  # stands in for spark-submit: prints the arguments it is given
    printer.write_text("#!/bin/sh\nprintf '%s\\n' \"$@\"\n")
    printer.chmod(0o755)
    argv = _run_wrapper(SPARK_SCRIPT, ["2026-02-11T00:00", "", "manual", "x", "run-3"], [str(printer), *submit[1:]], {})
    lines = argv.splitlines()
    assert "spark.kubernetes.driverEnv.MAXAI_RUN_DATE=2026-02-11" in lines
    assert "spark.kubernetes.driverEnv.MAXAI_RUN_TIME=2026-02-11T00:00" in lines
    assert "spark.kubernetes.driverEnv.MAXAI_FORCE=" in lines
    assert lines[-1] == "local:///opt/maxai/usecases/retail/demand_forecast/handlers/clean_sales.py"
    assert lines.index("--master") > lines.index("spark.kubernetes.driverEnv.MAXAI_RUN_ID=run-3")


def test_task_timeout_and_task_bound_are_refused(example_repo: Path, edit_json: Any) -> None:
    edit_json(
        "maxaiconfigs/retail/store_segments/weekly/py_config.json",
        lambda d: d["@dag"].update(
            max_active_tasks=2, default_args={"owner": "retail-data", "execution_timeout": "1h"}
        ),
    )
    with pytest.raises(ConfigError) as error:
        render_kubeflow(load_objective(example_repo, "retail", "store_segments", "weekly"))
    paths = sorted(problem.path_text for problem in error.value.problems)
    assert paths == ['["@dag"].default_args.execution_timeout', '["@dag"].max_active_tasks']
    assert all(problem.file.endswith("weekly/py_config.json") for problem in error.value.problems)


def test_for_each_is_a_parallel_for_over_the_values(example_repo: Path, edit_json: Any, tmp_path: Path) -> None:
    def without_airflow_only_settings(data: dict[str, Any]) -> None:  # the loop alone: no Sensor, no params
        data["@dag"]["schedule"] = None
        del data["@dag"]["params"]

    edit_json("maxaiconfigs/retail/forecast_review/daily/py_config.json", without_airflow_only_settings)
    documents, _ = kubeflow_documents(load_objective(example_repo, "retail", "forecast_review", "daily"))
    pipeline = json_format.ParseDict(documents[0], ir.PipelineSpec())
    root = pipeline.root.dag.tasks
    assert set(root) == {"for-each-summarise-region", "compare-regions", "rank-stores", "publish-review"}
    loop = root["for-each-summarise-region"]
    assert json.loads(loop.parameter_iterator.items.raw) == ["eu", "us"]
    assert list(root["compare-regions"].dependent_tasks) == ["for-each-summarise-region"]
    assert {key: value.component_input_parameter for key, value in loop.inputs.parameters.items()} == {
        "pipelinechannel--date": "date",
        "pipelinechannel--force": "force",
        "pipelinechannel--run_type": "run_type",
    }
    body = pipeline.components[loop.component_ref.name]
    inner = body.dag.tasks["summarise-region"]
    assert inner.inputs.parameters["region"].component_input_parameter == loop.parameter_iterator.item_input
    assert inner.inputs.parameters["date"].component_input_parameter == "pipelinechannel--date"
    assert set(body.input_definitions.parameters) == {
        *loop.inputs.parameters,
        loop.parameter_iterator.item_input,
    }
    assert "region" in pipeline.components[inner.component_ref.name].input_definitions.parameters
    container = documents[0]["deploymentSpec"]["executors"]["exec-summarise-region"]["container"]
    assert container["command"] == ["sh", "-c", wrapper_script(spark=True, extra=("MAXAI_ITEM",)), "maxai"]
    assert container["args"][5] == '{"region": "{{$.inputs.parameters[\'region\']}}"}'
    printer = tmp_path / "spark-submit"
    printer.write_text("#!/bin/sh\nprintf '%s\\n' \"$@\"\n")
    printer.chmod(0o755)
    run_inputs = [
        "2026-02-11",
        "",
        "manual",
        "x",
        "run-4",
        container["args"][5].replace("{{$.inputs.parameters['region']}}", "eu"),
    ]
    lines = _run_wrapper(
        wrapper_script(spark=True, extra=("MAXAI_ITEM",)), run_inputs, [str(printer), *container["args"][7:]], {}
    ).splitlines()
    assert 'spark.kubernetes.driverEnv.MAXAI_ITEM={"region": "eu"}' in lines
    assert "spark.kubernetes.driverEnv.MAXAI_RUN_ID=run-4" in lines


def test_number_params_are_pipeline_inputs_the_wrapper_exports(
    example_repo: Path, edit_json: Any, tmp_path: Path
) -> None:
    edit_json("maxaiconfigs/retail/forecast_review/daily/py_config.json", lambda d: d["@dag"].update(schedule=None))
    documents, _ = kubeflow_documents(load_objective(example_repo, "retail", "forecast_review", "daily"))
    pipeline = json_format.ParseDict(documents[0], ir.PipelineSpec())
    top = pipeline.root.input_definitions.parameters["top_stores"]
    assert top.parameter_type == ir.ParameterType.NUMBER_INTEGER and top.default_value.number_value == 3
    assert pipeline.root.dag.tasks["rank-stores"].inputs.parameters["top_stores"].component_input_parameter == (
        "top_stores"
    )
    loop = pipeline.root.dag.tasks["for-each-summarise-region"]
    assert loop.inputs.parameters["pipelinechannel--top_stores"].component_input_parameter == "top_stores"
    container = documents[0]["deploymentSpec"]["executors"]["exec-publish-review"]["container"]
    assert container["args"][5] == "{\"top_stores\": {{$.inputs.parameters['top_stores']}}}"
    env = {item["name"]: item["value"] for item in container["env"]}
    probe = "from maxai.runtime import current_task; print(current_task().run_params)"
    inputs = [
        "2026-02-11",
        "",
        "manual",
        "x",
        "run-5",
        container["args"][5].replace("{{$.inputs.parameters['top_stores']}}", "7"),
    ]
    script = container["command"][2]
    output = _run_wrapper(script, inputs, [sys.executable, "-c", probe], env).strip().splitlines()[-1]
    assert output == "{'top_stores': 7}"
