"""The operators of the ``model`` kind: train in an MLflow run, register its model, deploy it behind an alias.

None of them is deferrable: a train step's handler runs as a process of the worker, which must stay to run
it, and registering on the tracking server takes seconds; each waits with a bounded, polling loop instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowSkipException

from maxai.config.layout import USECASES_DIR
from maxai.factory.build import OperatorRequest
from maxai.kinds.model.gate import Gate, gate_refusal
from maxai.kinds.model.tracking import mlflow_client, shown_uri
from maxai.runtime.context import ENV_DATA_DIR

ENDED_BADLY = ("FAILED", "KILLED")


def _tags(context: Any) -> dict[str, str]:
    ti = context["ti"]
    return {"maxai.dag_id": ti.dag_id, "maxai.task_id": ti.task_id, "maxai.dag_run_id": str(context["run_id"])}


class MlflowTrainOperator(BaseOperator):
    """Run the task's handler (``python -m maxai.runtime``) inside a new MLflow run named after the DAG run.

    The handler's ``mlflow.start_run()`` (or any fluent logging call) joins that run: ``MLFLOW_RUN_ID`` is set
    for it. The task fails, naming the run, when the handler fails or the run ends FAILED or KILLED (a run
    killed from MLflow's side stops the handler). Returns the run id (the register step's XCom).
    """

    template_fields: Sequence[str] = ("env_vars",)
    ui_color = "#e3f2fd"

    def __init__(
        self,
        *,
        conn_id: str,
        experiment: str,
        run_params: dict[str, Any],
        env_vars: dict[str, str],
        handler_path: str,
        data_dir: str,
        poll_interval: int,
        wait_timeout: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.experiment = experiment
        self.run_params = run_params
        self.env_vars = env_vars
        self.handler_path = handler_path
        self.data_dir = data_dir
        self.poll_interval = poll_interval
        self.wait_timeout = wait_timeout

    def execute(self, context: Any) -> str:
        from mlflow.entities import Param

        client, credentials = mlflow_client(self.conn_id)
        experiment = client.get_experiment_by_name(self.experiment)
        experiment_id = experiment.experiment_id if experiment else client.create_experiment(self.experiment)
        run = client.create_run(experiment_id, run_name=str(context["run_id"]), tags=_tags(context))
        run_id: str = run.info.run_id
        self.log.info(
            "MLflow run %s in experiment %r (%s)",
            run_id,
            self.experiment,
            shown_uri(credentials["MLFLOW_TRACKING_URI"]),
        )
        params = [
            Param(key, value if isinstance(value, str) else json.dumps(value)) for key, value in self.run_params.items()
        ]
        if params:
            client.log_batch(run_id, params=params)
        code = self._run_handler(client, run_id, experiment_id, credentials)
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

    def _run_handler(self, client: Any, run_id: str, experiment_id: str, credentials: dict[str, str]) -> int:
        python_path = os.pathsep.join(filter(None, [self.handler_path, os.environ.get("PYTHONPATH")]))
        environment = {
            **os.environ,
            **self.env_vars,
            **credentials,
            "MLFLOW_RUN_ID": run_id,
            "MLFLOW_EXPERIMENT_ID": experiment_id,
            ENV_DATA_DIR: self.env_vars.get(ENV_DATA_DIR) or self.data_dir,
            "PYTHONPATH": python_path,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "maxai.runtime"],
            env=environment,
            cwd=self.handler_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        stdout = process.stdout
        assert stdout is not None
        relay = threading.Thread(target=lambda: [self.log.info("%s", line.rstrip()) for line in stdout], daemon=True)
        relay.start()
        deadline = time.monotonic() + self.wait_timeout
        stopped = None
        while True:
            try:
                code = process.wait(timeout=self.poll_interval)
                break
            except subprocess.TimeoutExpired:
                status = client.get_run(run_id).info.status
                if status in ENDED_BADLY:
                    stopped = f"MLflow run {run_id} ended {status} while training; stopped the handler"
                elif time.monotonic() > deadline:
                    client.set_terminated(run_id, "KILLED")
                    stopped = (
                        f"MLflow run {run_id}: training took longer than {self.wait_timeout}s; stopped the handler"
                    )
                if stopped is not None:
                    process.kill()
                    code = process.wait()
                    break
        relay.join(timeout=5)
        if stopped is not None:
            raise RuntimeError(stopped)
        return code


class MlflowRegisterOperator(BaseOperator):
    """Register the model of the train step's run as a new version and wait until it is READY."""

    template_fields: Sequence[str] = ("env_vars",)
    ui_color = "#e8eaf6"

    def __init__(
        self,
        *,
        conn_id: str,
        model_name: str,
        train_task: str,
        artifact_path: str,
        env_vars: dict[str, str],
        poll_interval: int,
        wait_timeout: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.model_name = model_name
        self.train_task = train_task
        self.artifact_path = artifact_path
        self.env_vars = env_vars
        self.poll_interval = poll_interval
        self.wait_timeout = wait_timeout

    def execute(self, context: Any) -> str:
        import mlflow

        run_id = context["ti"].xcom_pull(task_ids=self.train_task)
        if not run_id:
            raise RuntimeError(f"train step {self.train_task!r} left no MLflow run id (did it run in this DAG run?)")
        client, _ = mlflow_client(self.conn_id)
        created = mlflow.register_model(
            f"runs:/{run_id}/{self.artifact_path}", self.model_name, await_registration_for=0, tags=_tags(context)
        )
        version = str(created.version)
        self.log.info("model %r version %s from MLflow run %s", self.model_name, version, run_id)
        deadline = time.monotonic() + self.wait_timeout
        while True:
            found = client.get_model_version(self.model_name, version)
            if found.status == "READY":
                return version
            if found.status == "FAILED_REGISTRATION":
                raise RuntimeError(
                    f"model {self.model_name!r} version {version} (MLflow run {run_id}) failed to register: "
                    f"{found.status_message or 'no reason given'}"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"model {self.model_name!r} version {version} not READY after {self.wait_timeout}s")
            time.sleep(self.poll_interval)


class MlflowDeployOperator(BaseOperator):
    """Point a registry alias at the register step's version, if the metric gate passes; else skip, alias unmoved."""

    template_fields: Sequence[str] = ("env_vars",)
    ui_color = "#e0f2f1"

    def __init__(
        self,
        *,
        conn_id: str,
        model_name: str,
        register_task: str,
        alias: str,
        gate: dict[str, Any] | None,
        env_vars: dict[str, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.model_name = model_name
        self.register_task = register_task
        self.alias = alias
        self.gate = gate
        self.env_vars = env_vars

    def execute(self, context: Any) -> str:
        version = context["ti"].xcom_pull(task_ids=self.register_task)
        if not version:
            raise RuntimeError(f"register step {self.register_task!r} left no model version")
        client, _ = mlflow_client(self.conn_id)
        if self.gate is not None:
            gate = Gate(**self.gate)
            candidate = client.get_model_version(self.model_name, str(version))
            value = client.get_run(candidate.run_id).data.metrics.get(gate.metric)
            holder = self._holder(client, gate.metric)
            refusal = gate_refusal(gate, value, holder)
            if refusal is not None:
                where = f"version {holder[0]}" if holder else "no version"
                raise AirflowSkipException(
                    f"model {self.model_name!r} version {version} not deployed: {refusal}; "
                    f"alias {self.alias!r} still names {where}"
                )
        client.set_registered_model_alias(self.model_name, self.alias, str(version))
        self.log.info("alias %r of model %r now names version %s", self.alias, self.model_name, version)
        return str(version)

    def _holder(self, client: Any, metric: str) -> tuple[str, float | None] | None:
        from mlflow.exceptions import MlflowException

        try:
            current = client.get_model_version_by_alias(self.model_name, self.alias)
        except MlflowException:
            return None  # no such alias yet (or no such model): nothing to compare with
        value = client.get_run(current.run_id).data.metrics.get(metric) if current.run_id else None
        return str(current.version), value


def build(request: OperatorRequest) -> Any:
    """The operator of one step; every step takes the task's ``env_vars`` (so ``for_each`` can map it)."""
    from maxai.factory.operators import data_dir

    config, task = request.config, request.task
    arguments = dict(task.arguments)
    step = arguments.pop("step")
    common = {
        "conn_id": arguments.pop("conn_id"),
        "env_vars": request.env_vars(),
        **{key: arguments[key] for key in arguments if key not in _STEP_ARGUMENTS},
    }
    waiting = {"poll_interval": arguments["poll_interval"], "wait_timeout": arguments["wait_timeout"]}
    if step == "train":
        return request.create(
            MlflowTrainOperator,
            {
                **common,
                **waiting,
                "experiment": arguments.get("experiment") or config.ref.dag_id,
                "run_params": dict(task.params.args),
                "handler_path": str(config.root / USECASES_DIR / config.ref.domain),
                "data_dir": data_dir(config),
            },
        )
    if step == "register":
        return request.create(
            MlflowRegisterOperator,
            {
                **common,
                **waiting,
                "model_name": arguments["model_name"],
                "train_task": arguments["train_task"],
                "artifact_path": arguments["artifact_path"],
            },
        )
    return request.create(
        MlflowDeployOperator,
        {
            **common,
            "model_name": arguments["model_name"],
            "register_task": arguments["register_task"],
            "alias": arguments["alias"],
            "gate": arguments.get("gate"),
        },
    )


_STEP_ARGUMENTS = frozenset(
    {
        "experiment",
        "model_name",
        "train_task",
        "artifact_path",
        "register_task",
        "alias",
        "gate",
        "poll_interval",
        "wait_timeout",
    }
)
"""Keys of a step that are its operator's own; the rest are BaseOperator's (retries, pool, callbacks, ...)."""
