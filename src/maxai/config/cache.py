"""A disk cache of resolved objectives, so re-parsing an unchanged DAG file skips validation.

Airflow parses every DAG file again and again (every 30 s by default), almost always with
unchanged configs. An entry records the state (inode, size, modification time) of every
file and folder the result depends on, and is used only while all of them are unchanged;
a changed maxai installation invalidates every entry. Only valid configurations are
cached: a broken objective is re-checked on every parse, so its errors are always current.

Entries are JSON (never pickle) in ``$MAXAI_CACHE_DIR``, else ``$XDG_CACHE_HOME/maxai``,
else ``~/.cache/maxai``, in a folder only the user can read. ``MAXAI_CACHE=0`` turns the
cache off. Any problem with the cache (unwritable, corrupt, racing writers) falls back to
a normal load.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import stat
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from maxai.config.layout import ObjectiveRef
from maxai.config.models import DagSettings, DefaultArgs, TaskParams
from maxai.config.objective import ObjectiveConfig, ResolvedTask

CACHE_ENV = "MAXAI_CACHE"
CACHE_DIR_ENV = "MAXAI_CACHE_DIR"
_FORMAT = 2

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


@functools.lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """Changes whenever the installed maxai changes (version, or any of its modules)."""
    from maxai import __version__

    package = Path(__file__).resolve().parents[1]
    parts = [__version__, str(_FORMAT)]
    for module in sorted(package.rglob("*.py")):
        try:
            parts.append(f"{module.name}:{module.stat().st_mtime_ns}:{module.stat().st_size}")
        except OSError:
            continue
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _entry_path(root: Path, ref: ObjectiveRef) -> Path:
    root_key = hashlib.sha256(str(root).encode()).hexdigest()[:16]
    return cache_dir() / root_key / f"{ref.dag_id}.json"


def lookup(root: Path, ref: ObjectiveRef) -> ObjectiveConfig | None:
    if not enabled():
        return None
    try:
        with open(_entry_path(root, ref), encoding="utf-8") as handle:
            entry = json.load(handle)
        if entry.get("fingerprint") != _code_fingerprint() or entry.get("root") != str(root):
            return None
        for path, recorded in entry["depends_on"]:
            if stamp(path) != recorded:
                return None
        return _decode(root, ref, entry["config"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(config: ObjectiveConfig, depends_on: list[str]) -> None:
    if not enabled():
        return
    entry = {
        "fingerprint": _code_fingerprint(),
        "root": str(config.root),
        "depends_on": [[path, stamp(path)] for path in dict.fromkeys(depends_on)],
        "config": _encode(config),
    }
    target = _entry_path(config.root, config.ref)
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as output:
            json.dump(entry, output, separators=(",", ":"))
        os.replace(temporary, target)
    except OSError:
        return  # a read-only home or a full disk must not break DAG parsing


def _encode(config: ObjectiveConfig) -> dict[str, Any]:
    return {
        "dag": config.dag.model_dump(mode="json"),
        "files": list(config.files),
        "tasks": [
            {
                "name": task.name,
                "task_id": task.task_id,
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


def _dag_settings(data: dict[str, Any]) -> DagSettings:
    # The entry holds maxai's own dump of a validated model: rebuild it without validating again.
    values = dict(data)
    for key in ("start_date", "end_date"):
        if isinstance(values.get(key), str):
            text = values[key]
            values[key] = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    values["default_args"] = DefaultArgs.model_construct(**values["default_args"])
    return DagSettings.model_construct(**values)


def _decode(root: Path, ref: ObjectiveRef, data: dict[str, Any]) -> ObjectiveConfig:
    return ObjectiveConfig(
        ref=ref,
        root=root,
        dag=_dag_settings(data["dag"]),
        files=tuple(data["files"]),
        tasks=tuple(
            ResolvedTask(
                name=task["name"],
                task_id=task["task_id"],
                kind=task["kind"],
                arguments=task["arguments"],
                upstream=tuple(task["upstream"]),
                params=TaskParams.model_construct(**task["params"]),
                source=task["source"],
                params_json=task["params_json"],
            )
            for task in data["tasks"]
        ),
    )
