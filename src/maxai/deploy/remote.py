"""A destination ``host:path`` on another machine: files by rsync, the switch by one ssh command.

The remote side needs a POSIX shell, GNU coreutils (``mv -T`` renames a link over a link with rename(2))
and rsync; this side needs ssh and rsync. Unchanged files become hard links to the current release
(``rsync --link-dest``, compared by content with ``--checksum``), so only changed files cross the wire.
"""

from __future__ import annotations

import contextlib
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import PurePosixPath

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
from maxai.deploy.files import MANIFEST, Snapshot, parse_manifest, write_release_extras
from maxai.deploy.plan import Plan

LOCK_FOLDER = ".maxai-deploy.lock"
_MARK = "@@maxai-deploy "


def is_remote(destination: str) -> bool:
    """``host:path`` or ``user@host:path``, as rsync reads it (a colon before any slash)."""
    head, colon, _ = destination.partition(":")
    return bool(colon) and bool(head) and "/" not in head


class RemoteDestination:
    def __init__(self, destination: str, ssh: list[str]) -> None:
        self.host, _, path = destination.partition(":")
        if not path:
            raise DeployError(f"{destination}: give the folder after the colon (host:/srv/airflow/marketplace)")
        self.path = path.rstrip("/") or "/"
        self.ssh = ssh
        self.display = destination

    def _run(self, script: str) -> str:
        command = [*self.ssh, self.host, "sh -c " + shlex.quote(script)]
        try:
            result = subprocess.run(command, capture_output=True, text=True, check=False)
        except FileNotFoundError:
            raise DeployError(f"{self.ssh[0]} is not installed: deploying to host:path needs ssh") from None
        if result.returncode != 0:
            raise DeployError(f"ssh {self.host} failed (exit {result.returncode}): {result.stderr.strip()}")
        return result.stdout

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One deploy at a time: ``mkdir`` is atomic on every file system. A deploy that dies leaves it."""
        folder = shlex.quote(self.path)
        answer = self._run(f"mkdir -p {folder} && mkdir {folder}/{LOCK_FOLDER} 2>/dev/null && echo locked || true")
        if answer.strip() != "locked":
            raise DeployError(
                f"another deploy to {self.display} is running (or one died: then remove {self.path}/{LOCK_FOLDER})"
            )
        try:
            yield
        finally:
            self._run(f"rmdir {folder}/{LOCK_FOLDER}")

    def current(self) -> CurrentRelease:
        sections: dict[str, list[str]] = {}
        script = (
            f"cd {shlex.quote(self.path)} 2>/dev/null || exit 0\n"
            f"if [ -e {CURRENT} ] && [ ! -L {CURRENT} ]; then echo '{_MARK}not-a-link'; exit 0; fi\n"
            f"echo '{_MARK}releases'; ls -1A {RELEASES} 2>/dev/null\n"
            f"echo '{_MARK}current'; readlink {CURRENT} 2>/dev/null\n"
            f"echo '{_MARK}manifest'; cat {CURRENT}/{MANIFEST} 2>/dev/null\n"
            "exit 0\n"  # before the first deploy there is nothing to list
        )
        section = ""
        for line in self._run(script).splitlines():
            if line.startswith(_MARK):
                section = line[len(_MARK) :]
                sections[section] = []
            elif section:
                sections[section].append(line)
        if "not-a-link" in sections:
            raise DeployError(not_a_link_message(f"{self.display}/{CURRENT}"))
        releases = sorted(name for name in sections.get("releases", []) if name and not name.startswith("."))
        target = "".join(sections.get("current", [])).strip()
        name = PurePosixPath(target).name or None
        manifest = "\n".join(sections.get("manifest", []))
        if name is None or name not in releases or not manifest.strip():
            return CurrentRelease(None, {}, releases)
        return CurrentRelease(name, parse_manifest(manifest, f"{self.display}/{CURRENT}/{MANIFEST}"), releases)

    def publish(self, snapshot: Snapshot, plan: Plan, current: CurrentRelease, name: str, manifest: str) -> None:
        if shutil.which("rsync") is None:
            raise DeployError("rsync is not installed here: deploying to host:path needs rsync on both machines")
        write_release_extras(snapshot.root, manifest)
        folder = shlex.quote(self.path)
        self._run(
            f"mkdir -p {folder}/{RELEASES} {folder}/{DATA} && "
            f"rm -rf {folder}/{RELEASES}/{STAGING_PREFIX}* {folder}/{LINK_PREFIX}*"
        )
        staging = f"{RELEASES}/{STAGING_PREFIX}{name}"
        command = ["rsync", "--recursive", "--links", "--perms", "--checksum", "--rsh", shlex.join(self.ssh)]
        if current.name is not None:
            command.append(f"--link-dest=../{current.name}")  # relative to the staging folder
        command += [f"{snapshot.root}/", f"{self.host}:{self.path}/{staging}/"]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise DeployError(f"rsync to {self.display} failed (exit {result.returncode}): {result.stderr.strip()}")
        link = f"{LINK_PREFIX}{name}"
        self._run(
            f"cd {folder} && mv {staging} {RELEASES}/{name} && ln -s {RELEASES}/{name} {link} && mv -T {link} {CURRENT}"
        )

    def prune(self, releases: list[str]) -> None:
        if releases:
            paths = " ".join(shlex.quote(f"{RELEASES}/{name}") for name in releases)
            self._run(f"cd {shlex.quote(self.path)} && rm -rf -- {paths}")
