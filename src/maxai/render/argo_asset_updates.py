"""On Argo, a task whose output some objective's schedule waits for announces each update, as Airflow's outlet does.

Airflow records an asset event when a task with outlets succeeds, and the scheduler starts the DAGs waiting for
it. On Argo, the task is followed (on success) by a small step that POSTs ``{"asset": URI, "date": the run date
the task processed, "run": the workflow's name}`` to the webhook EventSource ``maxai-assets``; the awaiting
objective's Sensor (``argo_events``) submits its workflow. Only outputs awaited by an objective of the
repository are announced: an event nobody waits for would only be noise in the event bus.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from hera.workflows import models as argo

from maxai.config.asset_identity import DataAsset, paths_of
from maxai.config.assets import awaited_assets, schedule_json
from maxai.config.layout import CONFIGS_DIR, discover_objectives
from maxai.config.loader import load_objective
from maxai.config.objective import ObjectiveConfig, ResolvedTask
from maxai.errors import ConfigError, Problem
from maxai.factory.lineage import scoped_asset
from maxai.render.argo_events import EVENT_URL
from maxai.render.findings import Findings
from maxai.render.naming import MAX_LABEL, kubernetes_name
from maxai.render.places import Places
from maxai.runtime.context import ENV_RUN_DATE

ASSET_UPDATE_IMAGE = "curlimages/curl:8.11.1"
"""Small (about 10 MB), pinned, and curl is all the step runs; ``maxai render argo --update-image`` replaces it."""
UPDATE_SUFFIX = "-updated"


def awaited_in_repository(config: ObjectiveConfig, findings: Findings) -> set[DataAsset]:
    """The assets the schedules of the repository's objectives wait for (``external`` ones excluded: no objective
    of the repository writes them), scoped as their Airflow DAGs of the same deployment would be."""
    deployment = config.deployment
    awaited: set[DataAsset] = set()
    for ref in discover_objectives(config.root):
        try:
            other = load_objective(
                config.root, *ref.parts, env=deployment.environment or None, user=deployment.user or None
            )
        except ConfigError:
            findings.note(
                Problem(
                    f"{CONFIGS_DIR}/{ref}/",
                    (),
                    f"not loaded, so the assets its schedule waits for are unknown: {config.dag_id}'s tasks announce "
                    "no update for it (maxai validate says what is wrong)",
                )
            )
            continue
        scope = other.deployment.asset_scope()
        for entry in awaited_assets(schedule_json(other.dag.schedule)):
            if not entry.external:
                awaited.add(scoped_asset(entry.written, scope))
    return awaited


def update_step_names(config: ObjectiveConfig, awaited: set[DataAsset]) -> dict[str, str]:
    """The names of the update steps, and what holds each (so that no task takes it)."""
    return {
        kubernetes_name(task.name) + UPDATE_SUFFIX: f"the step announcing the updates of task {task.name!r}"
        for task in config.tasks
        if announced_assets(config, task, awaited)
    }


def announced_assets(config: ObjectiveConfig, task: ResolvedTask, awaited: set[DataAsset]) -> list[DataAsset]:
    """The task's outputs that some objective awaits, as their assets."""
    scope = config.deployment.asset_scope()
    return sorted({scoped_asset(path, scope) for path in paths_of(task.params.output)} & awaited)


def curl_arguments(assets: list[DataAsset], run_date: str, run: str) -> list[str]:
    """One POST per asset (``--next`` starts the next request); retried while the EventSource starts up.
    ``run_date`` and ``run`` (the run's name or id) as the target writes them."""
    arguments: list[str] = []
    for asset in assets:
        body = json.dumps({"asset": asset.uri, "date": run_date, "run": run})
        if arguments:
            arguments.append("--next")
        arguments += ["-fsS", "--retry", "5", "--retry-connrefused", "-H", "Content-Type: application/json"]
        arguments += ["-d", body, EVENT_URL]
    return arguments


def announcing_tasks(
    config: ObjectiveConfig,
    awaited: set[DataAsset],
    names: dict[str, str],
    places: Places,
    findings: Findings,
    target: str,
    step: str,
) -> Iterator[tuple[ResolvedTask, list[DataAsset], str]]:
    """Each task whose outputs are awaited, the assets it announces, and the name of the ``step`` announcing them
    (its Kubernetes name and UPDATE_SUFFIX); one whose name would be too long for a label is refused instead."""
    for task in config.tasks:
        assets = announced_assets(config, task, awaited)
        if not assets:
            continue
        name = names[task.name] + UPDATE_SUFFIX
        if len(name) > MAX_LABEL:
            message = (
                f"its output is awaited, so {target} announces its updates in {step} named {name!r}: longer than "
                f"{MAX_LABEL} characters; shorten the task name"
            )
            findings.refuse(places.task_entry(task, "name", message))
            continue
        yield task, assets, name


def asset_update_steps(
    config: ObjectiveConfig,
    awaited: set[DataAsset],
    names: dict[str, str],
    run: dict[str, str],
    labels: dict[str, str],
    places: Places,
    findings: Findings,
    image: str = ASSET_UPDATE_IMAGE,
) -> tuple[list[argo.DAGTask], list[argo.Template]]:
    """A step after each task whose outputs are awaited (run when the task, every value of a ``for_each``,
    succeeded), and its template; ``awaited`` comes from ``awaited_in_repository``, ``run`` holds the run's
    MAXAI_* values (the date the task processed)."""
    steps: list[argo.DAGTask] = []
    templates: list[argo.Template] = []
    for task, assets, name in announcing_tasks(config, awaited, names, places, findings, "Argo", "a step"):
        steps.append(argo.DAGTask(name=name, template=name, dependencies=[names[task.name]]))
        container = argo.Container(
            image=image, command=["curl"], args=curl_arguments(assets, run[ENV_RUN_DATE], "{{workflow.name}}")
        )
        templates.append(argo.Template(name=name, container=container, metadata=argo.Metadata(labels=labels)))
    return steps, templates
