"""Tasks of container kinds (``TaskKind.container_step``: the model kind's MLflow steps, a third-party kind's)
in the standalone Airflow file.

``build_dag`` runs them with the kind's own operators, which the file cannot import. The file runs each as a
``KubernetesPodOperator`` with the kind's container step instead, the step Argo and Kubeflow run: the same image,
command and Secret keys, the ``MAXAI_*`` variables as Airflow templates. Values a step hands on go through
XCom: the step writes each to a file, the pod's wrapper gathers them into ``return.json`` (which the operator's
sidecar reads as the task's XCom), and a later step's argument pulls its value with ``ti.xcom_pull``.
"""

from __future__ import annotations

import inspect
import json
import shlex
from typing import Any

from maxai.config.objective import ObjectiveConfig, ResolvedTask
from maxai.factory.operators import maxai_variables
from maxai.kinds.containers import ContainerStep
from maxai.render.container_steps import container_steps
from maxai.render.deployment import check_data_folders
from maxai.render.describe import maxai_labels
from maxai.render.environment import RUN_VARIABLES, task_variables
from maxai.render.findings import Findings
from maxai.render.places import Places
from maxai.runtime.context import ENV_RUN_PARAMS

TARGET = "Airflow"
XCOM_FILE = "/airflow/xcom/return.json"
"""What KubernetesPodOperator's sidecar reads as the task's XCom when ``do_xcom_push`` is on."""
OUTPUTS_DIR = "/tmp/maxai/outputs"
SKIPPED_EXIT_CODE = 99
"""How a step says it skipped itself (a deploy whose gate refused the version): the operator's
``skip_on_exit_code``, so the task ends skipped as under build_dag's operator."""
_INPUT_MARK = "\0maxai-input:{}\0"
"""Stands for an input in the step's arguments until the step says which task produces it."""

_GATHER_OUTPUTS = r"""maxai_output() {
    if [ ! -f "$1" ]; then echo "maxai: the step ended without writing its output $2 ($1)" >&2; exit 1; fi
    if tr -d '\t\r\n' < "$1" | LC_ALL=C grep -q '[[:cntrl:]]'; then
        echo "maxai: the step's output $2 holds control characters" >&2; exit 1
    fi
    printf '%s: "' "$2"
    awk 'BEGIN { ORS = "" } { if (NR > 1) print "\\n"
        for (i = 1; i <= length($0); i++) { c = substr($0, i, 1)
            if (c == "\\") c = "\\\\"; else if (c == "\"") c = "\\\""
            else if (c == "\t") c = "\\t"; else if (c == "\r") c = "\\r"
            print c } }' "$1"
    printf '"'
}
"""
"""A shell function writing one output as a JSON member (the value a string; a final newline dropped). awk
escapes character by character: backslashes in ``gsub`` replacements differ between awk implementations."""


def wrapper_script(outputs: dict[str, str]) -> str:
    """``sh -c`` text running the step (its command and arguments follow as ``"$@"``), then writing its outputs
    to ``return.json`` as one JSON object of strings; a step that fails (or skips itself) ends the script with
    its exit code, and no XCom is written."""
    members = "; printf ', '; ".join(
        f"maxai_output {shlex.quote(path)} {shlex.quote(json.dumps(name))}" for name, path in outputs.items()
    )
    gather = f"{{ printf '{{'; {members}; printf '}}'; }} > {XCOM_FILE}.part"
    return f'set -e\n{_GATHER_OUTPUTS}"$@"\n{gather}\nmv {XCOM_FILE}.part {XCOM_FILE}'  # Jinja drops a last newline


def _xcom_pull(task: str, output: str) -> str:
    return f"{{{{ ti.xcom_pull(task_ids={json.dumps(task)})[{json.dumps(output)}] }}}}"


def _with_inputs(values: list[str], step: ContainerStep) -> list[str]:
    """The step's arguments with each input's mark replaced by the pull of its producer's XCom."""
    resolved = []
    for value in values:
        for name, source in step.inputs.items():
            value = value.replace(_INPUT_MARK.format(name), _xcom_pull(source.task, source.output))
        if "\0" in value:
            raise ValueError(f"an input of the step has no producer: {value!r}")
        resolved.append(value)
    return resolved


def _environment(config: ObjectiveConfig, task: ResolvedTask, step: ContainerStep) -> list[Any]:
    """The pod's variables: the MAXAI_* ones with Airflow's templates for the run's values, the step's own, and
    its Secret keys (a key marked optional may be missing from the Secret)."""
    from kubernetes.client import models as k8s

    airflow = maxai_variables(config, task, "")
    variables = task_variables(config, task, {name: airflow[name] for name in RUN_VARIABLES})
    if ENV_RUN_PARAMS in airflow:
        variables[ENV_RUN_PARAMS] = airflow[ENV_RUN_PARAMS]
    variables.update(step.env)
    plain = [k8s.V1EnvVar(name=name, value=value) for name, value in variables.items()]
    secret = [
        k8s.V1EnvVar(
            name=name,
            value_from=k8s.V1EnvVarSource(
                secret_key_ref=k8s.V1SecretKeySelector(name=key.secret, key=key.key, optional=key.optional or None)
            ),
        )
        for name, key in step.secret_env.items()
    ]
    return plain + secret


def pod_arguments(config: ObjectiveConfig, task: ResolvedTask, step: ContainerStep) -> dict[str, Any]:
    """KubernetesPodOperator's own keyword arguments for one container step."""
    command, arguments = list(step.command), list(step.args)
    if step.outputs:
        command, arguments = ["sh", "-c", wrapper_script(step.outputs), "maxai-step"], command + arguments
    pod: dict[str, Any] = {
        "name": task.name,
        "image": step.image,
        "cmds": _with_inputs(command, step),
        "arguments": _with_inputs(arguments, step),
        "env_vars": _environment(config, task, step),
        "labels": maxai_labels(config),
        "do_xcom_push": bool(step.outputs),
    }
    if step.skipped_exit_code is not None:
        pod["skip_on_exit_code"] = step.skipped_exit_code
    return pod


def base_operator_arguments(arguments: dict[str, Any]) -> dict[str, Any]:
    """The arguments every operator takes (retries, timeouts, callbacks, ...) among an operator's own."""
    from airflow.sdk import BaseOperator

    accepted = set(inspect.signature(BaseOperator.__init__).parameters)
    accepted -= {"self", "kwargs", "task_id", "dag", "task_group"}
    return {key: value for key, value in arguments.items() if key in accepted}


def container_pods(config: ObjectiveConfig, places: Places, findings: Findings) -> dict[str, dict[str, Any]]:
    """KubernetesPodOperator's own arguments for every task of a container kind, by task name; refusals and
    notes go to ``findings``."""
    steps = container_steps(
        config, places, findings, TARGET, _INPUT_MARK.format, lambda name: f"{OUTPUTS_DIR}/{name}", SKIPPED_EXIT_CODE
    )
    by_name = {task.name: task for task in config.tasks}
    check_data_folders(config, TARGET, findings, [by_name[name] for name in steps])
    pods = {}
    for name, step in steps.items():
        task = by_name[name]
        if task.params.for_each:
            message = "not rendered for Airflow: the file runs this kind's tasks as pods, and maps none over for_each"
            findings.refuse(places.py_entry(task, "for_each", message))
            continue
        findings.note(
            places.task_entry(
                task,
                "name",
                f"the Airflow file runs this {task.kind} task as a pod (KubernetesPodOperator, image {step.image!r}) "
                "where build_dag's operator runs it in the Airflow worker",
            )
        )
        pods[name] = pod_arguments(config, task, step)
    return pods
