"""A disk cache of resolved objectives, so re-parsing an unchanged DAG file skips validation.

Airflow parses every DAG file again and again (every 30 s by default), almost always with
unchanged configs. An entry records the state (inode, size, modification time) of every
file and folder the result depends on, and is used only while all of them are unchanged;
a changed maxai installation invalidates every entry. Only valid configurations are
cached: a broken objective is re-checked on every parse, so its errors are always current.

An entry's key (its ``fingerprint``) covers the installed maxai (its version and the state
of each of its modules) and the versions of what resolution depends on: pydantic, Airflow
and the Spark and Kubernetes providers (whose operator arguments the models mirror). An
upgrade of any of them makes every entry stale, never served.

Entries are JSON (never pickle) in ``$MAXAI_CACHE_DIR``, else ``$XDG_CACHE_HOME/maxai``,
else ``~/.cache/maxai``, in a folder only the user can read. ``MAXAI_CACHE=0`` turns the
cache off. An entry is written to a temporary file in the same folder and renamed over the
old one (``os.replace``), so readers, even other dag-processors sharing the folder, see the
old entry or the new one, never a torn one. Any problem with the cache (unwritable,
unreadable, corrupt) falls back to a normal load, which writes the entry again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import stat
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from maxai.config.layout import ObjectiveRef
from maxai.config.objective import Deployment, ObjectiveConfig, ResolvedTask, Selection

if TYPE_CHECKING:
    from maxai.config.models import DagSettings

CACHE_ENV = "MAXAI_CACHE"
CACHE_DIR_ENV = "MAXAI_CACHE_DIR"
_FORMAT = 5

Stamp = list[int | str] | None


def enabled() -> bool:
    return os.environ.get(CACHE_ENV, "1").lower() not in ("0", "false", "no", "off")


def cache_dir() -> Path:
    explicit = os.environ.get(CACHE_DIR_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "maxai"


def stamp(path: str) -> Stamp:
    """What identifies a file's or folder's state; None when it does not exist.

    Config files also contribute a hash of their content: file systems with coarse
    timestamps can leave the modification time unchanged by a quick edit of equal size.
    """
    try:
        link = os.lstat(path)
        target = os.stat(path) if stat.S_ISLNK(link.st_mode) else link
        digest = ""
        if path.endswith(".json") and stat.S_ISREG(target.st_mode):
            digest = _digest(path, target.st_ino, target.st_size, target.st_mtime_ns, target.st_ctime_ns)
    except (OSError, ValueError):
        return None
    return [link.st_ino, link.st_mtime_ns, target.st_ino, target.st_size, target.st_mtime_ns, digest]


_DIGESTS: dict[tuple[str, int, int, int, int], str] = {}


def _digest(path: str, inode: int, size: int, modified: int, changed: int) -> str:
    # A use case's files are shared by its objectives: hash each version once per process.
    key = (path, inode, size, modified, changed)
    digest = _DIGESTS.get(key)
    if digest is None:
        with open(path, "rb") as handle:
            digest = hashlib.blake2b(handle.read(), digest_size=12).hexdigest()
        _DIGESTS[key] = digest
    return digest


# (distribution, module holding its version, attribute): what resolution depends on besides maxai.
DEPENDENCIES = (
    ("pydantic", "pydantic.version", "VERSION"),
    ("apache-airflow", "airflow", "__version__"),
    ("apache-airflow-providers-apache-spark", "airflow.providers.apache.spark", "__version__"),
    ("apache-airflow-providers-cncf-kubernetes", "airflow.providers.cncf.kubernetes", "__version__"),
)


def dependency_version(distribution: str, module_name: str, attribute: str) -> str:
    """The installed version of ``distribution``, read as cheaply as the process allows.

    In a DAG-parsing process the modules are already imported and the attribute is free; an
    Airflow provider's package is imported for it once Airflow is (its ``__init__`` is tiny);
    otherwise (``maxai validate``, where Airflow is not imported and may not be installed) the
    installed distribution's metadata answers.
    """
    module = sys.modules.get(module_name)
    if module is None and module_name.startswith("airflow.") and "airflow" in sys.modules:
        import importlib

        try:
            module = importlib.import_module(module_name)
        except Exception:
            module = None
    value = getattr(module, attribute, None) if module is not None else None
    if isinstance(value, str):
        return value
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


@functools.lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """Changes whenever the installed maxai changes (version, or any of its modules), or a dependency's version."""
    from maxai import __version__

    parts = [__version__, str(_FORMAT)]
    parts.extend(f"{name}={dependency_version(name, module, attribute)}" for name, module, attribute in DEPENDENCIES)
    parts.extend(_module_states(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _module_states(folder: str) -> list[str]:
    """``name:mtime:size`` of every module of the package (os.scandir: this runs in every parsing process)."""
    states: list[str] = []
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return states
    for entry in entries:
        try:
            if entry.name.endswith(".py") and entry.is_file():
                info = entry.stat()
                states.append(f"{entry.name}:{info.st_mtime_ns}:{info.st_size}")
            elif entry.is_dir() and entry.name != "__pycache__" and not entry.name.startswith("."):
                states.extend(_module_states(entry.path))
        except OSError:
            continue
    return states


def _entry_path(root: Path, ref: ObjectiveRef, chosen: Selection) -> Path:
    """One entry per objective, environment and user (the environment as asked for: empty is the default)."""
    root_key = hashlib.sha256(str(root).encode()).hexdigest()[:16]
    suffix = f"@{chosen[0]}@{chosen[1]}" if any(chosen) else ""
    return cache_dir() / root_key / f"{ref.dag_id}{suffix}.json"


def lookup(
    root: Path, ref: ObjectiveRef, chosen: Selection = ("", ""), *, light: bool = False
) -> ObjectiveConfig | None:
    """The cached resolution of ``ref``, or None when there is none or anything it depends on changed.

    ``light`` is for building a DAG in a parsing process: the DAG settings and task parameters come back
    as plain read-only attribute namespaces instead of Pydantic models, so that the models (about 70 ms
    to define) are never imported. Everything the factory reads is there under the same names.
    """
    if not enabled():
        return None
    try:
        with open(_entry_path(root, ref, chosen), encoding="utf-8") as handle:
            entry = json.load(handle)
        if entry.get("fingerprint") != _code_fingerprint() or entry.get("root") != str(root):
            return None
        for path, recorded in entry["depends_on"]:
            if stamp(path) != recorded:
                return None
        return _decode(root, ref, entry["config"], light)
    except Exception:  # unreadable, corrupt, or from another format: rebuilt by a normal load
        return None


def store(config: ObjectiveConfig, depends_on: list[str], chosen: Selection = ("", "")) -> None:
    if not enabled():
        return
    entry = {
        "fingerprint": _code_fingerprint(),
        "root": str(config.root),
        "depends_on": [[path, stamp(path)] for path in dict.fromkeys(depends_on)],
        "config": _encode(config),
    }
    target = _entry_path(config.root, config.ref, chosen)
    text = json.dumps(entry, separators=(",", ":"))
    temporary = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Same folder, then an atomic rename: a reader sees the old entry or the new one, never a torn one.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".part")
        with os.fdopen(handle, "w", encoding="utf-8") as output:
            output.write(text)
        os.replace(temporary, target)
    except OSError:
        # a read-only home or a full disk must not break DAG parsing
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _encode(config: ObjectiveConfig) -> dict[str, Any]:
    return {
        "dag": config.dag.model_dump(mode="json"),
        "files": list(config.files),
        "deployment": dataclasses.asdict(config.deployment),
        "tasks": [
            {
                "name": task.name,
                "order": task.order,
                "kind": task.kind,
                "arguments": task.arguments,
                "upstream": list(task.upstream),
                "params": task.params.model_dump(mode="json"),
                "params_json": task.params_json,
                "source": task.source,
            }
            for task in config.tasks
        ],
    }


class Settings(SimpleNamespace):
    """A cached model's fields as attributes, without the model (see ``lookup(light=True)``)."""


def _dates(data: dict[str, Any]) -> dict[str, Any]:
    values = dict(data)
    for key in ("start_date", "end_date"):
        if isinstance(values.get(key), str):
            text = values[key]
            values[key] = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    return values


def _dag_settings(data: dict[str, Any], light: bool) -> DagSettings:
    # The entry holds maxai's own dump of a validated model: rebuild it without validating again.
    values = _dates(data)
    if light:
        values["default_args"] = Settings(**values["default_args"])
        return Settings(**values)  # type: ignore[return-value]
    from maxai.config.models import DagSettings, DefaultArgs

    values["default_args"] = DefaultArgs.model_construct(**values["default_args"])
    return DagSettings.model_construct(**values)


def _decode(root: Path, ref: ObjectiveRef, data: dict[str, Any], light: bool = False) -> ObjectiveConfig:
    if light:
        params_type: Any = Settings
    else:
        from maxai.config.models import TaskParams

        params_type = TaskParams.model_construct
    return ObjectiveConfig(
        ref=ref,
        root=root,
        dag=_dag_settings(data["dag"], light),
        files=tuple(data["files"]),
        deployment=Deployment(**{**data["deployment"], "tags": tuple(data["deployment"]["tags"])}),
        tasks=tuple(
            ResolvedTask(
                name=task["name"],
                order=task["order"],
                kind=task["kind"],
                arguments=task["arguments"],
                upstream=tuple(task["upstream"]),
                params=params_type(**task["params"]),
                source=task["source"],
                params_json=task["params_json"],
            )
            for task in data["tasks"]
        ),
    )
