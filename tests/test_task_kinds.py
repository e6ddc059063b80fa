"""Task kinds: the built-in kinds come through the plugin API, and a third-party kind, declared by a distribution
on the path with its own entry-points metadata, is loaded, validated, shown and run like the built-in ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from maxai.config.loader import load_objective
from maxai.errors import ConfigError
from maxai.kinds import ENTRY_POINT_GROUP, task_kinds
from maxai.kinds.registry import forget_kinds

MAXAI = str(Path(sys.executable).parent / "maxai")

_PACKAGE = {
    "__init__.py": """
        from maxai.kinds import TaskKind

        KIND = TaskKind(
            name="echo",
            model="maxai_echo_kind.model:EchoConfigFile",
            build="maxai_echo_kind.operator:build",
            operator_name="EchoOperator",
            label="Echo",
            section="echo",
        )
    """,
    "model.py": """
        from pydantic import Field

        from maxai.config.models import NonEmptyStr, NotSecrets, OperatorArgs, StrictModel, TaskBase


        class EchoArguments(OperatorArgs):
            message: NonEmptyStr = Field(description="What the task writes")


        class EchoTask(TaskBase):
            echo: EchoArguments = Field(description="Arguments of the EchoOperator")


        class EchoConfigFile(StrictModel):
            tasks: list[EchoTask] = Field(min_length=1, description="Echo tasks")
            not_secrets: NotSecrets = Field(default_factory=list)
    """,
    "container.py": """
        from maxai.kinds import ContainerStep, UpstreamValue


        def step(request):
            message = request.arguments["message"]
            if request.task.name == "hello":
                said = request.output_path("said")
                return ContainerStep(
                    image="busybox:1.36",
                    command=["sh", "-c", 'echo "$0" | tee "$1"', message, said],
                    outputs={"said": said},
                )
            return ContainerStep(
                image="busybox:1.36",
                command=["echo", message, "after", request.input("heard")],
                inputs={"heard": UpstreamValue("hello", "said", ("message",))},
            )
    """,
    "operator.py": """
        import os

        from airflow.sdk import BaseOperator


        class EchoOperator(BaseOperator):
            def __init__(self, *, message, env_vars, **kwargs):
                super().__init__(**kwargs)
                self.message = message
                self.env_vars = env_vars

            def execute(self, context):
                folder = os.path.join(self.env_vars["MAXAI_DATA_DIR"], "echo")
                os.makedirs(folder, exist_ok=True)
                with open(os.path.join(folder, self.task_id), "w") as handle:
                    handle.write(self.message)


        def build(request):
            arguments = {**request.task.arguments, "env_vars": request.env_vars()}
            return request.create(EchoOperator, arguments)
    """,
}


@pytest.fixture(scope="module")
def echo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder on sys.path holding the package and its distribution metadata, as an installer leaves them."""
    site = tmp_path_factory.mktemp("site")
    package = site / "maxai_echo_kind"
    package.mkdir()
    for name, text in _PACKAGE.items():
        (package / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    info = site / "maxai_echo_kind-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: maxai-echo-kind\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\necho = maxai_echo_kind:KIND\n", encoding="utf-8")
    sys.path.insert(0, str(site))
    forget_kinds()
    yield site
    sys.path.remove(str(site))
    forget_kinds()


def _objective(root: Path, name: str, files: dict[str, object], usecase: str = "demand_forecast") -> None:
    folder = root / "maxaiconfigs/retail" / usecase / name
    folder.mkdir(parents=True, exist_ok=True)
    for file_name, data in files.items():
        (folder / file_name).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    dag_file = root / "maxaidags/retail" / usecase / name / "dag.py"
    if not dag_file.exists():
        dag_file.parent.mkdir(parents=True, exist_ok=True)
        dag_file.write_text(
            f"# airflow DAG for retail / {usecase} / {name}\n"
            "from maxai import build_dag\n\n"
            f'dag = build_dag("retail", "{usecase}", "{name}")\n',
            encoding="utf-8",
        )


def _echoes(root: Path, files: dict[str, object]) -> None:
    """The objective retail/echo_jobs/daily: only what ``files`` holds (its use case has no files of its own)."""
    _objective(root, "daily", files, "echo_jobs")


_ECHO = {
    "tasks": [
        {"name": "hello", "task_id": 1, "echo": {"message": "hello"}},
        {"name": "goodbye", "task_id": 3, "echo": {"message": "goodbye"}},
    ]
}


