"""`maxai render` through its real console script: one objective, --all into a folder, notes, errors and usage;
and docs/render.rst's tables match the rules the renderers apply."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from maxai.render.mapping import BEGIN, END, mapping_tables

MAXAI = str(Path(sys.executable).with_name("maxai"))


def maxai(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key not in ("MAXAI_ROOT", "NO_COLOR")}
    return subprocess.run([MAXAI, *args], cwd=cwd, capture_output=True, text=True, env=environment, check=False)


def test_one_objective_to_standard_output_and_to_a_file(repo: Path, tmp_path: Path) -> None:
    result = maxai("render", "argo", "retail", "demand_forecast", "stores_eu", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout)["metadata"]["name"] == "retail-demand-forecast-stores-eu"
    assert result.stderr == ""
    target = tmp_path / "weekly.yaml"
    result = maxai("render", "kubeflow", "retail", "store_segments", "weekly", "-o", str(target), cwd=repo)
    assert result.returncode == 0 and f"wrote {target}" in result.stdout
    assert "note: maxaiconfigs/retail/store_segments/kubepod_config.json:" in result.stderr
    assert len(list(yaml.safe_load_all(target.read_text()))) == 2


def test_all_objectives_into_a_folder(repo: Path, tmp_path: Path) -> None:
    every = [
        "finance/fraud_scoring/cards",
        "finance/fraud_scoring/wire_transfers",
        "retail/demand_forecast/stores_eu",
        "retail/demand_forecast/stores_us",
        "retail/demand_model/weekly",
        "retail/forecast_review/daily",
        "retail/store_segments/weekly",
    ]
    # every target renders every objective (docs/render.rst says how the hard ones map)
    for target, suffix in (("argo", "yaml"), ("kubeflow", "yaml"), ("airflow", "py")):
        result = maxai("render", target, "--all", "-o", str(tmp_path / target), cwd=repo)
        assert result.returncode == 0, result.stderr
        written = sorted(path.relative_to(tmp_path / target).as_posix() for path in (tmp_path / target).rglob("*.*"))
        assert written == sorted(f"{name}.{suffix}" for name in every)
    assert "note: maxaiconfigs/retail/demand_model/model_config.json:4:6: tasks[0].name:" in result.stderr


def test_all_reports_the_objectives_it_cannot_render_and_writes_the_others(
    example_repo: Path, edit_json: Any, tmp_path: Path
) -> None:
    def retry_callback(data: dict[str, Any]) -> None:  # called per try: Kubeflow has no hook on a task
        data["@dag"]["default_args"] = {"on_retry_callback": "fraud_scoring.handlers.on_call:page"}

    edit_json("maxaiconfigs/finance/fraud_scoring/cards/py_config.json", retry_callback)
    result = maxai("render", "kubeflow", "--all", "-o", str(tmp_path / "out"), "--json", cwd=example_repo)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["target"] == "kubeflow"
    refused = {entry["dag_id"] for entry in report["objectives"] if entry["problems"]}
    assert refused == {"finance.fraud_scoring.cards"}
    assert all(Path(entry["file"]).is_file() for entry in report["objectives"] if not entry["problems"])
    cards = next(entry for entry in report["objectives"] if entry["dag_id"] == "finance.fraud_scoring.cards")
    problem = cards["problems"][0]
    assert problem["file"] == "maxaiconfigs/finance/fraud_scoring/cards/py_config.json" and problem["line"]
    assert "Kubeflow has no hook on a task" in problem["message"]


def test_strict_turns_notes_into_errors(repo: Path) -> None:
    result = maxai("render", "argo", "retail", "store_segments", "weekly", "--strict", "--color", "never", cwd=repo)
    assert result.returncode == 1 and result.stdout == ""
    assert "tasks[0].conf.on_finish_action: not in the Argo Workflows output" in result.stderr
    assert "(refused by --strict)" in result.stderr


def test_usage_errors(repo: Path) -> None:
    for args, message in (
        (("argo",), "name the objective (DOMAIN USECASE OBJ) or give --all"),
        (("argo", "--all"), "give the folder with -o DIR"),
        (("argo", "retail", "demand_forecast", "stores_eu", "--all", "-o", "x"), "not both"),
        (("kubeflow", "retail", "demand_forecast", "stores_eu", "--spark", "submit"), "--spark applies to argo only"),
        (("argo", "retail", "demand_forecast", "stores_xx"), "no objective 'stores_xx'"),
        (("kubeflow", "--event-source"), "--event-source applies to argo only"),
        (("airflow", "retail", "demand_forecast", "stores_eu", "--update-image", "x"), "--update-image applies to"),
        (("airflow", "retail", "demand_forecast", "stores_eu", "--callback-image", "x"), "--callback-image applies"),
        (("argo", "retail", "demand_forecast", "stores_eu", "--kfp-api", "x"), "--kfp-api applies to kubeflow only"),
        (("kubeflow", "retail", "forecast_review", "daily", "--kfp-auth-secret", "x"), "takes SECRET/KEY"),
        (("argo", "retail", "demand_forecast", "stores_eu", "--event-source"), "give no objective and no --all"),
    ):
        result = maxai("render", *args, cwd=repo)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)


def test_docs_tables_are_the_rules(repo: Path) -> None:
    text = (repo / "docs" / "render.rst").read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END) + 1
    assert text[start:end] == mapping_tables(), "run: python -m maxai.render.mapping, and paste it into docs/render.rst"


def test_kubeflow_options_reach_the_sensor(repo: Path) -> None:
    # an asset schedule on Kubeflow: the pipeline, then the Sensor creating its runs (test_render_kubeflow_events)
    args = ["--kfp-api", "https://kfp.example", "--kfp-experiment", "5f0d", "--kfp-auth-secret", "kfp-token/header"]
    result = maxai("render", "kubeflow", "retail", "forecast_review", "daily", *args, "--update-image", "c:1", cwd=repo)
    assert result.returncode == 0, result.stderr
    *_, sensor = yaml.safe_load_all(result.stdout)
    http_trigger = sensor["spec"]["triggers"][0]["template"]["http"]
    assert http_trigger["url"] == "https://kfp.example/apis/v2beta1/runs"
    assert http_trigger["secureHeaders"][0]["valueFrom"]["secretKeyRef"] == {"name": "kfp-token", "key": "header"}
    assert '"experiment_id": "5f0d"' in http_trigger["payload"][0]["src"]["dataTemplate"]
    result = maxai("render", "kubeflow", "retail", "demand_forecast", "stores_eu", "--update-image", "c:1", cwd=repo)
    executors = next(yaml.safe_load_all(result.stdout))["deploymentSpec"]["executors"]
    assert executors["exec-forecast-demand-updated"]["container"]["image"] == "c:1"


def test_event_source_is_printed_alone_and_the_update_image_replaced(repo: Path) -> None:
    from hera.events import models as events

    result = maxai("render", "argo", "--event-source", cwd=repo)
    assert result.returncode == 0, result.stderr
    source = yaml.safe_load(result.stdout)
    events.EventSource.model_validate(source)
    assert (source["kind"], source["metadata"]["name"]) == ("EventSource", "maxai-assets")
    assert source["spec"]["service"]["ports"] == [{"port": 12000, "targetPort": 12000}]
    webhook = source["spec"]["webhook"]["asset-updated"]  # Argo Events reads the webhook context inline
    assert webhook == events.WebhookContext.model_validate(webhook).model_dump(by_alias=True, exclude_none=True)
    assert (webhook["endpoint"], webhook["method"], webhook["port"]) == ("/asset-updated", "POST", "12000")
    image = "registry.example.com/tools/curl:8.11.1"
    result = maxai("render", "argo", "retail", "demand_forecast", "stores_eu", "--update-image", image, cwd=repo)
    assert result.returncode == 0, result.stderr
    templates = yaml.safe_load(result.stdout)["spec"]["workflowSpec"]["templates"]
    assert [t["container"]["image"] for t in templates if t["name"] == "forecast-demand-updated"] == [image]
