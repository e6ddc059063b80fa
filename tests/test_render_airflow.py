"""`maxai render airflow`: a standalone DAG file per example objective that loads in a real DagBag, imports
nothing of maxai, and is build_dag's DAG task for task."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest

from maxai.config import discover_objectives, load_objective
from maxai.render.airflow import render_airflow
from maxai.render.airflow_pods import base_operator_arguments
from maxai.render.python_source import UnwritableValue, source
from maxai.testing import load_dagbag
from tests.conftest import REPO

pytestmark = pytest.mark.airflow
EXAMPLES = [ref.parts for ref in discover_objectives(REPO)]


@pytest.fixture(scope="module", autouse=True)
def _forget_imported_handlers() -> Iterator[None]:
    """The files import their callbacks' handler modules when loaded; other tests check that build_dag does not."""
    path = list(sys.path)
    yield
    sys.path[:] = path
    for name, module in list(sys.modules.items()):
        if "maxaiusecases" in str(getattr(module, "__file__", None) or ""):
            del sys.modules[name]


@pytest.fixture(scope="module")
def rendered_dagbag(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict[str, str]]:
    folder = tmp_path_factory.mktemp("rendered-dags")
    texts = {}
    for parts in EXAMPLES:
        text = render_airflow(load_objective(repo, *parts)).text
        (folder / f"{'_'.join(parts)}.py").write_text(text)
        texts[".".join(parts)] = text
    return load_dagbag(folder), texts


CALLBACK_SETTINGS = ("on_success_callback", "on_failure_callback", "deadline")


def _callbacks(value: Any) -> list[tuple[str, Any]]:
    """The standalone file's callbacks as (dotted path, bound args): functions, partials and deadline alerts."""
    import functools

    result = []
    for callback in value or []:
        if isinstance(callback, functools.partial):
            result.append((f"{callback.func.__module__}.{callback.func.__name__}", callback.keywords))
        elif callable(callback):
            result.append((f"{callback.__module__}.{callback.__name__}", {}))
        else:  # a DeadlineAlert, whose callback is the file's deadline_callback calling what config names
            assert callback.callback.path.endswith(".deadline_callback")
            kwargs, reference = callback.callback.kwargs, type(callback.reference).__name__
            result.append((kwargs["callback"], {**kwargs["args"], reference: callback.interval}))
    return result


def _configured(value: Any) -> list[tuple[str, Any]]:
    """build_dag's callbacks (ConfiguredCallback, or a deadline alert's run_deadline_callback) in the same form."""
    result = []
    for callback in value or []:
        if hasattr(callback, "handlers"):  # a ConfiguredCallback
            reference, extra = callback.reference, {}
        else:
            reference = callback.callback.kwargs["callback"]
            extra = {type(callback.reference).__name__: callback.interval}
        if isinstance(reference, str):
            reference = {"function": reference}
        path = (reference.get("function") or reference["notifier"]).replace(":", ".")
        result.append((path, {**reference.get("args", {}), **extra}))
    return result


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
        if field.init and field.name not in ("task_group", "params", *CALLBACK_SETTINGS):
            assert getattr(loaded, field.name) == getattr(built, field.name), field.name
    for name in CALLBACK_SETTINGS:  # maxai's lazy wrappers there, the callables config names here
        assert _callbacks(getattr(loaded, name)) == _configured(getattr(built, name)), name
    assert _params(loaded.params) == _params(built.params)
    assert str(loaded.timezone) == str(built.timezone) and loaded.timetable == built.timetable
    assert list(loaded.task_ids) == list(built.task_ids)
    for task in built.tasks:
        other = loaded.get_task(task.task_id)
        assert other.upstream_task_ids == task.upstream_task_ids
        if type(task).__module__.startswith(
            "maxai."
        ):  # a container kind's task, run as a pod (test_render_airflow_pods)
            assert type(other).__name__ == "KubernetesPodOperator"
            mine, theirs = (base_operator_arguments(each._BaseOperator__init_kwargs) for each in (other, task))
            left_out = ("do_xcom_push", "pre_execute")  # the pod's own choice; the asset-tagging hook, as below
            assert {key: mine[key] for key in theirs if key not in left_out} == {
                key: value for key, value in theirs.items() if key not in left_out
            }
            continue
        assert type(other) is type(task)
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


