"""What a deploy changes at its destination: files added, changed (content or executable bit) and removed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from maxai.deploy.files import FileEntry


@dataclass(frozen=True)
class Plan:
    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: list[str]

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def as_dict(self) -> dict[str, object]:
        return {
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": len(self.unchanged),
        }


def plan_release(new: Mapping[str, FileEntry], current: Mapping[str, FileEntry]) -> Plan:
    added = sorted(path for path in new if path not in current)
    removed = sorted(path for path in current if path not in new)
    changed = sorted(path for path in new if path in current and new[path] != current[path])
    unchanged = sorted(path for path in new if path in current and new[path] == current[path])
    return Plan(added, changed, removed, unchanged)
