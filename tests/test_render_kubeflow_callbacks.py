"""`maxai render kubeflow`: the DAG's callbacks as an exit handler in the IR kfp compiles ``dsl.ExitHandler`` to; the
exit task's container is run here with Kubeflow's final status, as its driver hands it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2 as ir

from maxai.config import load_objective
from maxai.errors import ConfigError
from maxai.render.kubeflow import render_kubeflow
from maxai.render.kubeflow_callbacks import EXIT_TASK, GROUP

PAGE = "store_segments.handlers.on_call:page"


@pytest.fixture
def weekly_with_callbacks(example_repo: Path, edit_json: Callable[..., Path]) -> Path:
    handlers = example_repo / "maxaiusecases/retail/store_segments/handlers/on_call.py"
    shutil.copy(example_repo / "maxaiusecases/finance/fraud_scoring/handlers/on_call.py", handlers)

    def callbacks(data: dict[str, Any]) -> None:
        data["@dag"]["on_failure_callback"] = {"function": PAGE, "args": {"channel": "#retail"}}
        data["@dag"]["on_success_callback"] = {"function": PAGE, "args": {"channel": "#retail-ok"}}

    edit_json("maxaiconfigs/retail/store_segments/weekly/py_config.json", callbacks)
    return example_repo


def _pipeline(repo: Path) -> tuple[ir.PipelineSpec, dict[str, Any]]:
    documents = list(
        yaml.safe_load_all(render_kubeflow(load_objective(repo, "retail", "store_segments", "weekly")).text)
    )
    return json_format.ParseDict(documents[0], ir.PipelineSpec()), documents[0]  # unknown fields are errors


def test_the_tasks_run_in_the_exit_handlers_group(weekly_with_callbacks: Path, repo: Path) -> None:
    plain, _ = _pipeline(repo)
    pipeline, document = _pipeline(weekly_with_callbacks)
    assert set(pipeline.root.dag.tasks) == {GROUP, EXIT_TASK}
    group = pipeline.components[f"comp-{GROUP}"]
    assert set(group.dag.tasks) == set(plain.root.dag.tasks)
    for name, task in group.dag.tasks.items():  # every pipeline input now comes through the group's channel
        for parameter in task.inputs.parameters.values():
            if parameter.component_input_parameter:
                assert parameter.component_input_parameter in group.input_definitions.parameters, name
    for name in plain.root.input_definitions.parameters:
        given = pipeline.root.dag.tasks[GROUP].inputs.parameters[f"pipelinechannel--{name}"]
        assert given.component_input_parameter == name
    exit_task = document["root"]["dag"]["tasks"][EXIT_TASK]
    assert exit_task["dependentTasks"] == [GROUP]
    assert exit_task["triggerPolicy"] == {"strategy": "ALL_UPSTREAM_TASKS_COMPLETED"}
    assert exit_task["inputs"]["parameters"]["status"] == {"taskFinalStatus": {"producerTask": GROUP}}
    status = document["components"][f"comp-{EXIT_TASK}"]["inputDefinitions"]["parameters"]["status"]
    assert status == {"parameterType": "TASK_FINAL_STATUS", "isOptional": True}
    executor = document["deploymentSpec"]["executors"][f"exec-{EXIT_TASK}"]["container"]
    assert executor["image"] == "registry.example.com/maxai/retail:1.4.0"
    assert executor["command"] == ["python", "-m", "maxai.runtime.callback"]


def _run_exit_task(
    repo: Path, document: dict[str, Any], state: str, data_dir: Path, created: str = "2026-11-23T03:00:01Z"
) -> str:
    """The exit task's container, its placeholders filled as Kubeflow's driver does (resolve.go marshals the final
    status with protojson; the state is ML Metadata's execution state)."""
    container = document["deploymentSpec"]["executors"][f"exec-{EXIT_TASK}"]["container"]
    final_status = {"state": state, "pipelineTaskName": GROUP, "pipelineJobResourceName": "run-7", "error": {}}
    values = {
        "{{$.inputs.parameters['status']}}": json.dumps(final_status),
        "{{$.inputs.parameters['run_id']}}": "5f0c3d2e-run",
        "{{$.inputs.parameters['run_type']}}": "scheduled",
        "{{$.inputs.parameters['date']}}": "",
        "{{$.inputs.parameters['create_time']}}": created,
        "{{$.inputs.parameters['schedule_time']}}": "2026-11-23T03:00:00Z",
    }
    arguments = []
    for argument in container["args"]:
        if "{{" in argument:
            assert argument in values, argument
            argument = values[argument]
        arguments.append(argument)
    command = [sys.executable if part == "python" else part for part in container["command"]]
    environment = {
        **os.environ,
        "MAXAI_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(repo / "maxaiusecases" / "retail"),
    }
    result = subprocess.run(command + arguments, env=environment, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stderr


@pytest.mark.parametrize(
    ("state", "channel", "what"), [("FAILED", "#retail", "failed"), ("COMPLETE", "#retail-ok", "success")]
)
def test_the_exit_task_calls_the_callback_of_the_final_state(
    weekly_with_callbacks: Path, tmp_path: Path, state: str, channel: str, what: str
) -> None:
    _, document = _pipeline(weekly_with_callbacks)
    _run_exit_task(weekly_with_callbacks, document, state, tmp_path)
    journal = tmp_path / "on_call" / "retail.store_segments.weekly.jsonl"
    [alert] = [json.loads(line) for line in journal.read_text().splitlines()]
    assert alert["channel"] == channel and alert["what"] == what and alert["run_id"] == "5f0c3d2e-run"


def test_a_deadline_is_checked_once_the_run_ended_a_note(
    weekly_with_callbacks: Path, edit_json: Callable[..., Path], tmp_path: Path
) -> None:
    """No Kubeflow task waits beside the run: the exit handler calls a missed deadline back, late, before the run's
    own callback; a run that ended in time calls nothing for it. A note, refused by --strict."""

    def deadline(data: dict[str, Any]) -> None:
        data["@dag"]["deadline"] = {
            "reference": "dagrun_queued_at",
            "interval": "1h",
            "callback": {"function": PAGE, "args": {"channel": "#late"}},
        }

    edit_json("maxaiconfigs/retail/store_segments/weekly/py_config.json", deadline)
    config = load_objective(weekly_with_callbacks, "retail", "store_segments", "weekly")
    rendered = render_kubeflow(config)
    [note] = [note for note in rendered.notes if note.path == ("@dag", "deadline")]
    assert "the exit handler calls back once the run ended after its deadline" in note.message
    with pytest.raises(ConfigError, match=r"deadline: .*\(refused by --strict\)"):
        render_kubeflow(config, strict=True)
    document = next(yaml.safe_load_all(rendered.text))
    journal = tmp_path / "on_call" / "retail.store_segments.weekly.jsonl"

    _run_exit_task(weekly_with_callbacks, document, "COMPLETE", tmp_path, created="2026-11-23T03:00:01Z")
    alerts = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [(alert["channel"], alert["what"]) for alert in alerts] == [
        ("#late", "deadline missed"),
        ("#retail-ok", "success"),
    ]
    journal.unlink()
    just_created = datetime.now(UTC).isoformat(timespec="seconds")
    log = _run_exit_task(weekly_with_callbacks, document, "FAILED", tmp_path, created=just_created)
    assert [json.loads(line)["channel"] for line in journal.read_text().splitlines()] == ["#retail"]
    assert "the run ended before its deadline" in log
