"""Resolved task -> operator keyword arguments -> operator."""

from __future__ import annotations

import functools
import json
import os
from datetime import timedelta
from typing import Any

from maxai.config.k8s_fields import K8S_OBJECT_FIELDS
from maxai.config.layout import DATA_DIR
from maxai.config.objective import ObjectiveConfig, ResolvedTask
from maxai.factory.callbacks import task_callback_arguments
from maxai.runtime.context import ENV_DATA_DIR, task_environment

_SECONDS_ARGUMENTS = ("retry_delay", "execution_timeout")


def data_dir(config: ObjectiveConfig) -> str:
    """Where relative input/output paths of handlers point: ``$MAXAI_DATA_DIR`` or ``<root>/data``,
    then the environment's ``data_root`` (relative: below it) and a personal copy's ``users/<user>``."""
    base = os.environ.get(ENV_DATA_DIR) or str(config.root / DATA_DIR)
    deployment = config.deployment
    if deployment.data_root:
        base = os.path.join(base, deployment.data_root)
    return user_folder(base, deployment.user)


def user_folder(folder: str, user: str) -> str:
    """A personal copy's own folder below ``folder`` (``folder`` itself for the shared DAG)."""
    return os.path.join(folder, "users", user) if user else folder


def maxai_variables(config: ObjectiveConfig, task: ResolvedTask, data_folder: str) -> dict[str, str]:
    """The MAXAI_* variables of one task under Airflow (maxai.runtime.context), with ``data_folder`` for data."""
    ref = config.ref
    dag = config.dag
    return task_environment(
        ref.domain,
        ref.usecase,
        ref.objective,
        task.name,
        task.params_json,
        data_folder,
        dag.partition,
        tuple(dag.params),
        dag.timezone,
    )


def task_env_vars(config: ObjectiveConfig, task: ResolvedTask) -> dict[str, str]:
    """The task's own ``env_vars`` with the MAXAI_* variables (see maxai.runtime.context) added.

    maxai's identity variables win; MAXAI_DATA_DIR may be overridden by the task's own env_vars.
    """
    maxai_env = maxai_variables(config, task, data_dir(config))
    merged = {ENV_DATA_DIR: maxai_env[ENV_DATA_DIR], **(task.arguments.get("env_vars") or {})}
    if config.deployment.user and merged[ENV_DATA_DIR] != maxai_env[ENV_DATA_DIR]:
        # the task's own data folder (a pod's volume, say): the personal copy still writes apart
        merged[ENV_DATA_DIR] = user_folder(merged[ENV_DATA_DIR], config.deployment.user)
    merged.update({key: value for key, value in maxai_env.items() if key != ENV_DATA_DIR})
    return merged


def base_operator_arguments(config: ObjectiveConfig, arguments: dict[str, Any]) -> dict[str, Any]:
    """BaseOperator's settings among a task's config arguments, as Airflow takes them: durations as
    timedelta, callbacks as callables. Whatever the task's kind, these keys mean the same."""
    durations = {key: timedelta(seconds=arguments[key]) for key in _SECONDS_ARGUMENTS if key in arguments}
    return durations | task_callback_arguments(config, arguments)


def spark_arguments(config: ObjectiveConfig, task: ResolvedTask) -> dict[str, Any]:
    """Keyword arguments for SparkSubmitOperator (without task_id)."""
    arguments = task.arguments | base_operator_arguments(config, task.arguments)
    arguments["env_vars"] = task_env_vars(config, task)
    return arguments


class _JsonResponse:
    """What kubernetes.client.ApiClient.deserialize expects: an object with a JSON ``data``."""

    def __init__(self, value: Any) -> None:
        self.data = json.dumps(value)


@functools.lru_cache(maxsize=1)
def _api_client() -> Any:
    """Only its (de)serialisers are used: no connection is ever made."""
    from kubernetes.client import ApiClient

    return ApiClient()


def _k8s_type_name(definition: str) -> str:
    # "io.k8s.api.core.v1.VolumeMount" -> "V1VolumeMount"
    *_, version, kind = definition.split(".")
    return version.capitalize() + kind


def kubepod_arguments(config: ObjectiveConfig, task: ResolvedTask) -> dict[str, Any]:
    """Keyword arguments for KubernetesPodOperator (without task_id), with kubernetes client models."""
    from airflow.providers.cncf.kubernetes.secret import Secret

    api = _api_client()
    arguments = task.arguments | base_operator_arguments(config, task.arguments)
    for argument, (definition, is_list) in K8S_OBJECT_FIELDS.items():
        if argument in arguments:
            type_name = _k8s_type_name(definition)
            arguments[argument] = api.deserialize(
                _JsonResponse(arguments[argument]), f"list[{type_name}]" if is_list else type_name
            )
    if "secrets" in arguments:
        arguments["secrets"] = [
            Secret(entry["deploy_type"], entry.get("deploy_target"), entry["secret"], entry.get("key"))  # type: ignore[no-untyped-call]
            for entry in arguments["secrets"]
        ]
    arguments.setdefault("name", task.name)
    arguments["env_vars"] = task_env_vars(config, task)
    arguments.setdefault("labels", {})
    arguments["labels"] = {
        **arguments["labels"],
        "maxai/domain": config.ref.domain,
        "maxai/usecase": config.ref.usecase,
        "maxai/objective": config.ref.objective,
    }
    return arguments
