"""Problems from several layered files, each traced back to its own file, line and column."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from maxai.config.diagnostics import problems_from_validation
from maxai.config.jsonfile import locate
from maxai.config.layering import Layer, trace_source
from maxai.errors import ConfigError, JsonPath, Problem


class ProblemCollector:
    """Problems from several files, each traced back to its own file and position."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, layers: list[Layer], merged_path: JsonPath, message: str) -> None:
        layer, path = trace_source(layers, merged_path)
        line, column = locate(layer.text, path)
        self.problems.append(Problem(layer.display, path, message, line, column))

    def add_validation(self, layers: list[Layer], error: ValidationError, data: Any, model: type[BaseModel]) -> None:
        for path, message in problems_from_validation(error, data, model):
            self.add(layers, path, message)

    def raise_if_any(self) -> None:
        if self.problems:
            raise ConfigError(self.problems)


def display_path(root: Path, path: Path | str) -> str:
    """``path`` relative to the root, as users see it in the repository."""
    text, prefix = str(path), str(root) + os.sep
    if text.startswith(prefix):
        return text[len(prefix) :].replace(os.sep, "/")
    return text
