"""The metric gate of a deploy step, apart from MLflow so that its rule reads (and is tested) on its own."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Gate:
    metric: str
    below: float | None = None
    above: float | None = None
    compare_with_alias: bool = True


def gate_refusal(gate: Gate, value: float | None, holder: tuple[str, float | None] | None) -> str | None:
    """Why the new version must not get the alias, or None when it passes.

    ``holder`` is the version the alias names now and its metric (None when the alias names none).
    A holder that never logged the metric cannot be compared, so it does not block the new version.
    """
    if value is None:
        return f"the new version's run logged no metric {gate.metric!r}"
    lower_is_better = gate.below is not None
    if gate.below is not None and not value < gate.below:
        return f"{gate.metric} = {value:g} is not below {gate.below:g}"
    if gate.above is not None and not value > gate.above:
        return f"{gate.metric} = {value:g} is not above {gate.above:g}"
    current = holder[1] if holder is not None else None
    if gate.compare_with_alias and holder is not None and current is not None:
        version = holder[0]
        worse = value > current if lower_is_better else value < current
        if worse:
            return f"{gate.metric} = {value:g} is worse than {current:g} of version {version}, which the alias names"
    return None
