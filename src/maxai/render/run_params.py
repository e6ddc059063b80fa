"""An objective's DAG params on Argo and Kubeflow: workflow parameters or pipeline inputs, handed to every task
as ``MAXAI_RUN_PARAMS`` (the JSON of the run's values) as the Airflow DAG's params are.

Neither target checks a value against the param's JSON Schema at submission, as Airflow's trigger form does,
and both put the value into the task's environment as text. So only numbers are rendered: their text is their
JSON, with no quote to escape wherever the target writes it (a SparkApplication manifest included). A param of
another type is refused by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from maxai.config.objective import ObjectiveConfig

RENDERED_TYPES = ("integer", "number")
_SCHEMA_ONLY = ("enum", "minimum", "maximum", "examples", "format", "title")
"""Keywords of the trigger form that a target may have no place for."""


def written_params(config: ObjectiveConfig) -> dict[str, dict[str, Any]]:
    """Each declared param as written in the config (JSON Schema keywords; ``default`` only when given)."""
    return {
        name: param.model_dump(mode="json") if hasattr(param, "model_dump") else dict(param)
        for name, param in config.dag.params.items()
    }


def params_refusal(value: Any, config: ObjectiveConfig) -> str | None:
    """Why the objective's params cannot be rendered, naming them; None when all can."""
    wrong = [name for name, written in written_params(config).items() if written.get("type") not in RENDERED_TYPES]
    if not wrong:
        return None
    return (
        f"only integer and number params are rendered, and {', '.join(map(repr, wrong))} "
        f"{'is' if len(wrong) == 1 else 'are'} not: the target would write another value into the task's JSON "
        "unescaped and unchecked"
    )


def params_note(enforced: tuple[str, ...]) -> Callable[[Any, ObjectiveConfig], str | None]:
    """A judge of what of the params' schemas a target that enforces only ``enforced`` leaves unchecked."""

    def note(value: Any, config: ObjectiveConfig) -> str | None:
        unchecked = sorted(
            {
                keyword
                for written in written_params(config).values()
                for keyword in written
                if keyword in _SCHEMA_ONLY and keyword not in enforced
            }
        )
        if not unchecked:
            return None
        return f"a run's values are not checked against {', '.join(unchecked)} as Airflow's trigger form does"

    return note


def run_params_json(config: ObjectiveConfig, placeholder: Callable[[str], str]) -> str | None:
    """``MAXAI_RUN_PARAMS`` with each param's value as the target's ``placeholder``; None without params."""
    names = list(config.dag.params)
    if not names:
        return None
    return "{" + ", ".join(f'"{name}": {placeholder(name)}' for name in names) + "}"
