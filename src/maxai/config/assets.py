"""Data assets: what a task's ``input`` and ``output`` name, and schedules that wait for them.

A task's ``output`` folder is an Airflow Asset that the task updates (an outlet); an ``input`` from
outside its objective is an Asset it reads (an inlet). An objective can be scheduled on assets
instead of, or beside, a cron expression. Airflow-free: the factory turns these into ``Asset``,
``AssetAll`` and ``AssetAny``.

Which asset a path names: maxai.config.asset_identity.

Data paths are checked like ``input`` and ``output`` (maxai.config.paths): relative inside the data
folder, or a URI; never absolute.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Union

from pydantic import Field, model_validator

from maxai.config.asset_identity import DataAsset, data_asset
from maxai.config.model_base import NonEmptyStr, StrictModel


class ExternalAsset(StrictModel):
    """An asset produced outside this repository, so ``maxai validate`` does not look for its producer."""

    external: NonEmptyStr = Field(description="Path or URI of an asset no objective of this repository writes")


class AllAssets(StrictModel):
    """Run once every one of these assets has been updated since the last run."""

    all: list[AssetCondition] = Field(min_length=1, description="Assets (or conditions) that must all be updated")


class AnyAsset(StrictModel):
    """Run when any one of these assets is updated."""

    any: list[AssetCondition] = Field(min_length=1, description="Assets (or conditions) of which one suffices")


AssetCondition = Annotated[
    Union[NonEmptyStr, ExternalAsset, AllAssets, AnyAsset],  # noqa: UP007 (a recursive alias needs Union here)
    Field(
        description="A data path or URI written as in input/output, {'external': ...}, {'all': [...]} or {'any': [...]}"
    ),
]


class AssetSchedule(StrictModel):
    """``"schedule": {"assets": [...]}``: runs when upstream data is updated (and on ``cron``, when given)."""

    assets: AssetCondition | list[AssetCondition] = Field(
        description="The asset(s) to wait for; a list means all of them (as {'all': [...]})"
    )
    cron: NonEmptyStr | None = Field(
        default=None, description="Also run on this cron expression or preset, whichever comes first"
    )

    @model_validator(mode="after")
    def _not_empty(self) -> AssetSchedule:
        if isinstance(self.assets, list) and not self.assets:
            raise ValueError("'assets' lists no asset; remove the schedule or name the data to wait for")
        return self

    @property
    def condition(self) -> AssetCondition:
        return AllAssets(all=self.assets) if isinstance(self.assets, list) else self.assets


AllAssets.model_rebuild()
AnyAsset.model_rebuild()
AssetSchedule.model_rebuild()


@dataclass(frozen=True)
class AwaitedAsset:
    asset: DataAsset
    written: str
    """As the config writes it."""
    path: tuple[str | int, ...]
    """JSON path of the entry below the schedule (``("assets", 0)``, ``("assets", "any", 1, "external")``...)."""
    external: bool


def is_asset_schedule(schedule: Any) -> bool:
    """Whether a schedule waits for assets: the model, or its JSON dump (settings from the parse cache)."""
    return isinstance(schedule, AssetSchedule | dict)


def awaited_assets(schedule: Any) -> Iterator[AwaitedAsset]:
    """Every asset a schedule waits for, with where it is written. Accepts a model or its JSON dump."""
    if isinstance(schedule, AssetSchedule):
        schedule = schedule.model_dump(mode="json")
    if not isinstance(schedule, dict) or "assets" not in schedule:
        return
    yield from _walk(schedule["assets"], ("assets",))


def _walk(condition: Any, path: tuple[str | int, ...]) -> Iterator[AwaitedAsset]:
    if isinstance(condition, str):
        yield AwaitedAsset(data_asset(condition), condition, path, external=False)
    elif isinstance(condition, list):
        for index, item in enumerate(condition):
            yield from _walk(item, (*path, index))
    elif isinstance(condition, dict):
        if "external" in condition:
            yield AwaitedAsset(data_asset(condition["external"]), condition["external"], (*path, "external"), True)
        for key in ("all", "any"):
            if key in condition:
                yield from _walk(condition[key], (*path, key))


def schedule_json(schedule: Any) -> Any:
    """A schedule as JSON: the cron string, null, or the asset schedule without unset keys."""
    if isinstance(schedule, AssetSchedule):
        return schedule.model_dump(mode="json", exclude_none=True)
    if isinstance(schedule, dict):
        return {key: value for key, value in schedule.items() if value is not None}
    return schedule


def describe_schedule(schedule: Any) -> str:
    """One line for tables: the cron expression, ``assets: a & (b | c)``, or ``manual``."""
    if schedule is None:
        return "manual"
    if isinstance(schedule, str):
        return schedule
    if isinstance(schedule, AssetSchedule):
        schedule = schedule.model_dump(mode="json")
    text = "assets: " + _describe(schedule.get("assets"), top=True)
    cron = schedule.get("cron")
    return f"{cron} or {text}" if cron else text


def _describe(condition: Any, top: bool = False) -> str:
    if isinstance(condition, str):
        return condition
    if isinstance(condition, list):
        condition = {"all": condition}
    if "external" in condition:
        return str(condition["external"])
    operator, items = (" & ", condition["all"]) if "all" in condition else (" | ", condition["any"])
    text = operator.join(_describe(item) for item in items)
    return text if top or len(items) == 1 else f"({text})"


MAX_ASSET_LENGTH = 1500
"""Airflow refuses longer asset names and URIs."""
