"""Checks of a whole repository's layout, beyond any single objective's configs."""

from __future__ import annotations

import os
from pathlib import Path

from maxai.config.dagfile import DAG_FILE, check_dag_file
from maxai.config.layout import (
    CONFIG_FILES,
    CONFIGS_DIR,
    DAGS_DIR,
    ObjectiveRef,
    is_valid_name,
    list_dirs,
    name_problem,
)
from maxai.errors import Problem


def _json_files(folder: Path) -> list[str]:
    try:
        return sorted(entry.name for entry in os.scandir(folder) if entry.is_file() and entry.name.endswith(".json"))
    except OSError:
        return []


def layout_problems(root: Path, refs: list[ObjectiveRef]) -> list[Problem]:
    """Badly named folders, use cases without objectives, configs nobody reads, dag.py files out of step
    (missing, orphaned, or drifted from the canonical form: see :mod:`maxai.config.dagfile`)."""
    problems: list[Problem] = []
    configs = root / CONFIGS_DIR
    for domain in list_dirs(configs):
        domain_dir = configs / domain
        domain_problem = name_problem("domain", domain)
        if domain_problem:
            problems.append(Problem(f"{CONFIGS_DIR}/{domain}/", (), domain_problem))
            continue
        for name in _json_files(domain_dir):
            problems.append(
                Problem(
                    f"{CONFIGS_DIR}/{domain}/{name}",
                    (),
                    "config files at domain level are not read; move it into a use case folder",
                )
            )
        for usecase in list_dirs(domain_dir):
            usecase_dir = domain_dir / usecase
            where = f"{CONFIGS_DIR}/{domain}/{usecase}/"
            usecase_problem = name_problem("use case", usecase)
            if usecase_problem:
                problems.append(Problem(where, (), usecase_problem))
                continue
            objectives = list_dirs(usecase_dir)
            if not objectives:
                problems.append(Problem(where, (), "use case has no objective folder, so no DAG is built from it"))
            for objective in objectives:
                objective_problem = name_problem("objective", objective)
                if objective_problem:
                    problems.append(Problem(f"{where}{objective}/", (), objective_problem))
                    continue
                for child in list_dirs(usecase_dir / objective):
                    problems.append(
                        Problem(
                            f"{where}{objective}/{child}/",
                            (),
                            "objective folders hold only config files; this folder is ignored",
                        )
                    )
    for ref in refs:
        dag_file = root / DAGS_DIR / ref.domain / ref.usecase / ref.objective / DAG_FILE
        if not dag_file.is_file():
            problems.append(
                Problem(
                    f"{DAGS_DIR}/{ref.domain}/{ref.usecase}/{ref.objective}/{DAG_FILE}",
                    (),
                    f"missing: objective {ref} has no DAG file (`maxai new {ref.domain} {ref.usecase} {ref.objective}` writes it)",
                )
            )
        else:
            problems.extend(check_dag_file(root, ref))
    known = {ref.parts for ref in refs}
    dags = root / DAGS_DIR
    for dag_file in sorted(dags.glob(f"*/*/*/{DAG_FILE}")):
        parts = dag_file.relative_to(dags).parts[:3]
        if not all(
            is_valid_name(name, kind) for name, kind in zip(parts, ("domain", "use case", "objective"), strict=True)
        ):
            continue  # the config folder of the same name is reported with the reason
        if tuple(parts) not in known:
            problems.append(
                Problem(
                    dag_file.relative_to(root).as_posix(),
                    (),
                    f"no config folder {CONFIGS_DIR}/{'/'.join(parts)}/ for this DAG file",
                )
            )
    problems.extend(_stray_dag_builders(root))
    return problems


def _stray_dag_builders(root: Path) -> list[Problem]:
    """Python files under maxaidags/ other than the objectives' dag.py that build a maxai DAG.

    Airflow keeps one DAG per id: a second file building ``retail.demand_forecast.stores_eu`` makes one
    of the two vanish, whichever the dag-processor parses last.
    """
    problems = []
    dags = root / DAGS_DIR
    for path in sorted(dags.rglob("*.py")) if dags.is_dir() else []:
        relative = path.relative_to(dags).parts
        if len(relative) == 4 and relative[3] == DAG_FILE:
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if "build_dag" in text:
            line = next(number for number, content in enumerate(text.splitlines(), 1) if "build_dag" in content)
            problems.append(
                Problem(
                    path.relative_to(root).as_posix(),
                    (),
                    "builds a maxai DAG outside maxaidags/<domain>/<usecase>/<objective>/dag.py; Airflow keeps one "
                    "DAG per id, so it would hide or replace an objective's DAG: remove it",
                    line,
                    1,
                )
            )
    return problems


__all__ = ["CONFIG_FILES", "DAG_FILE", "layout_problems"]
