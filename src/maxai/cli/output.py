"""Terminal output: colour only on a terminal (and never with NO_COLOR), JSON for machines."""

from __future__ import annotations

import io
import json
import os
import sys
from typing import Any, NamedTuple, TextIO

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2

_CODES = {"red": "31", "green": "32", "yellow": "33", "blue": "34", "bold": "1", "dim": "2", "cyan": "36"}

PIPED_WIDTH = 100_000
"""Table width when standard output is not a terminal: wide enough that no row is ever wrapped in a file or pipe."""


class UsageError(Exception):
    """A command-line argument the user got wrong: exit code 2."""


class Styled(NamedTuple):
    """A table cell and its styles; whether they turn into colour is decided when the table is printed."""

    text: str
    styles: tuple[str, ...]


def styled(text: str, *styles: str) -> Styled:
    return Styled(text, styles)


def wants_color(color: str, stream: TextIO) -> bool:
    """``--color always|never`` decides; ``auto`` follows no-color.org and force-color.org, then the terminal."""
    if color != "auto":
        return color == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty() and os.environ.get("TERM") != "dumb"


class Output:
    def __init__(self, color: str = "auto", stream: TextIO | None = None, err: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.err = err or sys.stderr
        self.color = wants_color(color, self.stream)

    def paint(self, text: str, *styles: str) -> str:
        # plain SGR codes: one-line messages need no library, and `maxai validate` stays free of rich's import
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

    def table(self, headers: list[str], rows: list[list[str | Styled]]) -> None:
        """Columns aligned by the text a reader sees (rich measures cells without their colour codes)."""
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
        for header in headers:
            table.add_column(header, overflow="fold")
        for row in rows:
            table.add_row(
                *(
                    Text(cell.text, style=" ".join(cell.styles)) if isinstance(cell, Styled) else Text(cell)
                    for cell in row
                )
            )
        rendered = io.StringIO()
        console = Console(
            file=rendered,
            force_terminal=self.color,
            no_color=not self.color,
            color_system="standard" if self.color else None,
            width=self._width(),
            highlight=False,
            emoji=False,
        )
        console.print(table)
        for text in rendered.getvalue().splitlines():
            self.line(text.rstrip())  # rich pads the last column; files and greps want no trailing blanks

    def _width(self) -> int:
        if not self.stream.isatty():
            return PIPED_WIDTH
        try:
            return os.get_terminal_size(self.stream.fileno()).columns
        except (OSError, ValueError):
            return PIPED_WIDTH
