"""`maxai render kubeflow` of an objective scheduled on data assets: the PipelineSpec and an Argo Events Sensor
(checked with hera's Argo Events models) whose HTTP trigger creates the run through KFP's API. The body the
Sensor sends is built here as Argo Events builds it: its Go template executed by Go's text/template (with
sprig's toJson), the first payload parameter whose dependency fired making the whole body; it must parse as
the v2beta1 ``Run`` of CreateRun, holding the pipeline and the event's date. And the upstream objectives'
pipelines announce their updates: the task after the producing one is run here with sh and the real curl
against a local HTTP server."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml
from google.protobuf import json_format
from hera.events import models as events
from kfp.pipeline_spec import pipeline_spec_pb2 as ir

from maxai.config import load_objective
from maxai.errors import ConfigError
from maxai.render.argo import argo_documents
from maxai.render.argo_events import EVENT_URL
from maxai.render.kubeflow import kubeflow_documents, render_kubeflow
from maxai.render.kubeflow_events import KFP_API, RUNS_PATH, KubeflowApi
from tests.render_schemas import kfp_create_run_message

REVIEW = ("retail", "forecast_review", "daily")
EU = ("retail", "demand_forecast", "stores_eu")
REVIEW_CONFIG = "maxaiconfigs/retail/forecast_review/daily/py_config.json"

_GO_TEMPLATE_RUNNER = """\
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"text/template"
)

// As argo-events' getValueWithTemplate: the template runs on {"Input": the event's data}, with sprig's
// functions, of which the body uses toJson (sprig: json.Marshal, as a string).
func main() {
	text, _ := os.ReadFile(os.Args[1])
	data, _ := os.ReadFile(os.Args[2])
	var input interface{}
	if err := json.Unmarshal(data, &input); err != nil {
		panic(err)
	}
	funcs := template.FuncMap{"toJson": func(v interface{}) string { out, _ := json.Marshal(v); return string(out) }}
	tpl := template.Must(template.New("param").Funcs(funcs).Parse(string(text)))
	var buf bytes.Buffer
	if err := tpl.Execute(&buf, map[string]interface{}{"Input": input}); err != nil {
		panic(err)
	}
	fmt.Print(buf.String())
}
"""


@pytest.fixture(scope="session")
def go_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A program executing a Go template as Argo Events does (Go's own text/template)."""
    if shutil.which("go") is None:
        pytest.skip("needs Go to run the Sensor's template as Argo Events does")
    folder = tmp_path_factory.mktemp("go-template")
    (folder / "main.go").write_text(_GO_TEMPLATE_RUNNER)
    program = folder / "run-template"
    environment = {**os.environ, "GOCACHE": str(folder / "cache"), "GOPATH": str(folder / "gopath"), "GOFLAGS": ""}
    subprocess.run(["go", "build", "-o", str(program), "main.go"], cwd=folder, env=environment, check=True)
    return program


def _sent_body(sensor: dict[str, Any], fired: dict[str, dict[str, Any]], program: Path, tmp_path: Path) -> Any:
    """The body Argo Events posts when the dependencies in ``fired`` (name -> webhook event data) started the
    trigger: ConstructPayload takes the first payload parameter without dest whose dependency fired."""
    http_trigger = sensor["spec"]["triggers"][0]["template"]["http"]
    for parameter in http_trigger["payload"]:
        assert parameter["dest"] == ""
        if parameter["src"]["dependencyName"] in fired:
            (tmp_path / "template").write_text(parameter["src"]["dataTemplate"])
            (tmp_path / "event.json").write_text(json.dumps(fired[parameter["src"]["dependencyName"]]))
            out = subprocess.run(
                [str(program), str(tmp_path / "template"), str(tmp_path / "event.json")],
                capture_output=True,
                text=True,
                check=True,
            )
            return json.loads(out.stdout)
    raise AssertionError("no payload parameter for the dependencies that fired")


def _event(asset: str, date: str) -> dict[str, Any]:
    """A webhook event's data as Argo Events passes it to a trigger: the request's header and JSON body."""
    return {"header": {"Content-Type": ["application/json"]}, "body": {"asset": asset, "date": date, "run": "r-1"}}


def test_the_sensor_creates_a_run_of_the_pipeline_with_the_events_date(
    repo: Path, go_template: Path, tmp_path: Path
) -> None:
    config = load_objective(repo, *REVIEW)
    documents, findings = kubeflow_documents(config)
    *pipeline, sensor = documents
    json_format.ParseDict(pipeline[0], ir.PipelineSpec())
    events.Sensor.model_validate(sensor)
    assert (sensor["kind"], sensor["metadata"]["name"]) == ("Sensor", pipeline[0]["pipelineInfo"]["name"])
    # waits as the Argo Sensor does: the same dependencies (filtered on the URIs Airflow's outlets carry), conditions
    [_, argo_sensor], _ = argo_documents(config)
    assert sensor["spec"]["dependencies"] == argo_sensor["spec"]["dependencies"]
    [trigger] = sensor["spec"]["triggers"]
    assert trigger["template"]["conditions"] == argo_sensor["spec"]["triggers"][0]["template"]["conditions"]
    http_trigger = trigger["template"]["http"]
    assert (http_trigger["url"], http_trigger["method"]) == (KFP_API + RUNS_PATH, "POST")
    assert http_trigger["headers"] == {"Content-Type": "application/json"} and "secureHeaders" not in http_trigger
    assert trigger["policy"] == {"status": {"allow": [200]}}

    eu, us = (dependency["name"] for dependency in sensor["spec"]["dependencies"])
    fired = {
        eu: _event("x-maxai://data/out/retail/demand_forecast/stores_eu/forecast", "2026-03-04"),
        us: _event("x-maxai://data/out/retail/demand_forecast/stores_us/forecast", "2026-03-05"),
    }
    body = _sent_body(sensor, fired, go_template, tmp_path)
    run = json_format.ParseDict(body, kfp_create_run_message()())  # a v2beta1 Run: unknown fields are errors
    assert run.display_name == "retail.forecast_review.daily" and not run.experiment_id
    assert run.runtime_config.parameters["date"].string_value == "2026-03-04"  # the schedule's first asset
    assert body["runtime_config"]["parameters"] == {"date": "2026-03-04", "run_type": "asset_triggered"}
    # the form the API server reads (api_util.go pipelineSpecStructToYamlString): the spec and the platform spec
    inline = body["pipeline_spec"]
    assert set(inline) == {"pipeline_spec", "platform_spec"}
    assert inline["pipeline_spec"] == pipeline[0]  # Kubeflow's own {{$.…}} placeholders came through intact
    json_format.ParseDict(inline["platform_spec"], ir.PlatformSpec())
    assert body == _sent_body(sensor, {eu: fired[eu]}, go_template, tmp_path)
    assert _sent_body(sensor, {us: fired[us]}, go_template, tmp_path)["runtime_config"]["parameters"] == {
        "date": "2026-03-05",
        "run_type": "asset_triggered",
    }
    assert "first of them in the schedule's order" in " ".join(note.message for note in findings.notes)


