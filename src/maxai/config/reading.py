"""Reading an objective's config files into layers: which files exist, parsing, per-file checks, memoised."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from maxai.config.collector import display_path
from maxai.config.diagnostics import did_you_mean
from maxai.config.jsonfile import locate, read_config_file
from maxai.config.layering import Layer
from maxai.config.layout import (
    CONFIGS_DIR,
    ObjectiveRef,
    list_dirs,
    real_path,
)
from maxai.config.secrets import find_plaintext_secrets
from maxai.errors import ConfigError, Problem
from maxai.kinds.registry import config_files, task_kinds


def _json_files(root: Path, folder: Path, problems: list[Problem]) -> frozenset[str]:
    """Names of the config files in ``folder``; any other ``.json`` file there is a problem (likely a typo)."""
    try:
        stamp = os.stat(folder).st_mtime_ns
    except OSError:
        return frozenset()
    found, stray = _list_json_files(root, folder, stamp)
    problems.extend(stray)
    return found


@functools.lru_cache(maxsize=4096)
def _list_json_files(root: Path, folder: Path, folder_stamp: int) -> tuple[frozenset[str], tuple[Problem, ...]]:
    # Memoised by the folder's modification time, which changes whenever an entry is added or removed.
    found: set[str] = set()
    problems: list[Problem] = []
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return frozenset(), ()
    known = config_files()
    for entry in entries:
        if not entry.name.endswith(".json") or not entry.is_file():
            continue
        if entry.name in known:
            found.add(entry.name)
        else:
            hint = did_you_mean(entry.name, known) or f" (expected one of {', '.join(known)})"
            problems.append(Problem(display_path(root, Path(entry.path)), (), f"unknown config file{hint}"))
    return frozenset(found), tuple(problems)


_LayerKey = tuple[str, int, int, int]


_LAYER_CACHE: dict[str, tuple[_LayerKey, Layer | None, list[Problem]]] = {}


def _read_layer(
    path: str, display: str, normalise: Callable[..., Any] | None, configs_real: str
) -> tuple[Layer | None, list[Problem]]:
    """One config file, parsed and checked on its own; memoised per process while the file is unchanged.

    A use case's files are shared by all its objectives, so a DagBag reads each of them once.
    """
    try:
        status = os.stat(path)
    except OSError as error:
        return None, [Problem(display, (), f"cannot read file: {error.strerror or error}")]
    key: _LayerKey = (display, status.st_mtime_ns, status.st_size, status.st_ino)
    cached = _LAYER_CACHE.get(path)
    if cached is not None and cached[0] == key:
        return cached[1], cached[2]
    problems: list[Problem] = []
    layer: Layer | None = None
    # Its folders were checked already (see objective_folders): only a link here can lead out.
    real = os.path.realpath(path) if os.path.islink(path) else configs_real + os.sep
    if not real.startswith(configs_real + os.sep):
        problems.append(Problem(display, (), "is a link leading outside maxaiconfigs/"))
    else:
        try:
            data, text = read_config_file(Path(path), display)
        except ConfigError as error:
            problems.extend(error.problems)
        else:
            if not isinstance(data, dict):
                problems.append(Problem(display, (), "the file must hold a JSON object", 1, 1))
            else:
                if normalise is not None:
                    data = normalise(data, display, text, problems)
                layer = Layer(display, data, text)
                for secret_path, message in find_plaintext_secrets(data):
                    line, column = locate(text, secret_path)
                    problems.append(Problem(display, secret_path, message, line, column))
    _LAYER_CACHE[path] = (key, layer, problems)
    return layer, problems


def read_layers(root: Path, folders: list[Path], problems: list[Problem]) -> tuple[dict[str, list[Layer]], bool]:
    """The layers of each config file, and whether every present file could be parsed."""
    layers: dict[str, list[Layer]] = {}
    complete = True
    configs_real = real_path(root / CONFIGS_DIR)
    present = [_json_files(root, folder, problems) for folder in folders]
    normalisers = {kind.config_file: kind.load("normalise") for kind in task_kinds().values()}
    for file_name in config_files():
        found = []
        for folder, names in zip(folders, present, strict=True):
            if file_name not in names:
                continue
            path = os.path.join(folder, file_name)
            layer, layer_problems = _read_layer(
                path, display_path(root, path), normalisers.get(file_name), configs_real
            )
            problems.extend(layer_problems)
            if layer is not None:
                found.append(layer)
            else:
                complete = False
        if found:
            layers[file_name] = found
    return layers, complete


def objective_folders(root: Path, ref: ObjectiveRef) -> tuple[Path, Path]:
    configs = root / CONFIGS_DIR
    usecase_dir = configs / ref.domain / ref.usecase
    objective_dir = usecase_dir / ref.objective
    if not os.path.isdir(objective_dir):
        where, name, kind = configs, ref.domain, "domain"
        if (configs / ref.domain).is_dir():
            where, name, kind = configs / ref.domain, ref.usecase, "use case"
            if usecase_dir.is_dir():
                where, name, kind = usecase_dir, ref.objective, "objective"
        hint = did_you_mean(name, list_dirs(where))
        raise ConfigError.single(
            display_path(root, where / name), (), f"{kind} folder {display_path(root, where / name)}/ not found{hint}"
        )
    configs_real = real_path(configs)
    links = any(os.path.islink(folder) for folder in (configs / ref.domain, usecase_dir, objective_dir))
    objective_real = os.path.realpath(objective_dir) if links else os.path.join(configs_real, *ref.parts)
    if not objective_real.startswith(configs_real + os.sep):
        raise ConfigError.single(display_path(root, objective_dir), (), "is a link leading outside maxaiconfigs/")
    return usecase_dir, objective_dir
