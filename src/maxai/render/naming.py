"""Kubernetes-safe names: on Argo and Kubeflow, tasks, templates and resources are named as DNS labels."""

from __future__ import annotations

import re
from collections.abc import Mapping

from maxai.config.layout import CONFIGS_DIR
from maxai.config.objective import ObjectiveConfig, ResolvedTask
from maxai.errors import ConfigError, Problem
from maxai.render.findings import Findings
from maxai.render.places import Places

_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
MAX_LABEL = 63
"""Pods, containers and Argo templates are named with DNS labels (RFC 1123): at most 63 characters."""


def kubernetes_name(name: str) -> str:
    """``clean_sales`` -> ``clean-sales``: lower case, with underscores and dots as hyphens."""
    return re.sub(r"[_.]", "-", name.lower())


def is_kubernetes_name(name: str, limit: int = MAX_LABEL) -> bool:
    return len(name) <= limit and _LABEL.match(name) is not None


def task_names(
    config: ObjectiveConfig, places: Places, findings: Findings, reserved: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Each task's Kubernetes name; names that are not valid, collide with each other or with ``reserved``
    (name -> what holds it) are refused, naming both tasks."""
    names: dict[str, str] = {}
    holders: dict[str, ResolvedTask] = {}
    for task in config.tasks:
        safe = kubernetes_name(task.name)
        names[task.name] = safe
        if not is_kubernetes_name(safe):
            findings.refuse(
                places.task_entry(
                    task,
                    "name",
                    f"task name {task.name!r} becomes {safe!r}, which is not a Kubernetes name (at most "
                    f"{MAX_LABEL} letters, digits and hyphens, starting and ending with a letter or digit)",
                )
            )
        elif reserved and safe in reserved:
            findings.refuse(
                places.task_entry(
                    task, "name", f"task name {task.name!r} becomes {safe!r}, the name of {reserved[safe]}"
                )
            )
        elif safe in holders:
            other = holders[safe]
            findings.refuse(
                places.task_entry(
                    task,
                    "name",
                    f"task names {other.name!r} ({other.source}) and {task.name!r} ({task.source}) both become "
                    f"{safe!r} on Kubernetes; rename one",
                )
            )
        else:
            holders[safe] = task
    return names


def objective_name(config: ObjectiveConfig, limit: int = MAX_LABEL) -> str:
    """``retail.demand_forecast.stores_eu`` -> ``retail-demand-forecast-stores-eu``, or a ConfigError. The DAG id
    carries the environment's and the personal copy's marks, so copies never replace each other on the cluster."""
    ref = config.ref
    safe = kubernetes_name(config.dag_id)
    if not is_kubernetes_name(safe, limit):
        raise ConfigError(
            [
                Problem(
                    f"{CONFIGS_DIR}/{'/'.join(ref.parts)}/",
                    (),
                    f"the objective's name on Kubernetes would be {safe!r}: it must be at most {limit} letters, "
                    "digits and hyphens, starting and ending with a letter or digit; shorten or rename a folder",
                )
            ]
        )
    return safe
