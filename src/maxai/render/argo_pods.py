"""A pod task as an Argo container template: the pod KubernetesPodOperator would start, written as Argo's fields."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TypeVar

from hera.workflows import models as argo
from pydantic import BaseModel

from maxai.config.objective import ObjectiveConfig, ResolvedTask
from maxai.errors import JsonPath
from maxai.kinds.containers import ContainerStep
from maxai.render.findings import Findings
from maxai.render.places import Places

Model = TypeVar("Model", bound=BaseModel)

_PATCHED = {  # pod fields an Argo template has no field for: set through its podSpecPatch
    "hostnetwork": "hostNetwork",
    "dnspolicy": "dnsPolicy",
    "hostname": "hostname",
    "subdomain": "subdomain",
    "termination_grace_period": "terminationGracePeriodSeconds",
    "dns_config": "dnsConfig",
}


def _lost(original: Any, kept: Any, path: JsonPath) -> Iterator[JsonPath]:
    """Places of ``original`` that did not survive into ``kept``."""
    if isinstance(original, dict):
        for key, value in original.items():
            if value is None:
                continue
            if not isinstance(kept, dict) or key not in kept:
                yield (*path, key)
            else:
                yield from _lost(value, kept[key], (*path, key))
    elif isinstance(original, list) and isinstance(kept, list):
        for index, (value, kept_value) in enumerate(zip(original, kept, strict=False)):
            yield from _lost(value, kept_value, (*path, index))


class ArgoObjects:
    """A task's Kubernetes objects (JSON as in a pod manifest) as hera's Argo models, refusing any field the
    models would drop (hera's models follow the Kubernetes version of their Argo release)."""

    def __init__(self, task: ResolvedTask, places: Places, findings: Findings) -> None:
        self.task, self.places, self.findings = task, places, findings

    def convert(self, model: type[Model], value: Any, path: JsonPath) -> Model:
        converted = model.model_validate(value)
        for lost in _lost(value, converted.model_dump(by_alias=True, exclude_none=True, mode="json"), path):
            self.findings.refuse(
                self.places.task(self.task, lost, "Argo's models (hera) have no such field; it cannot be rendered")
            )
        return converted

    def one(self, model: type[Model], key: str) -> Model | None:
        value = self.task.arguments.get(key)
        return None if value is None else self.convert(model, value, (key,))

    def many(self, model: type[Model], key: str) -> list[Model]:
        return [
            self.convert(model, item, (key, index)) for index, item in enumerate(self.task.arguments.get(key) or [])
        ]


def _int_or_string(value: int) -> argo.IntOrString:
    """Argo takes either, but its published schema types IntOrString as a string (as its own examples write it)."""
    return argo.IntOrString(str(value))


def seconds(value: int) -> str:
    return f"{value}s"


def retry_strategy(config: ObjectiveConfig, task: ResolvedTask) -> argo.RetryStrategy | None:
    """Airflow retries a failed task ``retries`` times after ``retry_delay``, doubling it with exponential backoff."""
    defaults, arguments = config.dag.default_args, task.arguments
    retries = arguments.get("retries", defaults.retries)
    if not retries:
        return None
    exponential = arguments.get("retry_exponential_backoff", defaults.retry_exponential_backoff)
    backoff = argo.Backoff(
        duration=seconds(arguments.get("retry_delay", defaults.retry_delay)),
        factor=_int_or_string(2 if exponential else 1),
        cap=seconds(defaults.max_retry_delay) if defaults.max_retry_delay is not None else None,
    )
    return argo.RetryStrategy(limit=_int_or_string(retries), retry_policy="Always", backoff=backoff)


def timeout(config: ObjectiveConfig, task: ResolvedTask) -> str | None:
    value = task.arguments.get("execution_timeout", config.dag.default_args.execution_timeout)
    return None if value is None else seconds(value)


def _secrets(
    task: ResolvedTask,
) -> tuple[list[argo.EnvVar], list[argo.EnvFromSource], list[argo.Volume], list[argo.VolumeMount]]:
    """Kubernetes Secrets as the provider's Secret attaches them: a key as a variable, a whole Secret as
    ``envFrom``, or a read-only volume."""
    env, env_from, volumes, mounts = [], [], [], []
    for index, secret in enumerate(task.arguments.get("secrets") or []):
        if secret["deploy_type"] == "volume":
            name = f"maxai-secret-{index}"
            volumes.append(argo.Volume(name=name, secret=argo.SecretVolumeSource(secret_name=secret["secret"])))
            mounts.append(argo.VolumeMount(name=name, mount_path=secret["deploy_target"], read_only=True))
        elif secret.get("key") is not None:
            selector = argo.SecretKeySelector(name=secret["secret"], key=secret["key"])
            env.append(argo.EnvVar(name=secret["deploy_target"], value_from=argo.EnvVarSource(secret_key_ref=selector)))
        else:
            env_from.append(argo.EnvFromSource(secret_ref=argo.SecretEnvSource(name=secret["secret"])))
    return env, env_from, volumes, mounts


def pod_template(
    task: ResolvedTask,
    name: str,
    env: dict[str, str],
    labels: dict[str, str],
    places: Places,
    findings: Findings,
) -> argo.Template:
    """The container template of a pod task (retries and timeout are added by the caller)."""
    arguments = task.arguments
    objects = ArgoObjects(task, places, findings)
    secret_env, secret_env_from, secret_volumes, secret_mounts = _secrets(task)
    env_from = [  # the operator's order (a key in a later source wins): env_from, configmaps, whole Secrets
        *objects.many(argo.EnvFromSource, "env_from"),
        *(
            argo.EnvFromSource(config_map_ref=argo.ConfigMapEnvSource(name=name))
            for name in arguments.get("configmaps") or []
        ),
        *secret_env_from,
    ]
    container = argo.Container(
        image=arguments["image"],
        command=arguments.get("cmds"),
        args=arguments.get("arguments"),
        env=[argo.EnvVar(name=key, value=value) for key, value in env.items()] + secret_env,
        env_from=env_from or None,
        resources=objects.one(argo.ResourceRequirements, "container_resources"),
        volume_mounts=objects.many(argo.VolumeMount, "volume_mounts") + secret_mounts or None,
        security_context=objects.one(argo.SecurityContext, "container_security_context"),
        ports=objects.many(argo.ContainerPort, "ports") or None,
        image_pull_policy=arguments.get("image_pull_policy"),
        termination_message_policy=arguments.get("termination_message_policy"),
    )
    patch = {field: arguments[key] for key, field in _PATCHED.items() if key in arguments}
    deadline = arguments.get("active_deadline_seconds")
    return argo.Template(
        name=name,
        container=container,
        metadata=argo.Metadata(
            labels={**(arguments.get("labels") or {}), **labels}, annotations=arguments.get("annotations")
        ),
        node_selector=arguments.get("node_selector"),
        tolerations=objects.many(argo.Toleration, "tolerations") or None,
        affinity=objects.one(argo.Affinity, "affinity"),
        security_context=objects.one(argo.PodSecurityContext, "security_context"),
        service_account_name=arguments.get("service_account_name"),
        automount_service_account_token=arguments.get("automount_service_account_token"),
        scheduler_name=arguments.get("schedulername"),
        priority_class_name=arguments.get("priority_class_name"),
        active_deadline_seconds=_int_or_string(deadline) if deadline is not None else None,
        host_aliases=objects.many(argo.HostAlias, "host_aliases") or None,
        init_containers=objects.many(argo.UserContainer, "init_containers") or None,
        volumes=objects.many(argo.Volume, "volumes") + secret_volumes or None,
        pod_spec_patch=json.dumps(patch, sort_keys=True) if patch else None,
    )


def container_step_template(
    step: ContainerStep, name: str, env: dict[str, str], labels: dict[str, str]
) -> argo.Template:
    """The container template of a task whose kind describes it as a container step (``TaskKind.container_step``):
    its outputs are output parameters read from the files it writes, its inputs input parameters."""
    secret_env = [
        argo.EnvVar(
            name=variable,
            value_from=argo.EnvVarSource(
                secret_key_ref=argo.SecretKeySelector(
                    name=source.secret, key=source.key, optional=source.optional or None
                )
            ),
        )
        for variable, source in step.secret_env.items()
    ]
    container = argo.Container(
        image=step.image,
        command=step.command,
        args=step.args or None,
        env=[argo.EnvVar(name=key, value=value) for key, value in {**env, **step.env}.items()] + secret_env,
    )
    outputs = [
        argo.Parameter(name=output, value_from=argo.ValueFrom(path=path)) for output, path in step.outputs.items()
    ]
    inputs = [argo.Parameter(name=value) for value in step.inputs]
    return argo.Template(
        name=name,
        container=container,
        metadata=argo.Metadata(labels=labels),
        inputs=argo.Inputs(parameters=inputs) if inputs else None,
        outputs=argo.Outputs(parameters=outputs) if outputs else None,
    )
