"""Resource presets: named sizes (``small``, ``large``, ...) declared once in ``maxaiconfigs/presets.json``
for Spark (driver and executor memory and cores, executors) and pods (requests and limits), and referenced
by name from a task (``"preset": "large"``). The task's own values win over its preset's, key by key."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, PositiveInt, StringConstraints

from maxai.config.collector import ProblemCollector
from maxai.config.diagnostics import did_you_mean
from maxai.config.k8s_rules import pod_problems
from maxai.config.k8s_schema import check_k8s_object
from maxai.config.layering import Layer
from maxai.config.model_base import StrictModel
from maxai.config.models import MemorySize
from maxai.config.objective import ResolvedTask
from maxai.config.repository_files import REPOSITORY_FILES, read_repository_file, repository_file_path

PRESETS_FILE = REPOSITORY_FILES[1]
PresetName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,49}$")]
Quantity = Annotated[str, StringConstraints(min_length=1)] | int
_RESOURCES = "io.k8s.api.core.v1.ResourceRequirements"
_DRIVER_CORES = "spark.driver.cores"


class SparkPreset(StrictModel):
    """A Spark task's size; each key is what the task would write in its spark_submit_conf."""

    driver_memory: MemorySize | None = Field(None, description="Memory of the driver, such as '1g' (--driver-memory)")
    driver_cores: PositiveInt | None = Field(None, description="Cores of the driver (SparkConf spark.driver.cores)")
    executor_memory: MemorySize | None = Field(None, description="Memory per executor, such as '2g'")
    executor_cores: PositiveInt | None = Field(None, description="Cores per executor (--executor-cores)")
    num_executors: PositiveInt | None = Field(None, description="Number of executors (--num-executors)")


class PodPreset(StrictModel):
    """A pod's size: its container's requests and limits (Kubernetes quantities)."""

    requests: dict[str, Quantity] = Field(default_factory=dict, description="Requests, e.g. {'cpu': '1'}")
    limits: dict[str, Quantity] = Field(default_factory=dict, description="Limits, e.g. {'memory': '4Gi'}")


class Preset(StrictModel):
    """One named size, for Spark tasks, pods or both."""

    description: str | None = Field(None, description="What the size is for (shown nowhere else; for readers)")
    spark: SparkPreset | None = Field(None, description="Spark tasks naming this preset get these values")
    pod: PodPreset | None = Field(None, description="Pod tasks naming this preset get these requests and limits")


class PresetsFile(StrictModel):
    """``maxaiconfigs/presets.json``."""

    presets: dict[PresetName, Preset] = Field(description="The presets by name (small, large, extra_big, ...)")


def _check_pods(collector: ProblemCollector, layers: list[Layer], file: PresetsFile) -> None:
    for name, preset in file.presets.items():
        if preset.pod is not None:
            resources = preset.pod.model_dump(exclude_defaults=True)
            for relative, message in check_k8s_object(resources, _RESOURCES, False):
                collector.add(layers, ("presets", name, "pod", *relative), message)
            for relative, message in pod_problems({"container_resources": resources}):
                collector.add(layers, ("presets", name, "pod", *relative[1:]), message)


def read_presets(root: Path) -> tuple[PresetsFile | None, tuple[Any, ...]]:
    file, _, problems = read_repository_file(root, PRESETS_FILE, PresetsFile, _check_pods)
    return file, problems


@dataclasses.dataclass(frozen=True)
class _Use:
    preset: str
    layers: list[Layer]
    index: int


def _uses(layers: list[Layer], tasks: Any) -> dict[str, _Use]:
    return {task.name: _Use(task.preset, layers, index) for index, task in enumerate(tasks) if task.preset}


def _spark_sized(arguments: dict[str, Any], size: SparkPreset) -> dict[str, Any]:
    values = size.model_dump(exclude_none=True)
    driver_cores = values.pop("driver_cores", None)
    sized = {**values, **arguments}
    if driver_cores is not None:
        sized["conf"] = {_DRIVER_CORES: str(driver_cores), **arguments.get("conf", {})}
    return sized


def _pod_sized(arguments: dict[str, Any], size: PodPreset) -> dict[str, Any]:
    own = arguments.get("container_resources") or {}
    resources = dict(own)
    for part in ("requests", "limits"):
        merged = {**getattr(size, part), **(own.get(part) or {})}
        if merged:
            resources[part] = merged
    return {**arguments, "container_resources": resources}


def apply_presets(
    collector: ProblemCollector,
    root: Path,
    tasks: tuple[ResolvedTask, ...],
    sections: list[tuple[list[Layer], Any]],
    depends_on: list[str],
) -> tuple[ResolvedTask, ...]:
    """``tasks`` with the sizes of the presets they name under their own values; ``sections`` holds each task
    kind's layers and validated file.

    Only an objective that names a preset depends on presets.json (one file less to check on every parse of the
    others: a task that starts naming one changes its own config file).
    """
    uses: dict[str, _Use] = {}
    for layers, section in sections:
        uses.update(_uses(layers, section.tasks))
    if not uses:
        return tasks
    depends_on.append(repository_file_path(root, PRESETS_FILE))
    file, problems = read_presets(root)
    collector.problems.extend(problems)
    if problems:
        return tasks
    declared = file.presets if file is not None else {}
    sized = []
    for task in tasks:
        use = uses.get(task.name)
        if use is None:
            sized.append(task)
            continue
        where = ("tasks", use.index, "preset")
        preset = declared.get(use.preset)
        if preset is None:
            known = (
                f"{did_you_mean(use.preset, declared)}"
                if file is not None
                else f": there is no maxaiconfigs/{PRESETS_FILE}"
            )
            collector.add(use.layers, where, f"no preset named {use.preset!r}{known}")
            sized.append(task)
            continue
        if task.kind not in ("spark", "kubepod"):
            collector.add(use.layers, where, f"presets size Spark and pod tasks; {task.name!r} is a {task.kind} task")
            sized.append(task)
            continue
        size = preset.spark if task.kind == "spark" else preset.pod
        if size is None:
            part = "spark" if task.kind == "spark" else "pod"
            collector.add(use.layers, where, f"preset {use.preset!r} has no {part!r} sizes for this {part} task")
            sized.append(task)
            continue
        if isinstance(size, SparkPreset):
            arguments = _spark_sized(task.arguments, size)
        else:
            arguments = _pod_sized(task.arguments, size)
            for _, message in pod_problems({"container_resources": arguments["container_resources"]}):
                collector.add(use.layers, where, f"with preset {use.preset!r}: {message}")
        sized.append(dataclasses.replace(task, arguments=arguments))
    return tuple(sized)
