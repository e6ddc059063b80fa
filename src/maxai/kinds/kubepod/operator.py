"""The operator of a ``kubepod`` task: a KubernetesPodOperator, or where there is no cluster
(``maxai run``) a local process running the pod's command, or a skipped task."""

from __future__ import annotations

from typing import Any

from maxai.config.layout import USECASES_DIR
from maxai.config.objective import ObjectiveConfig, ResolvedTask
from maxai.factory.build import OperatorRequest
from maxai.factory.operators import data_dir, kubepod_arguments, user_folder
from maxai.runtime.context import ENV_DATA_DIR

SKIPPED_POD_REASON = "KubernetesPod task skipped: no cluster here (run with --local-pods to run its command locally)"


def local_pod_data_dir(config: ObjectiveConfig, task: ResolvedTask) -> str:
    """Where a pod run as a local process reads and writes: the task's own ``MAXAI_DATA_DIR`` if it names a
    folder of this machine, the local data folder if it lies on one of the pod's volumes (which exist only
    in the pod) or is not set."""
    own = (task.arguments.get("env_vars") or {}).get(ENV_DATA_DIR)
    if not own:
        return data_dir(config)
    mounts = [mount.get("mountPath", "") for mount in task.arguments.get("volume_mounts") or []]
    on_a_volume = any(own == path or own.startswith(path.rstrip("/") + "/") for path in mounts if path)
    return data_dir(config) if on_a_volume else user_folder(str(own), config.deployment.user)


def build(request: OperatorRequest) -> Any:
    config, task = request.config, request.task
    arguments = kubepod_arguments(config, task)
    if request.pods == "kubernetes":
        from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

        return request.create(KubernetesPodOperator, arguments)
    from maxai.config.models import OperatorArgs
    from maxai.factory.local_pods import LocalPodOperator, SkippedPodOperator

    base = {key: arguments[key] for key in OperatorArgs.model_fields if key in arguments}
    if request.pods == "skip":
        return request.create(
            SkippedPodOperator, {**base, "reason": SKIPPED_POD_REASON, "env_vars": arguments["env_vars"]}
        )
    return request.create(
        LocalPodOperator,
        {
            **base,
            "image": arguments["image"],
            "cmds": list(arguments.get("cmds", [])),
            "arguments": list(arguments.get("arguments", [])),
            "env_vars": arguments["env_vars"],
            "handler_path": str(config.root / USECASES_DIR / config.ref.domain),
            "data_dir": local_pod_data_dir(config, task),
        },
    )


def integrity_problems(operator: Any, task: ResolvedTask) -> list[str]:
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

    from maxai.factory.integrity import pod_manifest, pod_problems

    if not isinstance(operator, KubernetesPodOperator):
        return [f"{task.name}: is {type(operator).__name__}, expected KubernetesPodOperator"]
    problems: list[str] = []
    if operator.image != task.arguments["image"]:
        problems.append(f"{task.name}: image {operator.image!r}, expected {task.arguments['image']!r}")
    problems.extend(f"{task.name}: pod {problem}" for problem in pod_problems(pod_manifest(operator)))
    return problems
