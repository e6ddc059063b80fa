"""`maxai render airflow`: a standalone DAG file per example objective that loads in a real DagBag, imports
nothing of maxai, and is build_dag's DAG task for task."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest

from maxai.config import discover_objectives, load_objective
from maxai.render.airflow import render_airflow
from maxai.render.python_source import UnwritableValue, source
from maxai.testing import load_dagbag
from tests.conftest import REPO

pytestmark = pytest.mark.airflow
# finance.fraud_scoring.cards has callbacks and a deadline alert, which maxai does not write as source;
# test_render_cli checks that the render refuses it, naming the value
# retail.demand_model.weekly: the model kind's MLflow steps have no translation (test_task_kinds, test_render_cli)
AIRFLOW_ONLY = {
    ("finance", "fraud_scoring", "cards"),
    ("retail", "demand_model", "weekly"),
}
EXAMPLES = [ref.parts for ref in discover_objectives(REPO) if ref.parts not in AIRFLOW_ONLY]


@pytest.fixture(scope="module")
def rendered_dagbag(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict[str, str]]:
    folder = tmp_path_factory.mktemp("rendered-dags")
    texts = {}
    for parts in EXAMPLES:
        text = render_airflow(load_objective(repo, *parts)).text
        (folder / f"{'_'.join(parts)}.py").write_text(text)
        texts[".".join(parts)] = text
    return load_dagbag(folder), texts


def _params(params: Any) -> dict[str, Any]:
    return {
        key: (params.get_param(key).value, params.get_param(key).schema, params.get_param(key).description)
        for key in params
    }


def test_files_load_in_a_dagbag_without_maxai(rendered_dagbag: tuple[Any, dict[str, str]]) -> None:
    dagbag, texts = rendered_dagbag
    assert dagbag.import_errors == {}
    assert sorted(dagbag.dag_ids) == sorted(texts)
    for text in texts.values():
        imports = [line for line in text.splitlines() if line.startswith(("import ", "from "))]
        assert imports and not any("maxai" in line for line in imports)


@pytest.mark.parametrize("parts", EXAMPLES, ids=".".join)
def test_dag_equals_build_dag_task_for_task(
    repo: Path, rendered_dagbag: tuple[Any, dict[str, str]], parts: tuple[str, str, str]
) -> None:
    from maxai import build_dag

    loaded, built = rendered_dagbag[0].dags[".".join(parts)], build_dag(*parts, root=repo)
    for field in attrs.fields(type(built)):  # every DAG-level setting
        if field.init and field.name not in ("task_group", "params"):
            assert getattr(loaded, field.name) == getattr(built, field.name), field.name
    assert _params(loaded.params) == _params(built.params)
    assert str(loaded.timezone) == str(built.timezone) and loaded.timetable == built.timetable
    assert list(loaded.task_ids) == list(built.task_ids)
    for task in built.tasks:
        other = loaded.get_task(task.task_id)
        assert type(other) is type(task)
        assert other.upstream_task_ids == task.upstream_task_ids
        if task.is_mapped:  # a for_each task: the same operator class, partial arguments and mapped values
            assert other.operator_class is task.operator_class
            assert other.expand_input.value == task.expand_input.value
            theirs = {key: value for key, value in task.partial_kwargs.items() if key != "pre_execute"}
            assert {key: value for key, value in other.partial_kwargs.items() if key != "params"} == {
                key: value for key, value in theirs.items() if key != "params"
            }
            continue
        mine, theirs = other._BaseOperator__init_kwargs, task._BaseOperator__init_kwargs
        # the one argument left out on purpose: maxai's hook tagging asset updates (docs/render-airflow.rst)
        assert set(mine) == set(theirs) - {"pre_execute"} and ("pre_execute" in theirs) == bool(task.outlets)
        theirs = {key: value for key, value in theirs.items() if key != "pre_execute"}
        for key, value in theirs.items():  # every operator argument, after default_args
            if key == "params":
                assert _params(mine[key]) == _params(value)
            elif key not in ("dag", "task_group"):
                assert mine[key] == value, (task.task_id, key)


def test_values_are_written_as_source_that_evaluates_to_them() -> None:
    from datetime import timedelta

    from airflow.providers.cncf.kubernetes.secret import Secret
    from airflow.sdk import Param
    from kubernetes.client import models as k8s

    values = [
        timedelta(seconds=90),
        pendulum.datetime(2026, 3, 1, 5, 30, tz="Europe/Berlin"),
        k8s.V1Toleration(key="dedicated", operator="Equal", value="x", effect="NoSchedule"),
        [k8s.V1VolumeMount(name="data", mount_path="/data", read_only=True)],
        Secret("volume", "/etc/secret", "ledger-db"),
        {"nested": ["a", 'quote " and \\ backslash', {"ü": None}]},
    ]
    for value in values:
        imports: set[str] = set()
        namespace: dict[str, Any] = {}
        exec("\n".join(sorted(imports | _imports(value))), namespace)
        assert eval(source(value, imports), namespace) == value
    param = Param(None, description="d", type=["null", "string"], **{"$comment": "not an identifier"})
    text = source(param, set())
    copy = eval(text, {"Param": Param})
    assert (copy.value, copy.description, copy.schema) == (param.value, param.description, param.schema)


def _imports(value: Any) -> set[str]:
    imports: set[str] = set()
    source(value, imports)
    return imports


def test_a_value_it_cannot_write_is_refused() -> None:
    with pytest.raises(UnwritableValue, match=r"of type builtins\.object"):
        source(object(), set())
