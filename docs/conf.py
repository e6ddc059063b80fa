"""Sphinx configuration of the documentation site; ``make docs`` builds it into ``build/docs/html``.

The pages are the ``*.rst`` files of this folder: ``index.rst`` orders the main ones and its glob adds any other.
Two references are generated from the code at every build, so they cannot drift from it: the configuration
reference (each ``.. maxai-config-reference:: FILE`` line becomes the tables of that file's keys, read from the
JSON Schemas of maxai's models) and the command reference (sphinx-argparse, from maxai's own parsers).
"""

from __future__ import annotations

import re

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

from maxai import __version__
from maxai.config.reference import config_reference

project = "maxai"
release = version = __version__
html_title = f"maxai {release}"
html_theme = "furo"
extensions = ["sphinx.ext.autodoc", "sphinxarg.ext"]
exclude_patterns: list[str] = []
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_class_signature = "separated"

_CONFIG_REFERENCE = re.compile(r"^\.\. maxai-config-reference:: (\S+)[ \t]*$", re.MULTILINE)


def _expand_config_reference(app: Sphinx, docname: str, source: list[str]) -> None:
    # A text substitution before parsing, not a directive: the reference holds sections, which directives cannot add.
    try:
        source[0] = _CONFIG_REFERENCE.sub(lambda match: "\n".join(config_reference(match.group(1))), source[0])
    except ValueError as error:  # a key without a description, or no such config file
        raise ExtensionError(f"{docname}.rst: {error}") from None


def setup(app: Sphinx) -> dict[str, bool]:
    app.connect("source-read", _expand_config_reference)
    return {"parallel_read_safe": True}
