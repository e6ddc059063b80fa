"""The model kind's steps as container steps (``maxai render argo``, ``maxai render kubeflow``): each runs
``python -m maxai.kinds.model.run_step`` in the step's ``image``, MLflow's address and credentials coming from
the Kubernetes Secret ``mlflow_secret_name``. Train's run id reaches register, register's version deploy, as
outputs of one step taken as inputs by the next. No Airflow import."""

from __future__ import annotations

import json

from maxai.kinds.containers import ContainerRequest, ContainerStep, SecretKey, UpstreamValue
from maxai.kinds.model.config import MLFLOW_CONNECTION

ENTRY_POINT = ["python", "-m", "maxai.kinds.model.run_step"]
RUN_ID_OUTPUT = "mlflow_run_id"
VERSION_OUTPUT = "model_version"
TRACKING_KEYS = {
    "MLFLOW_TRACKING_URI": False,
    "MLFLOW_TRACKING_USERNAME": True,
    "MLFLOW_TRACKING_PASSWORD": True,
    "MLFLOW_TRACKING_TOKEN": True,
}
"""The Secret's keys the step reads, and whether each may be missing (a server without authentication)."""
_SECRET = "the ``mlflow_secret_name`` Secret"
ON_CONTAINERS: dict[str, tuple[str, str]] = {
    "step": ("``run_step train|register|deploy``", "``run_step train|register|deploy``"),
    "conn_id": (
        f"note unless ``mlflow_default``: MLflow is reached through {_SECRET}",
        f"note unless ``mlflow_default``: MLflow is reached through {_SECRET}",
    ),
    "experiment": ("``--experiment`` (default: the DAG id)", "``--experiment`` (default: the DAG id)"),
    "model_name": ("``--model-name``", "``--model-name``"),
    "train_task": (
        "input ``mlflow_run_id``: ``{{tasks.T.outputs.parameters.mlflow_run_id}}``",
        "input ``upstream--mlflow_run_id``: ``taskOutputParameter`` of T",
    ),
    "artifact_path": ("``--artifact-path``", "``--artifact-path``"),
    "register_task": (
        "input ``model_version``: ``{{tasks.T.outputs.parameters.model_version}}``",
        "input ``upstream--model_version``: ``taskOutputParameter`` of T",
    ),
    "alias": ("``--alias``", "``--alias``"),
    "gate": ("``--gate`` (JSON); a failing gate ends the step successfully", "``--gate`` (JSON); likewise"),
    "poll_interval": ("``--poll-interval``", "``--poll-interval``"),
    "wait_timeout": ("``--wait-timeout``", "``--wait-timeout``"),
    "image": ("the container's image (required)", "the executor's image (required)"),
    "mlflow_secret_name": (
        "``secretKeyRef`` of each ``MLFLOW_TRACKING_*`` variable",
        "``secretAsEnv`` in the platform spec",
    ),
}
"""Where each key of a step goes on Argo and on Kubeflow, for docs/render.rst (a test checks every key is here)."""


def _waiting(arguments: dict[str, object]) -> list[str]:
    return ["--poll-interval", str(arguments["poll_interval"]), "--wait-timeout", str(arguments["wait_timeout"])]


def container_step(request: ContainerRequest) -> ContainerStep | None:
    """The container of one step; None (refused at ``image``) when the file gives the step no image."""
    arguments, config, task = request.arguments, request.config, request.task
    image = arguments.get("image")
    if not image:
        request.refuse(
            (),
            f"not rendered for {request.target}: outside Airflow a model step runs in a container; set 'image' "
            "(for every step at the top of model_config.json, or in this step's 'model') to an image holding "
            "maxai, mlflow-skinny and the domain's code",
        )
        return None
    secret = str(arguments["mlflow_secret_name"])
    if arguments.get("conn_id", MLFLOW_CONNECTION) != MLFLOW_CONNECTION:
        request.note(
            ("conn_id",),
            f"not in the {request.target} output: the step reaches MLflow through the Kubernetes Secret {secret!r} "
            "(mlflow_secret_name), not an Airflow connection",
        )
    step = arguments["step"]
    tagged = ["--dag-id", config.dag_id]
    inputs: dict[str, UpstreamValue] = {}
    outputs: dict[str, str] = {}
    skipped_exit_code = None
    if step == "train":
        outputs[RUN_ID_OUTPUT] = request.output_path(RUN_ID_OUTPUT)
        args = [
            "train",
            *tagged,
            "--experiment",
            str(arguments.get("experiment") or config.ref.dag_id),
            "--code-dir",
            request.code_dir,
            "--params",
            json.dumps(dict(task.params.args), sort_keys=True),
            *_waiting(arguments),
            "--run-id-file",
            outputs[RUN_ID_OUTPUT],
        ]
    elif step == "register":
        inputs[RUN_ID_OUTPUT] = UpstreamValue(str(arguments["train_task"]), RUN_ID_OUTPUT, ("train_task",))
        outputs[VERSION_OUTPUT] = request.output_path(VERSION_OUTPUT)
        args = [
            "register",
            *tagged,
            "--model-name",
            str(arguments["model_name"]),
            "--run-id",
            request.input(RUN_ID_OUTPUT),
            "--artifact-path",
            str(arguments["artifact_path"]),
            *_waiting(arguments),
            "--version-file",
            outputs[VERSION_OUTPUT],
        ]
    else:
        inputs[VERSION_OUTPUT] = UpstreamValue(str(arguments["register_task"]), VERSION_OUTPUT, ("register_task",))
        args = [
            "deploy",
            "--model-name",
            str(arguments["model_name"]),
            "--version",
            request.input(VERSION_OUTPUT),
            "--alias",
            str(arguments["alias"]),
        ]
        if arguments.get("gate") is not None:
            args += ["--gate", json.dumps(arguments["gate"], sort_keys=True)]
            skipped_exit_code = request.skipped_exit_code
            if skipped_exit_code is not None:
                args += ["--skipped-exit-code", str(skipped_exit_code)]
    return ContainerStep(
        image=str(image),
        command=list(ENTRY_POINT),
        args=args,
        secret_env={key: SecretKey(secret, key, optional) for key, optional in TRACKING_KEYS.items()},
        outputs=outputs,
        inputs=inputs,
        skipped_exit_code=skipped_exit_code,
    )
