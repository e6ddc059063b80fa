"""The operators of the ``model`` kind: train in an MLflow run, register its model, deploy it behind an alias.

None of them is deferrable: a train step's handler runs as a process of the worker, which must stay to run
it, and registering on the tracking server takes seconds; each waits with a bounded, polling loop instead.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowSkipException

from maxai.config.layout import USECASES_DIR
from maxai.factory.build import OperatorRequest
from maxai.kinds.model import steps
from maxai.kinds.model.config import CONTAINER_ONLY
from maxai.kinds.model.tracking import mlflow_client, shown_uri
from maxai.runtime.context import ENV_DATA_DIR


def _tags(context: Any) -> dict[str, str]:
    ti = context["ti"]
    return steps.run_tags(ti.dag_id, ti.task_id, str(context["run_id"]))


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
        client, credentials = mlflow_client(self.conn_id)
        environment = {
            **os.environ,
            **self.env_vars,
            **credentials,
            ENV_DATA_DIR: self.env_vars.get(ENV_DATA_DIR) or self.data_dir,
        }
        return steps.train(
            client,
            experiment=self.experiment,
            server=shown_uri(credentials["MLFLOW_TRACKING_URI"]),
            run_name=str(context["run_id"]),
            tags=_tags(context),
            run_params=self.run_params,
            environment=environment,
            code_dir=self.handler_path,
            poll_interval=self.poll_interval,
            wait_timeout=self.wait_timeout,
            log=self._log_line,
        )

    def _log_line(self, line: str) -> None:
        self.log.info("%s", line)


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
        run_id = context["ti"].xcom_pull(task_ids=self.train_task)
        if not run_id:
            raise RuntimeError(f"train step {self.train_task!r} left no MLflow run id (did it run in this DAG run?)")
        client, _ = mlflow_client(self.conn_id)
        return steps.register(
            client,
            model_name=self.model_name,
            run_id=str(run_id),
            artifact_path=self.artifact_path,
            tags=_tags(context),
            poll_interval=self.poll_interval,
            wait_timeout=self.wait_timeout,
            log=lambda line: self.log.info("%s", line),
        )


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
        refusal = steps.deploy(
            client,
            model_name=self.model_name,
            version=str(version),
            alias=self.alias,
            gate=self.gate,
            log=lambda line: self.log.info("%s", line),
        )
        if refusal is not None:
            raise AirflowSkipException(refusal)
        return str(version)


def build(request: OperatorRequest) -> Any:
    """The operator of one step; every step takes the task's ``env_vars`` (so ``for_each`` can map it)."""
    from maxai.factory.operators import data_dir

    config, task = request.config, request.task
    arguments = dict(task.arguments)
    step = arguments.pop("step")
    common = {
        "conn_id": arguments.pop("conn_id"),
        "env_vars": request.env_vars(),
        **{key: arguments[key] for key in arguments if key not in _STEP_ARGUMENTS and key not in CONTAINER_ONLY},
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