def test_builtin_kinds_are_declared_as_entry_points() -> None:
    from importlib.metadata import entry_points

    declared = {point.name: point.value for point in entry_points(group=ENTRY_POINT_GROUP)}
    assert declared["spark"] == "maxai.kinds.spark:KIND"
    assert declared["kubepod"] == "maxai.kinds.kubepod:KIND"
    assert list(task_kinds())[:2] == ["spark", "kubepod"]


def test_a_third_party_kind_joins_the_order_and_dependencies(echo_site: Path, example_repo: Path) -> None:
    assert "echo" in task_kinds()
    spark = json.loads((example_repo / "maxaiconfigs/retail/demand_forecast/spark_config.json").read_text())
    first = min(task["task_id"] for task in spark["tasks"])
    echo = {"tasks": [{"name": "announce", "task_id": first - 1 if first > 1 else 0, "echo": {"message": "go"}}]}
    _objective(example_repo, "stores_eu", {"echo_config.json": echo})
    config = load_objective(example_repo, "retail", "demand_forecast", "stores_eu", use_cache=False)
    announce = config.task("announce")
    assert announce.kind == "echo"
    assert announce.arguments == {"message": "go"}
    assert config.tasks[0].name == "announce"
    assert config.tasks[1].upstream == ("announce",)
    assert any(name.endswith("stores_eu/echo_config.json") for name in config.files)


def test_a_third_party_kinds_errors_name_its_file_and_line(echo_site: Path, example_repo: Path) -> None:
    broken = {"tasks": [{"name": "hello", "task_id": 1, "echo": {"mesage": "hi"}}]}
    _objective(example_repo, "stores_eu", {"echo_config.json": broken})
    with pytest.raises(ConfigError) as raised:
        load_objective(example_repo, "retail", "demand_forecast", "stores_eu", use_cache=False)
    problems = [p for p in raised.value.problems if p.file.endswith("stores_eu/echo_config.json")]
    assert problems, str(raised.value)
    assert problems[0].path[:3] == ("tasks", 0, "echo")
    assert problems[0].line == 6
    assert "did you mean 'message'" in str(raised.value)


def test_a_third_party_task_id_clashes_with_a_spark_task(echo_site: Path, example_repo: Path) -> None:
    spark = json.loads((example_repo / "maxaiconfigs/retail/demand_forecast/spark_config.json").read_text())
    taken = spark["tasks"][0]["task_id"]
    _objective(
        example_repo,
        "stores_eu",
        {"echo_config.json": {"tasks": [{"name": "clash", "task_id": taken, "echo": {"message": "x"}}]}},
    )
    with pytest.raises(ConfigError, match=f"task_id {taken} is already used by task"):
        load_objective(example_repo, "retail", "demand_forecast", "stores_eu", use_cache=False)


def test_a_third_party_kind_has_a_schema(echo_site: Path) -> None:
    from maxai.config.schema import build_schema, schema_models

    assert "echo_config.json" in schema_models()
    schema = build_schema("echo_config.json")
    assert schema["$id"].endswith("echo_config.schema.json")
    assert "message" in schema["$defs"]["EchoArguments"]["properties"]


def test_a_third_party_kind_shows_and_draws(echo_site: Path, example_repo: Path) -> None:
    from maxai.cli.graph import objective_diagram
    from maxai.cli.show import describe

    _echoes(example_repo, {"echo_config.json": _ECHO})
    config = load_objective(example_repo, "retail", "echo_jobs", "daily", use_cache=False)
    shown = describe(config, with_command=False)
    assert [task["operator"] for task in shown["tasks"]] == ["EchoOperator", "EchoOperator"]
    diagram = objective_diagram(config)
    assert [node.caption for node in diagram.nodes] == ["Echo", "Echo"]
    assert diagram.styles["echo"].fill == "#eeeeee"


def test_renderers_refuse_a_kind_they_cannot_translate(echo_site: Path, example_repo: Path) -> None:
    from maxai.render.argo import argo_document
    from maxai.render.kubeflow import kubeflow_documents

    _echoes(example_repo, {"echo_config.json": _ECHO})
    config = load_objective(example_repo, "retail", "echo_jobs", "daily", use_cache=False)
    for render, label in ((argo_document, "Argo Workflows"), (kubeflow_documents, "Kubeflow Pipelines")):
        with pytest.raises(ConfigError, match=f"no {label} translation of 'echo' tasks") as raised:
            render(config)
        assert raised.value.problems[0].file.endswith("daily/echo_config.json")
        assert raised.value.problems[0].path == ("tasks", 0, "name")
        assert raised.value.problems[0].line is not None


