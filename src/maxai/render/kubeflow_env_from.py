"""Whole ConfigMaps and Secrets as a Kubeflow pod task's environment (Kubernetes ``envFrom``).

Kubeflow's Kubernetes settings (kfp-kubernetes' KubernetesExecutorConfig) put a ConfigMap's or Secret's keys in
the environment only one by one, by name, but mount a whole one as a volume (``configMapAsVolume``,
``secretAsVolume``, each with ``optional``): maxai mounts each object ``envFrom`` names under
:data:`ENV_FROM_ROOT`, and the pod's sh wrapper makes each file a variable before it runs the task, as the
kubelet does for ``envFrom`` (``makeEnvironmentVariables`` in kubelet_pods.go):

- the sources in the order Airflow's KubernetesPodOperator lists them (``env_from``, then ``configmaps``, then
  the Secrets whose whole content goes to the environment); a key in a later source wins;
- ``prefix`` is put before every key; a name that is no valid variable name for the kubelet
  (``[-._a-zA-Z][-._a-zA-Z0-9]*``) is skipped;
- a variable the container declares (its ``env``, Secret keys as variables, the MAXAI_* run variables,
  Kubeflow's own) wins over every source;
- ``optional``: a missing object is mounted empty, so it adds nothing; a required one keeps the pod from starting.

One difference stays: a ConfigMap's ``binaryData`` keys are files in the volume too, so they become variables,
where ``envFrom`` reads ``data`` only. The variables are set with ``env``, which the image needs besides ``sh``
and ``cat`` (a name may hold ``-`` or ``.``, which sh cannot export).
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from maxai.config.objective import ResolvedTask
from maxai.errors import JsonPath
from maxai.render.findings import Findings
from maxai.render.kubeflow_platform import named_parameter
from maxai.render.places import Places

ENV_FROM_ROOT = "/maxai/env-from"
KUBEFLOW_VARIABLES = ("KFP_POD_NAME", "KFP_POD_UID", "KFP_RETRY_INDEX")
"""Variables Kubeflow's compiler declares on every executor container (backend/src/v2/compiler/argocompiler/
common.go: commonEnvs, retryIndexEnv): as declared variables, they win over envFrom."""

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"  # spelled out: sh ranges follow the locale
_FIRST = "-._" + _LETTERS
_REST = _FIRST + "0123456789"

_VOLUME_FIELDS = {"configMap": ("configMapAsVolume", "configMapName"), "secret": ("secretAsVolume", "secretName")}


@dataclass(frozen=True)
class EnvSource:
    """One ConfigMap or Secret whose keys all go to the environment."""

    kind: str  # "configMap" or "secret"
    name: str
    prefix: str
    optional: bool
    path: JsonPath  # where the task's config names it


def env_sources(task: ResolvedTask, places: Places, findings: Findings) -> list[EnvSource]:
    """The task's sources in the pod's ``envFrom`` order (the KubernetesPodOperator's: ``env_from``, then
    ``configmaps``, then the Secrets it attaches whole as environment)."""
    arguments = task.arguments
    sources = []
    for index, entry in enumerate(arguments.get("env_from") or []):
        refs = [(kind, entry[f"{kind}Ref"]) for kind in ("configMap", "secret") if entry.get(f"{kind}Ref")]
        if len(refs) != 1:
            findings.refuse(
                places.task(
                    task,
                    ("env_from", index),
                    "not rendered for Kubeflow Pipelines: give one configMapRef or one secretRef",
                )
            )
            continue
        ((kind, ref),) = refs
        prefix = entry.get("prefix") or ""
        sources.append(EnvSource(kind, ref["name"], prefix, bool(ref.get("optional")), ("env_from", index)))
    for index, name in enumerate(arguments.get("configmaps") or []):
        sources.append(EnvSource("configMap", name, "", False, ("configmaps", index)))
    for index, secret in enumerate(arguments.get("secrets") or []):
        if secret["deploy_type"] == "env" and secret.get("key") is None:
            sources.append(EnvSource("secret", secret["secret"], "", False, ("secrets", index)))
    return sources


def mount_env_sources(
    task: ResolvedTask, sources: list[EnvSource], config: dict[str, Any], places: Places, findings: Findings
) -> list[tuple[str, str]]:
    """Mounts each object of ``sources`` in the executor's KubernetesExecutorConfig ``config`` (once; an object
    the task mounts already is read where it is) and gives the (folder, prefix) of each source, in order.

    Kubeflow's driver names a pod volume after its object (backend/src/v2/driver/k8s.go), so one object is
    mounted once, and a ConfigMap and a Secret of the same name cannot both be."""
    folders: list[tuple[str, str]] = []
    mounted: dict[tuple[str, str], dict[str, Any]] = {}
    for kind, (field, name_field) in _VOLUME_FIELDS.items():
        for entry in config.get(field, []):
            mounted[(kind, entry[name_field])] = entry
    for source in sources:
        entry = mounted.get((source.kind, source.name))
        if entry is None:
            field, name_field = _VOLUME_FIELDS[source.kind]
            entry = {
                name_field: source.name,
                f"{name_field}Parameter": named_parameter(source.name),
                "mountPath": f"{ENV_FROM_ROOT}/{source.kind.lower()}-{source.name}",
                "optional": source.optional,
            }
            config.setdefault(field, []).append(entry)
            mounted[(source.kind, source.name)] = entry
        elif entry.get("optional") and not source.optional:
            # a required envFrom keeps the pod from starting while the object is missing; an optional mount does not
            entry["optional"] = False
        folders.append((entry["mountPath"], source.prefix))
    clashes = {name for kind, name in mounted if kind == "configMap"} & {n for k, n in mounted if k == "secret"}
    for source in sources:
        if source.name in clashes:
            findings.refuse(
                places.task(
                    task,
                    source.path,
                    f"not rendered for Kubeflow Pipelines: Kubeflow names a pod's volume after its object, and "
                    f"this task mounts both a ConfigMap and a Secret named {source.name!r}",
                )
            )
    return folders


def _pattern(names: Iterable[str]) -> str:
    return "|".join(shlex.quote(name) for name in sorted(set(names)))


def env_from_script(folders: list[tuple[str, str]], declared: Iterable[str]) -> str:
    """The end of the pod wrapper: each file of each folder as a variable ``prefix + file name``, then the task.

    The variables go before the task's command as ``env`` assignments, which ``env`` makes in order: the folders
    are read last to first, so that a later source's value comes last and wins."""
    if not folders:
        return 'exec "$@"\n'
    script = ""
    for folder, prefix in reversed(folders):
        where = shlex.quote(folder)
        script += f"""\
for maxai_file in {where}/* {where}/.[!.]*; do
  [ -f "$maxai_file" ] || continue
  maxai_name={shlex.quote(prefix)}"${{maxai_file##*/}}"
  case $maxai_name in [!{_FIRST}]*|*[!{_REST}]*|{_pattern(declared)}) continue ;; esac
  maxai_value=$(cat "$maxai_file" && echo .) || {{ echo "maxai: cannot read $maxai_file" >&2; exit 1; }}
  set -- "$maxai_name=${{maxai_value%.}}" "$@"
done
"""
    return script + 'exec env -- "$@"\n'


def pod_wrapper_end(
    task: ResolvedTask, config: dict[str, Any], declared: Iterable[str], places: Places, findings: Findings
) -> str:
    """The end of a pod task's wrapper: its ``envFrom`` sources mounted in its KubernetesExecutorConfig
    ``config`` and read into the environment, then its command. ``declared``: the container's own variables."""
    sources = env_sources(task, places, findings)
    folders = mount_env_sources(task, sources, config, places, findings)
    command = (task.arguments.get("cmds") or [""])[0]
    if folders and "=" in command:
        findings.refuse(
            places.task(
                task,
                ("cmds", 0),
                "not rendered for Kubeflow Pipelines: the wrapper runs the command through env to give it its "
                "envFrom variables, and env would take a command with '=' for one more variable",
            )
        )
    secret_keys = [item["envVar"] for entry in config.get("secretAsEnv", []) for item in entry["keyToEnv"]]
    return env_from_script(folders, [*declared, *secret_keys, *KUBEFLOW_VARIABLES])