def _page_as_airflow_does(dag: Any, context: dict[str, Any]) -> None:
    """Fire the DAG's failure callbacks and its deadline alert's callback the ways Airflow does: the DAG's
    callables with the context; the alert's by its dotted path, from the DAG file, by Airflow's own code."""
    import structlog
    from airflow.sdk.execution_time.callback_supervisor import execute_callback

    for callback in dag.on_failure_callback:
        callback({**context, "reason": "task_failure"})
    [alert] = dag.deadline
    kwargs = {**alert.callback.kwargs, "context": {**context, "deadline": {"id": "d1"}}}
    file = Path(dag.fileloc)
    succeeded, error = execute_callback(alert.callback.path, kwargs, file.name, file.parent, structlog.get_logger())
    assert succeeded, error


def test_callbacks_in_the_file_call_what_config_names(
    rendered_dagbag: tuple[Any, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """cards' failure callback and deadline alert, called as Airflow calls them, page the on-call channel."""
    import json

    dag = rendered_dagbag[0].dags["finance.fraud_scoring.cards"]
    text = rendered_dagbag[1]["finance.fraud_scoring.cards"]
    assert "import fraud_scoring.handlers.on_call" in text and "maxai.factory" not in text
    monkeypatch.setenv("MAXAI_DATA_DIR", str(tmp_path))
    _page_as_airflow_does(dag, {"dag_run": {"dag_id": dag.dag_id, "run_id": "manual__1"}})
    lines = (tmp_path / "on_call" / f"{dag.dag_id}.jsonl").read_text().splitlines()
    alerts = [json.loads(line) for line in lines]
    assert [(each["what"], each["channel"], each["run_id"]) for each in alerts] == [
        ("task_failure", "#fraud-cards", "manual__1"),
        ("deadline missed", "#fraud-cards", "manual__1"),
    ]


def test_callbacks_of_any_signature_and_notifiers_are_called_as_build_dag_calls_them(
    example_repo: Path, edit_json: Any, tmp_path: Path
) -> None:
    """maxai calls a function with the context first, whatever its name, and builds a notifier with its args;
    so does the file, for the DAG's callbacks and for a deadline alert's (which Airflow would call by keywords)."""
    # a module of its own: this process imported the example's fraud_scoring package from the repository already
    handlers = example_repo / "maxaiusecases/finance/render_test_pager.py"
    handlers.write_text(
        "from airflow.sdk import BaseNotifier\n"
        "CALLS = []\n"
        "def page(ctx, level):\n"
        "    CALLS.append(('page', ctx['dag_run']['run_id'], level))\n"
        "class Pager(BaseNotifier):\n"
        "    def __init__(self, level):\n"
        "        super().__init__()\n"
        "        self.level = level\n"
        "    def notify(self, context):\n"
        "        CALLS.append(('Pager', context['dag_run']['run_id'], self.level))\n"
    )
    alert = {
        "reference": "dagrun_queued_at",
        "interval": "45m",
        "callback": {"notifier": "render_test_pager.Pager", "args": {"level": "deadline"}},
    }
    failure = {"function": "render_test_pager:page", "args": {"level": "failure"}}
    edit_json(
        "maxaiconfigs/finance/fraud_scoring/cards/py_config.json",
        lambda data: {**data, "@dag": {**data["@dag"], "deadline": alert, "on_failure_callback": failure}},
    )
    file = tmp_path / "dags" / "cards.py"
    file.parent.mkdir()
    file.write_text(render_airflow(load_objective(example_repo, "finance", "fraud_scoring", "cards")).text)
    dag = load_dagbag(file.parent).dags["finance.fraud_scoring.cards"]
    _page_as_airflow_does(dag, {"dag_run": {"dag_id": dag.dag_id, "run_id": "manual__2"}})
    pager = importlib.import_module("render_test_pager")  # the module the file imported, from the copy's handlers
    assert pager.CALLS == [("page", "manual__2", "failure"), ("Pager", "manual__2", "deadline")]
