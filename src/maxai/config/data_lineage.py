"""The marketplace's data lineage: which objective writes, reads and waits for which data asset.

Checked across objectives by ``maxai validate`` (one objective's load sees only its own files):
one writer per asset, every awaited asset written by some objective (or declared external), and no
objectives that trigger each other in a cycle. ``maxai graph --lineage`` draws the same records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from maxai.config.asset_identity import DataAsset, data_asset, paths_of
from maxai.config.assets import awaited_assets
from maxai.config.diagnostics import did_you_mean
from maxai.config.graph import find_cycle
from maxai.config.jsonfile import child, locate
from maxai.config.layout import DAG_SECTION, PY_CONFIG
from maxai.config.objective import ObjectiveConfig
from maxai.errors import JsonPath, Problem


@dataclass(frozen=True)
class DataUse:
    asset: DataAsset
    written: str
    """The path as the config writes it."""
    task: str
    """The task that reads or writes it; empty for the objective's schedule."""
    path: JsonPath
    """Where in py_config.json it is written."""


@dataclass(frozen=True)
class ObjectiveData:
    dag_id: str
    writes: tuple[DataUse, ...]
    reads: tuple[DataUse, ...]
    """Inputs that no task of the objective itself writes."""
    awaits: tuple[DataUse, ...]
    """Assets the schedule waits for (``external`` ones excluded)."""
    externals: tuple[DataUse, ...]
    py_files: tuple[str, ...]
    """The objective's py_config.json files, use case first, relative to the root."""


def _uses(task: str, setting: str, value: str | dict[str, str] | None) -> list[DataUse]:
    if isinstance(value, dict):
        return [DataUse(data_asset(path), path, task, (task, setting, key)) for key, path in value.items()]
    return [DataUse(data_asset(path), path, task, (task, setting)) for path in paths_of(value)]


def objective_data(config: ObjectiveConfig) -> ObjectiveData:
    writes = [use for task in config.tasks for use in _uses(task.name, "output", task.params.output)]
    written = {use.asset for use in writes}
    reads = [
        use for task in config.tasks for use in _uses(task.name, "input", task.params.input) if use.asset not in written
    ]
    awaits: list[DataUse] = []
    externals: list[DataUse] = []
    for awaited in awaited_assets(config.dag.schedule):
        use = DataUse(awaited.asset, awaited.written, "", (DAG_SECTION, "schedule", *awaited.path))
        (externals if awaited.external else awaits).append(use)
    return ObjectiveData(
        dag_id=config.dag_id,
        writes=tuple(writes),
        reads=tuple(reads),
        awaits=tuple(awaits),
        externals=tuple(externals),
        py_files=tuple(name for name in config.files if name.endswith("/" + PY_CONFIG)),
    )


def _problem(root: Path, objective: ObjectiveData, path: JsonPath, message: str) -> Problem:
    """Located in the objective's own py_config.json when it sets the value, else its use case's."""
    for name in reversed(objective.py_files):
        try:
            text = (root / name).read_text(encoding="utf-8")
            data = json.loads(text)
        except (OSError, ValueError):
            continue
        found = True
        for part in path:
            found, data = child(data, part)
            if not found:
                break
        if found:
            line, column = locate(text, path)
            return Problem(name, path, message, line, column)
    return Problem(objective.py_files[-1] if objective.py_files else objective.dag_id, path, message)


def lineage_problems(
    root: Path, objectives: list[ObjectiveData], checked: set[str] | None = None, *, complete: bool = True
) -> list[tuple[str, Problem]]:
    """What is wrong across objectives, with the DAG id each problem is about; ``checked`` limits the
    report to those DAG ids (all by default). Without every objective (``complete`` false: some could
    not be loaded), an awaited asset may be written by a broken one: that is not reported."""
    writers: dict[DataAsset, list[tuple[ObjectiveData, DataUse]]] = {}
    for objective in objectives:
        for use in objective.writes:
            writers.setdefault(use.asset, []).append((objective, use))
    problems: list[tuple[str, Problem]] = []

    def report(objective: ObjectiveData, path: JsonPath, message: str) -> None:
        if checked is None or objective.dag_id in checked:
            problems.append((objective.dag_id, _problem(root, objective, path, message)))

    for entries in writers.values():
        first_objective, first_use = entries[0]
        for objective, use in entries[1:]:
            report(
                objective,
                use.path,
                f"{use.written!r} is also written by {first_objective.dag_id} / {first_use.task}: two writers of "
                "one folder overwrite each other's partitions; give each task its own output",
            )
    all_written = sorted({asset.name for asset in writers})
    for objective in objectives:
        for use in objective.awaits:
            if complete and use.asset not in writers:
                report(
                    objective,
                    use.path,
                    f"the schedule waits for {use.written!r}, which no objective writes"
                    f"{did_you_mean(use.asset.name, all_written)}; if another system writes it, "
                    f'write {{"external": {use.written!r}}}',
                )
        for use in objective.externals:
            if use.asset in writers:
                writer, write = writers[use.asset][0]
                report(
                    objective,
                    use.path,
                    f"{use.written!r} is declared external, but {writer.dag_id} / {write.task} writes it; "
                    "name it without 'external' so validate checks its writer",
                )
    cycle = _trigger_cycle(objectives, writers)
    if cycle is not None:
        objective, use, names = cycle
        report(
            objective,
            use.path,
            "objectives trigger each other in a cycle (each runs when the one before writes what it waits for): "
            + " -> ".join(names),
        )
    return problems


def _trigger_cycle(
    objectives: list[ObjectiveData], writers: dict[DataAsset, list[tuple[ObjectiveData, DataUse]]]
) -> tuple[ObjectiveData, DataUse, list[str]] | None:
    """Objectives whose asset schedules trigger each other for ever (one waiting for its own output too):
    the first objective of the cycle, its schedule entry that closes it, and the cycle in trigger order."""
    by_id = {objective.dag_id: objective for objective in objectives}
    triggered_by = {
        objective.dag_id: tuple(
            dict.fromkeys(writer.dag_id for use in objective.awaits for writer, _ in writers.get(use.asset, []))
        )
        for objective in objectives
    }
    cycle = find_cycle(list(by_id), triggered_by)
    if not cycle:
        return None
    objective = by_id[cycle[0]]
    upstream = cycle[1] if len(cycle) > 1 else cycle[0]
    use = next(use for use in objective.awaits if any(w.dag_id == upstream for w, _ in writers.get(use.asset, [])))
    # find_cycle follows "waits for" edges; triggers run the other way
    return objective, use, list(reversed([*cycle, cycle[0]]))
