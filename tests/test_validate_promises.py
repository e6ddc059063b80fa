"""Configs that validate used to pass and Airflow or Kubernetes then refused, or that ran and did
something other than the JSON says (issue "What maxai validate passes must load, run and mean what it says")."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from maxai import ConfigError
from maxai.config import load_objective
from maxai.errors import format_json_path

DF = "maxaiconfigs/retail/demand_forecast"
FR = "maxaiconfigs/finance/fraud_scoring"
EU = ("retail", "demand_forecast", "stores_eu")
CARDS = ("finance", "fraud_scoring", "cards")


def _set(path: list[Any], value: Any) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        for part in path[:-1]:
            data = data.setdefault(part, {}) if isinstance(data, dict) else data[part]
        data[path[-1]] = value

    return change


POD = ["tasks", 0, "conf"]
SECRET = [*POD, "secrets", 0]
REFUSED = [
    # (id, file, change, objective, json path, message fragment)
    ("huge-duration", f"{DF}/stores_eu/py_config.json", _set(["@dag", "dagrun_timeout"], "99999999999d"), EU,
     '["@dag"].dagrun_timeout', "more than Airflow can hold"),
    ("huge-retry-delay", f"{DF}/py_config.json", _set(["@dag", "default_args", "retry_delay"], 10**13), EU,
     '["@dag"].default_args.retry_delay', "more than Airflow can hold"),
    ("huge-execution-timeout", f"{DF}/spark_config.json",
     _set(["tasks", 0, "spark_submit_conf", "execution_timeout"], "9999999d"), EU,
     "tasks[0].spark_submit_conf.execution_timeout", "more than Airflow can hold"),
    ("env-secret-without-target", f"{FR}/kubepod_config.json",
     _set(SECRET, {"deploy_type": "env", "secret": "ledger-db", "key": "password"}), CARDS,
     "tasks[0].conf.secrets[0]", "needs deploy_target"),
    ("env-secret-without-key", f"{FR}/kubepod_config.json",
     _set(SECRET, {"deploy_type": "env", "deploy_target": "DB_PASSWORD", "secret": "ledger-db"}), CARDS,
     "tasks[0].conf.secrets[0]", "needs the 'key' it reads"),
    ("env-secret-lower-case", f"{FR}/kubepod_config.json",
     _set(SECRET, {"deploy_type": "env", "deploy_target": "db_password", "secret": "ledger-db", "key": "p"}), CARDS,
     "tasks[0].conf.secrets[0]", "Airflow upper-cases it"),
    ("volume-secret-without-mount-path", f"{FR}/kubepod_config.json",
     _set(SECRET, {"deploy_type": "volume", "secret": "ledger-db"}), CARDS,
     "tasks[0].conf.secrets[0]", "absolute path it is mounted at"),
    ("volume-secret-with-key", f"{FR}/kubepod_config.json",
     _set(SECRET, {"deploy_type": "volume", "deploy_target": "/secrets", "secret": "ledger-db", "key": "p"}), CARDS,
     "tasks[0].conf.secrets[0]", "'key' is not used"),
    # what the Kubernetes API server refuses although the OpenAPI schema allows it
    *[
        (f"quantity-{bad}", f"{FR}/kubepod_config.json", _set([*POD, "container_resources", "requests", "memory"], bad),
         CARDS, "tasks[0].conf.container_resources.requests.memory", fragment)
        for bad, fragment in [("1.5.5", "not a Kubernetes quantity"), ("2GB", "not a Kubernetes quantity"),
                              ("-2Gi", "is negative"), ("", "not a Kubernetes quantity")]
    ],
    ("request-above-limit", f"{FR}/kubepod_config.json",
     _set([*POD, "container_resources", "requests", "memory"], "2Gi"),
     CARDS, "tasks[0].conf.container_resources.requests.memory", "above the limit '1Gi'"),
    ("resource-typo", f"{FR}/kubepod_config.json", _set([*POD, "container_resources", "limits", "memroy"], "1Gi"),
     CARDS, "tasks[0].conf.container_resources.limits.memroy", "did you mean 'memory'"),
    ("pod-name-with-spaces", f"{FR}/kubepod_config.json", _set([*POD, "name"], "extract transactions"), CARDS,
     "tasks[0].conf.name", "Kubernetes names are lower-case"),
    ("namespace-not-dns", f"{FR}/kubepod_config.json", _set([*POD, "namespace"], "Maxai_Finance"), CARDS,
     "tasks[0].conf.namespace", "is not a DNS label"),
    ("label-value", f"{FR}/kubepod_config.json", _set([*POD, "labels"], {"team": "Retail Data!"}), CARDS,
     "tasks[0].conf.labels.team", "not a Kubernetes label value"),
    ("label-key", f"{FR}/kubepod_config.json", _set([*POD, "labels"], {"Team/x": "a"}), CARDS,
     'tasks[0].conf.labels["Team/x"]', "not a DNS subdomain"),
    ("mount-without-volume", f"{FR}/kubepod_config.json",
     _set([*POD, "volume_mounts"], [{"name": "scrach", "mountPath": "/d"}]),
     CARDS, "tasks[0].conf.volume_mounts[0].name", "did you mean 'scratch'"),
    ("empty-dir-size", f"{FR}/kubepod_config.json", _set([*POD, "volumes", 0, "emptyDir", "sizeLimit"], "2 GB"),
     CARDS, "tasks[0].conf.volumes[0].emptyDir.sizeLimit", "not a Kubernetes quantity"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("change_file", "change", "objective", "path", "fragment"),
    [case[1:] for case in REFUSED],
    ids=[c[0] for c in REFUSED],
)
def test_config_airflow_or_kubernetes_would_refuse(
    example_repo: Path, edit_json: Any, change_file: str, change: Any, objective: tuple[str, ...], path: str,
    fragment: str,
) -> None:  # fmt: skip
    edit_json(change_file, change)
    with pytest.raises(ConfigError) as caught:
        load_objective(example_repo, *objective)
    matching = [p for p in caught.value.problems if format_json_path(p.path) == path]
    assert matching, str(caught.value)
    assert fragment in matching[0].message, matching[0].message
    assert matching[0].file == change_file and matching[0].line is not None


def test_exponent_numbers_in_spark_conf_reach_spark_as_integers(example_repo: Path, edit_json: Any) -> None:
    edit_json(f"{DF}/spark_config.json", _set(["conf", "spark.sql.shuffle.partitions"], 1e3))
    edit_json(f"{DF}/spark_config.json", _set(["conf", "spark.memory.fraction"], 0.6))
    (example_repo / f"{DF}/spark_config.json").write_text(
        (example_repo / f"{DF}/spark_config.json").read_text().replace("1000.0", "1e3")
    )
    conf = load_objective(example_repo, *EU).task("clean_sales").arguments["conf"]
    assert conf["spark.sql.shuffle.partitions"] == "1000"
    assert conf["spark.memory.fraction"] == "0.6"


def test_valid_secrets_build_the_pod_the_json_describes(example_repo: Path, edit_json: Any) -> None:
    from maxai.factory.operators import kubepod_arguments

    secrets = [
        {"deploy_type": "env", "deploy_target": "DB_PASSWORD", "secret": "ledger-db", "key": "password"},
        {"deploy_type": "env", "secret": "ledger-all"},
        {"deploy_type": "volume", "deploy_target": "/etc/ledger", "secret": "ledger-files"},
    ]
    edit_json(f"{FR}/kubepod_config.json", _set(["tasks", 0, "conf", "secrets"], secrets))
    config = load_objective(example_repo, *CARDS)
    built = kubepod_arguments(config, config.tasks[0])["secrets"]
    assert [(s.deploy_type, s.deploy_target, s.secret, s.key) for s in built] == [
        ("env", "DB_PASSWORD", "ledger-db", "password"),
        ("env", None, "ledger-all", None),
        ("volume", "/etc/ledger", "ledger-files", None),
    ]


QUANTITIES = ["1", "0", "250m", "1.5", ".5", "5.", "512Mi", "1Gi", "2Ei", "100k", "1M", "3G", "1e3", "2E6", "1.5e-3",
              "+1", "10n", "10u", "7T", "1P"]  # fmt: skip
NOT_QUANTITIES = ["1.5.5", "2GB", "Gi", "", "1 Gi", "1gi", "1ki", "0x10", "one", "1e", "1Mii", "NaN", "Infinity"]


def test_quantities_parse_as_kubernetes_parses_them() -> None:
    from decimal import Decimal

    from kubernetes.utils.quantity import parse_quantity as client_parse

    from maxai.config.k8s_rules import parse_quantity

    for text in QUANTITIES:
        assert parse_quantity(text) == client_parse(text), text
    assert parse_quantity("1Gi") == Decimal(1024**3) and parse_quantity("250m") == Decimal("0.25")
    for text in NOT_QUANTITIES:
        with pytest.raises(ValueError, match="not a Kubernetes quantity"):
            parse_quantity(text)


HANDLER_CASES = [
    ("fraud_scoring.handlers.transactions:extrac", "defines no 'extrac' (did you mean 'extract'?)"),
    ("fraud_scoring.handlers.transaction:extract", "handler module 'fraud_scoring.handlers.transaction' not found"),
    ("nosuchpackage.handlers:run", "is neither in maxaiusecases/finance/ nor installed here"),
]


@pytest.mark.parametrize(("function", "fragment"), HANDLER_CASES)
def test_pod_handler_functions_are_resolved(example_repo: Path, edit_json: Any, function: str, fragment: str) -> None:
    edit_json(f"{FR}/py_config.json", _set(["extract_transactions", "function"], function))
    with pytest.raises(ConfigError) as caught:
        load_objective(example_repo, *CARDS)
    problem = next(p for p in caught.value.problems if format_json_path(p.path) == "extract_transactions.function")
    assert fragment in problem.message, problem.message
    assert problem.file == f"{FR}/py_config.json" and problem.line is not None


def test_a_handler_removed_after_caching_is_noticed(example_repo: Path) -> None:
    load_objective(example_repo, *CARDS)
    (example_repo / "maxaiusecases/finance/fraud_scoring/handlers/transactions.py").unlink()
    with pytest.raises(ConfigError, match=r"handler module 'fraud_scoring\.handlers\.transactions' not found"):
        load_objective(example_repo, *CARDS)


def test_a_runtime_pod_without_function_and_a_spark_task_with_one(example_repo: Path, edit_json: Any) -> None:
    def drop_function(data: dict[str, Any]) -> None:
        del data["extract_transactions"]["function"]

    edit_json(f"{FR}/py_config.json", drop_function)
    with pytest.raises(ConfigError, match=r"runs `python -m maxai.runtime`, which calls the task's 'function'"):
        load_objective(example_repo, *CARDS)
    edit_json(f"{DF}/py_config.json", _set(["clean_sales", "function"], "demand_forecast.handlers.clean_sales:main"))
    with pytest.raises(ConfigError, match="is a Spark task: it runs its application, and 'function' is never called"):
        load_objective(example_repo, *EU)


@pytest.mark.parametrize(
    ("setting", "fragment"),
    [("{{ ds }}/out", "paths are not templated"), ("", "is the data folder itself"), ("./", "is the data folder")],
)
def test_outputs_name_a_folder_inside_the_data_folder(
    example_repo: Path, edit_json: Any, setting: str, fragment: str
) -> None:
    edit_json(f"{DF}/stores_eu/py_config.json", _set(["forecast_demand", "output"], setting))
    with pytest.raises(ConfigError) as caught:
        load_objective(example_repo, *EU)
    assert any(fragment in p.message for p in caught.value.problems), str(caught.value)


def test_spark_application_must_be_a_file_and_colons_are_relative(example_repo: Path, edit_json: Any) -> None:
    edit_json(f"{DF}/spark_config.json", _set(["tasks", 0, "spark_submit_conf", "application"], "handlers"))
    with pytest.raises(ConfigError, match="is a folder"):
        load_objective(example_repo, *EU)
    code = example_repo / "maxaiusecases/retail/demand_forecast"
    (code / "a:b.py").write_text("print('colon')\n")
    edit_json(f"{DF}/spark_config.json", _set(["tasks", 0, "spark_submit_conf", "application"], "a:b.py"))
    config = load_objective(example_repo, *EU)
    assert config.task("clean_sales").arguments["application"] == str(code.resolve() / "a:b.py")


def test_overlay_task_named_twice_or_misspelt(example_repo: Path, edit_json: Any) -> None:
    overlay = f"{DF}/stores_us/spark_config.json"
    patch = {"name": "forecast_demand", "spark_submit_conf": {"driver_memory": "1g"}}
    edit_json(overlay, {"tasks": [patch, patch]})
    with pytest.raises(ConfigError, match=r"task 'forecast_demand' is named twice in this file \(also tasks\[0\]\)"):
        load_objective(example_repo, "retail", "demand_forecast", "stores_us")
    edit_json(overlay, {"tasks": [{**patch, "name": "forcast_demand"}]})
    with pytest.raises(ConfigError) as caught:
        load_objective(example_repo, "retail", "demand_forecast", "stores_us")
    first = caught.value.problems[0]
    assert first.file == overlay and format_json_path(first.path) == "tasks[0].name"
    assert "did you mean 'forecast_demand'" in first.message


def test_use_case_names_that_shadow_python_modules(tmp_path: Path) -> None:
    from maxai.config.layout import ObjectiveRef

    for name in ("json", "os", "airflow", "maxai"):
        with pytest.raises(ConfigError, match="its handler package would shadow it"):
            ObjectiveRef("retail", name, "obj")
    with pytest.raises(ConfigError, match="use 1-63 ASCII letters"):
        ObjectiveRef("retail", "demand_forecast", "magasins_é")


def test_new_objective_of_an_existing_use_case_gets_its_own_files_only(example_repo: Path) -> None:
    import subprocess
    import sys

    maxai = str(Path(sys.executable).with_name("maxai"))
    siblings = {
        path: path.read_text() for path in (example_repo / "maxaiconfigs/retail/demand_forecast").rglob("*.json")
    }
    result = subprocess.run(
        [maxai, "new", "retail", "demand_forecast", "stores_fr", "--kubepod"],
        cwd=example_repo, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert {path: path.read_text() for path in siblings} == siblings  # nothing of the siblings changed
    for sibling in ("stores_eu", "stores_us"):
        assert [t.name for t in load_objective(example_repo, "retail", "demand_forecast", sibling).tasks] == [
            "clean_sales", "daily_totals", "forecast_demand",
        ]  # fmt: skip
    new = load_objective(example_repo, "retail", "demand_forecast", "stores_fr")
    assert [t.name for t in new.tasks] == ["clean_sales", "daily_totals", "forecast_demand", "demand_forecast_pod"]
    assert new.task("forecast_demand").params.output == "out/retail/demand_forecast/stores_fr/forecast"
    assert new.task("forecast_demand").params.args == {"window_days": 7, "horizon_days": 7}
    assert new.task("demand_forecast_pod").params.function == "demand_forecast.handlers.pod_handler:run"


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("PASSWORD_MIN_LENGTH", False), ("TOKEN_TTL_SECONDS", False), ("api_key_header", False),
        ("max_tokens", False), ("PGPASSWORD", True), ("DB_PASS", True), ("MYSQL_ROOT_PASSWORD", True),
        ("clientSecret", True), ("CSRFTOKEN", True),
    ],
)  # fmt: skip
def test_credential_detector_reads_setting_names_as_people_do(key: str, secret: bool) -> None:
    from maxai.config.secrets import is_secret_key

    assert is_secret_key(key) is secret


def test_graph_format_follows_the_output_file(repo: Path, tmp_path: Path) -> None:
    import json as jsonlib
    import shutil
    import subprocess
    import sys
    import xml.etree.ElementTree as ElementTree

    maxai = str(Path(sys.executable).with_name("maxai"))

    def graph(*args: str) -> subprocess.CompletedProcess[str]:
        command = [maxai, "graph", "retail", "demand_forecast", "stores_eu", *args]
        return subprocess.run(command, cwd=repo, capture_output=True, text=True, check=False)

    if shutil.which("dot"):  # Graphviz draws SVG; without it, test_cli_graph checks the error
        assert graph("-o", str(tmp_path / "g.svg")).returncode == 0
        assert ElementTree.parse(tmp_path / "g.svg").getroot().tag == "{http://www.w3.org/2000/svg}svg"
    assert graph("-o", str(tmp_path / "g.dot")).returncode == 0
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    clash = graph("--format", "mermaid", "-o", str(tmp_path / "g.svg"))
    assert clash.returncode == 2 and "a .svg file holds svg" in clash.stderr
    unknown = graph("-o", str(tmp_path / "g.txt"))
    assert unknown.returncode == 2 and "cannot tell the format from '.txt'" in unknown.stderr
    machine = graph("--json")
    assert machine.returncode == 0
    payload = jsonlib.loads(machine.stdout)
    assert payload["format"] == "mermaid" and "clean_sales" in payload["graph"]


def test_maxai_run_dates_outside_the_objective(repo: Path) -> None:
    import subprocess
    import sys

    maxai = str(Path(sys.executable).with_name("maxai"))
    for date, fragment in [
        ("2026-02-30", "no such day"),
        ("2025-06-01", "before the objective's start_date 2026-01-01"),
        ("9999-12-31", "that day has not begun"),
    ]:
        result = subprocess.run(
            [maxai, "run", "retail", "demand_forecast", "stores_eu", "--date", date],
            cwd=repo, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert result.returncode == 2 and fragment in result.stderr, result.stderr


def test_a_stray_file_building_a_dag_is_refused(example_repo: Path) -> None:
    import subprocess
    import sys

    maxai = str(Path(sys.executable).with_name("maxai"))
    canonical = example_repo / "maxaidags/retail/demand_forecast/stores_eu/dag.py"
    (example_repo / "maxaidags/retail/copy_of_stores_eu.py").write_text(canonical.read_text())
    result = subprocess.run([maxai, "validate"], cwd=example_repo, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "maxaidags/retail/copy_of_stores_eu.py:5:1: $: builds a maxai DAG outside" in result.stdout, result.stdout


@pytest.mark.parametrize(
    "command",
    [["validate", "--deep"], ["validate"], ["show", "retail", "store_segments", "weekly"], ["list"],
     ["graph", "retail", "demand_forecast", "stores_eu"], ["schema", "--check"]],
    ids=" ".join,
)  # fmt: skip
def test_json_output_is_json_on_stdout(repo: Path, command: list[str]) -> None:
    import json as jsonlib
    import subprocess
    import sys

    maxai = str(Path(sys.executable).with_name("maxai"))
    result = subprocess.run([maxai, *command, "--json"], cwd=repo, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    jsonlib.loads(result.stdout)  # Airflow's log lines go to stderr


def test_integrity_plugin_loads_as_the_dag_processor_does(example_repo: Path) -> None:
    import subprocess
    import sys

    # A dag.py that only loads with safe mode off would vanish under the dag-processor.
    dag_file = example_repo / "maxaidags/retail/demand_forecast/stores_us/dag.py"
    dag_file.write_text('from maxai import build_dag\n\nd = build_dag("retail", "demand_forecast", "stores_us")\n')
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--maxai-integrity", "-q", "-p", "no:cacheprovider", "-o", "addopts="],
        cwd=example_repo, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout[-3000:]
    assert "1 failed, 6 passed" in result.stdout
    assert "maxaidags/retail/demand_forecast/stores_us/dag.py" in result.stdout
    assert "missing the top-level `import airflow.providers" in result.stdout


def test_doc_md_files_are_read_from_the_config_folder_not_the_working_directory(
    airflow_db: Path, example_repo: Path, edit_json: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from maxai.factory.dag import dag_from_config

    edit_json(f"{DF}/stores_eu/py_config.json", _set(["@dag", "doc_md"], "README.md"))
    with pytest.raises(ConfigError, match=r"'README.md' names a Markdown file, but there is none in"):
        load_objective(example_repo, *EU)
    (example_repo / f"{DF}/README.md").write_text("# Demand forecast\\nshared page\n")
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    (elsewhere / "README.md").write_text("# some other file on the scheduler host\n")
    monkeypatch.chdir(elsewhere)
    dag = dag_from_config(load_objective(example_repo, *EU))
    assert dag.doc_md.startswith("# Demand forecast")
    (example_repo / f"{DF}/stores_eu/README.md").write_text("# Europe\n")
    assert dag_from_config(load_objective(example_repo, *EU)).doc_md == "# Europe\n"


def test_local_pods_keep_a_data_folder_of_their_own(airflow_db: Path, example_repo: Path, edit_json: Any) -> None:
    from maxai.factory.dag import dag_from_config

    def own_folder(data: dict[str, Any]) -> None:
        data["tasks"][1]["conf"]["env_vars"] = {"MAXAI_DATA_DIR": "/srv/fraud-data"}

    edit_json(f"{FR}/kubepod_config.json", own_folder)
    dag = dag_from_config(load_objective(example_repo, *CARDS), pods="local")
    assert dag.get_task("score_transactions").data_dir == "/srv/fraud-data"  # the task's own folder
    # /data is the pod's volume mount: it exists only in the pod, so locally the data folder is used
    assert dag.get_task("extract_transactions").data_dir == str(example_repo / "data")


def test_maxai_run_leaves_the_environment_as_it_found_it(airflow_db: Path, repo: Path) -> None:
    import datetime
    import os

    from maxai.config.layout import ObjectiveRef
    from maxai.runner.run import run_objective

    before = dict(os.environ)
    outcome = run_objective(
        repo,
        ObjectiveRef(*CARDS),
        datetime.date(2026, 3, 10),
        pods="skip",
        home=airflow_db,
        echo=lambda _: None,
    )
    assert outcome.state == "success" and {task.state for task in outcome.tasks} == {"skipped"}
    assert dict(os.environ) == before


def test_what_a_provider_refuses_while_building_names_the_config(airflow_db: Path, repo: Path) -> None:
    # validate checks every rule it knows; anything a provider still refuses while building the DAG is
    # reported as a problem of the config file that defines the task, not as a traceback.
    from maxai.factory.dag import dag_from_config

    config = load_objective(repo, *CARDS, use_cache=False)
    config.task("extract_transactions").arguments["secrets"] = [
        {"deploy_type": "bogus", "deploy_target": None, "secret": "x", "key": None}
    ]
    with pytest.raises(ConfigError) as caught:
        dag_from_config(config)
    problem = caught.value.problems[0]
    assert problem.file == f"{FR}/kubepod_config.json"
    assert "KubernetesPodOperator of task 'extract_transactions' refused these settings" in problem.message
    assert "deploy_type must be env or volume" in problem.message


def test_a_key_can_be_declared_no_secret_in_its_file(example_repo: Path, edit_json: Any) -> None:
    def settings(data: dict[str, Any]) -> None:
        data["tasks"][0]["conf"]["env_vars"] = {"MAXAI_DATA_DIR": "/data", "LEDGER_TOKEN_AUDIENCE": "ledger-api"}

    edit_json(f"{FR}/kubepod_config.json", settings)
    with pytest.raises(ConfigError, match="'LEDGER_TOKEN_AUDIENCE' looks like a credential"):
        load_objective(example_repo, *CARDS)
    edit_json(f"{FR}/kubepod_config.json", _set(["@not_secrets"], ["LEDGER_TOKEN_AUDIENCE"]))
    config = load_objective(example_repo, *CARDS)
    assert config.task("extract_transactions").arguments["env_vars"]["LEDGER_TOKEN_AUDIENCE"] == "ledger-api"
    # a stale declaration is an error, and a value that is a known kind of credential is still refused
    edit_json(f"{FR}/kubepod_config.json", _set(["@not_secrets"], ["LEDGER_TOKEN_AUDIENCE", "OLD_PASSWORD"]))
    with pytest.raises(ConfigError, match=r"'OLD_PASSWORD' names no key of this file"):
        load_objective(example_repo, *CARDS)
    edit_json(f"{FR}/kubepod_config.json", _set(["@not_secrets"], ["LEDGER_TOKEN_AUDIENCE"]))
    edit_json(
        f"{FR}/kubepod_config.json",
        _set(["tasks", 0, "conf", "env_vars", "LEDGER_TOKEN_AUDIENCE"], "AKIAABCDEFGHIJKLMNOP"),
    )
    with pytest.raises(ConfigError, match="value looks like an AWS access key id"):
        load_objective(example_repo, *CARDS)


def test_cli_messages_name_the_cli_option_and_end_their_line(
    example_repo: Path, edit_json: Any, tmp_path: Path
) -> None:
    import subprocess
    import sys

    maxai = str(Path(sys.executable).with_name("maxai"))
    outside = subprocess.run([maxai, "list"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert outside.returncode == 2
    assert "give --root DIR" in outside.stderr and "root=" not in outside.stderr
    edit_json(f"{DF}/stores_eu/py_config.json", "{")
    broken = subprocess.run(
        [maxai, "show", "retail", "demand_forecast", "stores_eu"], cwd=example_repo, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert broken.returncode == 1
    assert broken.stderr.endswith("\n") and "stores_eu/py_config.json:1:2: $: invalid JSON" in broken.stderr
