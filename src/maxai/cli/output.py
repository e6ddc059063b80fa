"""Terminal output: colour only on a terminal (and never with NO_COLOR), JSON for machines."""

from __future__ import annotations

import json
import os
import sys
from typing import Any, TextIO

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2

_CODES = {"red": "31", "green": "32", "yellow": "33", "blue": "34", "bold": "1", "dim": "2", "cyan": "36"}


class UsageError(Exception):
    """A command-line argument the user got wrong: exit code 2."""


class Output:
    def __init__(self, color: str = "auto", stream: TextIO | None = None, err: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.err = err or sys.stderr
        if color == "always":
            self.color = True
        elif color == "never":
            self.color = False
        else:
            self.color = self.stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"

    def paint(self, text: str, *styles: str) -> str:
        if not self.color or not styles:
            return text
        codes = ";".join(_CODES[style] for style in styles)
        return f"\033[{codes}m{text}\033[0m"

    def line(self, text: str = "") -> None:
        print(text, file=self.stream, flush=True)

    def error(self, text: str) -> None:
        print(text, file=self.err, flush=True)

    def json(self, value: Any) -> None:
        print(json.dumps(value, indent=2, sort_keys=False, default=str), file=self.stream, flush=True)

    def table(self, headers: list[str], rows: list[list[str]]) -> None:
        widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]
        self.line(self.paint("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False)).rstrip(), "bold"))
        for row in rows:
            self.line("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=False)).rstrip())
