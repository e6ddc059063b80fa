"""A pod task's Kubernetes settings for Kubeflow: resources go into the container spec, the rest into the
``kubernetes`` platform config of its executor (the KubernetesExecutorConfig of kfp-kubernetes, as JSON)."""

from __future__ import annotations

from typing import Any

from maxai.config.objective import ResolvedTask
from maxai.errors import JsonPath
from maxai.render.findings import Findings
from maxai.render.places import Places

_RESOURCE_FIELDS = {
    ("requests", "cpu"): "resourceCpuRequest",
    ("requests", "memory"): "resourceMemoryRequest",
    ("limits", "cpu"): "resourceCpuLimit",
    ("limits", "memory"): "resourceMemoryLimit",
}
_GPU = "nvidia.com/gpu"
_MOUNT_FIELDS = frozenset({"name", "mountPath", "readOnly", "subPath"})


def named_parameter(name: str) -> dict[str, Any]:
    """A constant name in the parameter form Kubeflow backends read first (beside the deprecated plain field)."""
    return {"runtimeValue": {"constant": name}}


class KubeflowPod:
    """Translates one pod task; what has no field in Kubeflow is refused at its place in the config."""

    def __init__(self, task: ResolvedTask, places: Places, findings: Findings) -> None:
        self.task, self.places, self.findings = task, places, findings
        self.arguments = task.arguments

    def _refuse(self, path: JsonPath, reason: str) -> None:
        self.findings.refuse(self.places.task(self.task, path, f"not rendered for Kubeflow Pipelines: {reason}"))

    def resources(self) -> dict[str, Any]:
        """The container's ``resources`` (PipelineContainerSpec.ResourceSpec, as JSON)."""
        spec: dict[str, Any] = {}
        for section, amounts in (self.arguments.get("container_resources") or {}).items():
            if not isinstance(amounts, dict):
                self._refuse(("container_resources", section), "Kubeflow sets only requests and limits")
                continue
            for resource, amount in amounts.items():
                field = _RESOURCE_FIELDS.get((section, resource))
                if field:
                    spec[field] = str(amount)
                elif (section, resource) == ("limits", _GPU):
                    spec["accelerator"] = {"resourceType": _GPU, "resourceCount": str(amount)}
                else:
                    self._refuse(
                        ("container_resources", section, resource),
                        f"Kubeflow sets cpu and memory requests and limits and a {_GPU} limit, nothing else",
                    )
        return spec

    def _volume_mounts(self, config: dict[str, Any]) -> None:
        volumes = {
            volume.get("name"): (index, volume) for index, volume in enumerate(self.arguments.get("volumes") or [])
        }
        for index, mount in enumerate(self.arguments.get("volume_mounts") or []):
            path: JsonPath = ("volume_mounts", index)
            for key in mount:
                if key not in _MOUNT_FIELDS:
                    self._refuse((*path, key), "Kubeflow mounts a volume at a path, with no other options")
            found = volumes.get(mount.get("name"))
            if found is None:
                self._refuse(path, f"no volume named {mount.get('name')!r} in volumes")
                continue
            volume_index, volume = found
            where = {"mountPath": mount["mountPath"]}
            if mount.get("readOnly"):
                self.findings.note(
                    self.places.task(
                        self.task,
                        (*path, "readOnly"),
                        "not in the Kubeflow Pipelines output: Kubeflow mounts volumes read-write",
                    )
                )
            if "persistentVolumeClaim" in volume:
                claim = volume["persistentVolumeClaim"]
                entry = {**where, "pvcNameParameter": named_parameter(claim["claimName"])}
                if mount.get("subPath"):
                    entry["subPath"] = mount["subPath"]
                config.setdefault("pvcMount", []).append(entry)
                continue
            if mount.get("subPath"):
                self._refuse((*path, "subPath"), "Kubeflow takes a subPath only for a persistent volume claim")
            if "emptyDir" in volume:
                empty = {"volumeName": volume["name"], **where}
                empty.update(
                    {key: volume["emptyDir"][key] for key in ("medium", "sizeLimit") if key in volume["emptyDir"]}
                )
                config.setdefault("emptyDirMounts", []).append(empty)
            elif "secret" in volume and set(volume["secret"]) <= {"secretName", "optional"}:
                name = volume["secret"]["secretName"]
                source = {"secretName": name, "secretNameParameter": named_parameter(name), **where}
                config.setdefault("secretAsVolume", []).append(
                    {**source, "optional": bool(volume["secret"].get("optional"))}
                )
            elif "configMap" in volume and set(volume["configMap"]) <= {"name", "optional"}:
                name = volume["configMap"]["name"]
                source = {"configMapName": name, "configMapNameParameter": named_parameter(name), **where}
                config.setdefault("configMapAsVolume", []).append(
                    {**source, "optional": bool(volume["configMap"].get("optional"))}
                )
            else:
                kinds = ", ".join(key for key in volume if key != "name")
                self._refuse(
                    ("volumes", volume_index),
                    f"a {kinds} volume; Kubeflow mounts persistent volume claims, emptyDir, and whole Secrets and ConfigMaps",
                )

    def _secrets(self, config: dict[str, Any]) -> None:
        for secret in self.arguments.get("secrets") or []:
            name = secret["secret"]
            if secret["deploy_type"] == "volume":
                config.setdefault("secretAsVolume", []).append(
                    {
                        "secretName": name,
                        "secretNameParameter": named_parameter(name),
                        "mountPath": secret["deploy_target"],
                    }
                )
            elif secret.get("key") is not None:
                config.setdefault("secretAsEnv", []).append(
                    {
                        "secretName": name,
                        "secretNameParameter": named_parameter(name),
                        "keyToEnv": [{"secretKey": secret["key"], "envVar": secret["deploy_target"]}],
                    }
                )
            # a whole Secret as environment: see kubeflow_env_from

    def _affinity(self, config: dict[str, Any]) -> None:
        affinity = self.arguments.get("affinity") or {}
        for kind in affinity:
            if kind != "nodeAffinity":
                self._refuse(("affinity", kind), "Kubeflow renders node affinity only")
        node = affinity.get("nodeAffinity") or {}
        terms = []
        required = node.get("requiredDuringSchedulingIgnoredDuringExecution") or {}
        for term in required.get("nodeSelectorTerms") or []:
            terms.append({key: term[key] for key in ("matchExpressions", "matchFields") if term.get(key)})
        for preferred in node.get("preferredDuringSchedulingIgnoredDuringExecution") or []:
            term = preferred.get("preference") or {}
            terms.append(
                {
                    "weight": preferred["weight"],
                    **{key: term[key] for key in ("matchExpressions", "matchFields") if term.get(key)},
                }
            )
        if terms:
            config["nodeAffinity"] = terms

    def platform_config(self, labels: dict[str, str]) -> dict[str, Any]:
        """The executor's KubernetesExecutorConfig (as JSON)."""
        arguments = self.arguments
        config: dict[str, Any] = {"podMetadata": {"labels": {**(arguments.get("labels") or {}), **labels}}}
        if arguments.get("annotations"):
            config["podMetadata"]["annotations"] = dict(arguments["annotations"])
        if arguments.get("node_selector"):
            config["nodeSelector"] = {"labels": dict(arguments["node_selector"])}
        if arguments.get("tolerations"):
            config["tolerations"] = [dict(toleration) for toleration in arguments["tolerations"]]
        if "image_pull_policy" in arguments:
            config["imagePullPolicy"] = arguments["image_pull_policy"]
        if "active_deadline_seconds" in arguments:
            config["activeDeadlineSeconds"] = arguments["active_deadline_seconds"]
        pull_secrets = [secret["name"] for secret in arguments.get("image_pull_secrets") or [] if secret.get("name")]
        if pull_secrets:
            config["imagePullSecret"] = [
                {"secretName": name, "secretNameParameter": named_parameter(name)} for name in pull_secrets
            ]
        self._volume_mounts(config)
        self._secrets(config)
        self._affinity(config)
        return config
