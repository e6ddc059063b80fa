"""The configuration reference: every key of a config file, read from its JSON Schema, as reStructuredText.

The documentation site renders it when it is built (``docs/conf.py``), so a key added to a model appears with no
hand edit, and a key the models leave without a description stops the build instead of showing an empty cell.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from maxai.config.layout import PY_CONFIG
from maxai.config.schema import build_schema, schema_models

_ANY = "any JSON value"
_OTHER_KEYS = {PY_CONFIG: "<task name>"}
"""What the keys a file's ``additionalProperties`` stands for are called."""


class UndocumentedKeys(ValueError):
    """Keys whose schema has no description; the message lists each as ``file: path``."""

    def __init__(self, places: list[str]) -> None:
        self.places = places
        listed = "\n".join(f"  {place}" for place in places)
        super().__init__(
            f"{len(places)} config key(s) have no description; give each field one "
            f'(Field(description="...")) in maxai.config.models or kubepod_model:\n{listed}'
        )


@dataclass(frozen=True)
class _Section:
    """One object of a config file: its keys are one table."""

    path: str
    schema: dict[str, Any]


def config_reference(config_file: str) -> list[str]:
    """The reference of one config file (``spark_config.json``, ...) as generated from maxai's models."""
    models = schema_models()
    if config_file not in models:
        raise ValueError(f"no config file named {config_file!r}; one of {', '.join(models)}")
    return render_reference(config_file, build_schema(config_file))


def render_reference(config_file: str, schema: dict[str, Any]) -> list[str]:
    """A section per object of the file (``-`` underlines the file's, ``~`` the others), a table row per key.

    Raises ``UndocumentedKeys`` naming every key without a description.
    """
    return _Renderer(config_file, schema).render(heading="-", subheading="~")


