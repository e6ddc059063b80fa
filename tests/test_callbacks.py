"""Callbacks from config: checked without importing them, built onto the DAG and operators, and run by
Airflow when a real run fails (``maxai run`` -> ``dag.test()``, pods as local subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from maxai import ConfigError
from maxai.config import load_objective
from maxai.errors import format_json_path

from .test_validate_promises import _set

FR = "maxaiconfigs/finance/fraud_scoring"
CARDS = ("finance", "fraud_scoring", "cards")
PROBE = "fraud_scoring.handlers.probe_callbacks"
MAXAI = str(Path(sys.executable).with_name("maxai"))

# A handler module of the test's own: a function, an async function, a notifier class and a plain class.
PROBE_SOURCE = """
import json
from pathlib import Path

from airflow.sdk.bases.notifier import BaseNotifier


def _write(path, entry):
    with Path(path).open("a") as handle:
        handle.write(json.dumps(entry) + "\\n")


def record(context, path, label):
    task = context.get("task_instance")
    _write(path, {"label": label, "task": getattr(task, "task_id", None), "reason": context.get("reason")})


async def record_later(context, path, label):
    pass


class FileNotifier(BaseNotifier):
    template_fields = ("label",)

    def __init__(self, path, label, *, mode="a"):
        super().__init__()
        self.path = path
        self.label = label
        self.mode = mode

    def notify(self, context):
        _write(self.path, {"label": self.label, "task": None, "reason": context.get("reason")})


class Helper:
    pass
