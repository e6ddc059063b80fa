"""Path settings: Spark code paths under the use case's code folder, handler data paths under the data folder."""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any

from maxai.config.collector import ProblemCollector, display_path
from maxai.config.layering import Layer
from maxai.config.layout import URI_SCHEMES, doc_md_file, inside, is_uri, names_markdown_file
from maxai.config.models import (
    PyConfigFile,
    SparkConfigFile,
)
from maxai.errors import JsonPath

SPARK_PATH_ARGUMENTS = ("application", "py_files", "files", "archives", "jars", "properties_file", "keytab")


_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def _classify_path(value: str) -> tuple[str, str | None]:
    """("uri" | "local" | "bad", problem): what kind of path setting ``value`` is."""
    if "\x00" in value:
        return "bad", "a path cannot contain a NUL character"
    if is_uri(value):
        return "uri", None
    if "://" in value:
        return "bad", f"{value!r}: unsupported URI scheme; use one of {', '.join(URI_SCHEMES)}"
    if value.startswith(("/", "\\")) or _WINDOWS_DRIVE.match(value):
        return "bad", None
    return "local", None


def _check_code_path(value: str, root: Path, code_dir: Path, stamps: dict[str, int] | None = None) -> str | None:
    """Problem with a path-valued Spark argument, or None. Relative paths are under the use case's code folder.

    Memoised per process; the folder's modification time is part of the key, so adding or
    removing the file (or a link in its place) is noticed. ``stamps`` shares folder times between calls.
    """
    folder = os.path.dirname(os.path.join(code_dir, value)) if "\x00" not in value else str(code_dir)
    stamp = stamps.get(folder) if stamps is not None else None
    if stamp is None:
        try:
            stamp = os.stat(folder).st_mtime_ns
        except (OSError, ValueError):
            stamp = -1
        if stamps is not None:
            stamps[folder] = stamp
    return _check_code_path_uncached(value, root, code_dir, stamp)


@functools.lru_cache(maxsize=4096)
def _check_code_path_uncached(value: str, root: Path, code_dir: Path, folder_stamp: int) -> str | None:
    kind, problem = _classify_path(value)
    if kind == "uri" or problem:
        return problem
    if kind == "bad":  # absolute
        return (
            f"{value!r} is an absolute path; give a path relative to {display_path(root, code_dir)}/ "
            "or a URI such as local:///opt/app/main.py"
        )
    target = code_dir / value
    try:
        if not inside(target, root):
            return f"{value!r} leads outside the repository"
        if not target.exists():
            return f"{value!r} not found (looked for {display_path(root, target)})"
        if target.is_dir():
            return f"{value!r} is a folder ({display_path(root, target)}); spark-submit takes a file here"
    except (OSError, ValueError) as error:  # NUL bytes, names longer than the filesystem allows, link loops
        return f"{value!r} is not a usable path ({error})"
    return None


def data_path_problem(value: str) -> str | None:
    if "{{" in value or "{%" in value:
        return (
            f"{value!r}: py_config paths are not templated (the folder would be named literally); "
            "the run's partition (ds=<date>) is added to outputs by output_path()"
        )
    kind, problem = _classify_path(value)
    if kind == "uri" or problem:
        return problem
    parts = [part for part in value.replace("\\", "/").split("/") if part not in ("", ".")]
    if kind == "bad" or ".." in parts:
        return f"{value!r} must be a relative path inside the data folder (no '..', not absolute) or a URI such as s3a://bucket/key"
    if not parts:
        return f"{value!r} is the data folder itself; name a folder inside it, such as 'out/<usecase>/<task>'"
    return None


def check_spark_paths(
    collector: ProblemCollector,
    layers: list[Layer],
    spark: SparkConfigFile,
    root: Path,
    code_dir: Path,
    depends_on: list[str],
) -> None:
    stamps: dict[str, int] = {}
    code_folder = str(code_dir)
    for index, task in enumerate(spark.tasks):
        for argument in SPARK_PATH_ARGUMENTS:
            value = getattr(task.spark_submit_conf, argument)
            if value is None:
                continue
            for item in _path_items(argument, value):
                if not is_uri(item) and "\x00" not in item:
                    target = os.path.join(code_folder, item)
                    depends_on.extend([target, os.path.dirname(target)])
                problem = _check_code_path(item, root, code_dir, stamps)
                if problem:
                    collector.add(layers, ("tasks", index, "spark_submit_conf", argument), problem)


def check_data_paths(collector: ProblemCollector, layers: list[Layer], py_config: PyConfigFile) -> None:
    for name, params in py_config.task_params.items():
        for setting in ("input", "output"):
            value = getattr(params, setting)
            places = value.items() if isinstance(value, dict) else [(None, value)] if value is not None else []
            for key, item in places:
                problem = data_path_problem(item)
                if problem:
                    path: JsonPath = (name, setting) if key is None else (name, setting, key)
                    collector.add(layers, path, problem)


def _path_items(argument: str, value: str) -> list[str]:
    """The paths a path-valued Spark argument holds: ``application`` is one, the others are comma lists."""
    return [value] if argument == "application" else value.split(",")


def absolute_code_paths(arguments: dict[str, Any], code_dir: Path) -> dict[str, Any]:
    resolved = dict(arguments)
    for argument in SPARK_PATH_ARGUMENTS:
        value = resolved.get(argument)
        if isinstance(value, str):
            resolved[argument] = ",".join(
                item if is_uri(item) else os.path.normpath(os.path.join(code_dir, item))
                for item in _path_items(argument, value)
            )
    return resolved


__all__ = ["absolute_code_paths", "check_data_paths", "check_spark_paths", "doc_md_file", "names_markdown_file"]
