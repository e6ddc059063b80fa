"""Run the code blocks of one document, in order, in a sandbox, as a reader following the page would.

- ``console`` (and ``bash``, ``shell``, ``sh``): with ``$ `` prompts, each command runs and the lines after it
  are the output it must print (``...`` stands for any text in a line, or for any lines on a line of its own);
  a command shown without output must succeed. Without prompts the block is one bash script that must succeed.
- ``python``: executed (it must exit 0).
- ``json``: parsed (duplicate keys are errors); a block captioned with a config file's name is validated against
  that file's JSON Schema (an objective's override against the overlay schema); one marked ``:class: invalid``
  shows a mistake on purpose, and must be rejected.
- ``yaml`` and ``toml``: parsed; ``maxai`` commands in YAML are checked by maxai's own argument parser; a
  ``.pre-commit-config.yaml`` may only name hooks that ``.pre-commit-hooks.yaml`` defines.
- ``text``: an illustration, not checked.

A caption that is a relative path (``maxaiconfigs/shop/orders/daily/py_config.json``) writes the block to that
file of the sandbox, so a tutorial's edits are what its later commands see. A block marked ``:class: not-run``
is only checked: shell syntax (``bash -n``), ``maxai`` commands against the parser, Python compiled, data parsed.

The sandbox is a copy of the example marketplace, or an empty folder for a page holding the comment
``.. docs-sandbox: empty``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from maxai.config.layout import CONFIG_FILES, CONFIGS_DIR
from maxai.config.schema import build_overlay_schema, build_schema
from tests.doc_blocks import MAXAI_COMMAND, CodeBlock

EMPTY_SANDBOX = ".. docs-sandbox: empty"
SANDBOX_PARTS = ("maxaiconfigs", "maxaidags", "maxaiusecases", "data", "schemas")
SHELLS = ("console", "bash", "shell", "sh")
INVALID = "invalid"
TIMEOUT_SECONDS = 600


class ExampleFailed(AssertionError):
    """A documented example that does not do what the page says."""


def make_sandbox(repo: Path, document: Path, folder: Path) -> Path:
    folder.mkdir(parents=True)
    if EMPTY_SANDBOX not in document.read_text(encoding="utf-8").splitlines():
        for part in SANDBOX_PARTS:
            shutil.copytree(repo / part, folder / part, ignore=shutil.ignore_patterns("out", "__pycache__"))
    return folder


def sandbox_environment(cache: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("MAXAI_ROOT", "MAXAI_DATA_DIR")}
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        NO_COLOR="1",
        SPARK_LOCAL_IP="127.0.0.1",
        MAXAI_CACHE_DIR=str(cache),
    )
    return env


def needs_spark(blocks: list[CodeBlock]) -> bool:
    return any(block.runs and block.language in SHELLS and "maxai run " in block.text for block in blocks)


class Runner:
    def __init__(self, repo: Path, sandbox: Path, env: dict[str, str]) -> None:
        self.repo = repo
        self.sandbox = sandbox
        self.env = env
        self.checks: dict[str, Callable[[CodeBlock], None]] = {
            **dict.fromkeys(SHELLS, self._shell),
            "python": self._python,
            "json": self._json,
            "yaml": self._yaml,
            "toml": lambda block: self._parsed(block, tomllib.loads),
            "text": lambda block: None,
        }

    def run(self, block: CodeBlock) -> None:
        check = self.checks.get(block.language)
        if check is None:
            if block.runs:
                raise ExampleFailed(
                    f"{block.where}: nothing checks a `{block.language}` block; use one of "
                    f"{', '.join(self.checks)}, a literal block (::) for an illustration, or mark it :class: not-run"
                )
            return
        check(block)
        if block.runs and block.caption and "/" in block.caption:
            self._write(block)

    def _write(self, block: CodeBlock) -> None:
        target = (self.sandbox / str(block.caption)).resolve()
        if not target.is_relative_to(self.sandbox.resolve()):
            raise ExampleFailed(f"{block.where}: caption {block.caption!r} leads out of the sandbox")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(block.text, encoding="utf-8")

    def _process(self, block: CodeBlock, argv: list[str]) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                argv,
                cwd=self.sandbox,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ExampleFailed(f"{block.where}: still running after {TIMEOUT_SECONDS} s") from None

    def _shell(self, block: CodeBlock) -> None:
        if not block.runs:
            result = self._process(block, ["bash", "-n", "-c", block.text])
            if result.returncode != 0:
                raise ExampleFailed(f"{block.where}: not valid shell:\n{result.stdout}")
            check_maxai_commands(block)
            return
        lines = block.text.splitlines()
        if not any(line.startswith("$ ") for line in lines):
            result = self._process(block, ["bash", "-e", "-o", "pipefail", "-c", block.text])
            if result.returncode != 0:
                raise ExampleFailed(f"{block.where}: exit code {result.returncode}:\n{block.text}\n{result.stdout}")
            return
        for command, expected in session_steps(block):
            result = self._process(block, ["bash", "-o", "pipefail", "-c", command])
            if expected and not output_matches(expected, result.stdout):
                raise ExampleFailed(
                    f"{block.where}: `{command}` printed\n{result.stdout}\nbut the page shows\n" + "\n".join(expected)
                )
            if not expected and result.returncode != 0:
                raise ExampleFailed(f"{block.where}: `{command}` exited {result.returncode}:\n{result.stdout}")

    def _python(self, block: CodeBlock) -> None:
        try:
            compile(block.text, block.where, "exec")
        except SyntaxError as error:
            raise ExampleFailed(f"{block.where}: {error}") from None
        if not block.runs or (block.caption and "/" in block.caption):
            return
        result = self._process(block, [sys.executable, "-c", block.text])
        if result.returncode != 0:
            raise ExampleFailed(f"{block.where}: exit code {result.returncode}:\n{result.stdout}")

    def _parsed(self, block: CodeBlock, parse: Callable[[str], Any]) -> Any:
        try:
            return parse(block.text)
        except Exception as error:
            raise ExampleFailed(f"{block.where}: does not parse: {error}") from None

    def _json(self, block: CodeBlock) -> None:
        document = self._parsed(block, lambda text: json.loads(text, object_pairs_hook=_no_duplicate_keys))
        schema = config_schema(block.caption)
        if schema is None:
            return
        errors = sorted(Draft202012Validator(schema).iter_errors(document), key=lambda error: list(error.path))
        if INVALID in block.options.get("class", "").split():
            if not errors:
                raise ExampleFailed(f"{block.where}: marked {INVALID}, but it is a valid {block.caption}")
        elif errors:
            where = ".".join(str(part) for part in errors[0].absolute_path) or "$"
            raise ExampleFailed(f"{block.where}: not a valid {block.caption}: {where}: {errors[0].message}")

    def _yaml(self, block: CodeBlock) -> None:
        document = self._parsed(block, yaml.safe_load)
        check_maxai_commands(block)
        if block.caption == ".pre-commit-config.yaml":
            defined = {hook["id"] for hook in yaml.safe_load((self.repo / ".pre-commit-hooks.yaml").read_text())}
            named = {hook["id"] for repo in document["repos"] for hook in repo["hooks"]}
            if named - defined:
                raise ExampleFailed(f"{block.where}: no hook {sorted(named - defined)} in .pre-commit-hooks.yaml")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"duplicate keys {duplicates}")
    return dict(pairs)


def config_schema(caption: str | None) -> dict[str, Any] | None:
    """The schema of the config file a caption names: an objective's file gets the overlay schema."""
    if caption is None or Path(caption).name not in CONFIG_FILES:
        return None
    parts = Path(caption).parts
    objective_level = len(parts) == 5 and parts[0] == CONFIGS_DIR
    name = Path(caption).name
    return build_overlay_schema(name) if objective_level else build_schema(name)


