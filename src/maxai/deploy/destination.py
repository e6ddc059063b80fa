"""What every destination offers (a local folder, or ``host:path`` over ssh), and which releases it keeps."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

from maxai.deploy.files import FileEntry, Snapshot
from maxai.deploy.plan import Plan

CURRENT = "current"
RELEASES = "releases"
DATA = "data"
STAGING_PREFIX = ".staging-"
LINK_PREFIX = ".current-"
MIN_KEEP = 2
"""The new release and the one before it: tasks started before a deploy still find their files."""


class DeployError(Exception):
    """The destination cannot take a release (not a managed folder, unreachable, a tool missing)."""


@dataclass(frozen=True)
class CurrentRelease:
    name: str | None
    """The release ``current`` points to; None before the first deploy."""
    files: dict[str, FileEntry] = field(default_factory=dict)
    releases: list[str] = field(default_factory=list)
    """Every complete release at the destination, oldest first."""


class Destination(Protocol):
    display: str

    def lock(self) -> AbstractContextManager[None]:
        """Held while a release is built and switched: one deploy at a time per destination."""
        ...

    def current(self) -> CurrentRelease:
        """The release serving now, and what it holds."""
        ...

    def publish(self, snapshot: Snapshot, plan: Plan, current: CurrentRelease, name: str, manifest: str) -> None:
        """Build release ``name`` from ``snapshot`` beside the current one, then make it current atomically."""
        ...

    def prune(self, releases: list[str]) -> None:
        """Remove these releases (never the current one)."""
        ...


def not_a_link_message(where: str) -> str:
    return (
        f"{where} exists and is not a symbolic link: maxai deploy keeps {CURRENT} as a link to "
        f"{RELEASES}/<release> so that it can switch releases atomically; move it away, or deploy elsewhere"
    )


def releases_to_prune(releases: list[str], new: str, previous: str | None, keep: int) -> list[str]:
    """Releases beyond the ``keep`` newest (the new one counted), oldest first; never the new or the previous."""
    others = sorted(name for name in releases if name not in (new, previous))
    kept = max(keep, MIN_KEEP) - 1 - (previous is not None)
    return others[: max(len(others) - kept, 0)]


def unique_release_name(name: str, existing: list[str]) -> str:
    """``name``, or ``name-2``, ``name-3``... when an earlier release of the same content and second has it."""
    taken = set(existing)
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name}-{number}"
    return candidate
