"""Which Airflow Asset a config path names: its identity, stable across releases (docs/configuration.rst).

- a path relative to the data folder (``out/retail/forecast``) is the asset named by that path
  (normalised: no ``./``, no doubled or trailing ``/``), URI ``x-maxai://data/<path>``;
- a URI (``s3a://bucket/key``) is the asset of that URI (without a trailing ``/``), named by it.

Apart from the schedule models (maxai.config.assets): building a DAG from the parse cache needs only this,
and the dag-processor's parsers should not define Pydantic models they never use.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from maxai.config.layout import is_uri

DATA_ASSET_SCHEME = "x-maxai"
"""Airflow passes ``x-`` schemes through unchanged (no provider owns them)."""


@dataclass(frozen=True, order=True)
class DataAsset:
    name: str
    uri: str


def data_asset(path: str) -> DataAsset:
    """The asset a config path names (see the module docstring)."""
    if is_uri(path):
        uri = path.rstrip("/")
        return DataAsset(uri, uri)
    normalised = posixpath.normpath(path.strip())
    return DataAsset(normalised, f"{DATA_ASSET_SCHEME}://data/{normalised}")


def paths_of(value: str | dict[str, str] | None) -> list[str]:
    """The paths of an ``input`` or ``output`` entry (a path, or named paths)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value.values())
