"""What each KubernetesPodOperator key of ``kubepod_config.json`` becomes on Argo and on Kubeflow.
See ``rules`` for the kinds of handling."""

from __future__ import annotations

from maxai.render.rules import Rule, both, noted, refused, to, unless

_OPERATOR_ONLY = "how Airflow's operator drives the pod; the target's controller runs pods itself"
_KFP_NO_FIELD = "Kubeflow's Kubernetes settings (kfp-kubernetes) have no field for it"
_PATCH = "template podSpecPatch"
_READ = "under /maxai/env-from, each file made a variable by maxai's sh wrapper"

POD_RULES: dict[str, Rule] = {
    "image": both(to("container image")),
    "namespace": Rule(
        to("the Workflow's metadata.namespace (pod tasks must agree)"),
        to("note: the run's namespace (pod tasks must agree)"),
    ),
    "name": both(noted("the pod's name; Argo and Kubeflow name pods themselves")),
    "random_name_suffix": both(noted("the pod's name; Argo and Kubeflow name pods themselves")),
    "cmds": Rule(to("container command"), to("container command, after maxai's sh wrapper (required)")),
    "arguments": both(to("container args")),
    "env_vars": both(to("container env")),
    "secrets": Rule(
        to("env valueFrom.secretKeyRef, envFrom secretRef, or a secret volume"),
        to(f"secretAsEnv / secretAsVolume; a whole Secret as environment: a secretAsVolume {_READ}"),
    ),
    "configmaps": Rule(to("container envFrom configMapRef"), to(f"configMapAsVolume {_READ}")),
    "labels": Rule(to("template metadata.labels"), to("podMetadata.labels")),
    "annotations": Rule(to("template metadata.annotations"), to("podMetadata.annotations")),
    "node_selector": Rule(to("template nodeSelector"), to("nodeSelector.labels")),
    "kubernetes_conn_id": both(noted("the cluster Airflow talks to; pods run in the workflow's own cluster")),
    "in_cluster": both(noted("the cluster Airflow talks to; pods run in the workflow's own cluster")),
    "cluster_context": both(noted("the cluster Airflow talks to; pods run in the workflow's own cluster")),
    "reattach_on_restart": both(noted(_OPERATOR_ONLY)),
    "startup_timeout_seconds": both(noted(_OPERATOR_ONLY)),
    "schedule_timeout_seconds": both(noted(_OPERATOR_ONLY)),
    "get_logs": both(noted(_OPERATOR_ONLY)),
    "log_events_on_failure": both(noted(_OPERATOR_ONLY)),
    "deferrable": both(noted(_OPERATOR_ONLY)),
    "poll_interval": both(noted(_OPERATOR_ONLY)),
    "on_finish_action": both(noted(_OPERATOR_ONLY)),
    "base_container_name": both(noted("Argo and Kubeflow name the task's container 'main'")),
    "image_pull_policy": Rule(to("container imagePullPolicy"), to("imagePullPolicy")),
    "service_account_name": Rule(
        to("template serviceAccountName"),
        to("note: the run's service account (pod tasks naming one must agree; the others run with it too)"),
    ),
    "automount_service_account_token": Rule(to("template automountServiceAccountToken"), refused(_KFP_NO_FIELD)),
    "hostnetwork": Rule(to(f"{_PATCH} hostNetwork"), refused(_KFP_NO_FIELD)),
    "dnspolicy": Rule(to(f"{_PATCH} dnsPolicy"), refused(_KFP_NO_FIELD)),
    "hostname": Rule(to(f"{_PATCH} hostname"), refused(_KFP_NO_FIELD)),
    "subdomain": Rule(to(f"{_PATCH} subdomain"), refused(_KFP_NO_FIELD)),
    "schedulername": Rule(to("template schedulerName"), refused(_KFP_NO_FIELD)),
    "priority_class_name": Rule(to("template priorityClassName"), refused(_KFP_NO_FIELD)),
    "termination_grace_period": Rule(to(f"{_PATCH} terminationGracePeriodSeconds"), refused(_KFP_NO_FIELD)),
    "active_deadline_seconds": Rule(to("template activeDeadlineSeconds"), to("activeDeadlineSeconds")),
    "skip_on_exit_code": both(
        refused("Airflow marks the task skipped on these exit codes; there is no skipped state for a failed pod")
    ),
    "do_xcom_push": both(
        to("error when true", refuse=unless(lambda value: not value, "Airflow's XCom sidecar has no counterpart"))
    ),
    "termination_message_policy": Rule(to("container terminationMessagePolicy"), refused(_KFP_NO_FIELD)),
    "container_resources": Rule(
        to("container resources"),
        to("resources: cpu and memory requests and limits, an nvidia.com/gpu limit as accelerator; others refused"),
    ),
    "affinity": Rule(to("template affinity"), to("nodeAffinity; podAffinity and podAntiAffinity refused")),
    "security_context": Rule(to("template securityContext"), refused(_KFP_NO_FIELD)),
    "container_security_context": Rule(to("container securityContext"), refused(_KFP_NO_FIELD)),
    "dns_config": Rule(to(f"{_PATCH} dnsConfig"), refused(_KFP_NO_FIELD)),
    "volumes": Rule(
        to("template volumes"),
        to("by the mounts that use them: persistentVolumeClaim, emptyDir, secret, configMap; other kinds refused"),
    ),
    "volume_mounts": Rule(
        to("container volumeMounts"),
        to("pvcMount, emptyDirMounts, secretAsVolume, configMapAsVolume; readOnly noted (always read-write)"),
    ),
    "tolerations": Rule(to("template tolerations"), to("tolerations")),
    "env_from": Rule(to("container envFrom"), to(f"configMapAsVolume / secretAsVolume {_READ} (envFrom's rules)")),
    "ports": Rule(to("container ports"), refused(_KFP_NO_FIELD)),
    "image_pull_secrets": Rule(to("spec.imagePullSecrets (for the whole workflow)"), to("imagePullSecret")),
    "host_aliases": Rule(to("template hostAliases"), refused(_KFP_NO_FIELD)),
    "init_containers": Rule(to("template initContainers"), refused("not rendered for Kubeflow yet")),
}
