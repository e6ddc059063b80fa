"""maxai: JSON configs laid out by domain / use case / objective, turned into Airflow 3 DAGs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from maxai.errors import ConfigError, Problem

if TYPE_CHECKING:
    from maxai.factory import build_dag

__version__ = "0.1.0"
__all__ = ["ConfigError", "Problem", "__version__", "build_dag"]


def __getattr__(name: str) -> Any:
    # The factory imports Airflow; keep ``import maxai`` (and ``maxai validate``) free of it.
    if name == "build_dag":
        from maxai.factory import build_dag

        return build_dag
    raise AttributeError(f"module 'maxai' has no attribute {name!r}")
