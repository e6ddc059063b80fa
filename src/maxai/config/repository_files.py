"""Repository-wide config files (``maxaiconfigs/environments.json``, ``maxaiconfigs/presets.json``): read,
validated like every config (unknown keys, did-you-mean, file:line), memoised while the file is unchanged."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from maxai.config.collector import ProblemCollector
from maxai.config.jsonfile import read_config_file
from maxai.config.layering import Layer
from maxai.config.layout import CONFIGS_DIR
from maxai.config.sections import validate_layers
from maxai.errors import ConfigError, Problem

Model = TypeVar("Model", bound=BaseModel)

REPOSITORY_FILES = ("environments.json", "presets.json")
"""The repository-wide config files: a change to one may change every objective."""

RepositoryFile = tuple[Any, Layer | None, tuple[Problem, ...]]
"""The validated model (None when absent or invalid), the file's layer, and its problems."""

_READ: dict[tuple[str, str], tuple[tuple[int, int, int], RepositoryFile]] = {}


def repository_file_path(root: Path, name: str) -> str:
    return os.path.join(root, CONFIGS_DIR, name)


def read_repository_file(
    root: Path,
    name: str,
    model: type[Model],
    check: Callable[[ProblemCollector, list[Layer], Model], None] | None = None,
) -> tuple[Model | None, Layer | None, tuple[Problem, ...]]:
    """``maxaiconfigs/<name>`` validated against ``model`` (then ``check``ed); (None, None, ()) when absent."""
    path = repository_file_path(root, name)
    try:
        status = os.stat(path)
    except OSError:
        return None, None, ()
    key = (status.st_mtime_ns, status.st_size, status.st_ino)
    cached = _READ.get((path, model.__name__))
    if cached is not None and cached[0] == key:
        return cached[1]
    display = f"{CONFIGS_DIR}/{name}"
    collector = ProblemCollector()
    layer: Layer | None = None
    validated: Model | None = None
    try:
        data, text = read_config_file(Path(path), display)
    except ConfigError as error:
        collector.problems.extend(error.problems)
    else:
        if not isinstance(data, dict):
            collector.problems.append(Problem(display, (), "the file must hold a JSON object", 1, 1))
        else:
            layer = Layer(display, data, text)
            validated, _ = validate_layers(collector, [layer], model, lambda value: value)
            if validated is not None and check is not None:
                check(collector, [layer], validated)
                if collector.problems:
                    validated = None
    result: RepositoryFile = (validated, layer, tuple(collector.problems))
    _READ[(path, model.__name__)] = (key, result)
    return result
