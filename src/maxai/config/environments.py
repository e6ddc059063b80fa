"""Environments (dev, prod, ...) and personal copies: what differs between DAGs built from one repository.

``maxaiconfigs/environments.json`` declares the environments; ``$MAXAI_ENV`` (the CLI's ``--env``) picks the
active one, else the file's ``default``. ``$MAXAI_USER`` (``--user``) builds that user's personal copy. Both are
applied when an objective is loaded, so the parse cache holds one entry per environment and user.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from maxai.config.collector import ProblemCollector
from maxai.config.diagnostics import did_you_mean
from maxai.config.layering import Layer
from maxai.config.model_base import NonEmptyStr, StrictModel
from maxai.config.models import SparkValue
from maxai.config.objective import ENV_VARIABLE, USER_VARIABLE, Deployment, ObjectiveConfig, Selection
from maxai.config.repository_files import REPOSITORY_FILES, read_repository_file, repository_file_path
from maxai.errors import ConfigError, Problem

ENVIRONMENTS_FILE = REPOSITORY_FILES[0]
USER_PATTERN = r"^[a-z][a-z0-9-]{0,31}$"

EnvironmentName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,29}$")]
DagIdPart = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{0,50}$")]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class Environment(StrictModel):
    """One environment: what its DAGs do differently from the configs as written."""

    kind: Literal["shared", "personal"] = Field(
        "shared", description="personal: every DAG is a user's own copy, so MAXAI_USER (or --user) must be set"
    )
    dag_id_prefix: DagIdPart = Field("", description="Put before every DAG id, e.g. 'dev.'")
    dag_id_suffix: DagIdPart = Field("", description="Put after every DAG id (before a personal copy's __<user>)")
    tags: list[Tag] = Field(default_factory=list, description="Tags added to every DAG (env:<name> always is)")
    paused: bool | None = Field(
        None, description="Airflow's is_paused_upon_creation for every DAG; absent: Airflow's own default"
    )
    data_root: NonEmptyStr | None = Field(
        None,
        description="Folder of relative inputs and outputs; a relative one lies under $MAXAI_DATA_DIR (or <root>/data)",
    )
    spark_conf: dict[str, SparkValue] = Field(
        default_factory=dict, description="SparkConf defaults of every Spark task; the configs' own conf wins"
    )
    spark_conn_id: NonEmptyStr | None = Field(None, description="Spark connection of tasks that name none")
    kubernetes_conn_id: NonEmptyStr | None = Field(None, description="Kubernetes connection of pods that name none")
    namespace: NonEmptyStr | None = Field(
        None, description="Kubernetes namespace of every pod and of spark.kubernetes.namespace, replacing the configs'"
    )
    image_registry: NonEmptyStr | None = Field(
        None, description="Registry host (and path) replacing the registry of every pod and Spark container image"
    )
    image_tag: NonEmptyStr | None = Field(
        None, description="Tag replacing the tag of every pod and Spark container image (not of digests)"
    )
    user_schedules: bool = Field(
        False, description="Personal copies keep their schedules (default: off, they run when triggered)"
    )


class EnvironmentsFile(StrictModel):
    """``maxaiconfigs/environments.json``."""

    default: EnvironmentName = Field(description="The environment used when MAXAI_ENV (--env) is not set")
    environments: dict[EnvironmentName, Environment] = Field(
        min_length=1, description="The environments by name (at least dev and prod, say)"
    )


def _check_default(collector: ProblemCollector, layers: list[Layer], file: EnvironmentsFile) -> None:
    if file.default not in file.environments:
        collector.add(
            layers,
            ("default",),
            f"no environment named {file.default!r}{did_you_mean(file.default, file.environments)}",
        )


def read_environments(root: Path) -> tuple[EnvironmentsFile | None, Layer | None, tuple[Problem, ...]]:
    return read_repository_file(root, ENVIRONMENTS_FILE, EnvironmentsFile, _check_default)


def environments_path(root: Path) -> str:
    return repository_file_path(root, ENVIRONMENTS_FILE)


def active(root: Path, chosen: Selection) -> tuple[Deployment, Environment | None]:
    """The deployment for the environment and user ``chosen`` (see maxai.config.objective.selection)."""
    name, user = chosen
    problems: list[Problem] = []
    if user and not re.match(USER_PATTERN, user):
        problems.append(
            Problem(
                f"${USER_VARIABLE}",
                (),
                f"{user!r} is not a user name maxai takes: lowercase letters, digits and '-', starting with a letter",
            )
        )
    file, layer, read_problems = read_environments(root)
    problems.extend(read_problems)
    if problems:
        raise ConfigError(problems)
    if file is None or layer is None:
        if name:
            raise ConfigError.single(
                f"${ENV_VARIABLE}", (), f"{name!r} is set, but there is no maxaiconfigs/{ENVIRONMENTS_FILE}"
            )
        return Deployment(user=user, paused=True if user else None), None
    collector = ProblemCollector()
    picked = name or file.default
    settings = file.environments.get(picked)
    if settings is None:
        collector.add(
            [layer],
            ("environments",),
            f"{ENV_VARIABLE}={picked!r} names no environment{did_you_mean(picked, file.environments)}",
        )
    elif settings.kind == "personal" and not user:
        collector.add(
            [layer],
            ("environments", picked, "kind"),
            f"environment {picked!r} is personal: set {USER_VARIABLE} (or --user) to your user name",
        )
    collector.raise_if_any()
    assert settings is not None
    tags = (*settings.tags, f"env:{picked}", *((f"user:{user}",) if user else ()))
    paused = settings.paused
    if user and paused is None:
        paused = True
    deployment = Deployment(
        environment=picked,
        user=user,
        dag_id_prefix=settings.dag_id_prefix,
        dag_id_suffix=settings.dag_id_suffix,
        tags=tuple(dict.fromkeys(tags)),
        paused=paused,
        data_root=settings.data_root or "",
    )
    return deployment, settings


def deployment_for(
    collector: ProblemCollector, root: Path, depends_on: list[str], chosen: Selection
) -> tuple[Deployment, Environment | None]:
    """:func:`active`, its problems added to ``collector``; the environments file joins ``depends_on``."""
    depends_on.append(environments_path(root))
    try:
        return active(root, chosen)
    except ConfigError as error:
        collector.problems.extend(error.problems)
        return Deployment(), None


def retarget_image(image: str, registry: str | None, tag: str | None) -> str:
    """``image`` with its registry and tag replaced (a digest, ``@sha256:...``, keeps its tag-less form)."""
    name, at, digest = image.partition("@")
    if registry:
        first, slash, rest = name.partition("/")
        if slash and ("." in first or ":" in first or first == "localhost"):
            name = rest
        name = registry.rstrip("/") + "/" + name
    if tag and not at:
        last = name.rsplit("/", 1)[-1]
        if ":" in last:
            name = name[: name.rfind(":")]
        name = f"{name}:{tag}"
    return name + at + digest


def _spark_arguments(arguments: dict[str, Any], settings: Environment) -> dict[str, Any]:
    conf = {**settings.spark_conf, **arguments.get("conf", {})}
    for key, value in conf.items():
        if key.endswith("container.image") and isinstance(value, str):
            conf[key] = retarget_image(value, settings.image_registry, settings.image_tag)
    if settings.namespace and "spark.kubernetes.namespace" in conf:
        conf["spark.kubernetes.namespace"] = settings.namespace
    changed = {**arguments, "conf": conf}
    if settings.spark_conn_id:
        changed.setdefault("conn_id", settings.spark_conn_id)
    return changed


def _pod_arguments(arguments: dict[str, Any], settings: Environment) -> dict[str, Any]:
    changed = dict(arguments)
    if isinstance(changed.get("image"), str):
        changed["image"] = retarget_image(changed["image"], settings.image_registry, settings.image_tag)
    if settings.namespace:
        changed["namespace"] = settings.namespace
    if settings.kubernetes_conn_id:
        changed.setdefault("kubernetes_conn_id", settings.kubernetes_conn_id)
    return changed


def apply_environment(config: ObjectiveConfig, deployment: Deployment, settings: Environment | None) -> ObjectiveConfig:
    """``config`` as built for ``deployment``: task arguments retargeted, a personal copy's schedule off."""
    dag = config.dag
    if deployment.user and not (settings is not None and settings.user_schedules):
        dag = dag.model_copy(update={"schedule": None})
    tasks = config.tasks
    if settings is not None:
        # what an environment retargets exists on Spark and pod tasks; other kinds (a plugin's, the model kind's)
        # take theirs from their own connections
        retarget = {"spark": _spark_arguments, "kubepod": _pod_arguments}
        tasks = tuple(
            dataclasses.replace(task, arguments=retarget[task.kind](task.arguments, settings))
            if task.kind in retarget
            else task
            for task in config.tasks
        )
    return dataclasses.replace(config, dag=dag, tasks=tasks, deployment=deployment)
