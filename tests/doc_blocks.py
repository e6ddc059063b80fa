"""The code blocks of the documentation (README.rst and docs/*.rst), read from the reStructuredText source.

Each ``.. code-block:: LANGUAGE`` directive is one block, with its options (``:caption:``, ``:class:``) and the
line it starts on, so a failing example is reported as ``docs/tutorial.rst:42``. Literal blocks (``::``) are
illustrations (output, folder trees) and are not returned, except that one naming a ``maxai`` command is an error:
a command belongs in a ``console`` block, where it is run.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

NOT_RUN = "not-run"
"""The class (``:class: not-run``) of a block that cannot run here (it needs a server, a network or hours)."""

_DIRECTIVE = re.compile(r"^(?P<indent>[ ]*)\.\. (?P<name>code-block|code|sourcecode)::[ ]*(?P<language>\S*)[ ]*$")
_OPTION = re.compile(r"^[ ]+:(?P<key>[\w-]+):[ ]*(?P<value>.*)$")
_LITERAL_START = re.compile(r"::[ ]*$")
MAXAI_COMMAND = re.compile(r"(?:^|[;&|(`'\"]|: )[ \t]*maxai[ ]+(?P<arguments>[a-z][^\n;&|)`'\"<>]*)", re.MULTILINE)
"""A ``maxai`` command in shell or YAML text: where a command starts (a line, after ``;``, ``&&``, ``|``, ``$(``, a
quote or a YAML ``key: ``), then its arguments up to the end of that command."""


@dataclass(frozen=True)
class CodeBlock:
    document: str
    line: int
    language: str
    options: dict[str, str]
    text: str

    @property
    def where(self) -> str:
        return f"{self.document}:{self.line}"

    @property
    def runs(self) -> bool:
        return NOT_RUN not in self.options.get("class", "").split()

    @property
    def caption(self) -> str | None:
        return self.options.get("caption")


def documents(repo: Path) -> list[Path]:
    """The documentation: the README and every page of the site."""
    return [repo / "README.rst", *sorted((repo / "docs").glob("*.rst"))]


def code_blocks(path: Path, document: str) -> list[CodeBlock]:
    """The code blocks of one reStructuredText file, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = []
    index = 0
    while index < len(lines):
        match = _DIRECTIVE.match(lines[index])
        if match is None:
            _refuse_commands_in_literal_block(lines, index, document)
            index += 1
            continue
        indent = len(match["indent"])
        start = index + 1
        index += 1
        options: dict[str, str] = {}
        while index < len(lines) and (option := _OPTION.match(lines[index])) and _indent(lines[index]) > indent:
            options[option["key"]] = option["value"].strip()
            index += 1
        body, index = _indented_body(lines, index, indent)
        blocks.append(CodeBlock(document, start, match["language"] or "text", options, body))
    return blocks


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _indented_body(lines: list[str], index: int, indent: int) -> tuple[str, int]:
    """The lines after ``index`` indented deeper than ``indent`` (blank lines included), dedented."""
    body = []
    while index < len(lines) and (not lines[index].strip() or _indent(lines[index]) > indent):
        body.append(lines[index])
        index += 1
    return textwrap.dedent("\n".join(body)).strip("\n") + "\n", index


def _refuse_commands_in_literal_block(lines: list[str], index: int, document: str) -> None:
    line = lines[index]
    if not _LITERAL_START.search(line) or line.lstrip().startswith(".."):
        return
    number = index + 1
    while number < len(lines) and (not lines[number].strip() or _indent(lines[number]) > _indent(line)):
        if re.match(r"\s*(\$ )?maxai [a-z]", lines[number]):
            raise ValueError(
                f"{document}:{number + 1}: a maxai command in a literal block (::) is never run; "
                "put it in a `.. code-block:: console` (or mark that block `:class: not-run`)"
            )
        number += 1
