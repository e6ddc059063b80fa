"""``python -m maxai.kinds.model.run_step train|register|deploy ...``: one model step in a container.

What ``maxai render argo``, ``maxai render kubeflow`` and ``maxai render airflow`` run for a ``model_config.json`` step; it does what the
step's Airflow operator does (both call ``maxai.kinds.model.steps``). MLflow's address and credentials are
the ``MLFLOW_TRACKING_*`` variables (from a Kubernetes Secret), the run's identity the ``MAXAI_*`` ones. A value
a later step needs (train's run id, register's version) is written to the file its ``--*-file`` option names;
the target hands it on. A deploy step whose gate refuses the version leaves the alias unmoved and ends successfully,
or with ``--skipped-exit-code`` (the standalone Airflow file's pod then marks the task skipped, as build_dag's
operator does).
No Airflow import: the image needs maxai and mlflow-skinny only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from maxai.kinds.model import steps
from maxai.kinds.model.tracking import shown_uri
from maxai.runtime.context import ENV_RUN_ID, ENV_TASK

TRACKING_URI = "MLFLOW_TRACKING_URI"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m maxai.kinds.model.run_step", description=__doc__)
    commands = parser.add_subparsers(dest="step", required=True)
    waiting = argparse.ArgumentParser(add_help=False)
    waiting.add_argument("--poll-interval", type=int, default=5, help="seconds between looks at MLflow")
    waiting.add_argument("--wait-timeout", type=int, default=3600, help="longest wait, in seconds")
    tagged = argparse.ArgumentParser(add_help=False)
    tagged.add_argument("--dag-id", required=True, help="the objective, tagged on the MLflow run and version")
    train = commands.add_parser("train", parents=[waiting, tagged], help="run the handler in a new MLflow run")
    train.add_argument("--experiment", required=True)
    train.add_argument("--code-dir", required=True, help="the folder of the domain's code in the image")
    train.add_argument("--params", default="{}", help="the task's args as JSON: the run's params")
    train.add_argument("--run-id-file", required=True, help="where to write the MLflow run id")
    register = commands.add_parser("register", parents=[waiting, tagged], help="register the run's model")
    register.add_argument("--model-name", required=True)
    register.add_argument("--run-id", required=True, help="the train step's MLflow run")
    register.add_argument("--artifact-path", default="model")
    register.add_argument("--version-file", required=True, help="where to write the new version")
    deploy = commands.add_parser("deploy", help="point the alias at the version if the gate passes")
    deploy.add_argument("--model-name", required=True)
    deploy.add_argument("--version", required=True, help="the register step's version")
    deploy.add_argument("--alias", required=True)
    deploy.add_argument("--gate", help="the metric gate as JSON")
    deploy.add_argument(
        "--skipped-exit-code",
        type=int,
        help="end with this code when the gate refuses the version (a target that can mark the task skipped)",
    )
    return parser


def _log(line: str) -> None:
    print(line, flush=True)


def _write(path: str, value: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(value, encoding="utf-8")


def _client() -> tuple[Any, str]:
    import mlflow
    from mlflow import MlflowClient

    uri = os.environ.get(TRACKING_URI)
    if not uri:
        raise RuntimeError(
            f"{TRACKING_URI} is not set: the step's Kubernetes Secret (mlflow_secret_name in model_config.json) "
            "must hold the tracking server's address under that key"
        )
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return MlflowClient(tracking_uri=uri, registry_uri=uri), uri


def _tags(dag_id: str) -> dict[str, str]:
    return steps.run_tags(dag_id, os.environ.get(ENV_TASK, ""), os.environ.get(ENV_RUN_ID, ""))


def run(args: argparse.Namespace) -> int:
    """The step; its exit code (0, or ``--skipped-exit-code`` when the gate refused the version)."""
    client, uri = _client()
    if args.step == "train":
        run_id = steps.train(
            client,
            experiment=args.experiment,
            server=shown_uri(uri),
            run_name=os.environ.get(ENV_RUN_ID) or "maxai",
            tags=_tags(args.dag_id),
            run_params=json.loads(args.params),
            environment=dict(os.environ),
            code_dir=args.code_dir,
            poll_interval=args.poll_interval,
            wait_timeout=args.wait_timeout,
            log=_log,
        )
        _write(args.run_id_file, run_id)
    elif args.step == "register":
        version = steps.register(
            client,
            model_name=args.model_name,
            run_id=args.run_id,
            artifact_path=args.artifact_path,
            tags=_tags(args.dag_id),
            poll_interval=args.poll_interval,
            wait_timeout=args.wait_timeout,
            log=_log,
        )
        _write(args.version_file, version)
    else:
        gate = json.loads(args.gate) if args.gate else None
        refusal = steps.deploy(
            client, model_name=args.model_name, version=args.version, alias=args.alias, gate=gate, log=_log
        )
        if refusal is not None:
            _log(f"skipped: {refusal}")
            return args.skipped_exit_code or 0
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return run(args)
    except Exception as error:  # a step's failure: one line naming what failed, and a failing exit code
        print(f"maxai: {args.step} step failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