"""


@pytest.fixture
def probe_module(example_repo: Path) -> Path:
    path = example_repo / "maxaiusecases/finance/fraud_scoring/handlers/probe_callbacks.py"
    path.write_text(PROBE_SOURCE)
    return path


def _function(name: str, **args: Any) -> dict[str, Any]:
    return {"function": f"{PROBE}:{name}", "args": args}


SMTP = "airflow.providers.smtp.notifications.smtp.SmtpNotifier"

# (case id, file, path to set, value, expected JSON path of the problem, message fragment)
CASES: list[tuple[str, str, list[Any], Any, str, str]] = [
    (
        "local module missing",
        "cards/py_config.json",
        ["@dag", "on_failure_callback"],
        "fraud_scoring.handlers.pager:page",
        '["@dag"].on_failure_callback',
        "module 'fraud_scoring.handlers.pager' not found (looked for finance/fraud_scoring/handlers/pager.py",
    ),
    (
        "function misspelt",
        "cards/py_config.json",
        ["@dag", "on_failure_callback"],
        {"function": "fraud_scoring.handlers.on_call:pgae", "args": {"channel": "#x"}},
        '["@dag"].on_failure_callback.function',
        "'fraud_scoring.handlers.on_call' defines no 'pgae' (did you mean 'page'?)",
    ),
    (
        "not a reference",
        "cards/py_config.json",
        ["@dag", "on_success_callback"],
        "fraud_scoring.handlers.on_call.page",
        '["@dag"].on_success_callback',
        "is not a handler reference such as 'package.module:function'",
    ),
    (
        "not installed",
        "cards/py_config.json",
        ["@dag", "default_args", "on_retry_callback"],
        "pagerduty_client.alerts:trigger",
        '["@dag"].default_args.on_retry_callback',
        "module 'pagerduty_client.alerts' is neither in maxaiusecases/finance/ nor installed here",
    ),
    (
        "installed package lacks the module",
        "cards/py_config.json",
        ["@dag", "on_failure_callback"],
        "json.alerts:send",
        '["@dag"].on_failure_callback',
        "the installed package 'json' has no 'alerts'",
    ),
    (
        "async function",
        "cards/py_config.json",
        ["@dag", "default_args", "on_failure_callback"],
        [_function("record", path="/tmp/x", label="a"), _function("record_later", path="/tmp/x", label="b")],
        '["@dag"].default_args.on_failure_callback[1].function',
        "is an async function",
    ),
    (
        "notifier given as a function",
        "cards/py_config.json",
        ["@dag", "on_failure_callback"],
        f"{PROBE}:FileNotifier",
        '["@dag"].on_failure_callback',
        f'is a notifier class: give it as {{"notifier": "{PROBE}.FileNotifier"',
    ),
    (
        "plain class given as a function",
        "cards/py_config.json",
        ["@dag", "on_failure_callback"],
        f"{PROBE}:Helper",
        '["@dag"].on_failure_callback',
        "is a class, not a function",
    ),
    (
        "function given as a notifier",
        "cards/py_config.json",
        ["@dag", "on_failure_callback"],
        {"notifier": f"{PROBE}.record", "args": {}},
        '["@dag"].on_failure_callback.notifier',
        f"is a function, not a notifier class: give it as '{PROBE}:record'",
    ),
    (
        "notifier class misspelt",
        "cards/py_config.json",
        ["@dag", "on_failure_callback"],
        {"notifier": "airflow.providers.smtp.notifications.smtp.SmtpNotifer", "args": {"to": "a@example.com"}},
        '["@dag"].on_failure_callback.notifier',
        "defines no 'SmtpNotifer' (did you mean 'SmtpNotifier'?)",
    ),
    (
        "notifier argument misspelt",
        "cards/py_config.json",
        ["@dag", "on_failure_callback"],
        {"notifier": SMTP, "args": {"too": "oncall@example.com"}},
        '["@dag"].on_failure_callback.args.too',
        "SmtpNotifier takes no argument 'too' (did you mean 'to'?)",
    ),
    (
        "notifier argument missing",
        "cards/py_config.json",
        ["@dag", "on_failure_callback"],
        {"notifier": SMTP, "args": {"subject": "fraud scoring failed"}},
        '["@dag"].on_failure_callback.args',
        "SmtpNotifier needs 'to' in its args",
    ),
    (
        "notifier given the context",
        "cards/py_config.json",
        ["@dag", "on_failure_callback"],
        {"notifier": f"{PROBE}.FileNotifier", "args": {"path": "/tmp/x", "label": "l", "context": {}}},
        '["@dag"].on_failure_callback.args.context',
        "the context is Airflow's",
    ),
    (
        "unknown key in a callback",
        "cards/py_config.json",
        ["@dag", "on_failure_callback"],
        {"notifer": SMTP, "args": {"to": "a@example.com"}},
        '["@dag"].on_failure_callback.notifer',
        "unknown key 'notifer' (did you mean 'notifier'?)",
    ),
    (
        "callback of the wrong JSON type",
        "cards/py_config.json",
        ["@dag", "on_failure_callback"],
        42,
        '["@dag"].on_failure_callback',
        "a callback is 'module.path:function'",
    ),
    (
        "deadline reference unknown",
        "cards/py_config.json",
        ["@dag", "deadline", "reference"],
        "dagrun_started_at",
        '["@dag"].deadline.reference',
        "'dagrun_started_at' is not allowed; expected 'dagrun_queued_at' or 'dagrun_logical_date'",
    ),
    (
        "deadline interval zero",
        "cards/py_config.json",
        ["@dag", "deadline", "interval"],
        "0s",
        '["@dag"].deadline.interval',
        "greater than 0",
    ),
    (
        "deadline callback missing",
        "cards/py_config.json",
        ["@dag", "deadline", "callback"],
        "fraud_scoring.handlers.on_call:late",
        '["@dag"].deadline.callback',
        "defines no 'late'",
    ),
    (
        "task callback in a pod's conf",
        "kubepod_config.json",
        ["tasks", 1, "conf", "on_retry_callback"],
        "fraud_scoring.handlers.scoring:scroe",
        "tasks[1].conf.on_retry_callback",
        "defines no 'scroe' (did you mean 'score'?)",
    ),
]


@pytest.mark.parametrize(
    ("file", "path", "value", "where", "fragment"), [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_each_callback_mistake_is_a_config_error(
    example_repo: Path,
    edit_json: Callable[..., Path],
    probe_module: Path,
    file: str,
    path: list[Any],
    value: Any,
    where: str,
    fragment: str,
) -> None:
    edited = edit_json(f"{FR}/{file}", _set(path, value))
    with pytest.raises(ConfigError) as caught:
        load_objective(example_repo, *CARDS, use_cache=False)
    matching = [p for p in caught.value.problems if format_json_path(p.path) == where]
    assert matching, f"no problem at {where}; got:\n{caught.value}"
    problem = matching[0]
    assert fragment in problem.message, str(caught.value)
    assert problem.file == f"{FR}/{file}"
    assert problem.line is not None
    key = str(path[-1]) if where.endswith(str(path[-1])) else None
    if key is not None:  # the line named is the one holding the key
        assert f'"{key}"' in edited.read_text().splitlines()[problem.line - 1]


def test_a_spark_task_callback_is_checked_in_spark_config(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    edit_json(
        "maxaiconfigs/retail/demand_forecast/spark_config.json",
        _set(["tasks", 0, "spark_submit_conf", "on_failure_callback"], "demand_forecast.handlers.alerts:page"),
    )
    with pytest.raises(ConfigError) as caught:
        load_objective(example_repo, "retail", "demand_forecast", "stores_eu", use_cache=False)
    [problem] = caught.value.problems
    assert problem.file == "maxaiconfigs/retail/demand_forecast/spark_config.json"
    assert format_json_path(problem.path) == "tasks[0].spark_submit_conf.on_failure_callback"
    assert "module 'demand_forecast.handlers.alerts' not found" in problem.message


def test_callbacks_that_exist_are_accepted(
    example_repo: Path, edit_json: Callable[..., Path], probe_module: Path
) -> None:
    notifier = {"notifier": f"{PROBE}:FileNotifier", "args": {"path": "/tmp/x", "label": "l", "mode": "w"}}
    edit_json(f"{FR}/cards/py_config.json", _set(["@dag", "on_success_callback"], [notifier, f"{PROBE}:record"]))
    edit_json(f"{FR}/cards/py_config.json", _set(["@dag", "default_args", "on_skipped_callback"], f"{PROBE}:record"))
    smtp = {"notifier": SMTP, "args": {"to": "oncall@example.com", "subject": "{{ dag.dag_id }} failed"}}
    edit_json(f"{FR}/kubepod_config.json", _set(["tasks", 0, "conf", "on_failure_callback"], smtp))
    config = load_objective(example_repo, *CARDS, use_cache=False)
    assert config.task("extract_transactions").arguments["on_failure_callback"] == smtp


@pytest.fixture
def restored_imports(example_repo: Path) -> Iterator[None]:
    """A callback run in this process puts its domain's handlers on sys.path and imports them: undone after
    the test (only those: other modules imported meanwhile, Airflow's or Kubernetes', must stay)."""
    path = list(sys.path)
    yield
    sys.path[:] = path
    handlers = str(example_repo / "maxaiusecases")
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(handlers):
            del sys.modules[name]


@pytest.mark.airflow
def test_callbacks_are_built_onto_the_dag_and_operators(
    airflow_db: Path,
    example_repo: Path,
    edit_json: Callable[..., Path],
    probe_module: Path,
    restored_imports: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from airflow.sdk.definitions.deadline import DeadlineReference

    from maxai.factory.callbacks import ConfiguredCallback, run_deadline_callback
    from maxai.testing import load_dagbag

    edit_json(f"{FR}/cards/py_config.json", _set(["@dag", "default_args", "on_retry_callback"], f"{PROBE}:record"))
    edit_json(f"{FR}/kubepod_config.json", _set(["tasks", 2, "conf", "on_success_callback"], f"{PROBE}:record"))
    bag = load_dagbag(example_repo / "maxaidags/finance/fraud_scoring/cards")
    assert bag.import_errors == {}
    dag = bag.dags["finance.fraud_scoring.cards"]
    [failure] = dag.on_failure_callback
    assert isinstance(failure, ConfiguredCallback)
    assert failure.reference == {"function": "fraud_scoring.handlers.on_call:page", "args": {"channel": "#fraud-cards"}}
    assert failure.__name__ == "fraud_scoring.handlers.on_call:page"
    [alert] = dag.deadline
    assert alert.reference == DeadlineReference.DAGRUN_QUEUED_AT
    assert alert.interval.total_seconds() == 45 * 60
    assert alert.callback.path == "maxai.factory.callbacks.run_deadline_callback"
    assert alert.callback.kwargs["handlers"] == str(example_repo / "maxaiusecases/finance")
    for task in dag.tasks:
        assert [callback.reference for callback in task.on_retry_callback] == [f"{PROBE}:record"]
    assert [c.reference for c in dag.get_task("report_alerts").on_success_callback] == [f"{PROBE}:record"]
    assert dag.get_task("extract_transactions").on_success_callback == []
    # nothing the config names was imported to build the DAG
    assert PROBE not in sys.modules and "fraud_scoring.handlers.on_call" not in sys.modules

    # what the executor does with a missed deadline: import the path, call it with the kwargs and a context
    data = example_repo / "data"
    monkeypatch.setenv("MAXAI_DATA_DIR", str(data))
    # the context Airflow's scheduler gives a deadline callback: the run as the REST API shows it
    context = {"dag_run": {"dag_id": dag.dag_id, "dag_run_id": "scheduled__x"}, "deadline": {"id": "1"}}
    run_deadline_callback(**alert.callback.kwargs, context=context)
    [line] = (data / "on_call/finance.fraud_scoring.cards.jsonl").read_text().splitlines()
    assert json.loads(line) | {"at": None} == {
        "channel": "#fraud-cards",
        "dag_id": "finance.fraud_scoring.cards",
        "run_id": "scheduled__x",
        "what": "deadline missed",
        "task": None,
        "at": None,
    }


def test_failure_callbacks_run_when_a_task_fails(
    example_repo: Path, edit_json: Callable[..., Path], probe_module: Path, data_dir: Path, tmp_path: Path
) -> None:
    """A real run (``maxai run`` -> ``dag.test()``, pods as subprocesses) where score_transactions fails."""
    calls = tmp_path / "calls.jsonl"
    path = str(calls)
    notifier = {"notifier": f"{PROBE}.FileNotifier", "args": {"path": path, "label": "notified {{ dag.dag_id }}"}}
    py_config = f"{FR}/cards/py_config.json"
    edit_json(
        py_config, _set(["@dag", "on_failure_callback"], [_function("record", path=path, label="run failed"), notifier])
    )
    edit_json(py_config, _set(["@dag", "on_success_callback"], _function("record", path=path, label="run succeeded")))
    edit_json(
        py_config,
        _set(["@dag", "default_args", "on_failure_callback"], _function("record", path=path, label="task failed")),
    )
    pods = f"{FR}/kubepod_config.json"
    edit_json(
        pods, _set(["tasks", 0, "conf", "on_success_callback"], _function("record", path=path, label="extracted"))
    )
    edit_json(pods, _set(["tasks", 1, "conf", "arguments"], ["--fail-on-purpose"]))

    env = {**os.environ, "MAXAI_DATA_DIR": str(data_dir)}
    env.pop("MAXAI_ROOT", None)
    result = subprocess.run(
        [MAXAI, "run", *CARDS, "--date", "2026-03-10", "--local-pods", "--airflow-home", str(tmp_path / "home")],
        cwd=example_repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED score_transactions" in result.stdout
    entries = [json.loads(line) for line in calls.read_text().splitlines()]
    assert entries == [
        {"label": "extracted", "task": "extract_transactions", "reason": None},
        {"label": "task failed", "task": "score_transactions", "reason": None},
        {"label": "run failed", "task": "score_transactions", "reason": "task_failure"},
        {"label": "notified finance.fraud_scoring.cards", "task": None, "reason": "task_failure"},
    ]


def test_the_callback_names_are_the_models_fields() -> None:
    from maxai.config.callback_model import TaskCallbacks
    from maxai.config.layout import DAG_CALLBACKS, TASK_CALLBACKS
    from maxai.config.models import DagSettings

    assert tuple(TaskCallbacks.model_fields) == TASK_CALLBACKS
    assert set(DAG_CALLBACKS) < set(DagSettings.model_fields)


@pytest.mark.airflow
def test_a_dag_from_the_parse_cache_has_the_same_callbacks(airflow_db: Path, example_repo: Path) -> None:
    from maxai import build_dag
    from maxai.config import cache
    from maxai.config.layout import ObjectiveRef

    first = build_dag(*CARDS, root=example_repo)
    assert cache.lookup(example_repo, ObjectiveRef(*CARDS), light=True) is not None
    cached = build_dag(*CARDS, root=example_repo)  # from the cache's plain JSON, without the models
    assert [c.reference for c in cached.on_failure_callback] == [c.reference for c in first.on_failure_callback]
    assert cached.deadline == first.deadline
    assert cached.deadline[0].callback.kwargs == first.deadline[0].callback.kwargs
