"""`maxai render argo`: the DAG's callbacks as the workflow's exit handler and deadline alerts as daemon DAG tasks,
each running ``python -m maxai.runtime.callback``; the rendered arguments are run here as Argo substitutes them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from maxai.config import load_objective
from maxai.errors import ConfigError
from maxai.render.argo import argo_document, argo_documents, render_argo
from tests.conftest import REPO
from tests.render_schemas import argo_validator, errors

IMAGE = "registry.example.com/maxai/finance:0.9.2"
PAGE_FUNCTION = "fraud_scoring.handlers.on_call:page"


def _spec(document: dict[str, Any]) -> dict[str, Any]:
    return document["spec"].get("workflowSpec", document["spec"])  # type: ignore[no-any-return]


def _templates(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {template["name"]: template for template in _spec(document)["templates"]}


def _cards(repo: Path, **options: Any) -> dict[str, Any]:
    return argo_document(load_objective(repo, "finance", "fraud_scoring", "cards"), **options)[0]


def test_cards_has_an_exit_handler_and_a_deadline_daemon(repo: Path) -> None:
    config = load_objective(repo, "finance", "fraud_scoring", "cards")
    document = next(yaml.safe_load_all(render_argo(config).text))
    assert errors(argo_validator("CronWorkflow"), document) == []
    spec, templates = _spec(document), _templates(document)
    assert spec["onExit"] == "maxai-on-exit"
    assert templates["maxai-on-exit"]["steps"] == [
        [{"name": "maxai-on-failure", "template": "maxai-on-failure", "when": "{{workflow.status}} != Succeeded"}]
    ]
    failure = templates["maxai-on-failure"]
    assert failure["container"]["image"] == IMAGE and failure["serviceAccountName"] == "maxai-finance"
    assert failure["container"]["command"] == ["python", "-m", "maxai.runtime.callback"]
    assert "daemon" not in failure
    [daemon_task] = [task for task in templates["main"]["dag"]["tasks"] if task["name"] == "maxai-deadline-0"]
    assert daemon_task == {"name": "maxai-deadline-0", "template": "maxai-deadline-0"}  # no dependencies
    assert templates["maxai-deadline-0"]["daemon"] is True
    # its pod counts against Argo's parallelism, which Airflow's max_active_tasks does not count it in
    assert spec["parallelism"] == config.dag.max_active_tasks + 1


def _substituted(arguments: list[str], values: dict[str, str]) -> list[str]:
    """The arguments as Argo passes them: every ``{{...}}`` must be one this test knows the value of."""
    result = []
    for argument in arguments:
        if "{{" in argument:
            assert argument in values, f"unknown Argo variable in {argument!r}"
            argument = values[argument]
        result.append(argument)
    return result


def _argo_values(status: str, failures: list[dict[str, Any]] | None, created: str) -> dict[str, str]:
    return {
        "{{workflow.name}}": "finance-fraud-scoring-cards-1764187200",
        "{{workflow.creationTimestamp}}": created,
        "{{workflow.status}}": status,
        # strconv.Quote'd JSON, then escaped into the template's JSON by the substitution
        "{{workflow.failures}}": json.dumps(json.dumps(failures)),
        # the CronWorkflow's run given no date: its scheduled time, and "scheduled"
        "{{=workflow.parameters['date'] != '' ? '' : workflow.scheduledTime}}": "2026-11-26T20:00:00Z",
        "{{=workflow.parameters['date'] != '' ? 'manual' : 'scheduled'}}": "scheduled",
    }


def _run_in_container(template: dict[str, Any], values: dict[str, str], data_dir: Path) -> Any:
    """The template's container command, run here: the domain's package is importable as in its image."""
    container = template["container"]
    command = [sys.executable if part == "python" else part for part in container["command"]]
    environment = {
        **os.environ,
        "MAXAI_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(REPO / "maxaiusecases" / "finance"),
    }
    return subprocess.Popen(
        command + _substituted(container["args"], values), env=environment, stderr=subprocess.PIPE, text=True
    )


def test_the_failure_step_pages_with_the_failed_task(repo: Path, tmp_path: Path) -> None:
    failures = [
        {"displayName": "score-transactions", "phase": "Failed", "finishedAt": "2026-11-26T20:03:00Z"},
        {"displayName": "finance-fraud-scoring-cards-1764187200", "phase": "Failed"},
    ]
    template = _templates(_cards(repo))["maxai-on-failure"]
    process = _run_in_container(template, _argo_values("Failed", failures, "2026-11-26T20:00:01Z"), tmp_path)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    [alert] = [json.loads(line) for line in (tmp_path / "on_call" / "finance.fraud_scoring.cards.jsonl").open()]
    assert alert["what"] == "task_failure" and alert["task"] == "score_transactions"
    assert alert["run_id"] == "finance-fraud-scoring-cards-1764187200" and alert["channel"] == "#fraud-cards"


def test_the_deadline_daemon_pages_when_the_deadline_passes(repo: Path, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    created = (datetime.now(UTC) - timedelta(minutes=45, seconds=-1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    template = _templates(_cards(repo))["maxai-deadline-0"]
    process = _run_in_container(template, _argo_values("Running", None, created), tmp_path)
    journal = tmp_path / "on_call" / "finance.fraud_scoring.cards.jsonl"
    try:
        for _ in range(300):
            if journal.exists() and journal.read_text():
                break
            process.wait(timeout=0.1) if process.poll() is not None else None
            subprocess.run(["sleep", "0.1"], check=True)
        [alert] = [json.loads(line) for line in journal.read_text().splitlines()]
        assert alert["what"] == "deadline missed"
        assert process.poll() is None  # it holds until Argo stops it when the DAG ends
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0


def test_success_callbacks_and_a_logical_date_deadline(
    example_repo: Path, edit_json: Callable[..., Path], tmp_path: Path
) -> None:
    def success_and_logical(data: dict[str, Any]) -> None:
        dag = data["@dag"]
        dag["on_success_callback"] = ["fraud_scoring.handlers.on_call:page", dag.pop("on_failure_callback")]
        dag["deadline"] = [dag["deadline"], {**dag["deadline"], "reference": "dagrun_logical_date"}]

    edit_json("maxaiconfigs/finance/fraud_scoring/cards/py_config.json", success_and_logical)
    document = _cards(example_repo)
    templates = _templates(document)
    assert templates["maxai-on-exit"]["steps"] == [
        [{"name": "maxai-on-success", "template": "maxai-on-success", "when": "{{workflow.status}} == Succeeded"}]
    ]
    arguments = templates["maxai-on-success"]["container"]["args"]
    assert json.loads(arguments[arguments.index("--callbacks") + 1]) == [
        "fraud_scoring.handlers.on_call:page",
        {"function": "fraud_scoring.handlers.on_call:page", "args": {"channel": "#fraud-cards"}},
    ]
    logical = templates["maxai-deadline-1"]["container"]["args"]
    assert logical[logical.index("--deadline-from") + 1] == (
        "{{=workflow.parameters['date'] != '' ? '' : workflow.scheduledTime}}"
    )
    assert _spec(document)["parallelism"] == 16 + 2
    assert errors(argo_validator("CronWorkflow"), document) == []


def test_a_logical_date_deadline_without_a_cron_is_noted(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    def unscheduled(data: dict[str, Any]) -> None:
        data["@dag"]["schedule"] = None
        data["@dag"]["deadline"]["reference"] = "dagrun_logical_date"

    edit_json("maxaiconfigs/finance/fraud_scoring/cards/py_config.json", unscheduled)
    config = load_objective(example_repo, "finance", "fraud_scoring", "cards")
    document, findings = argo_document(config)
    assert document["kind"] == "Workflow" and "maxai-deadline-0" not in _templates(document)
    [note] = [note for note in findings.notes if note.path[:2] == ("@dag", "deadline")]
    assert note.path == ("@dag", "deadline", "reference") and "only a CronWorkflow's scheduled runs" in note.message
    with pytest.raises(ConfigError, match=r"refused by --strict"):
        argo_document(config, strict=True)


def test_the_image_is_the_pod_tasks_or_given(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    def two_images(data: dict[str, Any]) -> None:
        data["tasks"][1]["conf"]["image"] = "registry.example.com/maxai/finance-scoring:1.0"

    edit_json("maxaiconfigs/finance/fraud_scoring/kubepod_config.json", two_images)
    config = load_objective(example_repo, "finance", "fraud_scoring", "cards")
    with pytest.raises(ConfigError) as error:
        argo_document(config)
    [problem] = error.value.problems
    assert problem.path == ("@dag", "on_failure_callback") and problem.line
    assert "its pod tasks run 2 images" in problem.message and "--callback-image IMAGE" in problem.message
    [document], _ = argo_documents(config, callback_image="registry.example.com/maxai/on-call:2")
    templates = _templates(document)
    assert templates["maxai-on-failure"]["container"]["image"] == "registry.example.com/maxai/on-call:2"
    assert templates["maxai-deadline-0"]["container"]["image"] == "registry.example.com/maxai/on-call:2"


def test_a_retry_callback_is_refused_saying_why(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    def task_callback(data: dict[str, Any]) -> None:
        data["@dag"]["default_args"] = {"on_retry_callback": "fraud_scoring.handlers.on_call:page"}

    edit_json("maxaiconfigs/finance/fraud_scoring/cards/py_config.json", task_callback)
    with pytest.raises(ConfigError, match=r"on_retry_callback: .*for each try of the task"):
        argo_document(load_objective(example_repo, "finance", "fraud_scoring", "cards"))


def test_a_tasks_failure_callback_is_a_hook_of_its_step(
    example_repo: Path, edit_json: Callable[..., Path], tmp_path: Path
) -> None:
    def task_callbacks(data: dict[str, Any]) -> None:
        data["@dag"]["default_args"] = {"on_failure_callback": {"function": PAGE_FUNCTION, "args": {"channel": "#t"}}}

    def own_success_callback(data: dict[str, Any]) -> None:
        data["tasks"][2]["conf"]["on_success_callback"] = {"function": PAGE_FUNCTION, "args": {"channel": "#ok"}}

    edit_json("maxaiconfigs/finance/fraud_scoring/cards/py_config.json", task_callbacks)
    edit_json("maxaiconfigs/finance/fraud_scoring/kubepod_config.json", own_success_callback)
    config = load_objective(example_repo, "finance", "fraud_scoring", "cards")
    document = next(yaml.safe_load_all(render_argo(config).text))
    assert errors(argo_validator("CronWorkflow"), document) == []
    templates = _templates(document)
    steps = {task["name"]: task for task in templates["main"]["dag"]["tasks"]}
    hook = steps["score-transactions"]["hooks"]["maxai-on-failure"]
    assert hook["expression"] == (
        'tasks["score-transactions"].status == "Failed" || tasks["score-transactions"].status == "Error"'
    )
    assert set(steps["report-alerts"]["hooks"]) == {"maxai-on-failure", "maxai-on-success"}
    assert steps["report-alerts"]["hooks"]["maxai-on-success"]["expression"] == (
        'tasks["report-alerts"].status == "Succeeded"'
    )
    # the hook's template, given the hook's arguments as Argo hands them, pages with the task
    values = _argo_values("Running", None, "2026-11-26T20:00:01Z")
    for parameter in hook["arguments"]["parameters"]:
        values[f"{{{{inputs.parameters.{parameter['name']}}}}}"] = parameter["value"]
    process = _run_in_container(templates["maxai-task-callback"], values, tmp_path)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    [alert] = [json.loads(line) for line in (tmp_path / "on_call" / "finance.fraud_scoring.cards.jsonl").open()]
    assert alert["task"] == "score_transactions" and alert["what"] == "failed"


def test_a_for_each_tasks_callback_is_refused(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    shutil.copy(
        example_repo / "maxaiusecases/finance/fraud_scoring/handlers/on_call.py",
        example_repo / "maxaiusecases/retail/forecast_review/handlers/on_call.py",
    )

    def task_callback(data: dict[str, Any]) -> None:
        data["@dag"]["default_args"] = {"on_failure_callback": "forecast_review.handlers.on_call:page"}

    edit_json("maxaiconfigs/retail/forecast_review/daily/py_config.json", task_callback)
    with pytest.raises(ConfigError) as error:
        argo_documents(load_objective(example_repo, "retail", "forecast_review", "daily"), callback_image="x")
    [problem] = error.value.problems
    assert problem.path == ("@dag", "default_args", "on_failure_callback")
    assert "a for_each task runs once per value" in problem.message


def test_a_notifier_is_noted(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    def notifier(data: dict[str, Any]) -> None:
        data["@dag"]["on_failure_callback"] = {"notifier": "fraud_scoring.handlers.on_call.Pager", "args": {}}

    edit_json("maxaiconfigs/finance/fraud_scoring/cards/py_config.json", notifier)
    with (example_repo / "maxaiusecases/finance/fraud_scoring/handlers/on_call.py").open("a") as handlers:
        handlers.write("\n\nclass Pager:\n    def __call__(self, context):\n        page(context, '#x')\n")
    config = load_objective(example_repo, "finance", "fraud_scoring", "cards")
    _, findings = argo_document(config)
    [note] = [note for note in findings.notes if note.path == ("@dag", "on_failure_callback")]
    assert "the callback's image needs Airflow's task SDK" in note.message


def test_an_argo_expression_in_a_callbacks_args_is_refused(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    """Argo would substitute it in the step's arguments (or fail the run on a name it does not know)."""

    def templated(data: dict[str, Any]) -> None:
        data["@dag"]["on_failure_callback"]["args"] = {"channel": "#fraud-{{workflow.name}}"}

    edit_json("maxaiconfigs/finance/fraud_scoring/cards/py_config.json", templated)
    with pytest.raises(ConfigError) as raised:
        argo_document(load_objective(example_repo, "finance", "fraud_scoring", "cards"))
    [problem] = raised.value.problems
    assert problem.file.endswith("cards/py_config.json") and problem.path == ("@dag", "on_failure_callback")
    assert problem.line and "which Argo would take for its own template expression" in problem.message
