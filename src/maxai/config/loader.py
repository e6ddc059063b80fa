"""Load one objective: read its layers, validate each file, resolve its tasks, collect every problem."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from maxai.config import cache
from maxai.config.callbacks import check_callbacks
from maxai.config.collector import ProblemCollector, display_path
from maxai.config.environments import apply_environment, deployment_for
from maxai.config.handlers import check_handlers
from maxai.config.jsonfile import locate
from maxai.config.layering import overlay_task_problems
from maxai.config.layout import PY_CONFIG, USECASES_DIR, ObjectiveRef, real_path
from maxai.config.models import DAG_SECTION, PyConfigFile
from maxai.config.objective import ObjectiveConfig, Selection, selection
from maxai.config.paths import check_data_paths, doc_md_file, names_markdown_file
from maxai.config.presets import apply_presets
from maxai.config.reading import objective_folders, read_layers
from maxai.config.run_params import check_run_settings
from maxai.config.sections import validate_layers, validated_section
from maxai.config.tasks import KindSection, resolve_tasks
from maxai.errors import ConfigError, Problem
from maxai.kinds.api import KindContext
from maxai.kinds.registry import config_files, source_files, task_kinds


def load_objective(
    root: Path,
    domain: str,
    usecase: str,
    objective: str,
    *,
    use_cache: bool = True,
    env: str | None = None,
    user: str | None = None,
) -> ObjectiveConfig:
    """Read only this objective's files (and its use case's), layer, validate and resolve them.

    Built for environment ``env`` and user ``user`` (default: ``$MAXAI_ENV``, ``$MAXAI_USER``; see
    maxai.config.environments).

    With ``use_cache``, an unchanged objective that was valid before comes from the disk
    cache (see maxai.config.cache); ``maxai validate`` always checks for real.
    """
    ref = ObjectiveRef(domain, usecase, objective)
    root = Path(real_path(root))
    chosen = selection(env, user)
    if use_cache:
        cached = cache.lookup(root, ref, chosen)
        if cached is not None:
            return cached
    depends_on: list[str] = []
    config = _load_uncached(root, ref, depends_on, chosen)
    if use_cache:
        cache.store(config, depends_on, chosen)
    return config


def _unchanged(data: Any) -> Any:
    return data


def _load_uncached(root: Path, ref: ObjectiveRef, depends_on: list[str], chosen: Selection) -> ObjectiveConfig:
    """The full load; ``depends_on`` receives every path whose state the result depends on."""
    usecase_dir, objective_dir = objective_folders(root, ref)
    code_dir = root / USECASES_DIR / ref.domain / ref.usecase
    depends_on.extend([str(usecase_dir), str(objective_dir)])
    depends_on.extend(os.path.join(folder, name) for folder in (usecase_dir, objective_dir) for name in config_files())

    read_problems: list[Problem] = []
    layers, complete = read_layers(root, [usecase_dir, objective_dir], read_problems)
    if not complete:
        # a file that cannot be parsed would make every check of the merged result misleading
        raise ConfigError(read_problems)

    collector = ProblemCollector()
    collector.problems.extend(read_problems)  # stray files, credentials: reported with everything else
    deployment, environment = deployment_for(collector, root, depends_on, chosen)
    py_layers = layers.get(PY_CONFIG, [])
    kinds = [kind for kind in task_kinds().values() if layers.get(kind.config_file)]
    for kind in kinds:
        file_layers = layers[kind.config_file]
        if len(file_layers) == 2:
            overlay = file_layers[1]
            for path, message in overlay_task_problems(file_layers[0].data, overlay.data):
                line, column = locate(overlay.text, path)
                collector.problems.append(Problem(overlay.display, path, message, line, column))
    sections: list[KindSection] = []
    invalid = False
    for kind in kinds:
        file_layers = layers[kind.config_file]
        validated = validated_section(
            collector, file_layers, kind.file_model(), kind.load("clean") or _unchanged, kind.load("check_data")
        )
        if validated is None:
            invalid = True
            continue
        check = kind.load("check")
        if check is not None:
            check(KindContext(collector, file_layers, root, code_dir, depends_on), validated)
        sections.append(KindSection(kind, file_layers, validated))
        depends_on.extend(source_files(kind))
    if not kinds:
        names = [kind.config_file for kind in task_kinds().values()]
        collector.problems.append(
            Problem(
                display_path(root, objective_dir) + "/",
                (),
                f"no tasks: add {', '.join(names[:-1])} or {names[-1]} to the use case or objective folder",
            )
        )
    py_config: PyConfigFile | None = PyConfigFile.model_validate({})
    if py_layers:
        py_config, _ = validate_layers(collector, py_layers, PyConfigFile, lambda data: data)
        if py_config is not None:
            check_data_paths(collector, py_layers, py_config)
            check_run_settings(collector, py_layers, py_config)
            doc_md = py_config.dag.doc_md
            if doc_md is not None and names_markdown_file(doc_md):
                depends_on.extend(str(folder / doc_md) for folder in (objective_dir, usecase_dir))
                if doc_md_file(root, usecase_dir, objective_dir, doc_md) is None:
                    collector.add(
                        py_layers,
                        (DAG_SECTION, "doc_md"),
                        f"{doc_md!r} names a Markdown file, but there is none in "
                        f"{display_path(root, objective_dir)}/ or {display_path(root, usecase_dir)}/",
                    )
    if py_config is None or invalid:
        collector.raise_if_any()  # without valid files there is nothing to resolve tasks from
    assert py_config is not None

    tasks = resolve_tasks(collector, sections, py_layers, py_config, root, code_dir, depends_on)
    tasks = apply_presets(collector, root, tasks, [(section.layers, section.file) for section in sections], depends_on)
    domain_dir = str(root / USECASES_DIR / ref.domain)
    task_layers = {section.kind.name: section.layers for section in sections}
    check_handlers(collector, tasks, py_layers, task_layers, domain_dir, depends_on)
    check_callbacks(collector, py_layers, py_config.dag, sections, domain_dir, depends_on)
    collector.raise_if_any()
    files = tuple(layer.display for file_layers in layers.values() for layer in file_layers)
    config = ObjectiveConfig(ref=ref, root=root, dag=py_config.dag, tasks=tasks, files=files)
    return apply_environment(config, deployment, environment)


__all__ = ["DAG_SECTION", "load_objective"]
