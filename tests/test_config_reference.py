"""The configuration reference is generated from the models' JSON Schemas: new keys appear by themselves, and a
key without a description is an error naming it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from maxai.config.reference import UndocumentedKeys, config_reference, render_reference
from maxai.config.schema import SCHEMA_MODELS, build_schema


@pytest.mark.parametrize("config_file", list(SCHEMA_MODELS))
def test_every_key_of_the_models_has_a_description(config_file: str) -> None:
    assert config_reference(config_file)


def _spark_schema() -> dict[str, Any]:
    return copy.deepcopy(build_schema("spark_config.json"))


def test_a_key_without_a_description_is_named() -> None:
    schema = _spark_schema()
    del schema["$defs"]["SparkSubmitConf"]["properties"]["num_executors"]["description"]
    schema["$defs"]["SparkTask"]["properties"]["task_id"]["description"] = "  "
    with pytest.raises(UndocumentedKeys) as raised:
        render_reference("spark_config.json", schema)
    assert raised.value.places == [
        "spark_config.json: tasks[].task_id",
        "spark_config.json: tasks[].spark_submit_conf.num_executors",
    ]
    assert "Field(description=" in str(raised.value)


def test_a_new_key_appears_with_its_type_default_and_description() -> None:
    schema = _spark_schema()
    schema["$defs"]["SparkSubmitConf"]["properties"]["max_attempts"] = {
        "anyOf": [{"type": "integer", "minimum": 1, "maximum": 9}, {"type": "null"}],
        "default": None,
        "description": "Attempts of the *driver* before giving up",
    }
    text = "\n".join(render_reference("spark_config.json", schema))
    row = text[text.index("``max_attempts``") :].splitlines()[:4]
    assert row == [
        "``max_attempts``",
        "     - integer (≥ 1, ≤ 9)",
        "     - ``null``",
        r"     - Attempts of the \*driver\* before giving up",
    ]


def test_sections_follow_the_file_and_link_from_their_key() -> None:
    text = "\n".join(config_reference("kubepod_config.json"))
    titles = [line for line in text.splitlines() if line.startswith("``") and not line.startswith("``<")]
    assert titles[:3] == ["``kubepod_config.json``", "``tasks[]``", "``tasks[].conf``"]
    assert "``tasks[].conf.secrets[]``" in titles  # after the callbacks' objects, in key order
    assert titles.index("``tasks[].conf.on_execute_callback``") < titles.index("``tasks[].conf.secrets[]``")
    assert ":ref:`object <config-kubepod-config-json-tasks-conf>`" in text
    assert '   * - ``deploy_type``\n     - one of ``"env"``, ``"volume"``\n     - required' in text
    assert "   * - ``tasks``\n     - list of :ref:`object <config-kubepod-config-json-tasks>` (at least 1 item)" in text
    assert "   * - ``affinity``\n     - object\n" in text  # a Kubernetes object: checked against Kubernetes' schema


def test_spark_submit_dashed_spellings_share_the_row_of_their_key() -> None:
    text = "\n".join(config_reference("spark_config.json"))
    assert "   * - ``num_executors`` (or ``num-executors``)" in text
    assert "   * - ``num-executors``" not in text


def test_py_config_documents_task_entries_and_the_dag_section() -> None:
    text = "\n".join(config_reference("py_config.json"))
    for title in ("``@dag``", "``@dag.default_args``", "``<task name>``"):
        assert f"\n{title}\n" in text
    assert "   * - ``max_active_runs``\n     - integer (> 0)\n     - ``1``" in text
    assert "   * - ``tags``\n     - list of string (at most 100 characters, not empty)\n     - ``[]``" in text
