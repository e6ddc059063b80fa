"""The `maxai` command, through its real console-script entry point, including failure paths."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from pathlib import Path

MAXAI = str(Path(sys.executable).with_name("maxai"))


def maxai(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value for key, value in os.environ.items() if key not in ("MAXAI_ROOT", "NO_COLOR", "FORCE_COLOR")
    }
    environment.update(env or {})
    return subprocess.run([MAXAI, *args], cwd=cwd, capture_output=True, text=True, env=environment, check=False)


# --- validate -------------------------------------------------------------------------------


def test_validate_clean_repository(repo: Path) -> None:
    result = maxai("validate", cwd=repo / "maxaidags" / "retail")  # root found from a subfolder
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ 7 objectives valid" in result.stdout
    assert "\033[" not in result.stdout  # no colour when not on a terminal


def test_validate_reports_every_problem_with_position(example_repo: Path) -> None:
    spark = example_repo / "maxaiconfigs/retail/demand_forecast/spark_config.json"
    spark.write_text(spark.read_text().replace('"num_executors": 2', '"num_executor": 2', 1))
    pods = example_repo / "maxaiconfigs/finance/fraud_scoring/kubepod_config.json"
    pods.write_text(pods.read_text().replace('"mountPath"', '"mountpath"', 1))
    result = maxai("validate", cwd=example_repo)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert (
        "maxaiconfigs/retail/demand_forecast/spark_config.json:28:9: tasks[1].spark_submit_conf.num_executor: "
        "unknown key 'num_executor' (did you mean 'num_executors'?)"
    ) in lines
    assert any(
        line.startswith("maxaiconfigs/finance/fraud_scoring/kubepod_config.json:")
        and "tasks[0].conf.volume_mounts[0].mountpath: unknown Kubernetes field" in line
        and "did you mean 'mountPath'" in line
        for line in lines
    ), result.stdout
    # the use-case file is shared by two objectives: its problem is listed once
    assert sum("num_executor:" in line for line in lines) == 1
    assert "✗ 2 problems (4 of 7 objectives affected)" in result.stdout


def test_validate_json_and_paths(example_repo: Path) -> None:
    (example_repo / "maxaiconfigs/finance/fraud_scoring/cards/py_config.json").write_text('{"@dag": {"catchup": 1}}')
    result = maxai("validate", "--json", "maxaiconfigs/retail", cwd=example_repo)
    assert result.returncode == 0 and json.loads(result.stdout)["objectives"] == 5
    result = maxai("validate", "--json", "maxaiconfigs/finance/fraud_scoring/cards/py_config.json", cwd=example_repo)
    report = json.loads(result.stdout)
    assert result.returncode == 1 and report["objectives"] == 1 and not report["ok"]
    assert report["problems"] == [
        {
            "file": "maxaiconfigs/finance/fraud_scoring/cards/py_config.json",
            "line": 1,
            "column": 11,
            "path": '["@dag"].catchup',
            "message": "expected true or false, got an integer 1",
        }
    ]
    assert maxai("validate", "no/such/path", cwd=example_repo).returncode == 2
    (example_repo / "notes.txt").write_text("not a config")
    stray = maxai("validate", "notes.txt", cwd=example_repo)
    assert stray.returncode == 2 and "not a maxai config file" in stray.stderr


def test_validate_layout_problems(example_repo: Path) -> None:
    shutil.rmtree(example_repo / "maxaidags/finance/fraud_scoring/cards")
    (example_repo / "maxaiconfigs/retail/bad name").mkdir()
    result = maxai("validate", cwd=example_repo)
    assert result.returncode == 1
    assert "maxaidags/finance/fraud_scoring/cards/dag.py: $: missing" in result.stdout
    assert (
        "maxaiconfigs/retail/bad name/: $: use case name 'bad name' is not allowed: use 1-63 ASCII letters"
        in result.stdout
    )


def test_validate_does_not_import_airflow(repo: Path) -> None:
    code = (
        "import sys\nfrom maxai.cli.main import main\n"
        f"code = main(['validate', '--root', {str(repo)!r}])\n"
        "assert 'airflow' not in sys.modules, 'airflow imported'\nsys.exit(code)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_validate_deep_builds_dags_and_pods(repo: Path) -> None:
    result = maxai("validate", "--deep", cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(DAGs and pods built)" in result.stdout


def test_color_and_usage_errors(repo: Path) -> None:
    assert "\033[" in maxai("validate", "--color", "always", cwd=repo).stdout
    assert maxai("frobnicate", cwd=repo).returncode == 2
    assert maxai("validate", "--root", "/nonexistent", cwd=repo).returncode == 2
    result = maxai("list", cwd=Path("/"))
    assert result.returncode == 2 and "no maxaiconfigs/ folder" in result.stderr


# --- list / show / graph --------------------------------------------------------------------


def test_list_table_and_json(example_repo: Path) -> None:
    result = maxai("list", cwd=example_repo)
    assert result.returncode == 0
    assert "retail.store_segments.weekly" in result.stdout and "1 spark, 2 pod" in result.stdout
    (example_repo / "maxaiconfigs/retail/demand_forecast/stores_us/py_config.json").write_text("{")
    rows = json.loads(maxai("list", "--json", cwd=example_repo).stdout)
    assert [row["dag_id"] for row in rows if not row["valid"]] == ["retail.demand_forecast.stores_us"]
    assert {row["dag_id"]: row.get("schedule") for row in rows}["finance.fraud_scoring.cards"] == "@hourly"
    assert maxai("list", cwd=example_repo).returncode == 1


def test_show_resolves_layers_and_prints_the_spark_command(repo: Path) -> None:
    result = maxai("show", "retail", "demand_forecast", "stores_us", "--json", cwd=repo)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    forecast = shown["tasks"][2]
    assert forecast["name"] == "forecast_demand" and forecast["upstream"] == ["daily_totals"]
    assert forecast["arguments"]["num_executors"] == 8
    assert forecast["defined_in"] == "maxaiconfigs/retail/demand_forecast/stores_us/spark_config.json"
    command = forecast["spark_submit"]
    assert command[:3] == ["spark-submit", "--master", "local[*]"]
    assert "spark.kubernetes.container.image=registry.example.com/maxai/retail-forecast:2.0.1" in command
    assert command[command.index("--num-executors") + 1] == "8"
    assert command[-1].endswith("maxaiusecases/retail/demand_forecast/handlers/forecast_demand.py")
    assert json.loads(forecast["arguments"]["env_vars"]["MAXAI_PARAMS"])["args"] == {
        "horizon_days": 14,
        "window_days": 14,
    }


def test_show_text_and_unknown_objective(repo: Path) -> None:
    result = maxai("show", "finance", "fraud_scoring", "cards", "--no-command", cwd=repo)
    assert result.returncode == 0
    assert "score_transactions  KubernetesPodOperator  task_id=2  after: extract_transactions" in result.stdout
    missing = maxai("show", "finance", "fraud_scoring", "card", cwd=repo)
    assert missing.returncode == 2
    assert "no objective 'card'" in missing.stderr and "did you mean 'cards'" in missing.stderr


def test_graph_formats(repo: Path, tmp_path: Path) -> None:
    mermaid = maxai("graph", "retail", "store_segments", "weekly", cwd=repo)
    assert mermaid.stdout.startswith("flowchart LR") and "t0 --> t1" in mermaid.stdout
    dot = maxai("graph", "retail", "store_segments", "weekly", "--format", "dot", cwd=repo)
    assert '"store_features" -> "cluster_stores";' in dot.stdout
    target = tmp_path / "g.svg"
    drawn = maxai("graph", "retail", "store_segments", "weekly", "--format", "svg", "-o", str(target), cwd=repo)
    png = tmp_path / "g.png"
    result = maxai("graph", "retail", "store_segments", "weekly", "--format", "png", "-o", str(png), cwd=repo)
    if shutil.which("dot"):  # SVG and PNG are drawn by Graphviz
        assert drawn.returncode == 0
        svg = ElementTree.parse(target).getroot()
        texts = [element.text for element in svg.iter("{http://www.w3.org/2000/svg}text")]
        assert {"store_features", "cluster_stores", "publish_segments"} <= set(texts)
        assert result.returncode == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert drawn.returncode == 1 and "apt-get install graphviz" in drawn.stderr
        assert result.returncode == 1 and "apt-get install graphviz" in result.stderr
    assert maxai("graph", "retail", "store_segments", "weekly", "-o", "/no/such/dir/x", cwd=repo).returncode == 2


# --- new ------------------------------------------------------------------------------------


def test_new_scaffolds_something_that_validates_and_loads(example_repo: Path) -> None:
    result = maxai("new", "marketing", "churn", "monthly", cwd=example_repo)
    assert result.returncode == 0, result.stdout
    for created in (
        "maxaiconfigs/marketing/churn/spark_config.json",
        "maxaiconfigs/marketing/churn/monthly/py_config.json",
        "maxaidags/marketing/churn/monthly/dag.py",
        "maxaiusecases/marketing/churn/handlers/churn_job.py",
        "maxaiusecases/marketing/Dockerfile",
        "maxaiusecases/marketing/pyproject.toml",
        "maxaiusecases/marketing/requirements.txt",
        "maxaiusecases/marketing/README.md",
    ):
        assert (example_repo / created).is_file(), created
    pods = maxai("new", "marketing", "churn", "weekly", "--kubepod", cwd=example_repo)
    assert pods.returncode == 0, pods.stdout
    assert "kept    maxaiusecases/marketing/Dockerfile (exists)" in pods.stdout
    before = (example_repo / "maxaiconfigs/marketing/churn/spark_config.json").read_text()
    again = maxai("new", "marketing", "churn", "monthly", cwd=example_repo)
    assert again.returncode == 0 and "created" not in again.stdout
    assert (example_repo / "maxaiconfigs/marketing/churn/spark_config.json").read_text() == before
    assert maxai("validate", cwd=example_repo).returncode == 0
    code = (
        "from maxai.testing import load_dagbag\n"
        f"bag = load_dagbag({str(example_repo / 'maxaidags/marketing')!r})\n"
        "assert not bag.import_errors, bag.import_errors\n"
        "print(sorted(bag.dag_ids), [t.task_id for t in bag.dags['marketing.churn.weekly'].tasks])\n"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert "['marketing.churn.monthly', 'marketing.churn.weekly'] ['churn_job', 'churn_pod']" in loaded.stdout


def test_new_rejects_bad_names(example_repo: Path) -> None:
    assert maxai("new", "retail", "../escape", cwd=example_repo).returncode == 2
    result = maxai("new", "retail", "my-usecase", cwd=example_repo)
    assert result.returncode == 2 and "Python identifier" in result.stderr


# --- schema ---------------------------------------------------------------------------------


def test_schema_check_and_write(repo: Path, tmp_path: Path) -> None:
    assert maxai("schema", "--check", cwd=repo).returncode == 0
    assert maxai("schema", "--check", "--out", str(tmp_path), cwd=repo).returncode == 1
    written = maxai("schema", "--out", str(tmp_path), "--json", cwd=repo)
    assert sorted(json.loads(written.stdout)["written"]) == [
        "environments.schema.json",
        "kubepod_config.overlay.schema.json",
        "kubepod_config.schema.json",
        "model_config.overlay.schema.json",
        "model_config.schema.json",
        "presets.schema.json",
        "py_config.overlay.schema.json",
        "py_config.schema.json",
        "spark_config.overlay.schema.json",
        "spark_config.schema.json",
    ]
    assert maxai("schema", "--check", "--out", str(tmp_path), cwd=repo).returncode == 0


# --- changed --------------------------------------------------------------------------------


def _changed(repo: Path, *extra: str) -> dict:  # type: ignore[type-arg]
    result = maxai("changed", "--base", "main", "--json", *extra, cwd=repo)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_changed_objective_config_only(git_repo: Path) -> None:
    path = git_repo / "maxaiconfigs/retail/demand_forecast/stores_us/py_config.json"
    path.write_text(path.read_text().replace("14", "21"))
    report = _changed(git_repo)
    assert [o["dag_id"] for o in report["objectives"]] == ["retail.demand_forecast.stores_us"]
    assert report["images"] == [] and report["matrix"] == {"include": []}


def test_changed_use_case_code_and_shared_domain_file(git_repo: Path, git: Callable[..., str]) -> None:
    handler = git_repo / "maxaiusecases/retail/store_segments/handlers/segments.py"
    handler.write_text(handler.read_text() + "\n# tweak\n")
    git(git_repo, "checkout", "-q", "-b", "feature")
    git(git_repo, "commit", "-q", "-am", "tweak")
    report = _changed(git_repo, "--head", "feature")
    assert [o["dag_id"] for o in report["objectives"]] == ["retail.store_segments.weekly"]
    assert report["images"] == ["retail"]
    assert report["matrix"]["include"] == [
        {"domain": "retail", "image": "maxai-retail", "dockerfile": "maxaiusecases/retail/Dockerfile", "context": "."}
    ]
    requirements = git_repo / "maxaiusecases/retail/requirements.txt"
    requirements.write_text(requirements.read_text() + "numpy==2.3.0\n")
    report = _changed(git_repo)
    assert report["usecases"] == [
        "retail/demand_forecast",
        "retail/demand_model",
        "retail/forecast_review",
        "retail/store_segments",
    ]
    assert len(report["objectives"]) == 5 and report["images"] == ["retail"]
    matrix = maxai("changed", "--base", "main", "--matrix", cwd=git_repo)
    assert json.loads(matrix.stdout) == report["matrix"]


def test_changed_new_removed_and_errors(git_repo: Path) -> None:
    shutil.rmtree(git_repo / "maxaiconfigs/finance/fraud_scoring/wire_transfers")
    assert maxai("new", "finance", "fraud_scoring", "loans", cwd=git_repo).returncode == 0
    report = _changed(git_repo)
    assert [o["dag_id"] for o in report["objectives"]] == ["finance.fraud_scoring.loans"]
    assert report["removed_objectives"] == ["finance/fraud_scoring/wire_transfers"]
    text = maxai("changed", "--base", "main", cwd=git_repo)
    assert "objectives: finance.fraud_scoring.loans" in text.stdout
    bad = maxai("changed", "--base", "no-such-rev", cwd=git_repo)
    assert bad.returncode == 2 and "no-such-rev" in bad.stderr
