"""Hostile and random input: the loader gives a valid config or a ConfigError, nothing else.

Property-based (hypothesis) over random JSON, mutations of the real example configs and raw
bytes; plus paths that try to leave the repository, plain-text credentials and Jinja.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maxai import ConfigError
from maxai.config import load_objective
from maxai.config.objective import ObjectiveConfig

CASES_RUN: dict[str, int] = {}
OBJ = "maxaiconfigs/finance/fraud_scoring/cards"
UC = "maxaiconfigs/finance/fraud_scoring"
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=5),
    max_leaves=30,
)
likely_keys = st.sampled_from(
    [
        "tasks",
        "name",
        "task_id",
        "conf",
        "image",
        "cmds",
        "@dag",
        "schedule",
        "volumes",
        "volume_mounts",
        "container_resources",
        "report_alerts",
        "score_transactions",
        "args",
        "output",
        "depends_on",
        "env_vars",
    ]
)


def _outcome(root: Path, name: str) -> ObjectiveConfig | None:
    """Load the objective: a config or a ConfigError; any other exception fails the test."""
    CASES_RUN[name] = CASES_RUN.get(name, 0) + 1
    try:
        config = load_objective(root, "finance", "fraud_scoring", "cards")
    except ConfigError as error:
        assert error.problems and all(problem.file and problem.message for problem in error.problems)
        str(error)  # rendering never fails either
        return None
    assert config.tasks, "a valid config always has tasks"
    return config


@pytest.fixture(scope="module")
def fuzz_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    from tests.conftest import EXAMPLE_PARTS, REPO

    root = tmp_path_factory.mktemp("fuzz")
    for part in EXAMPLE_PARTS:
        shutil.copytree(REPO / part, root / part, ignore=shutil.ignore_patterns("out", "__pycache__"))
    return root


@pytest.fixture(scope="module")
def originals(fuzz_repo: Path) -> dict[str, bytes]:
    return {
        name: (fuzz_repo / name).read_bytes()
        for name in (f"{UC}/kubepod_config.json", f"{UC}/py_config.json", f"{OBJ}/py_config.json")
    }


def _restore(root: Path, originals: dict[str, bytes]) -> None:
    for name, data in originals.items():
        (root / name).write_bytes(data)


@SETTINGS
@given(
    value=json_values,
    target=st.sampled_from([f"{UC}/kubepod_config.json", f"{OBJ}/py_config.json", f"{OBJ}/kubepod_config.json"]),
)
def test_random_json_documents(fuzz_repo: Path, originals: dict[str, bytes], value: Any, target: str) -> None:
    _restore(fuzz_repo, originals)
    path = fuzz_repo / target
    path.write_text(json.dumps(value))
    try:
        _outcome(fuzz_repo, "random JSON documents")
    finally:
        path.unlink(missing_ok=True)
        _restore(fuzz_repo, originals)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(_paths(child, (*prefix, index)))
    return found


@SETTINGS
@given(
    data=st.data(),
    target=st.sampled_from([f"{UC}/kubepod_config.json", f"{UC}/py_config.json", f"{OBJ}/py_config.json"]),
)
def test_mutated_example_configs(
    fuzz_repo: Path, originals: dict[str, bytes], data: st.DataObject, target: str
) -> None:
    _restore(fuzz_repo, originals)
    document = json.loads(originals[target])
    mutated = copy.deepcopy(document)
    for _ in range(data.draw(st.integers(1, 3))):
        place = data.draw(st.sampled_from(_paths(mutated)))
        if not place:
            continue
        parent = mutated
        for part in place[:-1]:
            parent = parent[part]
        action = data.draw(st.sampled_from(["replace", "delete", "add-key", "rename"]))
        if action == "replace":
            parent[place[-1]] = data.draw(json_values)
        elif action == "delete":
            del parent[place[-1]]
        elif action == "add-key" and isinstance(parent[place[-1]], dict):
            parent[place[-1]][data.draw(likely_keys | st.text(max_size=10))] = data.draw(json_values)
        elif action == "rename" and isinstance(parent, dict):
            parent[data.draw(likely_keys)] = parent.pop(place[-1])
    (fuzz_repo / target).write_text(json.dumps(mutated))
    config = _outcome(fuzz_repo, "mutated example configs")
    if config is not None:
        assert [task.name for task in config.tasks] == sorted(
            (t.name for t in config.tasks), key=lambda n: config.task(n).order
        )
    _restore(fuzz_repo, originals)


@SETTINGS
@given(
    prefix=st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00", b"\x80"]),
    junk=st.binary(max_size=40),
    keep=st.integers(0, 400),
)
def test_raw_bytes(fuzz_repo: Path, originals: dict[str, bytes], prefix: bytes, junk: bytes, keep: int) -> None:
    _restore(fuzz_repo, originals)
    original = originals[f"{OBJ}/py_config.json"]
    (fuzz_repo / OBJ / "py_config.json").write_bytes(prefix + original[:keep] + junk + original[keep:])
    _outcome(fuzz_repo, "raw bytes, BOMs and truncations")
    _restore(fuzz_repo, originals)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested more than"),
        ('{"report_alerts": {"args": ' + "[" * 70 + "]" * 70 + "}}", "nested more than 64 levels"),
        ('{"report_alerts": {"args": {"n": ' + "9" * 5000 + "}}}", "invalid JSON value"),
        ('{"report_alerts": {"args": {"n": 1e999}}}', "1e999 is not a JSON number"),
        ('{"report_alerts": {"args": {"n": -Infinity}}}', "-Infinity is not a JSON number"),
        ('{"report_alerts": {"output": "a", "args": {}, "output": "b"}}', "duplicate key 'output'"),
        ('{"a": 1, "a": ' + "[" * 5000 + "]" * 5000 + "}", "nested more than"),
        ("\ufeff" + '{"report_alerts": {"args": {"x": 1}}}', None),
        ('{"report_alerts": {"output": "x\\u0000y"}}', "NUL"),
        ('{"' + "k" * 100_000 + '": {}}', "is not a valid task name"),
    ],
    ids=[
        "deep-array",
        "deep-args",
        "huge-int",
        "overflow-float",
        "infinity",
        "duplicate-key",
        "duplicate-then-deep",
        "utf8-bom-ok",
        "nul-in-path",
        "huge-key",
    ],
)
def test_extreme_documents(example_repo: Path, text: str, fragment: str | None) -> None:
    (example_repo / OBJ / "py_config.json").write_text(text, encoding="utf-8")
    if fragment is None:
        assert load_objective(example_repo, "finance", "fraud_scoring", "cards").task("report_alerts").params.args == {
            "x": 1
        }
        return
    with pytest.raises(ConfigError) as caught:
        load_objective(example_repo, "finance", "fraud_scoring", "cards")
    assert fragment in str(caught.value)
    assert len(str(caught.value)) < 2000  # a huge key is not echoed whole


def test_very_large_file(example_repo: Path) -> None:
    (example_repo / OBJ / "py_config.json").write_text(
        '{"report_alerts": {"args": {"blob": "' + "x" * 3_000_000 + '"}}}'
    )
    with pytest.raises(ConfigError, match="config files are limited to"):
        load_objective(example_repo, "finance", "fraud_scoring", "cards")


# --- paths ----------------------------------------------------------------------------------


def test_symlinked_objective_folder_leading_out(example_repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "py_config.json").write_text("{}")
    (example_repo / UC / "sneaky").symlink_to(outside)
    with pytest.raises(ConfigError, match="link leading outside maxaiconfigs"):
        load_objective(example_repo, "finance", "fraud_scoring", "sneaky")


def test_symlinked_config_file_leading_out(example_repo: Path, tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere.json"
    secret.write_text('{"report_alerts": {}}')
    target = example_repo / OBJ / "py_config.json"
    target.unlink()
    target.symlink_to(secret)
    with pytest.raises(ConfigError, match=r"py_config.json: \$: is a link leading outside maxaiconfigs"):
        load_objective(example_repo, "finance", "fraud_scoring", "cards")


def test_symlinked_application_leading_out(example_repo: Path, tmp_path: Path) -> None:
    (tmp_path / "evil.py").write_text("print('hi')")
    handler = example_repo / "maxaiusecases/retail/demand_forecast/handlers/clean_sales.py"
    handler.unlink()
    handler.symlink_to(tmp_path / "evil.py")
    with pytest.raises(ConfigError, match="leads outside the repository"):
        load_objective(example_repo, "retail", "demand_forecast", "stores_eu")


@pytest.mark.parametrize("name", ["..", "../..", "a/../../b", "/etc", "C:\\x", "x\x00y", "~root", "-rf"])
def test_names_cannot_escape(example_repo: Path, name: str) -> None:
    for parts in ((name, "fraud_scoring", "cards"), ("finance", name, "cards"), ("finance", "fraud_scoring", name)):
        with pytest.raises(ConfigError, match="is not allowed"):
            load_objective(example_repo, *parts)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("../../../../../../etc/passwd", "leads outside"),
        ("/etc/passwd", "absolute path"),
        ("file:///etc/passwd", "unsupported URI scheme"),
        ("handlers/clean_sales.py,/etc/x.py", "absolute path"),
    ],
)
def test_path_settings_cannot_escape(example_repo: Path, edit_json, value: str, fragment: str) -> None:  # type: ignore[no-untyped-def]
    def change(data: dict) -> None:  # type: ignore[type-arg]
        data["tasks"][0]["spark_submit_conf"]["py_files" if "," in value else "application"] = value

    edit_json("maxaiconfigs/retail/demand_forecast/spark_config.json", change)
    with pytest.raises(ConfigError, match=fragment):
        load_objective(example_repo, "retail", "demand_forecast", "stores_eu")


def test_remote_uris_are_allowed(example_repo: Path, edit_json) -> None:  # type: ignore[no-untyped-def]
    def change(data: dict) -> None:  # type: ignore[type-arg]
        data["tasks"][0]["spark_submit_conf"]["application"] = "local:///opt/maxai/usecases/retail/clean_sales.py"

    edit_json("maxaiconfigs/retail/demand_forecast/spark_config.json", change)
    task = load_objective(example_repo, "retail", "demand_forecast", "stores_eu").task("clean_sales")
    assert task.arguments["application"] == "local:///opt/maxai/usecases/retail/clean_sales.py"


# --- secrets --------------------------------------------------------------------------------

SECRET = "s3cr3t-Value-42"


@pytest.mark.parametrize(
    ("file", "path", "value"),
    [
        ("maxaiconfigs/retail/demand_forecast/spark_config.json", ["conf", "spark.hadoop.fs.s3a.secret.key"], SECRET),
        ("maxaiconfigs/retail/demand_forecast/spark_config.json", ["conf", "spark.hadoop.fs.s3a.access.key"], SECRET),
        (
            "maxaiconfigs/retail/demand_forecast/spark_config.json",
            ["tasks", 0, "spark_submit_conf", "env_vars", "DB_PASSWORD"],
            SECRET,
        ),
        (f"{UC}/kubepod_config.json", ["tasks", 0, "conf", "env_vars", "API_TOKEN"], SECRET),
        (
            f"{UC}/kubepod_config.json",
            ["tasks", 0, "conf", "env_vars", "WAREHOUSE_URL"],
            f"postgresql://etl:{SECRET}@db:5432/x",
        ),
        (
            f"{UC}/kubepod_config.json",
            ["tasks", 0, "conf", "init_containers"],
            [{"name": "i", "image": "busybox", "env": [{"name": "DB_PASSWORD", "value": SECRET}]}],
        ),
        (f"{OBJ}/py_config.json", ["report_alerts", "args", "aws_key"], "AKIAABCDEFGHIJKLMNOP"),
        (f"{OBJ}/py_config.json", ["report_alerts", "args", "pem"], f"-----BEGIN RSA PRIVATE KEY-----\n{SECRET}"),
        (f"{OBJ}/py_config.json", ["report_alerts", "args", "slackToken"], SECRET),
    ],
    ids=[
        "s3a-secret",
        "s3a-access",
        "spark-env-password",
        "pod-env-token",
        "url-password",
        "k8s-env-pair",
        "aws-key-id",
        "private-key",
        "camel-case-token",
    ],
)
def test_plaintext_credentials_are_rejected_without_echo(
    example_repo: Path, edit_json, file: str, path: list[Any], value: Any
) -> None:  # type: ignore[no-untyped-def]
    def change(data: dict) -> None:  # type: ignore[type-arg]
        node: Any = data
        for part in path[:-1]:
            node = node.setdefault(part, {}) if isinstance(node, dict) else node[part]
        node[path[-1]] = value

    edit_json(file, change)
    ref = ("retail", "demand_forecast", "stores_eu") if "retail" in file else ("finance", "fraud_scoring", "cards")
    with pytest.raises(ConfigError) as caught:
        load_objective(example_repo, *ref)
    text = str(caught.value)
    assert "Airflow Connection" in text and "Kubernetes Secret" in text
    assert SECRET not in text and "AKIAABCDEFGHIJKLMNOP" not in text


def test_references_to_secrets_are_fine(example_repo: Path, edit_json) -> None:  # type: ignore[no-untyped-def]
    def change(data: dict) -> None:  # type: ignore[type-arg]
        data["tasks"][0]["conf"]["env_vars"]["DB_PASSWORD"] = "{{ conn.ledger_db.password }}"
        data["tasks"][0]["conf"]["image_pull_secrets"] = [{"name": "registry-credentials"}]
        data["tasks"][0]["conf"]["env_from"].append({"secretRef": {"name": "ledger-db"}})

    edit_json(f"{UC}/kubepod_config.json", change)
    task = load_objective(example_repo, "finance", "fraud_scoring", "cards").task("extract_transactions")
    assert task.arguments["env_vars"]["DB_PASSWORD"] == "{{ conn.ledger_db.password }}"


# --- isolation and templating ---------------------------------------------------------------


def test_a_dag_never_loads_with_tasks_missing(example_repo: Path) -> None:
    import subprocess
    import sys

    pods = example_repo / f"{UC}/kubepod_config.json"
    pods.write_text(pods.read_text().replace('"node_selector"', '"node_selectr"'))
    code = (
        "import json\nfrom maxai.testing import load_dagbag\n"
        f"bag = load_dagbag({str(example_repo / 'maxaidags')!r})\n"
        "print(json.dumps({d: len(bag.dags[d].tasks) for d in bag.dag_ids}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    assert "finance.fraud_scoring.cards" not in counts and "finance.fraud_scoring.wire_transfers" not in counts
    assert counts == {
        "retail.demand_forecast.stores_eu": 3,
        "retail.demand_forecast.stores_us": 3,
        "retail.demand_model.weekly": 3,
        "retail.forecast_review.daily": 4,
        "retail.store_segments.weekly": 3,
    }


def test_jinja_in_params_reaches_the_handler_verbatim(example_repo: Path, edit_json) -> None:  # type: ignore[no-untyped-def]
    from airflow.sdk import BaseOperator

    from maxai.factory.operators import kubepod_arguments, spark_arguments

    edit_json(
        f"{OBJ}/py_config.json",
        lambda d: (
            d["report_alerts"]
            .setdefault("args", {})
            .update({"note": "{{ ds }} {% for x in range(3) %}{# c #}", "nested": {"a": {"b": "{{"}}})
        ),
    )
    config = load_objective(example_repo, "finance", "fraud_scoring", "cards")
    env = kubepod_arguments(config, config.task("report_alerts"))["env_vars"]
    run = SimpleNamespace(run_type="manual", logical_date=None, run_after=datetime(2026, 3, 11, tzinfo=UTC))
    context = {"params": {"date": "2026-03-10", "force": False}, "dag_run": run, "run_id": "manual__x"}
    rendered = BaseOperator(task_id="probe").render_template(env, context)
    assert rendered["MAXAI_RUN_DATE"] == "2026-03-10"
    assert json.loads(rendered["MAXAI_PARAMS"])["args"] == {
        "note": "{{ ds }} {% for x in range(3) %}{# c #}",
        "nested": {"a": {"b": "{{"}},
    }
    spark_config = load_objective(example_repo, "retail", "demand_forecast", "stores_eu")
    assert "MAXAI_PARAMS" in spark_arguments(spark_config, spark_config.task("clean_sales"))["env_vars"]


def test_spark_conf_templates_are_rendered_by_airflow(example_repo: Path, edit_json) -> None:  # type: ignore[no-untyped-def]
    from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

    from maxai.factory.operators import spark_arguments

    edit_json(
        "maxaiconfigs/retail/demand_forecast/spark_config.json",
        lambda d: d["conf"].update({"spark.app.tag": "run-{{ ds }}"}),
    )
    config = load_objective(example_repo, "retail", "demand_forecast", "stores_eu")
    operator = SparkSubmitOperator(task_id="clean_sales", **spark_arguments(config, config.task("clean_sales")))
    assert "conf" in operator.template_fields
    rendered = operator.render_template(operator.conf, {"ds": "2026-03-10"})
    assert rendered["spark.app.tag"] == "run-2026-03-10"


def test_property_tests_ran_their_cases() -> None:
    if not CASES_RUN:
        pytest.skip("the property tests of this module were deselected")
    assert all(count >= 100 for count in CASES_RUN.values()), CASES_RUN
