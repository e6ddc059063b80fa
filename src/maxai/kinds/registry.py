"""Finding task kinds: the built-in ones, and those installed packages declare under ``maxai.task_kinds``.

Built-in kinds are known without looking at installed packages, so building the DAG of an objective that
uses only them never scans entry points (a scan reads the metadata of every installed distribution). The
scan happens once per process, when a config is loaded for real or a kind that is not built in is asked for.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Mapping
from pathlib import Path

from maxai.config.layout import PY_CONFIG
from maxai.kinds.api import TaskKind, load_reference

ENTRY_POINT_GROUP = "maxai.task_kinds"
BUILTIN_KINDS: Mapping[str, str] = {
    "spark": "maxai.kinds.spark:KIND",
    "kubepod": "maxai.kinds.kubepod:KIND",
    "model": "maxai.kinds.model:KIND",
}
"""Name -> reference of the kinds shipped with maxai (also declared as entry points in pyproject.toml)."""


class KindError(RuntimeError):
    """An installed package declares a task kind maxai cannot use."""


@functools.cache
def _builtin(name: str) -> TaskKind:
    kind = load_reference(BUILTIN_KINDS[name])
    assert isinstance(kind, TaskKind)
    return kind


@functools.cache
def task_kinds() -> dict[str, TaskKind]:
    """Every installed kind by name: the built-in ones first, then the others by name."""
    from importlib.metadata import entry_points

    kinds = {name: _builtin(name) for name in BUILTIN_KINDS}
    declared = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda point: point.name)
    for point in declared:
        if point.name in BUILTIN_KINDS:
            if point.value.replace(" ", "") != BUILTIN_KINDS[point.name]:
                raise KindError(
                    f"entry point {point.name!r} of group {ENTRY_POINT_GROUP} ({point.value}) would replace "
                    "maxai's built-in kind of that name; give the kind another name"
                )
            continue
        try:
            kind = point.load()
        except Exception as error:
            raise KindError(
                f"task kind {point.name!r} ({point.value}) cannot be loaded: {type(error).__name__}: {error}"
            ) from error
        if not isinstance(kind, TaskKind):
            raise KindError(f"entry point {point.name!r} ({point.value}) is a {type(kind).__name__}, not a TaskKind")
        if kind.name != point.name:
            raise KindError(f"entry point {point.name!r} ({point.value}) declares a kind named {kind.name!r}")
        kinds[kind.name] = kind
    return kinds


def kind_named(name: str) -> TaskKind:
    """The kind ``name``; a built-in one without scanning installed packages."""
    if name in BUILTIN_KINDS:
        return _builtin(name)
    kinds = task_kinds()
    if name not in kinds:
        raise KindError(f"no task kind {name!r} is installed (known: {', '.join(kinds)})")
    return kinds[name]


def kind_config_files() -> tuple[str, ...]:
    """The config file of every installed kind."""
    return tuple(kind.config_file for kind in task_kinds().values())


def source_files(kind: TaskKind) -> list[str]:
    """The Python files of the packages a kind that is not built in comes from (none for a built-in kind).

    The parse cache records them with each objective using the kind: upgrading or removing the package
    then makes the cached resolution stale, as a change of maxai's own modules does.
    """
    if kind.name in BUILTIN_KINDS:
        return []
    optional = (
        kind.arguments,
        kind.normalise,
        kind.clean,
        kind.check_data,
        kind.check,
        kind.function_use,
        kind.container_step,
    )
    references = [kind.model, kind.build, *optional]
    packages = dict.fromkeys(reference.partition(":")[0].split(".")[0] for reference in references if reference)
    files: list[str] = []
    for package in packages:
        module = importlib.import_module(package)
        folders = list(getattr(module, "__path__", []))
        if not folders and getattr(module, "__file__", None):
            files.append(str(module.__file__))
        for folder in folders:
            files.extend(str(path) for path in sorted(Path(folder).rglob("*.py")) if "__pycache__" not in path.parts)
    return files


def config_files() -> tuple[str, ...]:
    """Every config file an objective folder may hold: each kind's, then py_config.json."""
    return (*kind_config_files(), PY_CONFIG)


def forget_kinds() -> None:
    """Scan again on next use (after a package declaring kinds was installed in this process)."""
    task_kinds.cache_clear()
