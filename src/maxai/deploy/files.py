"""Which files a release holds, their content hashes, and the snapshot a release is made from.

Shipped: every file under ``maxaiconfigs/`` (configs, ``doc_md`` Markdown), ``maxaidags/`` (the ``dag.py``
files, ``.airflowignore``) and ``maxaiusecases/`` (handlers, Spark drivers, a domain's shared modules and
packaging files). Never shipped: anything else in the repository (``data/``, ``.maxai/``, tests), hidden
files and folders (``.git``, editor files), ``__pycache__/`` and compiled ``*.pyc``/``*.pyo``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from maxai.config.layout import CONFIGS_DIR, DAGS_DIR, USECASES_DIR
from maxai.errors import ConfigError, Problem

SHIPPED_TREES = (CONFIGS_DIR, DAGS_DIR, USECASES_DIR)
KEPT_HIDDEN = frozenset({".airflowignore"})
MANIFEST = ".maxai-release.json"
DATA_LINK = "data"
SHARED_DATA = "../../data"
"""Where a release's ``data`` points: ``DEST/data``, so outputs outlive releases."""
FILE_MODE = 0o444
EXECUTABLE_MODE = 0o555
FOLDER_MODE = 0o755
_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileEntry:
    digest: str
    """sha256 of the content, hex."""
    executable: bool

    @property
    def mode(self) -> int:
        # Read-only: unchanged files are hard links shared with earlier releases, never to be edited in place.
        # Readable by all: the dag-processor and workers may run as another user than the one deploying.
        return EXECUTABLE_MODE if self.executable else FILE_MODE


def is_shipped_name(name: str) -> bool:
    if name in KEPT_HIDDEN:
        return True
    return not (name.startswith(".") or name == "__pycache__" or name.endswith((".pyc", ".pyo")))


def _within(path: str, folders: list[str]) -> bool:
    return any(path == folder or path.startswith(folder + os.sep) for folder in folders)


def walk_shipped(root: Path, problems: list[Problem]) -> Iterator[tuple[str, str]]:
    """``(path relative to root, absolute path)`` of every shipped file, in a stable order.

    Symbolic links are followed when they lead to a place inside the shipped trees (the release gets the
    content); one leading elsewhere, dangling, or into a loop is a problem.
    """
    real_root = os.path.realpath(root)
    trees = [str(Path(real_root, tree)) for tree in SHIPPED_TREES]
    for tree in trees:
        if not Path(tree).is_dir():
            continue
        visited: set[str] = set()
        for folder, folders, names in os.walk(tree, followlinks=True):
            real_folder = os.path.realpath(folder)
            display = os.path.relpath(folder, real_root)
            if real_folder in visited or not _within(real_folder, trees):
                where = "loops back to a folder already shipped" if real_folder in visited else "leads outside"
                problems.append(
                    Problem(display + "/", (), f"symbolic link {where}: deploy ships only {', '.join(SHIPPED_TREES)}")
                )
                folders[:] = []
                continue
            visited.add(real_folder)
            folders[:] = sorted(name for name in folders if is_shipped_name(name))
            for name in sorted(names):
                if not is_shipped_name(name):
                    continue
                path = str(Path(folder, name))
                relative = os.path.relpath(path, real_root)
                real = os.path.realpath(path)
                if not Path(real).is_file():
                    problems.append(Problem(relative, (), "not a regular file (a dangling link, a socket, ...)"))
                elif not _within(real, trees):
                    problems.append(
                        Problem(relative, (), f"symbolic link leads outside {', '.join(SHIPPED_TREES)}: {real}")
                    )
                else:
                    yield Path(relative).as_posix(), path


def _executable(path: str) -> bool:
    return bool(Path(path).stat().st_mode & 0o111)


def hash_tree(root: Path) -> dict[str, FileEntry]:
    """The shipped files under ``root`` and their hashes (a release, or a repository)."""
    problems: list[Problem] = []
    files: dict[str, FileEntry] = {}
    for relative, path in walk_shipped(root, problems):
        with Path(path).open("rb") as handle:
            files[relative] = FileEntry(hashlib.file_digest(handle, "sha256").hexdigest(), _executable(path))
    if problems:
        raise ConfigError(problems)
    return files


@dataclass(frozen=True)
class Snapshot:
    """A private copy of the shipped files: what is validated is exactly what is deployed."""

    root: Path
    files: dict[str, FileEntry]


def take_snapshot(source: Path, destination: Path) -> Snapshot:
    """Copy the shipped files of ``source`` into the empty folder ``destination``, hashing as they are read."""
    problems: list[Problem] = []
    files: dict[str, FileEntry] = {}
    for relative, path in walk_shipped(source, problems):
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        try:
            with Path(path).open("rb") as reader, target.open("wb") as writer:
                while chunk := reader.read(_CHUNK):
                    digest.update(chunk)
                    writer.write(chunk)
        except OSError as error:
            problems.append(Problem(relative, (), f"cannot be read: {error.strerror or error}"))
            continue
        entry = FileEntry(digest.hexdigest(), _executable(path))
        target.chmod(entry.mode)
        files[relative] = entry
    if problems:
        raise ConfigError(problems)
    set_folder_modes(destination)
    return Snapshot(destination, files)


def set_folder_modes(top: Path) -> None:
    for folder, _, _ in os.walk(top):
        Path(folder).chmod(FOLDER_MODE)


def release_name(files: Mapping[str, FileEntry], now: datetime) -> str:
    """``<UTC time>-<content hash>``: names sort by age, and say which content they hold."""
    digest = hashlib.sha256()
    for path in sorted(files):
        entry = files[path]
        digest.update(f"{path}\0{entry.digest}\0{int(entry.executable)}\n".encode())
    return f"{now:%Y%m%dT%H%M%SZ}-{digest.hexdigest()[:10]}"


def manifest_text(files: Mapping[str, FileEntry], release: str, now: datetime, source: str) -> str:
    """What a release holds, written into it: read back by the next deploy to a remote destination."""
    return json.dumps(
        {
            "release": release,
            "created": now.isoformat(timespec="seconds"),
            "source": source,
            "files": {
                path: {"sha256": files[path].digest, "executable": files[path].executable} for path in sorted(files)
            },
        },
        indent=1,
    )


def write_release_extras(folder: Path, manifest: str) -> None:
    """Beside the shipped trees: the manifest, and the ``data`` link every release shares."""
    (folder / MANIFEST).write_text(manifest, encoding="utf-8")
    (folder / MANIFEST).chmod(FILE_MODE)
    (folder / DATA_LINK).symlink_to(SHARED_DATA)


def parse_manifest(text: str, where: str) -> dict[str, FileEntry]:
    try:
        data = json.loads(text)
        return {
            path: FileEntry(str(entry["sha256"]), bool(entry["executable"])) for path, entry in data["files"].items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ConfigError.single(where, (), f"not a maxai release manifest: {error}") from None
