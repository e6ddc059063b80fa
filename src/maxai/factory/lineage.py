"""Airflow Assets from config: task outlets and inlets, and asset schedules."""

from __future__ import annotations

import functools
from typing import Any

from maxai.config.asset_identity import DATA_ASSET_SCHEME, DataAsset, data_asset, paths_of
from maxai.config.objective import ObjectiveConfig, ResolvedTask
from maxai.runtime.context import (
    EVENT_RUN_DATE,
    EVENT_RUN_TIME,
    RUN_TIME_TEMPLATE,
    run_date_template,
)


def as_json(value: Any) -> Any:
    """A model as its JSON dump; settings served from the parse cache are JSON already."""
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else value


def _airflow_asset(asset: DataAsset) -> Any:
    from airflow.sdk import Asset

    return Asset(name=asset.name, uri=asset.uri)


def scoped_asset(path: str, scope: str) -> DataAsset:
    """The asset of a config path; a relative path's lies below ``scope`` (Deployment.asset_scope), a URI's does not."""
    asset = data_asset(path)
    if not scope or asset.uri != f"{DATA_ASSET_SCHEME}://data/{asset.name}":
        return asset
    name = f"{scope}/{asset.name}"
    return DataAsset(name, f"{DATA_ASSET_SCHEME}://data/{name}")


def produced_assets(config: ObjectiveConfig) -> set[DataAsset]:
    scope = config.deployment.asset_scope()
    return {scoped_asset(path, scope) for task in config.tasks for path in paths_of(task.params.output)}


def task_lineage(config: ObjectiveConfig, task: ResolvedTask, produced: set[DataAsset]) -> dict[str, Any]:
    """``outlets``: every output of the task, each update tagged with the date the task processed
    (``pre_execute``); ``inlets``: its inputs that no task of this objective writes."""
    scope = config.deployment.asset_scope()
    outlets = sorted({scoped_asset(path, scope) for path in paths_of(task.params.output)})
    inlets = sorted({scoped_asset(path, scope) for path in paths_of(task.params.input)} - produced)
    lineage: dict[str, Any] = {}
    if outlets:
        lineage["outlets"] = [_airflow_asset(asset) for asset in outlets]
        template = run_date_template(config.dag.partition, config.dag.timezone)
        lineage["pre_execute"] = functools.partial(tag_asset_updates, template)
    if inlets:
        lineage["inlets"] = [_airflow_asset(asset) for asset in inlets]
    return lineage


def tag_asset_updates(date_template: str, context: Any) -> None:
    """Put the date (and moment) this task processes into the ``extra`` of each asset update it makes,
    so a run those updates trigger processes the same partition (see maxai.runtime.context)."""
    task = context["task"]
    run_date = task.render_template(date_template, context)
    run_time = task.render_template(RUN_TIME_TEMPLATE, context)
    for asset in task.outlets:
        context["outlet_events"][asset].extra.update({EVENT_RUN_DATE: run_date, EVENT_RUN_TIME: run_time})


def _condition(condition: Any, scope: str) -> Any:
    from airflow.sdk import AssetAll, AssetAny

    if isinstance(condition, str):
        return _airflow_asset(scoped_asset(condition, scope))
    if isinstance(condition, list):
        condition = {"all": condition}
    if "external" in condition:
        return _airflow_asset(data_asset(condition["external"]))
    if "all" in condition:
        return AssetAll(*(_condition(item, scope) for item in condition["all"]))
    return AssetAny(*(_condition(item, scope) for item in condition["any"]))


def airflow_schedule(schedule: Any, timezone: str = "UTC", scope: str = "") -> Any:
    """What ``DAG(schedule=...)`` takes: a cron string or preset, an asset condition, or both (whichever first)."""
    schedule = as_json(schedule)
    if not isinstance(schedule, dict):
        return schedule
    assets = _condition(schedule["assets"], scope)
    if schedule.get("cron") is None:
        return assets
    from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable

    return AssetOrTimeSchedule(timetable=CronTriggerTimetable(schedule["cron"], timezone=timezone), assets=assets)
