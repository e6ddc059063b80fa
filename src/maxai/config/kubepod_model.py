"""The model of ``kubepod_config.json``: KubernetesPodOperator arguments that can be written in JSON.

Field names are the operator's keyword arguments (a test checks them against the installed operator);
Kubernetes objects inside them (resources, volumes, affinity, ...) are written as in a pod manifest and
checked against the Kubernetes schema (``k8s_schema``) and the API server's rules (``k8s_rules``).
No Airflow import here.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, NonNegativeInt, PositiveInt, model_validator

from maxai.config.models import K8sObject, NonEmptyStr, NotSecrets, OperatorArgs, StrictModel, TaskBase


class PodSecret(StrictModel):
    """A Kubernetes Secret exposed to the pod (airflow.providers.cncf.kubernetes.secret.Secret)."""

    deploy_type: Literal["env", "volume"]
    deploy_target: NonEmptyStr | None = Field(
        default=None, description="Environment variable name, or mount path for a volume"
    )
    secret: NonEmptyStr = Field(description="Name of the Kubernetes Secret")
    key: NonEmptyStr | None = Field(default=None, description="Key inside the Secret; all keys when absent")

    @model_validator(mode="after")
    def _check_target(self) -> PodSecret:
        """The combinations the provider's Secret turns into a valid pod, and nothing it would change silently."""
        if self.deploy_type == "volume":
            if self.deploy_target is None or not self.deploy_target.startswith("/"):
                raise ValueError("a volume secret needs deploy_target: the absolute path it is mounted at")
            if self.key is not None:
                raise ValueError("a volume secret mounts every key of the Secret; 'key' is not used here")
        elif self.key is not None and self.deploy_target is None:
            raise ValueError("an env secret with a 'key' needs deploy_target: the variable that receives it")
        elif self.deploy_target is not None:
            if self.key is None:
                raise ValueError(
                    "an env secret with a deploy_target needs the 'key' it reads; "
                    "leave both out to expose every key of the Secret"
                )
            if not re.fullmatch(r"[A-Z_][A-Z0-9_]*", self.deploy_target):
                raise ValueError(
                    f"deploy_target {self.deploy_target!r} is not an upper-case variable name; "
                    "Airflow upper-cases it, so write it as the pod will see it"
                )
        return self


class KubePodConf(OperatorArgs):
    """Keyword arguments of KubernetesPodOperator that can be written in JSON."""

    image: NonEmptyStr
    namespace: NonEmptyStr | None = None
    name: NonEmptyStr | None = Field(default=None, description="Pod name; defaults to the task name")
    random_name_suffix: bool | None = None
    cmds: list[str] | None = None
    arguments: list[str] | None = None
    env_vars: dict[str, str] | None = None
    secrets: list[PodSecret] | None = None
    configmaps: list[NonEmptyStr] | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
    node_selector: dict[str, str] | None = None
    kubernetes_conn_id: NonEmptyStr | None = None
    in_cluster: bool | None = None
    cluster_context: NonEmptyStr | None = None
    reattach_on_restart: bool | None = None
    startup_timeout_seconds: PositiveInt | None = None
    schedule_timeout_seconds: PositiveInt | None = None
    get_logs: bool | None = None
    image_pull_policy: Literal["Always", "IfNotPresent", "Never"] | None = None
    service_account_name: NonEmptyStr | None = None
    automount_service_account_token: bool | None = None
    hostnetwork: bool | None = None
    dnspolicy: Literal["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"] | None = None
    hostname: NonEmptyStr | None = None
    subdomain: NonEmptyStr | None = None
    schedulername: NonEmptyStr | None = None
    priority_class_name: NonEmptyStr | None = None
    termination_grace_period: NonNegativeInt | None = None
    active_deadline_seconds: PositiveInt | None = None
    skip_on_exit_code: int | list[int] | None = None
    log_events_on_failure: bool | None = None
    do_xcom_push: bool | None = None
    deferrable: bool | None = None
    poll_interval: PositiveInt | None = None
    on_finish_action: Literal["delete_pod", "delete_succeeded_pod", "keep_pod"] | None = None
    termination_message_policy: Literal["File", "FallbackToLogsOnError"] | None = None
    base_container_name: NonEmptyStr | None = None
    container_resources: K8sObject | None = None
    affinity: K8sObject | None = None
    security_context: K8sObject | None = None
    container_security_context: K8sObject | None = None
    dns_config: K8sObject | None = None
    volumes: list[K8sObject] | None = None
    volume_mounts: list[K8sObject] | None = None
    tolerations: list[K8sObject] | None = None
    env_from: list[K8sObject] | None = None
    ports: list[K8sObject] | None = None
    image_pull_secrets: list[K8sObject] | None = None
    host_aliases: list[K8sObject] | None = None
    init_containers: list[K8sObject] | None = None


class KubePodTask(TaskBase):
    conf: KubePodConf


class KubePodConfigFile(StrictModel):
    """``kubepod_config.json``."""

    tasks: list[KubePodTask] = Field(min_length=1)
    not_secrets: NotSecrets = Field(default_factory=list)
