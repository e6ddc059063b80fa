"""`maxai render argo` of an objective scheduled on data assets: a WorkflowTemplate that passes Argo's schema and an
Argo Events Sensor (checked with hera's Argo Events models) waiting for the URIs Airflow's outlets carry."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hera.events import models as events

from maxai.config import load_objective
from maxai.errors import ConfigError
from maxai.render.argo import argo_documents, render_argo, run_values
from maxai.render.argo_asset_updates import ASSET_UPDATE_IMAGE, UPDATE_SUFFIX
from maxai.render.argo_events import EVENT_NAME, EVENT_SOURCE, EVENT_URL
from tests.render_schemas import argo_validator, errors

REVIEW = ("retail", "forecast_review", "daily")
REVIEW_CONFIG = "maxaiconfigs/retail/forecast_review/daily/py_config.json"
EU = "out/retail/demand_forecast/stores_eu/forecast"
US = "out/retail/demand_forecast/stores_us/forecast"


def _filtered_uri(dependency: dict[str, Any]) -> str:
    """The URI a dependency's anchored data filter matches exactly (its regular expression, unescaped)."""
    [data_filter] = dependency["filters"]["data"]
    assert data_filter["path"] == "body.asset" and data_filter["type"] == "string"
    [pattern] = data_filter["value"]
    assert pattern.startswith("^") and pattern.endswith("$")
    uri = re.sub(r"\\(.)", r"\1", pattern[1:-1])
    assert re.fullmatch(pattern, uri) and not re.fullmatch(pattern, uri + "_v2")
    return uri


def _sensor(root: Path) -> tuple[dict[str, Any], dict[str, Any], list[Any]]:
    [template, sensor], findings = argo_documents(load_objective(root, *REVIEW))
    events.Sensor.model_validate(sensor)
    assert errors(argo_validator("WorkflowTemplate"), template) == []
    return template, sensor, findings.notes


