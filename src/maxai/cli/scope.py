"""Which objectives a command works on: the root, positional names, and paths."""

from __future__ import annotations

from pathlib import Path

from maxai.cli.output import UsageError
from maxai.config.dagfile import DAG_FILE
from maxai.config.layout import CONFIGS_DIR, DAGS_DIR, ObjectiveRef, find_root, list_dirs, name_problem
from maxai.config.repository_files import REPOSITORY_FILES
from maxai.errors import ConfigError
from maxai.kinds.registry import config_files


def resolve_root(option: str | None) -> Path:
    try:
        if option:
            root = Path(option).resolve()
            if not (root / CONFIGS_DIR).is_dir():
                raise UsageError(f"--root {option}: no {CONFIGS_DIR}/ folder there")
            return root
        return find_root(Path.cwd(), how_to_give="give --root DIR")
    except ConfigError as error:
        raise UsageError(str(error.problems[0].message)) from None


def objective_ref(root: Path, domain: str, usecase: str, objective: str) -> ObjectiveRef:
    """A named objective that exists, or a usage error with a "did you mean"."""
    from maxai.config.diagnostics import did_you_mean

    try:
        ref = ObjectiveRef(domain, usecase, objective)
    except ConfigError as error:
        raise UsageError(error.problems[0].message) from None
    folder = root / CONFIGS_DIR
    for kind, name in (("domain", domain), ("use case", usecase), ("objective", objective)):
        if not (folder / name).is_dir():
            hint = did_you_mean(name, list_dirs(folder))
            raise UsageError(f"no {kind} {name!r} in {folder.relative_to(root)}/{hint}")
        folder = folder / name
    return ref


def objectives_for_paths(root: Path, paths: list[str], all_refs: list[ObjectiveRef]) -> list[ObjectiveRef]:
    """Objectives touched by config files or folders given on the command line."""
    selected: list[ObjectiveRef] = []
    for raw in paths:
        path = Path(raw).resolve()
        if not path.exists():
            raise UsageError(f"{raw}: no such file or folder")
        try:
            relative = path.relative_to(root)
        except ValueError:
            raise UsageError(f"{raw}: not inside the repository {root}") from None
        parts = relative.parts
        if path.is_file():
            if parts == (CONFIGS_DIR, path.name) and path.name in REPOSITORY_FILES:
                selected.extend(all_refs)  # environments.json, presets.json: every objective reads it
                continue
            if path.name not in config_files() and not (parts[:1] == (DAGS_DIR,) and path.name == DAG_FILE):
                raise UsageError(f"{raw}: not a maxai config file ({', '.join(config_files())})")
            parts = parts[:-1]
        if not parts or parts[0] not in (CONFIGS_DIR, DAGS_DIR):
            if not parts:
                selected.extend(all_refs)
                continue
            raise UsageError(f"{raw}: not under {CONFIGS_DIR}/ or {DAGS_DIR}/")
        prefix = parts[1:4]
        for name, kind in zip(prefix, ("domain", "use case", "objective"), strict=False):
            problem = name_problem(kind, name)
            if problem:
                raise UsageError(f"{raw}: {problem}")
        matches = [ref for ref in all_refs if ref.parts[: len(prefix)] == tuple(prefix)]
        selected.extend(matches)
    return sorted(dict.fromkeys(selected))
