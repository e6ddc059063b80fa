"""JSON Schema of the config files, generated from the models (``schemas/`` holds the output)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from maxai.config.environments import ENVIRONMENTS_FILE, EnvironmentsFile
from maxai.config.layout import PY_CONFIG
from maxai.config.models import DAG_SECTION, TASK_NAME_PATTERN, PyConfigFile
from maxai.config.presets import PRESETS_FILE, PresetsFile
from maxai.config.repository_files import REPOSITORY_FILES
from maxai.config.secrets import NOT_SECRETS_KEY
from maxai.kinds.registry import task_kinds

SCHEMA_DIR = "schemas"


def schema_models() -> dict[str, type[BaseModel]]:
    """Config file name -> its model: every installed task kind's file, py_config.json, then the
    repository-wide files (environments.json, presets.json)."""
    models = {kind.config_file: kind.file_model() for kind in task_kinds().values()}
    models[PY_CONFIG] = PyConfigFile
    models[ENVIRONMENTS_FILE] = EnvironmentsFile
    models[PRESETS_FILE] = PresetsFile
    return models


SCHEMA_MODELS = schema_models()
"""The models when this module was imported (see schema_models for kinds installed since)."""
_BASE_ID = "https://maxai.dev/schemas/"


def schema_file_name(config_file: str) -> str:
    return config_file.replace(".json", ".schema.json")


def _close_name_maps(node: Any) -> None:
    """Pydantic writes a map with constrained key names (environments, presets, params) as ``patternProperties``
    alone, which lets any other key through; maxai refuses such keys, so the schema does too."""
    if isinstance(node, dict):
        if "patternProperties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close_name_maps(value)
    elif isinstance(node, list):
        for value in node:
            _close_name_maps(value)


def build_schema(config_file: str) -> dict[str, Any]:
    models = schema_models()
    if config_file not in models:
        raise ValueError(f"no config file named {config_file!r}; one of {', '.join(models)}")
    model = models[config_file]
    schema = model.model_json_schema(by_alias=True, mode="validation")
    _close_name_maps(schema)
    kinds = {kind.config_file: kind for kind in task_kinds().values()}
    adjust = kinds[config_file].load("schema") if config_file in kinds else None
    if adjust is not None:
        adjust(schema)
    if model is PyConfigFile:
        schema["propertyNames"] = {
            "anyOf": [{"const": DAG_SECTION}, {"const": NOT_SECRETS_KEY}, {"pattern": TASK_NAME_PATTERN}]
        }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": _BASE_ID + schema_file_name(config_file),
        **schema,
        "title": config_file,
    }


def _without_required(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _without_required(value) for key, value in node.items() if key not in ("required", "minItems")}
    if isinstance(node, list):
        return [_without_required(item) for item in node]
    return node


def build_overlay_schema(config_file: str) -> dict[str, Any]:
    """The schema of an objective's override file: the same keys, none of them required.

    An override may also set any key to ``null`` (remove it), which this schema does not
    describe; ``maxai validate`` checks the merged result either way.
    """
    schema = _without_required(build_schema(config_file))
    schema["$id"] = _BASE_ID + overlay_file_name(config_file)
    schema["title"] = f"{config_file} (objective override)"
    return dict(schema)


def overlay_file_name(config_file: str) -> str:
    return config_file.replace(".json", ".overlay.schema.json")


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def expected_schema_files() -> dict[str, str]:
    """File name -> text of every schema file ``schemas/`` should hold."""
    names = list(schema_models())
    files = {schema_file_name(name): render(build_schema(name)) for name in names}
    # a repository-wide file (maxaiconfigs/environments.json, presets.json) has no objective override
    overlaid = [name for name in names if name not in REPOSITORY_FILES]
    files.update({overlay_file_name(name): render(build_overlay_schema(name)) for name in overlaid})
    return files


def stale_schema_files(folder: Path) -> list[str]:
    """Schema files in ``folder`` that are missing or differ from the models."""
    stale = []
    for name, text in expected_schema_files().items():
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    return stale


def write_schema_files(folder: Path) -> list[str]:
    """Write the schemas that changed; returns their names."""
    folder.mkdir(parents=True, exist_ok=True)
    changed = stale_schema_files(folder)
    for name, text in expected_schema_files().items():
        if name in changed:
            (folder / name).write_text(text, encoding="utf-8")
    return changed
