"""Config layer: models, loading, layering and errors. Imports no Airflow.

``load_objective`` is imported on first use: the loader brings in the Pydantic models, which
a DAG-parsing process served from the parse cache never needs (see maxai.config.cache).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from maxai.config.layout import ObjectiveRef, discover_objectives, find_root
from maxai.config.objective import ObjectiveConfig, ResolvedTask

if TYPE_CHECKING:
    from maxai.config.loader import load_objective

__all__ = ["ObjectiveConfig", "ObjectiveRef", "ResolvedTask", "discover_objectives", "find_root", "load_objective"]


def __getattr__(name: str) -> Any:
    if name == "load_objective":
        from maxai.config.loader import load_objective

        return load_objective
    raise AttributeError(f"module 'maxai.config' has no attribute {name!r}")
