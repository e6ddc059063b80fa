"""What the model kind's steps do, once: the Airflow operators (``operators``) and the container entry point
(``python -m maxai.kinds.model.run_step``) both call these. No Airflow import: a container has none.

Each function takes an MLflow client of the tracking server and registry, and ``log``, which writes one line
where the caller's logs go.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from maxai.kinds.model.gate import Gate, gate_refusal

ENDED_BADLY = ("FAILED", "KILLED")
Log = Callable[[str], None]


def run_tags(dag_id: str, task: str, run_id: str) -> dict[str, str]:
    """The tags of a step's MLflow run and model version: which objective, task and run made them."""
    return {"maxai.dag_id": dag_id, "maxai.task_id": task, "maxai.dag_run_id": run_id}


def train(
    client: Any,
    *,
    experiment: str,
    server: str,
    run_name: str,
    tags: dict[str, str],
    run_params: Mapping[str, Any],
    environment: Mapping[str, str],
    code_dir: str,
    poll_interval: int,
    wait_timeout: int,
    log: Log,
) -> str:
    """Run the handler (``python -m maxai.runtime`` in ``code_dir``) inside a new MLflow run; its id.

    ``server`` is the tracking server's address as the log may show it (no credentials).
    ``environment`` is the handler's (the ``MAXAI_*`` variables and MLflow's credentials); ``MLFLOW_RUN_ID``
    is added, so the handler's ``mlflow.start_run()`` joins the run. Raises, naming the run, when the handler
    fails or the run ends FAILED or KILLED (a run killed from MLflow's side stops the handler).
    """
    from mlflow.entities import Param

    found = client.get_experiment_by_name(experiment)
    experiment_id = found.experiment_id if found else client.create_experiment(experiment)
    run_id: str = client.create_run(experiment_id, run_name=run_name, tags=tags).info.run_id
    log(f"MLflow run {run_id} in experiment {experiment!r} ({server})")
    params = [Param(key, value if isinstance(value, str) else json.dumps(value)) for key, value in run_params.items()]
    if params:
        client.log_batch(run_id, params=params)
    python_path = os.pathsep.join(filter(None, [code_dir, environment.get("PYTHONPATH")]))
    handler_environment = {
        **environment,
        "MLFLOW_RUN_ID": run_id,
        "MLFLOW_EXPERIMENT_ID": experiment_id,
        "PYTHONPATH": python_path,
    }
    code = _run_handler(client, run_id, handler_environment, code_dir, poll_interval, wait_timeout, log)
    status = client.get_run(run_id).info.status
    if code != 0:
        if status == "RUNNING":
            client.set_terminated(run_id, "FAILED")
        raise RuntimeError(f"training failed in MLflow run {run_id}: the handler exited with code {code}")
    if status in ENDED_BADLY:
        raise RuntimeError(f"MLflow run {run_id} ended {status}")
    if status == "RUNNING":
        client.set_terminated(run_id, "FINISHED")
    return run_id


def _run_handler(
    client: Any,
    run_id: str,
    environment: dict[str, str],
    code_dir: str,
    poll_interval: int,
    wait_timeout: int,
    log: Log,
) -> int:
    process = subprocess.Popen(
        [sys.executable, "-m", "maxai.runtime"],
        env=environment,
        cwd=code_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    stdout = process.stdout
    assert stdout is not None

    def relay_lines() -> None:
        for line in stdout:
            log(line.rstrip())

    relay = threading.Thread(target=relay_lines, daemon=True)
    relay.start()
    deadline = time.monotonic() + wait_timeout
    stopped = None
    while True:
        try:
            code = process.wait(timeout=poll_interval)
            break
        except subprocess.TimeoutExpired:
            status = client.get_run(run_id).info.status
            if status in ENDED_BADLY:
                stopped = f"MLflow run {run_id} ended {status} while training; stopped the handler"
            elif time.monotonic() > deadline:
                client.set_terminated(run_id, "KILLED")
                stopped = f"MLflow run {run_id}: training took longer than {wait_timeout}s; stopped the handler"
            if stopped is not None:
                process.kill()
                code = process.wait()
                break
    relay.join(timeout=5)
    if stopped is not None:
        raise RuntimeError(stopped)
    return code


def register(
    client: Any,
    *,
    model_name: str,
    run_id: str,
    artifact_path: str,
    tags: dict[str, str],
    poll_interval: int,
    wait_timeout: int,
    log: Log,
) -> str:
    """Register the run's model as a new version of ``model_name`` and wait until it is READY; the version."""
    import mlflow

    created = mlflow.register_model(f"runs:/{run_id}/{artifact_path}", model_name, await_registration_for=0, tags=tags)
    version = str(created.version)
    log(f"model {model_name!r} version {version} from MLflow run {run_id}")
    deadline = time.monotonic() + wait_timeout
    while True:
        found = client.get_model_version(model_name, version)
        if found.status == "READY":
            return version
        if found.status == "FAILED_REGISTRATION":
            raise RuntimeError(
                f"model {model_name!r} version {version} (MLflow run {run_id}) failed to register: "
                f"{found.status_message or 'no reason given'}"
            )
        if time.monotonic() > deadline:
            raise TimeoutError(f"model {model_name!r} version {version} not READY after {wait_timeout}s")
        time.sleep(poll_interval)


def deploy(
    client: Any, *, model_name: str, version: str, alias: str, gate: Mapping[str, Any] | None, log: Log
) -> str | None:
    """Point ``alias`` at the version if it passes the gate. None when it did; else why not (the alias unmoved)."""
    if gate is not None:
        rule = Gate(**gate)
        candidate = client.get_model_version(model_name, version)
        value = client.get_run(candidate.run_id).data.metrics.get(rule.metric)
        holder = _holder(client, model_name, alias, rule.metric)
        refusal = gate_refusal(rule, value, holder)
        if refusal is not None:
            where = f"version {holder[0]}" if holder else "no version"
            return (
                f"model {model_name!r} version {version} not deployed: {refusal}; alias {alias!r} still names {where}"
            )
    client.set_registered_model_alias(model_name, alias, version)
    log(f"alias {alias!r} of model {model_name!r} now names version {version}")
    return None


def _holder(client: Any, model_name: str, alias: str, metric: str) -> tuple[str, float | None] | None:
    from mlflow.exceptions import MlflowException

    try:
        current = client.get_model_version_by_alias(model_name, alias)
    except MlflowException:
        return None  # no such alias yet (or no such model): nothing to compare with
    value = client.get_run(current.run_id).data.metrics.get(metric) if current.run_id else None
    return str(current.version), value