def test_the_example_is_a_template_and_a_sensor_waiting_for_airflows_outlets(repo: Path) -> None:
    from maxai import build_dag

    text = render_argo(load_objective(repo, *REVIEW)).text
    template, sensor = yaml.safe_load_all(text)
    assert (template["kind"], sensor["kind"]) == ("WorkflowTemplate", "Sensor")
    assert errors(argo_validator("WorkflowTemplate"), template) == []
    events.Sensor.model_validate(sensor)
    name = template["metadata"]["name"]
    assert sensor["metadata"]["name"] == name and sensor["metadata"]["namespace"] == template["metadata"]["namespace"]

    dependencies = sensor["spec"]["dependencies"]
    assert {(d["eventSourceName"], d["eventName"]) for d in dependencies} == {(EVENT_SOURCE, EVENT_NAME)}
    outlets = {
        asset.uri
        for parts in (("retail", "demand_forecast", "stores_eu"), ("retail", "demand_forecast", "stores_us"))
        for asset in build_dag(*parts, root=repo).get_task("forecast_demand").outlets
    }
    assert {_filtered_uri(dependency) for dependency in dependencies} == outlets
    assert all(re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", d["name"]) for d in dependencies)

    [trigger] = sensor["spec"]["triggers"]
    eu, us = (d["name"] for d in dependencies)
    assert trigger["template"]["conditions"] == f"{eu} && {us}"
    workflow_trigger = trigger["template"]["argoWorkflow"]
    assert workflow_trigger["operation"] == "submit"
    workflow = workflow_trigger["source"]["resource"]
    assert errors(argo_validator("Workflow"), workflow) == []
    assert workflow["spec"]["workflowTemplateRef"] == {"name": name}
    # the event's date goes to parameters.0; the run reports Airflow's run type, its date an asset event's
    assert workflow["spec"]["arguments"]["parameters"] == [
        {"name": "date", "value": ""},
        {"name": "run_type", "value": "asset_triggered"},
    ]
    run_type = {p["name"]: p for p in template["spec"]["arguments"]["parameters"]}["run_type"]
    assert (run_type["value"], run_type["enum"]) == ("manual", ["manual", "asset_triggered"])  # submitted by hand
    assert "{{workflow.parameters.run_type}}" in text
    assert "workflow.parameters['run_type'] == 'asset_triggered' ? 'asset event'" in text  # MAXAI_DATE_SOURCE
    # applied in order, a dependency that did not fire skipped: the first asset of the schedule gives the date
    assert [(p["src"]["dependencyName"], p["src"]["dataKey"], p["dest"]) for p in workflow_trigger["parameters"]] == [
        (us, "body.date", "spec.arguments.parameters.0.value"),
        (eu, "body.date", "spec.arguments.parameters.0.value"),
    ]


def test_several_assets_say_which_date_the_run_takes(example_repo: Path) -> None:
    _, _, notes = _sensor(example_repo)
    [note] = [note for note in notes if note.path == ("@dag", "schedule")]
    assert note.file == REVIEW_CONFIG and note.line == 3
    assert EU in note.message and "Airflow takes the latest" in note.message
    with pytest.raises(ConfigError, match=r"schedule: a run triggered by several .*refused by --strict"):
        argo_documents(load_objective(example_repo, *REVIEW), strict=True)


def _schedule(edit_json: Callable[..., Path], assets: Any, **more: Any) -> None:
    edit_json(REVIEW_CONFIG, lambda data: data["@dag"].update(schedule={"assets": assets, **more}))


@pytest.mark.parametrize(
    ("assets", "conditions"),
    [
        ({"all": [EU, US]}, "EU && US"),
        ({"any": [EU, US]}, "EU || US"),
        ({"any": [EU, {"all": [US, {"external": "s3a://prices/daily/"}]}]}, "EU || (US && PRICES)"),
        ([{"any": [EU, US]}, {"external": "s3a://prices/daily"}], "(EU || US) && PRICES"),
        ({"all": [{"any": [EU]}, US]}, "EU && US"),
    ],
)
def test_all_and_any_trees_are_the_triggers_conditions(
    example_repo: Path, edit_json: Callable[..., Path], assets: Any, conditions: str
) -> None:
    _schedule(edit_json, assets)
    _, sensor, _ = _sensor(example_repo)
    names = {_filtered_uri(d): d["name"] for d in sensor["spec"]["dependencies"]}
    expected = conditions
    for short, uri in (
        ("EU", f"x-maxai://data/{EU}"),
        ("US", f"x-maxai://data/{US}"),
        ("PRICES", "s3a://prices/daily"),
    ):
        expected = expected.replace(short, names.get(uri, short))
    assert sensor["spec"]["triggers"][0]["template"]["conditions"] == expected
    assert len(names) == len(sensor["spec"]["dependencies"])  # one dependency per asset


def test_one_asset_takes_its_date_without_a_note(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    _schedule(edit_json, EU)
    _, sensor, notes = _sensor(example_repo)
    [dependency] = sensor["spec"]["dependencies"]
    assert _filtered_uri(dependency) == f"x-maxai://data/{EU}"
    assert sensor["spec"]["triggers"][0]["template"]["conditions"] == dependency["name"]
    assert not [note for note in notes if note.path == ("@dag", "schedule")]


def test_assets_with_a_cron_are_refused_by_name(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    _schedule(edit_json, [EU, US], cron="@daily")
    with pytest.raises(ConfigError) as error:
        argo_documents(load_objective(example_repo, *REVIEW))
    [problem] = error.value.problems
    assert (problem.file, problem.path, problem.line) == (REVIEW_CONFIG, ("@dag", "schedule"), 3)
    assert "AssetOrTimeSchedule" in problem.message and "remove 'cron'" in problem.message


def _update_steps(root: Path, parts: tuple[str, ...], **options: Any) -> dict[str, tuple[dict[str, Any], Any]]:
    """The steps announcing updates: name -> (DAG step, template)."""
    [document, *_], _ = argo_documents(load_objective(root, *parts), **options)
    spec = document["spec"].get("workflowSpec", document["spec"])
    templates = {template["name"]: template for template in spec["templates"]}
    return {
        step["name"]: (step, templates[step["template"]])
        for step in templates["main"]["dag"]["tasks"]
        if step["name"].endswith(UPDATE_SUFFIX)
    }


def _posted(template: dict[str, Any]) -> list[dict[str, Any]]:
    container = template["container"]
    assert container["command"] == ["curl"]
    requests = " ".join(container["args"]).split(" --next ")
    assert all(request.endswith(" " + EVENT_URL) for request in requests)
    arguments = container["args"]
    return [json.loads(arguments[index + 1]) for index, value in enumerate(arguments) if value == "-d"]


@pytest.mark.parametrize("region", ["eu", "us"])
def test_an_awaited_output_is_announced_after_its_task_with_the_date_it_processed(repo: Path, region: str) -> None:
    from maxai import build_dag

    parts = ("retail", "demand_forecast", f"stores_{region}")
    config = load_objective(repo, *parts)
    [(step, template)] = _update_steps(repo, parts).values()
    assert step == {
        "name": "forecast-demand-updated",
        "template": "forecast-demand-updated",
        "dependencies": ["forecast-demand"],
    }
    assert template["container"]["image"] == ASSET_UPDATE_IMAGE
    [outlet] = build_dag(*parts, root=repo).get_task("forecast_demand").outlets
    zone = config.dag.timezone if config.dag.timezone != "UTC" else None
    # the date the producing task processed: its MAXAI_RUN_DATE
    assert _posted(template) == [
        {"asset": outlet.uri, "date": run_values(True, zone)["MAXAI_RUN_DATE"], "run": "{{workflow.name}}"}
    ]


def test_outputs_no_schedule_awaits_are_not_announced(repo: Path) -> None:
    assert _update_steps(repo, ("retail", "store_segments", "weekly")) == {}
    assert _update_steps(repo, REVIEW) == {}


def test_an_external_asset_is_awaited_but_announced_by_no_objective(
    example_repo: Path, edit_json: Callable[..., Path]
) -> None:
    _schedule(edit_json, [EU, {"external": "s3a://prices/daily"}])
    _, sensor, _ = _sensor(example_repo)
    assert {_filtered_uri(d) for d in sensor["spec"]["dependencies"]} == {f"x-maxai://data/{EU}", "s3a://prices/daily"}
    assert set(_update_steps(example_repo, ("retail", "demand_forecast", "stores_eu"))) == {"forecast-demand-updated"}
    assert _update_steps(example_repo, ("retail", "demand_forecast", "stores_us")) == {}


def test_the_update_image_can_be_replaced(repo: Path) -> None:
    parts = ("retail", "demand_forecast", "stores_eu")
    [(_, template)] = _update_steps(repo, parts, update_image="registry.example.com/curl:1").values()
    assert template["container"]["image"] == "registry.example.com/curl:1"


def test_a_task_named_like_an_update_step_is_refused(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    def add_task(data: dict[str, Any]) -> None:
        [forecast] = [task for task in data["tasks"] if task["name"] == "forecast_demand"]
        copy = {**forecast, "task_id": max(task["task_id"] for task in data["tasks"]) + 1}
        data["tasks"].append({**copy, "name": "forecast_demand_updated"})

    edit_json("maxaiconfigs/retail/demand_forecast/spark_config.json", add_task)
    edit_json(
        "maxaiconfigs/retail/demand_forecast/stores_eu/py_config.json",
        lambda data: data.update(
            forecast_demand_updated={"input": EU, "output": "out/retail/demand_forecast/stores_eu/forecast_check"}
        ),
    )
    with pytest.raises(ConfigError) as error:
        argo_documents(load_objective(example_repo, "retail", "demand_forecast", "stores_eu"))
    [problem] = error.value.problems
    assert problem.file == "maxaiconfigs/retail/demand_forecast/spark_config.json" and problem.line
    assert problem.message == (
        "task name 'forecast_demand_updated' becomes 'forecast-demand-updated', the name of the step announcing "
        "the updates of task 'forecast_demand'"
    )


def test_an_objective_that_does_not_load_is_a_note_on_the_producer(
    example_repo: Path, edit_json: Callable[..., Path]
) -> None:
    edit_json(REVIEW_CONFIG, "{ not json")
    parts = ("retail", "demand_forecast", "stores_eu")
    [_], findings = argo_documents(load_objective(example_repo, *parts))
    [note] = [note for note in findings.notes if note.file == "maxaiconfigs/retail/forecast_review/daily/"]
    assert "the assets its schedule waits for are unknown" in note.message and "maxai validate" in note.message
    assert _update_steps(example_repo, parts) == {}