def test_a_hostile_date_stays_one_json_string(repo: Path, go_template: Path, tmp_path: Path) -> None:
    documents, _ = kubeflow_documents(load_objective(repo, *REVIEW))
    sensor = documents[-1]
    first = sensor["spec"]["dependencies"][0]["name"]
    date = '2026-03-04", "experiment_id": "other'
    body = _sent_body(sensor, {first: _event("x", date)}, go_template, tmp_path)
    assert body["runtime_config"]["parameters"]["date"] == date and "experiment_id" not in body


def test_the_api_address_experiment_and_authorization_come_from_the_user(repo: Path) -> None:
    api = KubeflowApi("https://kfp.example/", "5f0d", ("kfp-token", "authorization"))
    documents, _ = kubeflow_documents(load_objective(repo, *REVIEW), api=api)
    http_trigger = documents[-1]["spec"]["triggers"][0]["template"]["http"]
    assert http_trigger["url"] == "https://kfp.example" + RUNS_PATH
    assert http_trigger["secureHeaders"] == [
        {"name": "Authorization", "valueFrom": {"secretKeyRef": {"name": "kfp-token", "key": "authorization"}}}
    ]
    assert '"experiment_id": "5f0d"' in http_trigger["payload"][0]["src"]["dataTemplate"]
    events.Sensor.model_validate(documents[-1])


def test_the_rendered_text_holds_the_pipeline_then_the_sensor(repo: Path) -> None:
    text = render_kubeflow(load_objective(repo, *REVIEW)).text
    documents = list(yaml.safe_load_all(text))
    assert "pipelineInfo" in documents[0] and documents[-1]["kind"] == "Sensor"
    assert "and the Argo Events Sensor creating its runs" in text.splitlines()[0]


def test_an_asset_schedule_with_a_cron_is_refused(example_repo: Path, edit_json: Any) -> None:
    edit_json(REVIEW_CONFIG, lambda data: data["@dag"]["schedule"].update(cron="0 6 * * *"))
    with pytest.raises(ConfigError) as error:
        render_kubeflow(load_objective(example_repo, *REVIEW))
    (problem,) = error.value.problems
    assert problem.path_text == '["@dag"].schedule' and "recurring run and a Sensor" in problem.message


class _Recorder(http.server.BaseHTTPRequestHandler):
    bodies: ClassVar[list[tuple[str, str, Any]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.bodies.append((self.path, self.headers["Content-Type"], json.loads(self.rfile.read(length))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_the_producing_pipeline_announces_its_update_with_the_date_it_processed(repo: Path) -> None:
    documents, _ = kubeflow_documents(load_objective(repo, *EU))
    pipeline = json_format.ParseDict(documents[0], ir.PipelineSpec())
    update = pipeline.root.dag.tasks["forecast-demand-updated"]
    assert list(update.dependent_tasks) == ["forecast-demand"]
    assert not update.caching_options.enable_cache
    assert {task for task in pipeline.root.dag.tasks if task.endswith("-updated")} == {"forecast-demand-updated"}
    container = documents[0]["deploymentSpec"]["executors"]["exec-forecast-demand-updated"]["container"]
    assert container["image"].startswith("curlimages/curl:")
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        local = f"http://127.0.0.1:{server.server_port}/asset-updated"
        script = container["command"][2].replace(EVENT_URL, local)
        inputs = ["", "", "", "2026-03-04T05:00:00Z", "9d2c-run"]  # a scheduled run: the date of its time
        assert container["args"] == [
            "{{$.inputs.parameters['date']}}",
            "",
            "",
            "{{$.inputs.parameters['schedule_time']}}",
            "{{$.inputs.parameters['run_id']}}",
        ]
        subprocess.run(["sh", "-c", script, "maxai", *inputs], check=True, capture_output=True)
        bad = subprocess.run(["sh", "-c", script, "maxai", 'x"y', *inputs[1:]], capture_output=True, text=True)
    finally:
        server.shutdown()
    assert _Recorder.bodies == [
        (
            "/asset-updated",
            "application/json",
            {
                "asset": "x-maxai://data/out/retail/demand_forecast/stores_eu/forecast",
                "date": "2026-03-04",
                "run": "9d2c-run",
            },
        )
    ]
    assert bad.returncode == 1 and "is no date" in bad.stderr
