"""The canonical dag.py: `maxai new` writes it, the examples use it, `maxai validate` flags drift from it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from maxai.config.dagfile import PRE_IMPORTED_MODULES, dag_file_problems, dag_file_text
from maxai.config.layout import ObjectiveRef, discover_objectives

MAXAI = str(Path(sys.executable).parent / "maxai")
REF = ObjectiveRef("retail", "demand_forecast", "stores_eu")
DISPLAY = "maxaidags/retail/demand_forecast/stores_eu/dag.py"


def _validate(root: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("MAXAI_ROOT", "NO_COLOR")}
    return subprocess.run(
        [MAXAI, "validate", "--color", "never"], cwd=root, capture_output=True, text=True, env=env, check=False
    )


def test_canonical_form_has_no_problems() -> None:
    assert dag_file_problems(dag_file_text(*REF.parts), DISPLAY, REF) == []


def test_canonical_form_names_the_operator_modules_the_way_airflow_reads_them(tmp_path: Path) -> None:
    pytest.importorskip("airflow")
    from airflow.utils.file import iter_airflow_imports, might_contain_dag_via_default_heuristic

    path = tmp_path / "dag.py"
    path.write_text(dag_file_text(*REF.parts))
    assert set(PRE_IMPORTED_MODULES) <= set(iter_airflow_imports(str(path)))
    assert might_contain_dag_via_default_heuristic(str(path))


def test_examples_use_the_canonical_form(repo: Path) -> None:
    for ref in discover_objectives(repo):
        path = repo / "maxaidags" / ref.domain / ref.usecase / ref.objective / "dag.py"
        assert path.read_text() == dag_file_text(*ref.parts), path


def test_missing_pre_import_is_reported_with_its_line() -> None:
    text = '# airflow DAG\nfrom maxai import build_dag\n\ndag = build_dag("retail", "demand_forecast", "stores_eu")\n'
    [problem] = dag_file_problems(text, DISPLAY, REF)
    assert problem.file == DISPLAY and problem.line == 2
    assert "import airflow.providers.apache.spark.operators.spark_submit" in problem.message
    assert "import airflow.providers.cncf.kubernetes.operators.pod" in problem.message
    assert "maxai new retail demand_forecast stores_eu" in problem.message


def test_one_missing_module_and_from_imports_count() -> None:
    text = dag_file_text(*REF.parts).replace(
        "import airflow.providers.apache.spark.operators.spark_submit  # noqa: F401",
        "from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator  # noqa: F401",
    )
    assert dag_file_problems(text, DISPLAY, REF) == []
    text = text.replace("import airflow.providers.cncf.kubernetes.operators.pod  # noqa: F401\n", "")
    [problem] = dag_file_problems(text, DISPLAY, REF)
    assert "cncf.kubernetes.operators.pod" in problem.message and "spark_submit" not in problem.message


def test_imports_inside_a_function_do_not_count() -> None:
    text = dag_file_text(*REF.parts).replace("import airflow", "if True:\n    import airflow")
    assert "missing the top-level" in dag_file_problems(text, DISPLAY, REF)[0].message


def test_build_dag_arguments_must_match_the_folder() -> None:
    text = dag_file_text("retail", "demand_forecast", "stores_us")
    [problem] = dag_file_problems(text, DISPLAY, REF)
    assert problem.line == 7 and problem.column == 7
    assert 'build_dag("retail", "demand_forecast", "stores_us")' in problem.message
    assert 'expected `build_dag("retail", "demand_forecast", "stores_eu")`' in problem.message


def test_build_dag_with_computed_arguments_or_none_at_all() -> None:
    computed = dag_file_text(*REF.parts).replace('"stores_eu")', "name)")
    assert "does not match the folder" in dag_file_problems(computed, DISPLAY, REF)[0].message
    without = dag_file_text(*REF.parts).replace('dag = build_dag("retail", "demand_forecast", "stores_eu")', "")
    assert "no build_dag call" in dag_file_problems(without, DISPLAY, REF)[0].message
    twice = dag_file_text(*REF.parts) + 'other = build_dag("retail", "demand_forecast", "stores_eu")\n'
    assert "more than one build_dag call" in dag_file_problems(twice, DISPLAY, REF)[0].message


def test_syntax_error_is_reported_not_raised() -> None:
    [problem] = dag_file_problems("import (\n", DISPLAY, REF)
    assert problem.message.startswith("not valid Python") and problem.line == 1


def test_maxai_validate_reports_drift(example_repo: Path) -> None:
    assert _validate(example_repo).returncode == 0
    stale = example_repo / "maxaidags/retail/demand_forecast/stores_eu/dag.py"
    stale.write_text(
        '# airflow DAG\nfrom maxai import build_dag\n\ndag = build_dag("retail", "demand_forecast", "stores_us")\n'
    )
    result = _validate(example_repo)
    assert result.returncode == 1
    assert f"{DISPLAY}:2:1: $: missing the top-level `import airflow.providers.apache.spark" in result.stdout
    assert f'{DISPLAY}:4:7: $: `build_dag("retail", "demand_forecast", "stores_us")` does not match' in result.stdout


def test_maxai_new_writes_the_canonical_form(example_repo: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "MAXAI_ROOT"}
    result = subprocess.run(
        [MAXAI, "new", "marketing", "churn", "monthly"], cwd=example_repo, capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    written = (example_repo / "maxaidags/marketing/churn/monthly/dag.py").read_text()
    assert written == dag_file_text("marketing", "churn", "monthly")
    assert _validate(example_repo).returncode == 0