class _Renderer:
    def __init__(self, config_file: str, schema: dict[str, Any]) -> None:
        self.config_file = config_file
        self.schema = schema
        self.definitions: dict[str, dict[str, Any]] = schema.get("$defs", {})
        self._section_paths: dict[str, str] = {}

    def render(self, heading: str, subheading: str) -> list[str]:
        sections = self.sections()
        undocumented = [
            f"{self.config_file}: {section.path + '.' if section.path else ''}{key}"
            for section in sections
            for key, node in self.rows(section)
            if not node.get("description", "").strip()
        ]
        if undocumented:
            raise UndocumentedKeys(undocumented)
        lines: list[str] = []
        for section in sections:
            title = f"``{section.path or self.config_file}``"
            underline = heading if not section.path else subheading
            lines += [f".. _{self.label(section.path)}:", "", title, underline * len(title), ""]
            description = section.schema.get("description", "") if section.path else ""
            if description:
                lines += [_one_line(description), ""]
            lines += self.table(section)
        return lines

    def sections(self) -> list[_Section]:
        """The file's objects, depth first from the top level, each model once (at the first path reaching it)."""
        found: list[_Section] = []
        self._section_paths = {}
        self._collect(_Section("", self.schema), found)
        return found

    def _collect(self, section: _Section, found: list[_Section]) -> None:
        found.append(section)
        for key, node in self.rows(section):
            path = f"{section.path}.{key}" if section.path else key
            for suffix, name in self._models_in(node):
                if name not in self._section_paths:
                    # a key that may hold one of several objects ({"all": ...}, {"any": ...}) has a section per object
                    place = path + suffix
                    if place in self._section_paths.values():
                        place = f"{place} ({name})"
                    self._section_paths[name] = place
                    self._collect(_Section(place, self.definitions[name]), found)

    def _models_in(self, node: dict[str, Any], suffix: str = "") -> Iterator[tuple[str, str]]:
        """(path suffix, definition name) of each object model a key's value may hold."""
        reference = node.get("$ref")
        if isinstance(reference, str):
            name = reference.rsplit("/", 1)[-1]
            if "properties" in self.definitions.get(name, {}):
                yield suffix, name
        for variant in [*node.get("anyOf", []), *node.get("oneOf", [])]:
            yield from self._models_in(variant, suffix)
        if isinstance(node.get("items"), dict):
            yield from self._models_in(node["items"], suffix + "[]")
        if isinstance(node.get("additionalProperties"), dict):
            yield from self._models_in(node["additionalProperties"], suffix + ".<name>")
        for value in (node.get("patternProperties") or {}).values():
            yield from self._models_in(value, suffix + ".<name>")

    def rows(self, section: _Section) -> list[tuple[str, dict[str, Any]]]:
        """(key, schema) for each key of the object; the keys it does not name come last, as ``<task name>``."""
        properties: dict[str, Any] = section.schema.get("properties", {})
        rows = sorted(properties.items())
        other = section.schema.get("additionalProperties")
        if isinstance(other, dict):
            rows.append((_OTHER_KEYS.get(self.config_file, "<key>"), self._with_own_description(other)))
        return rows

    def _with_own_description(self, node: dict[str, Any]) -> dict[str, Any]:
        """The schema of the keys a file does not name; a model there is described by its docstring."""
        if "description" in node or "$ref" not in node:
            return node
        definition = self.definitions.get(str(node["$ref"]).rsplit("/", 1)[-1], {})
        return {**node, "description": definition.get("description", "")}

    def label(self, path: str) -> str:
        return "config-" + re.sub(r"[^a-z0-9]+", "-", f"{self.config_file} {path}".lower()).strip("-")

    def table(self, section: _Section) -> list[str]:
        required = set(section.schema.get("required", []))
        properties = section.schema.get("properties", {})
        lines = [
            ".. list-table::",
            "   :header-rows: 1",
            "   :widths: 22 30 12 36",
            "",
            "   * - key",
            "     - type",
            "     - default",
            "     - description",
        ]
        for key, node in self.rows(section):
            if "-" in key and key.replace("-", "_") in properties:
                continue  # spark-submit's dashed spelling: listed with its underscored key
            dashed = key.replace("_", "-")
            spelling = f" (or ``{dashed}``)" if dashed != key and dashed in properties else ""
            lines += [
                f"   * - ``{key}``{spelling}",
                f"     - {self.type_text(node)}",
                f"     - {self.default_text(node, required=key in required)}",
                f"     - {_plain(node['description'])}",
            ]
        return [*lines, ""]

    def default_text(self, node: dict[str, Any], *, required: bool) -> str:
        if required:
            return "required"
        if "default" in node:
            return _literal(json.dumps(node["default"], ensure_ascii=False))
        # Pydantic leaves a default_factory out of the schema: an empty list, map or model.
        kinds = {variant.get("type") for variant in [node, *node.get("anyOf", [])]}
        if "array" in kinds:
            return "``[]``"
        if "object" in kinds:
            return "``{}``"
        return "its keys' defaults" if any(True for _ in self._models_in(node)) else "not set"

    def type_text(self, node: dict[str, Any]) -> str:
        """The JSON types a value may have, with their constraints, in words."""
        reference = node.get("$ref")
        if isinstance(reference, str):
            name = reference.rsplit("/", 1)[-1]
            if name in self._section_paths:
                return f":ref:`object <{self.label(self._section_paths[name])}>`"
            return self.type_text(self.definitions.get(name, {}))
        if "anyOf" in node:
            variants = [self.type_text(variant) for variant in node["anyOf"] if variant.get("type") != "null"]
            return " or ".join(dict.fromkeys(variants))
        if "enum" in node:
            return "one of " + ", ".join(_literal(json.dumps(value)) for value in node["enum"])
        if "const" in node:
            return _literal(json.dumps(node["const"]))
        kind = node.get("type")
        if kind is None:
            return _ANY
        if isinstance(kind, list):
            text = " or ".join(str(each) for each in kind if each != "null")
        elif kind == "array":
            items = node.get("items")
            text = f"list of {self.type_text(items)}" if isinstance(items, dict) else "list"
        elif kind == "object":
            values = node.get("additionalProperties")
            patterns = node.get("patternProperties") or {}
            key_text = "string"
            if not isinstance(values, dict) and len(patterns) == 1:
                # a map whose keys are names of a given form (environments, presets, params)
                [(pattern, values)] = patterns.items()
                key_text = f"name matching {_literal(pattern)}"
            value_text = self.type_text(values) if isinstance(values, dict) else _ANY
            text = "object" if value_text == _ANY else f"map of {key_text} to {value_text}"
        else:
            text = str(kind)
        limits = _constraints(node)
        return f"{text} ({', '.join(limits)})" if limits else text


def _constraints(node: dict[str, Any]) -> list[str]:
    bounds = {"minimum": "≥", "exclusiveMinimum": ">", "maximum": "≤", "exclusiveMaximum": "<"}
    limits = [f"{sign} {node[key]}" for key, sign in bounds.items() if key in node]
    if "minItems" in node:
        limits.append(f"at least {_count(node['minItems'], 'item')}")
    if "maxItems" in node:
        limits.append(f"at most {_count(node['maxItems'], 'item')}")
    if "maxLength" in node:
        limits.append(f"at most {_count(node['maxLength'], 'character')}")
    if node.get("minLength") == 1:
        limits.append("not empty")
    elif "minLength" in node:
        limits.append(f"at least {_count(node['minLength'], 'character')}")
    if "pattern" in node:
        limits.append(f"matching {_literal(node['pattern'])}")
    return limits


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _literal(text: str) -> str:
    if "`" in text or not text.strip():
        raise ValueError(f"{text!r} cannot be shown as an inline literal")
    return f"``{text}``"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _plain(text: str) -> str:
    """A field's description is plain text (editors show it as it is): nothing in it is reStructuredText markup."""
    return re.sub(r"([\\*`|_\[\]])", r"\\\1", _one_line(text))
