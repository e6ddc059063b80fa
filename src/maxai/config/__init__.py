"""Config layer: models, loading, layering and errors. Imports no Airflow."""

from maxai.config.layout import ObjectiveRef, discover_objectives, find_root
from maxai.config.loader import load_objective
from maxai.config.objective import ObjectiveConfig, ResolvedTask

__all__ = ["ObjectiveConfig", "ObjectiveRef", "ResolvedTask", "discover_objectives", "find_root", "load_objective"]
