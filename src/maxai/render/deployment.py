"""The active environment and personal copy on Argo and Kubeflow: where a rendered task's data lies, and the
environment's Airflow connection ids left out.

Names, namespaces, images and Spark conf follow the environment already (the resolved config carries them).
The data folder does not come with it: under Airflow, maxai knows the data folder of the machines that run the
tasks; a rendered task takes it from its image (``MAXAI_DATA_DIR``, ``/data`` in the example images), which
the renderer cannot see. So a folder below it (a relative ``data_root``, a personal copy's ``users/<user>``)
is refused, and an absolute ``data_root`` or a task's own ``MAXAI_DATA_DIR`` becomes the task's variable.
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Sequence

from maxai.config.environments import ENVIRONMENTS_FILE, active, read_environments
from maxai.config.jsonfile import locate
from maxai.config.layout import CONFIGS_DIR, is_uri
from maxai.config.objective import USER_VARIABLE, ObjectiveConfig, ResolvedTask
from maxai.errors import Problem
from maxai.factory.operators import user_folder
from maxai.render.findings import Findings
from maxai.render.places import Places
from maxai.runtime.context import ENV_DATA_DIR


def without_environment_connections(config: ObjectiveConfig, places: Places) -> ObjectiveConfig:
    """``config`` without the Airflow connection ids its environment gave the tasks that name none: outside Airflow
    they mean nothing, and they are the environment's choice for Airflow, not the task's (a task's own is judged
    as any setting)."""
    deployment = config.deployment
    if not deployment.environment:
        return config
    _, settings = active(config.root, (deployment.environment, deployment.user))
    if settings is None:
        return config
    given = {
        "spark": ("conn_id", settings.spark_conn_id),
        "kubepod": ("kubernetes_conn_id", settings.kubernetes_conn_id),
    }
    tasks = []
    for task in config.tasks:
        key, value = given.get(task.kind, ("", None))  # other kinds get no connection from the environment
        if value is not None and task.arguments.get(key) == value and not places.task_sets(task, key):
            task = dataclasses.replace(task, arguments={name: v for name, v in task.arguments.items() if name != key})
        tasks.append(task)
    return dataclasses.replace(config, tasks=tuple(tasks))


def _absolute(folder: str) -> bool:
    return posixpath.isabs(folder) or is_uri(folder)


def data_folder(config: ObjectiveConfig, task: ResolvedTask) -> str | None:
    """The task's ``MAXAI_DATA_DIR`` on the target: its own, else the environment's absolute ``data_root``, with a
    personal copy's ``users/<user>`` below either; None when the image's own applies."""
    deployment = config.deployment
    own = (task.arguments.get("env_vars") or {}).get(ENV_DATA_DIR)
    if own:
        return user_folder(own, deployment.user)
    if deployment.data_root and _absolute(deployment.data_root):
        return user_folder(deployment.data_root, deployment.user)
    return None


def _problem(config: ObjectiveConfig, message: str) -> Problem:
    """At the environment's data_root (or the environment) in environments.json; at $MAXAI_USER without one."""
    deployment = config.deployment
    _, layer, _ = read_environments(config.root)
    if not deployment.environment or layer is None:
        return Problem(f"${USER_VARIABLE}", (), message)
    path: tuple[str, ...] = ("environments", deployment.environment)
    if deployment.data_root:
        path += ("data_root",)
    line, column = locate(layer.text, path)
    return Problem(layer.display, path, message, line, column)


def check_data_folders(
    config: ObjectiveConfig, label: str, findings: Findings, tasks: Sequence[ResolvedTask] | None = None
) -> None:
    """Refuse a deployment whose data lies below a folder that only the target's images know (for ``tasks``,
    by default every task: the Airflow file runs only some tasks in images of their own)."""
    deployment = config.deployment
    below = [task.name for task in (config.tasks if tasks is None else tasks) if data_folder(config, task) is None]
    if not below or not deployment.asset_scope():
        return
    remedy = (
        f"give environment {deployment.environment!r} an absolute data_root"
        if deployment.environment
        else f"declare an environment with an absolute data_root in {CONFIGS_DIR}/{ENVIRONMENTS_FILE}"
    )
    remedy += f", or the tasks ({', '.join(below)}) their own {ENV_DATA_DIR} in env_vars"
    if deployment.data_root and not _absolute(deployment.data_root):
        whose = f"inputs and outputs of environment {deployment.environment!r} lie"
    else:
        whose = f"{deployment.user}'s personal copy reads and writes"
    message = (
        f"not rendered for {label}: {whose} below {deployment.asset_scope()}/ of the data folder, which a rendered "
        f"task takes from its image ({ENV_DATA_DIR}); {remedy}"
    )
    findings.refuse(_problem(config, message))
