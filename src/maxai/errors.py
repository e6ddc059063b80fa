"""The single error type users see: every problem names its file, JSON path and cause."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

JsonPath = tuple[str | int, ...]


def format_json_path(path: Sequence[str | int]) -> str:
    """Render ``("tasks", 1, "conf")`` as ``tasks[1].conf`` (the root is ``$``)."""
    out = ""
    for part in path:
        if isinstance(part, str) and len(part) > 60:
            part = part[:57] + "..."  # keys can be as long as a file; the position still points at it
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier() or _is_plain_key(part):
            out += f".{part}" if out else part
        else:
            escaped = part.replace("\\", "\\\\").replace('"', '\\"')
            out += f'["{escaped}"]'
    return out or "$"


def _is_plain_key(key: str) -> bool:
    return bool(key) and all(ch.isalnum() or ch in "_-" for ch in key)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place in one file."""

    file: str
    path: JsonPath
    message: str
    line: int | None = None
    column: int | None = None

    def location(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        return where

    @property
    def path_text(self) -> str:
        return format_json_path(self.path)

    def __str__(self) -> str:
        return f"{self.location()}: {self.path_text}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": format_json_path(self.path),
            "message": self.message,
        }


class ConfigError(ValueError):
    """Raised for anything wrong in a maxai configuration; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        if not self.problems:
            raise ValueError("ConfigError needs at least one problem")
        super().__init__(self._render())

    @classmethod
    def single(cls, file: str | Path, path: JsonPath, message: str) -> ConfigError:
        return cls([Problem(str(file), path, message)])

    def _render(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems:"]
        lines.extend(f"  {problem}" for problem in self.problems)
        return "\n".join(lines)
