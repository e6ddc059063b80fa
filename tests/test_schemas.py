"""schemas/ is generated from the models, and describes the example configs."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator

from maxai.config.schema import expected_schema_files, stale_schema_files


def test_schema_files_are_up_to_date(repo: Path) -> None:
    stale = stale_schema_files(repo / "schemas")
    assert stale == [], f"run `maxai schema` to regenerate {stale}"


def test_schemas_are_valid_and_accept_use_case_configs(repo: Path) -> None:
    schemas = {name: json.loads(text) for name, text in expected_schema_files().items()}
    for schema in schemas.values():
        Draft202012Validator.check_schema(schema)
    for path in sorted((repo / "maxaiconfigs").glob("*/*/*.json")):
        schema = schemas[path.name.replace(".json", ".schema.json")]
        errors = list(Draft202012Validator(schema).iter_errors(json.loads(path.read_text())))
        assert errors == [], (path, errors[0].message if errors else None)


def test_schema_rejects_an_unknown_key() -> None:
    schema = json.loads(expected_schema_files()["spark_config.schema.json"])
    bad = {"tasks": [{"name": "a", "task_id": 1, "spark_submit_conf": {"application": "a.py", "num_executor": 2}}]}
    assert list(Draft202012Validator(schema).iter_errors(bad))
    dashed = {"tasks": [{"name": "a", "task_id": 1, "spark_submit_conf": {"application": "a.py", "num-executors": 2}}]}
    assert not list(Draft202012Validator(schema).iter_errors(dashed))


def test_overlay_schemas_accept_objective_overrides_but_not_unknown_keys(repo: Path) -> None:
    schemas = {name: json.loads(text) for name, text in expected_schema_files().items()}
    overrides = sorted((repo / "maxaiconfigs").glob("*/*/*/*.json"))
    assert overrides
    for path in overrides:
        schema = schemas[path.name.replace(".json", ".overlay.schema.json")]
        assert list(Draft202012Validator(schema).iter_errors(json.loads(path.read_text()))) == [], path
    overlay = schemas["spark_config.overlay.schema.json"]
    partial = {"tasks": [{"name": "a", "spark_submit_conf": {"num_executors": 8}}]}
    assert not list(Draft202012Validator(overlay).iter_errors(partial))
    assert list(Draft202012Validator(schemas["spark_config.schema.json"]).iter_errors(partial))
    typo = {"tasks": [{"name": "a", "spark_submit_conf": {"num_executor": 8}}]}
    assert list(Draft202012Validator(overlay).iter_errors(typo))


def test_repository_wide_files_have_schemas_that_accept_the_examples_and_reject_typos(repo: Path) -> None:
    schemas = {name: json.loads(text) for name, text in expected_schema_files().items()}
    for name in ("environments.json", "presets.json"):
        schema = schemas[name.replace(".json", ".schema.json")]
        example = json.loads((repo / "maxaiconfigs" / name).read_text())
        assert list(Draft202012Validator(schema).iter_errors(example)) == [], name
        # one file for the whole repository: no objective overrides it, so no overlay schema
        assert name.replace(".json", ".overlay.schema.json") not in schemas
    environments = schemas["environments.schema.json"]
    typo = {"default": "prod", "environments": {"prod": {"dag_id_prefx": "p."}}}
    assert list(Draft202012Validator(environments).iter_errors(typo))
    bad_name = {"default": "prod", "environments": {"Prod": {}}}
    assert list(Draft202012Validator(environments).iter_errors(bad_name))
    presets = schemas["presets.schema.json"]
    assert list(Draft202012Validator(presets).iter_errors({"presets": {"small": {"spark": {"executor_mem": "1g"}}}}))
