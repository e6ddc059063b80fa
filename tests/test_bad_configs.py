"""Malformed configs: each gives one ConfigError naming the file, the JSON path and the reason."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from maxai import ConfigError
from maxai.config import load_objective
from maxai.errors import format_json_path

DF = "maxaiconfigs/retail/demand_forecast"
SEG = "maxaiconfigs/retail/store_segments"
FR = "maxaiconfigs/finance/fraud_scoring"
OBJECTIVE = {
    DF: ("retail", "demand_forecast", "stores_eu"),
    SEG: ("retail", "store_segments", "weekly"),
    FR: ("finance", "fraud_scoring", "cards"),
}


def _set(path: list[Any], value: Any) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        for part in path[:-1]:
            data = data[part]
        data[path[-1]] = value

    return change


def _rename(path: list[Any], new_key: str) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        for part in path[:-1]:
            data = data[part]
        data[new_key] = data.pop(path[-1])

    return change


# (case id, file to change, change, objective folder, expected file, expected JSON path, message fragment)
CASES: list[tuple[str, str, Any, str, str, str, str]] = [
    (
        "misspelt-key",
        f"{DF}/spark_config.json",
        _rename(["tasks", 0, "spark_submit_conf", "executor_memory"], "executor_memmory"),
        DF,
        f"{DF}/spark_config.json",
        "tasks[0].spark_submit_conf.executor_memmory",
        "did you mean 'executor_memory'",
    ),
    (
        "wrong-type",
        f"{DF}/spark_config.json",
        _set(["tasks", 1, "spark_submit_conf", "num_executors"], "2"),
        DF,
        f"{DF}/spark_config.json",
        "tasks[1].spark_submit_conf.num_executors",
        "expected an integer, got a string '2'",
    ),
    (
        "bad-memory",
        f"{DF}/spark_config.json",
        _set(["tasks", 1, "spark_submit_conf", "driver_memory"], "lots"),
        DF,
        f"{DF}/spark_config.json",
        "tasks[1].spark_submit_conf.driver_memory",
        "'lots' is not a memory size such as '512m'",
    ),
    (
        "duplicate-name-across-files",
        f"{SEG}/kubepod_config.json",
        _set(["tasks", 0, "name"], "store_features"),
        SEG,
        f"{SEG}/kubepod_config.json",
        "tasks[0].name",
        "task name 'store_features' is already used",
    ),
    (
        "duplicate-task-id",
        f"{DF}/spark_config.json",
        _set(["tasks", 2, "task_id"], 1),
        DF,
        f"{DF}/spark_config.json",
        "tasks[2].task_id",
        "task_id 1 is already used by task 'clean_sales'",
    ),
    (
        "empty-tasks",
        f"{FR}/kubepod_config.json",
        _set(["tasks"], []),
        FR,
        f"{FR}/kubepod_config.json",
        "tasks",
        "must not be empty",
    ),
    (
        "airflow-rejects-name",
        f"{DF}/spark_config.json",
        _set(["tasks", 0, "name"], "clean sales!"),
        DF,
        f"{DF}/spark_config.json",
        "tasks[0].name",
        "'clean sales!' is not a valid task name",
    ),
    (
        "negative-task-id",
        f"{DF}/spark_config.json",
        _set(["tasks", 0, "task_id"], -1),
        DF,
        f"{DF}/spark_config.json",
        "tasks[0].task_id",
        "greater than or equal to 0",
    ),
    (
        "boolean-task-id",
        f"{DF}/spark_config.json",
        _set(["tasks", 0, "task_id"], True),
        DF,
        f"{DF}/spark_config.json",
        "tasks[0].task_id",
        "expected an integer, got a boolean",
    ),
    (
        "trailing-comma",
        f"{FR}/py_config.json",
        '{\n  "extract_transactions": {"args": {}},\n}\n',
        FR,
        f"{FR}/py_config.json",
        "$",
        "invalid JSON",
    ),
    (
        "duplicate-json-key",
        f"{FR}/cards/py_config.json",
        '{\n  "report_alerts": {"output": "a"},\n  "report_alerts": {"output": "b"}\n}\n',
        FR,
        f"{FR}/cards/py_config.json",
        "report_alerts",
        "duplicate key 'report_alerts'",
    ),
    (
        "nan",
        f"{DF}/stores_eu/py_config.json",
        '{"forecast_demand": {"args": {"window_days": NaN}}}',
        DF,
        f"{DF}/stores_eu/py_config.json",
        "$",
        "NaN is not a JSON number",
    ),
    (
        "top-level-list",
        f"{FR}/cards/py_config.json",
        "[]",
        FR,
        f"{FR}/cards/py_config.json",
        "$",
        "must hold a JSON object",
    ),
    (
        "py-config-unknown-task",
        f"{DF}/stores_eu/py_config.json",
        _rename(["clean_sales"], "clean_sale"),
        DF,
        f"{DF}/stores_eu/py_config.json",
        "clean_sale",
        "no task named 'clean_sale' in this objective (did you mean 'clean_sales'?)",
    ),
    (
        "dag-misspelt-key",
        f"{DF}/stores_eu/py_config.json",
        _rename(["@dag", "schedule"], "schedul"),
        DF,
        f"{DF}/stores_eu/py_config.json",
        '["@dag"].schedul',
        "did you mean 'schedule'",
    ),
    (
        "bad-cron",
        f"{DF}/stores_eu/py_config.json",
        _set(["@dag", "schedule"], "every day"),
        DF,
        f"{DF}/stores_eu/py_config.json",
        '["@dag"].schedule',
        "is not a cron expression",
    ),
    (
        "bad-date",
        f"{DF}/py_config.json",
        _set(["@dag", "start_date"], "2026-13-01"),
        DF,
        f"{DF}/py_config.json",
        '["@dag"].start_date',
        "is not an ISO date",
    ),
    (
        "unknown-section",
        f"{DF}/stores_eu/py_config.json",
        _rename(["@dag"], "@dags"),
        DF,
        f"{DF}/stores_eu/py_config.json",
        '["@dags"]',
        "unknown section '@dags'; the only reserved section is '@dag'",
    ),
    (
        "k8s-misspelt-field",
        f"{FR}/kubepod_config.json",
        _rename(["tasks", 0, "conf", "volume_mounts", 0, "mountPath"], "mountpath"),
        FR,
        f"{FR}/kubepod_config.json",
        "tasks[0].conf.volume_mounts[0].mountpath",
        "did you mean 'mountPath'",
    ),
    (
        "k8s-wrong-type",
        f"{FR}/kubepod_config.json",
        _set(["tasks", 1, "conf", "tolerations", 0, "tolerationSeconds"], "ten"),
        FR,
        f"{FR}/kubepod_config.json",
        "tasks[1].conf.tolerations[0].tolerationSeconds",
        "expected integer",
    ),
    (
        "pull-policy",
        f"{FR}/kubepod_config.json",
        _set(["tasks", 0, "conf", "image_pull_policy"], "Sometimes"),
        FR,
        f"{FR}/kubepod_config.json",
        "tasks[0].conf.image_pull_policy",
        "'Sometimes' is not allowed",
    ),
    (
        "missing-image",
        f"{FR}/kubepod_config.json",
        lambda d: d["tasks"][2]["conf"].pop("image") and None,
        FR,
        f"{FR}/kubepod_config.json",
        "tasks[2].conf.image",
        "required key 'image' is missing",
    ),
    (
        "depends-on-unknown",
        f"{DF}/spark_config.json",
        _set(["tasks", 2, "depends_on"], ["clean_sale"]),
        DF,
        f"{DF}/spark_config.json",
        "tasks[2].depends_on",
        "did you mean 'clean_sales'",
    ),
    (
        "depends-on-cycle",
        f"{DF}/spark_config.json",
        _set(["tasks", 0, "depends_on"], ["forecast_demand"]),
        DF,
        f"{DF}/spark_config.json",
        "tasks[0].depends_on",
        "cycle",
    ),
    (
        "absolute-application",
        f"{DF}/spark_config.json",
        _set(["tasks", 0, "spark_submit_conf", "application"], "/etc/passwd"),
        DF,
        f"{DF}/spark_config.json",
        "tasks[0].spark_submit_conf.application",
        "is an absolute path",
    ),
    (
        "escaping-application",
        f"{DF}/spark_config.json",
        _set(["tasks", 0, "spark_submit_conf", "application"], "../../../../../../etc/passwd"),
        DF,
        f"{DF}/spark_config.json",
        "tasks[0].spark_submit_conf.application",
        "leads outside the repository",
    ),
    (
        "missing-application",
        f"{DF}/spark_config.json",
        _set(["tasks", 0, "spark_submit_conf", "application"], "handlers/nope.py"),
        DF,
        f"{DF}/spark_config.json",
        "tasks[0].spark_submit_conf.application",
        "not found",
    ),
    (
        "both-spellings",
        f"{DF}/spark_config.json",
        _set(["tasks", 0, "spark_submit_conf", "driver_memory"], "2g"),
        DF,
        f"{DF}/spark_config.json",
        "tasks[0].spark_submit_conf.driver_memory",
        "is given twice",
    ),
    (
        "plaintext-secret",
        f"{FR}/kubepod_config.json",
        _set(["tasks", 0, "conf", "env_vars", "LEDGER_PASSWORD"], "hunter2"),
        FR,
        f"{FR}/kubepod_config.json",
        "tasks[0].conf.env_vars.LEDGER_PASSWORD",
        "Airflow Connection",
    ),
    (
        "absolute-output",
        f"{FR}/cards/py_config.json",
        _set(["report_alerts", "output"], "/tmp/alerts"),
        FR,
        f"{FR}/cards/py_config.json",
        "report_alerts.output",
        "must be a relative path",
    ),
    (
        "function-spec",
        f"{FR}/cards/py_config.json",
        _set(["report_alerts", "function"], "scoring.report"),
        FR,
        f"{FR}/cards/py_config.json",
        "report_alerts.function",
        "is not a handler reference",
    ),
    (
        "overlay-wrong-type",
        f"{DF}/stores_eu/spark_config.json",
        {"tasks": [{"name": "daily_totals", "spark_submit_conf": {"executor_cores": 0}}]},
        DF,
        f"{DF}/stores_eu/spark_config.json",
        "tasks[0].spark_submit_conf.executor_cores",
        "greater than 0",
    ),
]


@pytest.mark.parametrize(
    ("change_file", "change", "folder", "file", "path", "fragment"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_malformed_config(
    example_repo: Path,
    edit_json,
    change_file: str,
    change: Any,  # type: ignore[no-untyped-def]
    folder: str,
    file: str,
    path: str,
    fragment: str,
) -> None:
    edit_json(change_file, change)
    with pytest.raises(ConfigError) as caught:
        load_objective(example_repo, *OBJECTIVE[folder])
    matching = [p for p in caught.value.problems if p.file == file and format_json_path(p.path) == path]
    assert matching, f"no problem at {file} {path}; got:\n{caught.value}"
    assert any(fragment in p.message for p in matching), str(caught.value)
    assert isinstance(caught.value, ValueError)
    for problem in caught.value.problems:
        assert problem.file.startswith("maxaiconfigs/")
        assert str(problem).startswith(problem.file)


def test_there_are_at_least_twenty_distinct_cases() -> None:
    assert len({case[0] for case in CASES}) >= 20


def test_error_positions_point_at_the_key(example_repo: Path, edit_json) -> None:  # type: ignore[no-untyped-def]
    path = edit_json(f"{DF}/spark_config.json", _set(["tasks", 1, "spark_submit_conf", "num_executors"], "2"))
    with pytest.raises(ConfigError) as caught:
        load_objective(example_repo, "retail", "demand_forecast", "stores_eu")
    problem = caught.value.problems[0]
    line = path.read_text().splitlines()[problem.line - 1]  # type: ignore[operator]
    assert line[problem.column - 1 :].startswith('"num_executors"')  # type: ignore[operator]


def test_several_problems_reported_together(example_repo: Path, edit_json) -> None:  # type: ignore[no-untyped-def]
    def break_twice(data: dict) -> None:  # type: ignore[type-arg]
        data["tasks"][1]["spark_submit_conf"]["num_executors"] = "x"
        data["tasks"][2]["spark_submit_conf"]["verbos"] = True

    edit_json(f"{DF}/spark_config.json", break_twice)
    edit_json(f"{DF}/stores_eu/py_config.json", _set(["@dag", "catchup"], "yes"))
    with pytest.raises(ConfigError) as caught:
        load_objective(example_repo, "retail", "demand_forecast", "stores_eu")
    assert len(caught.value.problems) == 3
    assert str(caught.value).startswith("3 problems:")


def test_stray_config_file(example_repo: Path) -> None:
    (example_repo / f"{DF}/stores_eu/spark_conf.json").write_text("{}")
    with pytest.raises(
        ConfigError, match=r"spark_conf.json: \$: unknown config file \(did you mean 'spark_config.json'\?\)"
    ):
        load_objective(example_repo, "retail", "demand_forecast", "stores_eu")


def test_not_utf8(example_repo: Path) -> None:
    (example_repo / f"{FR}/cards/py_config.json").write_bytes(b'{"report_alerts": {"output": "caf\xe9"}}')
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        load_objective(example_repo, "finance", "fraud_scoring", "cards")


def test_objective_without_tasks(example_repo: Path) -> None:
    (example_repo / f"{FR}/kubepod_config.json").unlink()
    (example_repo / f"{FR}/wire_transfers/kubepod_config.json").unlink()
    with pytest.raises(ConfigError, match="no tasks"):
        load_objective(example_repo, "finance", "fraud_scoring", "cards")


def test_misspelt_objective_folder(example_repo: Path) -> None:
    with pytest.raises(ConfigError, match=r"objective folder .*stores_e/ not found \(did you mean 'stores_eu'\?\)"):
        load_objective(example_repo, "retail", "demand_forecast", "stores_e")


def test_secret_value_never_echoed(example_repo: Path, edit_json) -> None:  # type: ignore[no-untyped-def]
    edit_json(f"{FR}/kubepod_config.json", _set(["tasks", 0, "conf", "env_vars", "API_TOKEN"], 12345678))
    with pytest.raises(ConfigError) as caught:
        load_objective(example_repo, "finance", "fraud_scoring", "cards")
    assert "12345678" not in str(caught.value)
    assert json.dumps([p.as_dict() for p in caught.value.problems]).find("12345678") == -1


def test_credentials_and_other_problems_reported_together(example_repo: Path) -> None:
    (example_repo / f"{FR}/cards/py_config.json").write_text(
        '{"report_alerts": {"args": {"db_password": "x"}}, "score_transaction": {}}'
    )
    with pytest.raises(ConfigError) as caught:
        load_objective(example_repo, "finance", "fraud_scoring", "cards")
    messages = [problem.message for problem in caught.value.problems]
    assert len(messages) == 2
    assert "looks like a credential" in messages[0]
    assert "no task named 'score_transaction'" in messages[1]