def check_maxai_commands(block: CodeBlock) -> None:
    """Every ``maxai ...`` in the block is accepted by maxai's own argument parser."""
    from maxai.cli.main import build_parser

    for match in MAXAI_COMMAND.finditer(block.text):
        arguments = shlex.split(match["arguments"], comments=True)
        errors = io.StringIO()
        try:
            with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
                build_parser().parse_args(arguments)
        except SystemExit as exit_:
            if exit_.code not in (0, None):
                raise ExampleFailed(
                    f"{block.where}: `maxai {match['arguments'].strip()}`: {errors.getvalue()}"
                ) from None


def session_steps(block: CodeBlock) -> list[tuple[str, list[str]]]:
    """(command, the output lines shown after it) for each ``$ `` line."""
    steps: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
        elif line.strip():
            raise ExampleFailed(f"{block.where}: output {line!r} before the first `$ ` command")
    return [(command, _trimmed(expected)) for command, expected in steps]


def _trimmed(lines: list[str]) -> list[str]:
    lines = [line.rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def output_matches(expected: list[str], output: str) -> bool:
    """The output is the expected lines, where ``...`` is any text (or, alone on a line, any lines)."""
    pattern = "".join(
        r"(?:[^\n]*\n)*?" if line == "..." else ".*?".join(re.escape(part) for part in line.split("...")) + r"\n"
        for line in expected
    )
    actual = "\n".join(_trimmed(output.splitlines())) + "\n"
    return re.fullmatch(pattern, actual) is not None