def test_a_third_party_kind_with_a_container_step_renders(
    echo_site: Path, example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The renderers use any kind's ``container_step``: values handed on as Argo parameters and Kubeflow outputs."""
    import dataclasses

    from google.protobuf import json_format
    from kfp.pipeline_spec import pipeline_spec_pb2 as ir

    from maxai.render.argo import argo_document
    from maxai.render.kubeflow import kubeflow_documents
    from tests.render_schemas import argo_validator, errors

    echo = task_kinds()["echo"]
    monkeypatch.setitem(
        task_kinds(), "echo", dataclasses.replace(echo, container_step="maxai_echo_kind.container:step")
    )
    _echoes(example_repo, {"echo_config.json": _ECHO})
    config = load_objective(example_repo, "retail", "echo_jobs", "daily", use_cache=False)
    document, _ = argo_document(config)
    assert errors(argo_validator("Workflow"), document) == []
    templates = {template["name"]: template for template in document["spec"]["templates"]}
    assert templates["hello"]["outputs"]["parameters"][0]["valueFrom"]["path"] == "/tmp/maxai/outputs/said"
    assert templates["goodbye"]["container"]["command"] == ["echo", "goodbye", "after", "{{inputs.parameters.heard}}"]
    [step] = [task for task in templates["main"]["dag"]["tasks"] if task["name"] == "goodbye"]
    assert step["arguments"]["parameters"] == [{"name": "heard", "value": "{{tasks.hello.outputs.parameters.said}}"}]
    documents, _ = kubeflow_documents(config)
    pipeline = json_format.ParseDict(documents[0], ir.PipelineSpec())
    source = pipeline.root.dag.tasks["goodbye"].inputs.parameters["upstream--heard"].task_output_parameter
    assert (source.producer_task, source.output_parameter_key) == ("hello", "said")

    # a value taken from a task that runs later is refused at the key that names it
    _echoes(example_repo, {"echo_config.json": {"tasks": [{**_ECHO["tasks"][1], "task_id": 0}, _ECHO["tasks"][0]]}})
    with pytest.raises(ConfigError, match="takes 'said' from task 'hello', which does not run before it") as raised:
        argo_document(load_objective(example_repo, "retail", "echo_jobs", "daily", use_cache=False))
    assert raised.value.problems[0].path == ("tasks", 0, "echo", "message")


@pytest.mark.airflow
def test_a_third_party_kind_runs_under_maxai_run(echo_site: Path, example_repo: Path) -> None:
    """``maxai run``: dag.test() in its own Airflow home over the repository's maxaidags/."""
    _echoes(example_repo, {"echo_config.json": _ECHO})
    data = example_repo / "data"
    environment = {**os.environ, "PYTHONPATH": str(echo_site), "MAXAI_DATA_DIR": str(data)}
    command = [MAXAI, "run", "--root", str(example_repo), "retail", "echo_jobs", "daily", "--date", "2026-02-10"]
    result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (data / "echo/hello").read_text() == "hello"
    assert (data / "echo/goodbye").read_text() == "goodbye"


@pytest.mark.airflow
def test_a_third_party_kind_gets_lineage_callbacks_and_for_each(echo_site: Path, example_repo: Path) -> None:
    """What maxai adds to every operator reaches a kind that is not built in, with no code of its own for it."""
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    from maxai.factory.callbacks import ConfiguredCallback
    from maxai.factory.dag import dag_from_config

    handlers = example_repo / "maxaiusecases/retail/echo_jobs/handlers"
    handlers.mkdir(parents=True)
    (handlers / "__init__.py").write_text("", encoding="utf-8")
    (handlers / "alerts.py").write_text("def page(context):\n    pass\n", encoding="utf-8")
    echo = json.loads(json.dumps(_ECHO))
    echo["tasks"][0]["echo"].update(on_failure_callback="echo_jobs.handlers.alerts:page", retry_delay="5m")
    py_config = {
        "hello": {"input": "sales/raw", "output": "echo/hello"},
        "goodbye": {"for_each": {"region": ["eu", "us"]}},
    }
    _echoes(example_repo, {"echo_config.json": echo, "py_config.json": py_config})
    config = load_objective(example_repo, "retail", "echo_jobs", "daily", use_cache=False)
    dag = dag_from_config(config)

    hello = dag.get_task("hello")
    assert [asset.uri for asset in hello.outlets] == ["x-maxai://data/echo/hello"]
    assert [asset.uri for asset in hello.inlets] == ["x-maxai://data/sales/raw"]
    assert hello._pre_execute_hook is not None, "asset updates are tagged with the date processed"
    assert [type(callback) for callback in hello.on_failure_callback] == [ConfiguredCallback]
    assert hello.retry_delay.total_seconds() == 300
    goodbye = dag.get_task("goodbye")
    assert isinstance(goodbye, MappedOperator)
    per_value = goodbye.expand_input.value["env_vars"]
    assert [json.loads(env["MAXAI_ITEM"]) for env in per_value] == [{"region": "eu"}, {"region": "us"}]

    echo["tasks"][0]["echo"]["on_failure_callback"] = "echo_jobs.handlers.alerts:pager"
    _echoes(example_repo, {"echo_config.json": echo})
    with pytest.raises(ConfigError, match="did you mean 'page'") as raised:
        load_objective(example_repo, "retail", "echo_jobs", "daily", use_cache=False)
    problem = raised.value.problems[0]
    assert problem.file.endswith("echo_jobs/daily/echo_config.json")
    assert problem.path == ("tasks", 0, "echo", "on_failure_callback")
    assert problem.line is not None


def test_maxai_validate_reads_a_third_party_kind(echo_site: Path, example_repo: Path) -> None:
    environment = {**os.environ, "PYTHONPATH": str(echo_site)}
    _echoes(example_repo, {"echo_config.json": _ECHO})
    folder = example_repo / "maxaiconfigs/retail/echo_jobs/daily"
    command = [MAXAI, "validate", "--root", str(example_repo), str(folder)]
    good = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    assert good.returncode == 0, good.stdout + good.stderr

    _echoes(example_repo, {"echo_config.json": {"tasks": [{"name": "x", "task_id": "one"}]}})
    bad = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    assert bad.returncode != 0
    assert "echo_jobs/daily/echo_config.json:5" in bad.stdout + bad.stderr

    without = {key: value for key, value in environment.items() if key != "PYTHONPATH"}
    unknown = subprocess.run(command, env=without, capture_output=True, text=True, check=False)
    assert unknown.returncode != 0
    assert "unknown config file" in unknown.stdout + unknown.stderr


def test_building_from_the_parse_cache_scans_no_entry_points(repo: Path, tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        from maxai import build_dag
        from maxai.kinds import registry

        build_dag("retail", "store_segments", "weekly", root={str(repo)!r})
        assert registry.task_kinds.cache_info().currsize == 0, "entry points scanned"
        assert "maxai.config.models" not in sys.modules, "config models defined"
        assert "maxai.kinds.spark.config" not in sys.modules, "the kind's config part imported"
        assert "maxai.config.assets" not in sys.modules, "asset schedule models defined"
        assert "maxai.config.run_params" not in sys.modules, "param models defined"
        print("light")
        """
    )
    environment = {**os.environ, "MAXAI_CACHE_DIR": str(tmp_path / "cache")}
    for _ in range(2):  # the first run fills the cache, the second is served from it
        result = subprocess.run(
            [sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=False
        )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "light"


def test_a_changed_kind_package_makes_its_cached_objectives_stale(
    echo_site: Path, example_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from maxai.config import cache
    from maxai.config.layout import ObjectiveRef

    monkeypatch.setenv("MAXAI_CACHE_DIR", str(tmp_path / "cache"))
    _echoes(example_repo, {"echo_config.json": _ECHO})
    load_objective(example_repo, "retail", "echo_jobs", "daily")
    ref = ObjectiveRef("retail", "echo_jobs", "daily")
    assert cache.lookup(example_repo, ref) is not None
    model = echo_site / "maxai_echo_kind/model.py"
    original = model.read_text(encoding="utf-8")
    model.write_text(original + "\n# version 0.2\n", encoding="utf-8")
    try:
        assert cache.lookup(example_repo, ref) is None
    finally:
        model.write_text(original, encoding="utf-8")


def test_preload_imports_everything_a_parse_needs(repo: Path, tmp_path: Path) -> None:
    """After ``import maxai.preload`` (airflow_local_settings.py), building a DAG imports no maxai module, warm
    or cold: the dag-processor's forked parsers inherit them all."""
    script = textwrap.dedent(
        f"""
        import sys
        import maxai.preload
        before = {{name for name in sys.modules if name.startswith("maxai")}}
        from maxai import build_dag

        build_dag("retail", "store_segments", "weekly", root={str(repo)!r})
        new = sorted(name for name in sys.modules if name.startswith("maxai") and name not in before)
        assert not new, new
        assert "mlflow" not in sys.modules
        print("preloaded")
        """
    )
    environment = {**os.environ, "MAXAI_CACHE_DIR": str(tmp_path / "cache")}
    for _ in range(2):  # a cold parse, then one from the cache
        result = subprocess.run(
            [sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert result.stdout.strip() == "preloaded"
