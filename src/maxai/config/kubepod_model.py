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

from maxai.config.models import K8sObject, NonEmptyStr, NotSecrets, OperatorArgs, StrictModel, TaskBase, optional


class PodSecret(StrictModel):
    """A Kubernetes Secret exposed to the pod (airflow.providers.cncf.kubernetes.secret.Secret)."""

    deploy_type: Literal["env", "volume"] = Field(description="env: environment variables; volume: files in a volume")
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

    image: NonEmptyStr = Field(description="Container image the pod runs")
    namespace: NonEmptyStr | None = optional("Kubernetes namespace the pod runs in")
    name: NonEmptyStr | None = Field(default=None, description="Pod name; defaults to the task name")
    random_name_suffix: bool | None = optional("Add a random suffix to the pod name")
    cmds: list[str] | None = optional("Entrypoint (default: the image's); python -m maxai.runtime calls the function")
    arguments: list[str] | None = optional("Arguments of the entrypoint (default: the image's CMD)")
    env_vars: dict[str, str] | None = optional("Environment of the container; maxai adds MAXAI_* variables")
    secrets: list[PodSecret] | None = optional("Kubernetes Secrets exposed as environment variables or files")
    configmaps: list[NonEmptyStr] | None = optional("ConfigMaps whose keys become environment variables")
    labels: dict[str, str] | None = optional("Pod labels; maxai adds maxai/domain, maxai/usecase, maxai/objective")
    annotations: dict[str, str] | None = optional("Annotations of the pod")
    node_selector: dict[str, str] | None = optional("Node labels the pod must be placed on")
    kubernetes_conn_id: NonEmptyStr | None = optional("Airflow connection of the cluster (default: kubernetes_default)")
    in_cluster: bool | None = optional("Use the Kubernetes client's in-cluster configuration")
    cluster_context: NonEmptyStr | None = optional("Kube config context of the cluster (not used in cluster)")
    reattach_on_restart: bool | None = optional("After a worker dies, follow the same pod on the next try")
    startup_timeout_seconds: PositiveInt | None = optional("Seconds the pod may take to start once scheduled")
    schedule_timeout_seconds: PositiveInt | None = optional("Seconds the pod may wait to be scheduled")
    get_logs: bool | None = optional("Copy the base container's output into the task log")
    image_pull_policy: Literal["Always", "IfNotPresent", "Never"] | None = optional("When Kubernetes pulls the image")
    service_account_name: NonEmptyStr | None = optional("Kubernetes service account the pod runs as")
    automount_service_account_token: bool | None = optional("Mount the service account's API token into the pod")
    hostnetwork: bool | None = optional("Use the node's network namespace")
    dnspolicy: Literal["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"] | None = optional(
        "DNS policy of the pod"
    )
    hostname: NonEmptyStr | None = optional("Hostname of the pod")
    subdomain: NonEmptyStr | None = optional("Subdomain of the pod")
    schedulername: NonEmptyStr | None = optional("Kubernetes scheduler that places the pod")
    priority_class_name: NonEmptyStr | None = optional("PriorityClass of the pod")
    termination_grace_period: NonNegativeInt | None = optional("Seconds the pod gets to stop when deleted")
    active_deadline_seconds: PositiveInt | None = optional("Seconds the pod may run before Kubernetes stops it")
    skip_on_exit_code: int | list[int] | None = optional("Exit code(s) that mark the task skipped, not failed")
    log_events_on_failure: bool | None = optional("Log the pod's Kubernetes events when it fails")
    do_xcom_push: bool | None = optional("Push the container's /airflow/xcom/return.json to XCom")
    deferrable: bool | None = optional("Wait for the pod in Airflow's triggerer instead of a worker slot")
    poll_interval: PositiveInt | None = optional("Seconds between status checks in deferrable mode")
    on_finish_action: Literal["delete_pod", "delete_succeeded_pod", "keep_pod"] | None = optional(
        "What happens to the pod when it finishes"
    )
    termination_message_policy: Literal["File", "FallbackToLogsOnError"] | None = optional(
        "Where Kubernetes reads the container's termination message"
    )
    base_container_name: NonEmptyStr | None = optional("Name of the pod's main container (default: base)")
    container_resources: K8sObject | None = optional("CPU/memory requests and limits (Kubernetes ResourceRequirements)")
    affinity: K8sObject | None = optional("Node and pod affinity rules (Kubernetes Affinity)")
    security_context: K8sObject | None = optional("Security settings of the pod (Kubernetes PodSecurityContext)")
    container_security_context: K8sObject | None = optional("Container security settings (Kubernetes SecurityContext)")
    dns_config: K8sObject | None = optional("DNS settings of the pod (Kubernetes PodDNSConfig)")
    volumes: list[K8sObject] | None = optional("Volumes of the pod (Kubernetes Volume)")
    volume_mounts: list[K8sObject] | None = optional("Where the container mounts volumes (Kubernetes VolumeMount)")
    tolerations: list[K8sObject] | None = optional("Node taints the pod tolerates (Kubernetes Toleration)")
    env_from: list[K8sObject] | None = optional("ConfigMaps and Secrets as environment (Kubernetes EnvFromSource)")
    ports: list[K8sObject] | None = optional("Ports the container exposes (Kubernetes ContainerPort)")
    image_pull_secrets: list[K8sObject] | None = optional("Image pull Secrets (Kubernetes LocalObjectReference)")
    host_aliases: list[K8sObject] | None = optional("Extra /etc/hosts entries of the pod (Kubernetes HostAlias)")
    init_containers: list[K8sObject] | None = optional("Run before the main container (Kubernetes Container)")


class KubePodTask(TaskBase):
    """One pod task: a KubernetesPodOperator."""

    conf: KubePodConf = Field(description="KubernetesPodOperator keyword arguments of this task")


class KubePodConfigFile(StrictModel):
    """``kubepod_config.json``."""

    tasks: list[KubePodTask] = Field(min_length=1, description="Pod tasks; objectives merge into them by name")
    not_secrets: NotSecrets = Field(default_factory=list)
