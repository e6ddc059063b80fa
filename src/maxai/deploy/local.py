"""A destination folder on this machine (or a mounted share), written by maxai itself: no rsync needed."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from maxai.deploy.destination import (
    CURRENT,
    DATA,
    LINK_PREFIX,
    RELEASES,
    STAGING_PREFIX,
    CurrentRelease,
    DeployError,
    not_a_link_message,
)
from maxai.deploy.files import Snapshot, hash_tree, set_folder_modes, write_release_extras
from maxai.deploy.plan import Plan

LOCK_FILE = ".maxai-deploy.lock"


class LocalDestination:
    def __init__(self, path: Path) -> None:
        self.path = path.absolute()
        self.display = str(path)

    def _release_names(self) -> list[str]:
        folder = self.path / RELEASES
        if not folder.is_dir():
            return []
        return sorted(entry.name for entry in os.scandir(folder) if entry.is_dir() and not entry.name.startswith("."))

    def current(self) -> CurrentRelease:
        if self.path.exists() and not self.path.is_dir():
            raise DeployError(f"{self.display} is not a folder")
        link = self.path / CURRENT
        if not link.is_symlink():
            if link.exists():
                raise DeployError(not_a_link_message(str(link)))
            return CurrentRelease(None, {}, self._release_names())
        if not link.is_dir():  # dangling: the release it named is gone; the next release replaces the link
            return CurrentRelease(None, {}, self._release_names())
        # The files as they are, not as the manifest says: a local tree costs little to hash.
        return CurrentRelease(link.readlink().name, hash_tree(link), self._release_names())

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One deploy at a time per destination; the kernel drops the lock if a deploy dies."""
        self.path.mkdir(parents=True, exist_ok=True)
        with (self.path / LOCK_FILE).open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise DeployError(f"another deploy to {self.display} is running") from None
            yield

    def _remove_leftovers(self) -> None:
        """Staging folders and links of deploys that died half-way (only ever under the lock)."""
        for folder, prefix in ((self.path / RELEASES, STAGING_PREFIX), (self.path, LINK_PREFIX)):
            for entry in os.scandir(folder) if folder.is_dir() else []:
                if entry.name.startswith(prefix):
                    if entry.is_dir(follow_symlinks=False):
                        shutil.rmtree(entry.path)
                    else:
                        Path(entry.path).unlink()

    def publish(self, snapshot: Snapshot, plan: Plan, current: CurrentRelease, name: str, manifest: str) -> None:
        self._remove_leftovers()
        releases = self.path / RELEASES
        staging = releases / f"{STAGING_PREFIX}{name}"
        staging.mkdir(parents=True)
        previous = releases / current.name if current.name else None
        unchanged = set(plan.unchanged)
        for path, entry in snapshot.files.items():
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            if previous is not None and path in unchanged and _hard_link(previous / path, target):
                continue
            shutil.copyfile(snapshot.root / path, target)
            target.chmod(entry.mode)
        write_release_extras(staging, manifest)
        set_folder_modes(staging)
        (self.path / DATA).mkdir(exist_ok=True)
        staging.rename(releases / name)
        switch_link(self.path, name)

    def prune(self, releases: list[str]) -> None:
        for name in releases:
            shutil.rmtree(self.path / RELEASES / name, ignore_errors=True)


def _hard_link(source: Path, target: Path) -> bool:
    """Share an unchanged file with the previous release; False where links cannot be made (another
    file system, a share without them): the caller copies instead."""
    try:
        os.link(source, target)
    except OSError as error:
        if error.errno in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.ENOENT):
            return False
        raise
    return True


def switch_link(destination: Path, name: str) -> None:
    """Point ``current`` at ``releases/<name>`` in one rename(2): a reader resolving ``current`` finds the
    old release or the new one, never no link and never a partial tree."""
    temporary = destination / f"{LINK_PREFIX}{name}"
    temporary.symlink_to(f"{RELEASES}/{name}")
    temporary.replace(destination / CURRENT)
