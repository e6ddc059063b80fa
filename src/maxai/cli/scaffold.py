"""``maxai new``: scaffold a use case / objective that validates and loads at once.

Never overwrites: files that exist are kept and reported.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from maxai.cli.arguments import add_command, add_objective_arguments
from maxai.cli.output import EXIT_OK, EXIT_PROBLEMS, Output, UsageError
from maxai.cli.scope import resolve_root
from maxai.config.dagfile import DAG_FILE, dag_file_text
from maxai.config.layout import (
    CONFIGS_DIR,
    DAGS_DIR,
    KUBEPOD_CONFIG,
    PY_CONFIG,
    SPARK_CONFIG,
    USECASES_DIR,
    ObjectiveRef,
)
from maxai.config.loader import load_objective
from maxai.config.models import DAG_SECTION
from maxai.errors import ConfigError


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = add_command(
        commands,
        "new",
        help="scaffold configs, dag.py, handlers and domain packaging",
        description="Create what a new use case or objective needs: configs, the one-line dag.py, a handler "
        "and (for a new domain) its packaging files and Dockerfile. Existing files are never overwritten. "
        "The result validates and loads at once.",
    )
    add_objective_arguments(parser, objective_default="obj0")
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--spark", action="store_true", help="a Spark task (the default for a new use case)")
    kind.add_argument("--kubepod", action="store_true", help="a KubernetesPod task")
    parser.set_defaults(handler=run)


def _spark_config(usecase: str) -> dict[str, object]:
    return {
        "conf": {"spark.sql.shuffle.partitions": 4, "spark.ui.enabled": False},
        "tasks": [
            {
                "name": f"{usecase}_job",
                "task_id": 1,
                "spark_submit_conf": {"application": f"handlers/{usecase}_job.py", "driver_memory": "1g"},
            }
        ],
    }


def _kubepod_config(domain: str, usecase: str, task_id: int) -> dict[str, object]:
    return {
        "tasks": [
            {
                "name": f"{usecase}_pod",
                "task_id": task_id,
                "conf": {
                    "image": f"registry.example.com/maxai/{domain.lower()}:latest",
                    "cmds": ["python", "-m", "maxai.runtime"],
                    "container_resources": {
                        "requests": {"cpu": "250m", "memory": "512Mi"},
                        "limits": {"memory": "1Gi"},
                    },
                },
            }
        ]
    }


SPARK_DRIVER = '''"""Spark driver of {task}: reads its input, writes its output for the logical date."""

from pyspark.sql import SparkSession

from maxai.runtime import current_task


def main() -> None:
    task = current_task()
    if task.skip_if_done():
        return
    spark = SparkSession.builder.appName(f"{{task.dag_id}}.{{task.task}}").getOrCreate()
    frame = spark.createDataFrame([(task.run_date.isoformat(), task.objective)], "day STRING, objective STRING")
    frame.write.mode("overwrite").parquet(task.output_path())
    spark.stop()


if __name__ == "__main__":
    main()
'''

POD_HANDLER = '''"""Pod handler of {task}, called by ``python -m maxai.runtime`` with its py_config args."""

from __future__ import annotations

import json
from pathlib import Path

from maxai.runtime import TaskContext


def run(task: TaskContext, greeting: str = "hello") -> None:
    if task.skip_if_done():
        return
    out = Path(task.output_path())
    out.mkdir(parents=True, exist_ok=True)
    (out / "result.json").write_text(json.dumps({{"greeting": greeting, "objective": task.objective}}) + "\\n")
    task.mark_done()
'''

PYPROJECT = """[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "maxai-usecases-{domain}"
version = "0.1.0"
description = "Use cases of the {domain} domain"
requires-python = ">=3.11"
dynamic = ["dependencies"]

[tool.setuptools.dynamic]
dependencies = {{ file = ["requirements.txt"] }}

[tool.setuptools.packages.find]
where = ["."]
"""

DOCKERFILE = """# One image for every use case of the {domain} domain.
# Build from the repository root: docker build -f {usecases}/{domain}/Dockerfile .
FROM python:3.11-slim

RUN apt-get update \\
    && apt-get install -y --no-install-recommends openjdk-17-jre-headless \\
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/maxai/usecases/{domain}
COPY {usecases}/{domain}/requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY {usecases}/{domain}/ ./
RUN pip install --no-cache-dir --no-deps .

ENV MAXAI_DATA_DIR=/data PYSPARK_PYTHON=python3
USER 1000
"""

REQUIREMENTS = "# Runtime dependencies of the {domain} image\nmaxai==0.1.0\npyspark==4.2.0\n"

README = "# {domain} use cases\n\nOne image (`Dockerfile`) and one Python distribution (`pyproject.toml`) for every use case of the {domain} domain.\nHandlers read their settings with `maxai.runtime.current_task()`.\n"


def _next_task_id(usecase_dir: Path) -> int:
    """One past the highest task_id already used by the use case (best effort: files may be invalid)."""
    highest = 0
    for name in (SPARK_CONFIG, KUBEPOD_CONFIG):
        try:
            tasks = json.loads((usecase_dir / name).read_text(encoding="utf-8")).get("tasks", [])
            highest = max([highest, *(t["task_id"] for t in tasks if isinstance(t.get("task_id"), int))])
        except (OSError, ValueError, AttributeError, TypeError):
            continue
    return highest + 1


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _existing_task_params(configs: Path, objective: str) -> dict[str, object]:
    """py_config entries a new objective of an existing use case needs for the use case's tasks.

    Each entry is taken from a sibling objective (its paths moved from the sibling's folder to the new
    objective's, so two objectives never share an output); without one, the use case's own entry is used,
    else the task gets an output of its own.
    """
    names = [
        task["name"]
        for file in (SPARK_CONFIG, KUBEPOD_CONFIG)
        for task in _read_json(configs / file).get("tasks", [])
        if isinstance(task, dict) and isinstance(task.get("name"), str)
    ]
    shared = _read_json(configs / PY_CONFIG)
    siblings = (
        [(folder.name, _read_json(folder / PY_CONFIG)) for folder in sorted(configs.iterdir()) if folder.is_dir()]
        if configs.is_dir()
        else []
    )
    params: dict[str, object] = {}
    for name in names:
        sibling, entry = next(((folder, data[name]) for folder, data in siblings if name in data), (None, None))
        if sibling is not None and isinstance(entry, dict):
            params[name] = json.loads(json.dumps(entry).replace(f"/{sibling}/", f"/{objective}/"))
        elif not (isinstance(shared.get(name), dict) and "output" in shared[name]):
            params[name] = {"output": f"out/{configs.parent.name}/{configs.name}/{objective}/{name}"}
    return params


def _planned_files(root: Path, ref: ObjectiveRef, spark: bool, kubepod: bool) -> dict[Path, str]:
    domain, usecase, objective = ref.parts
    configs = root / CONFIGS_DIR / domain / usecase
    code = root / USECASES_DIR / domain
    files: dict[Path, str] = {}
    params: dict[str, object] = {DAG_SECTION: {"schedule": None, "description": f"{domain} / {usecase} / {objective}"}}
    params.update(_existing_task_params(configs, objective))
    new_usecase = not (configs / SPARK_CONFIG).exists() and not (configs / KUBEPOD_CONFIG).exists()
    if spark:
        files[configs / SPARK_CONFIG] = json.dumps(_spark_config(usecase), indent=2) + "\n"
        files[code / usecase / "handlers" / f"{usecase}_job.py"] = SPARK_DRIVER.format(task=f"{usecase}_job")
        params[f"{usecase}_job"] = {"output": f"out/{domain}/{usecase}/{objective}/{usecase}_job"}
    if kubepod:
        task_id = 2 if spark else _next_task_id(configs)
        # Pods added to an existing use case belong to the new objective alone: its siblings keep their pipeline.
        pods_folder = configs if new_usecase else configs / objective
        files[pods_folder / KUBEPOD_CONFIG] = json.dumps(_kubepod_config(domain, usecase, task_id), indent=2) + "\n"
        files[code / usecase / "handlers" / "pod_handler.py"] = POD_HANDLER.format(task=f"{usecase}_pod")
        params[f"{usecase}_pod"] = {
            "function": f"{usecase}.handlers.pod_handler:run",
            "output": f"out/{domain}/{usecase}/{objective}/{usecase}_pod",
            "args": {"greeting": "hello"},
        }
    files[configs / objective / PY_CONFIG] = json.dumps(params, indent=2) + "\n"
    files[root / DAGS_DIR / domain / usecase / objective / DAG_FILE] = dag_file_text(domain, usecase, objective)
    files[code / usecase / "__init__.py"] = ""
    files[code / usecase / "handlers" / "__init__.py"] = f'"""Handlers of the {usecase} use case."""\n'
    files[code / "pyproject.toml"] = PYPROJECT.format(domain=domain)
    files[code / "Dockerfile"] = DOCKERFILE.format(domain=domain, usecases=USECASES_DIR)
    files[code / "requirements.txt"] = REQUIREMENTS.format(domain=domain)
    files[code / "README.md"] = README.format(domain=domain)
    return files


def run(args: argparse.Namespace, out: Output) -> int:
    root = resolve_root(args.root)
    try:
        ref = ObjectiveRef(args.domain, args.usecase, args.objective)
    except ConfigError as error:
        raise UsageError(error.problems[0].message) from None
    if not ref.usecase.isidentifier():
        raise UsageError(
            f"use case {ref.usecase!r} must be a Python identifier: its handlers are the package {ref.usecase}.handlers"
        )
    usecase_dir = root / CONFIGS_DIR / ref.domain / ref.usecase
    has_spark = (usecase_dir / SPARK_CONFIG).exists()
    has_kubepod = (usecase_dir / KUBEPOD_CONFIG).exists()
    # Configs of an existing use case are kept as they are; only missing kinds are added.
    spark = (args.spark and not has_spark) or (
        not args.spark and not args.kubepod and not has_spark and not has_kubepod
    )
    kubepod = args.kubepod and not has_kubepod
    created, kept = [], []
    for path, text in _planned_files(root, ref, spark, kubepod).items():
        relative = path.relative_to(root).as_posix()
        if path.exists():
            kept.append(relative)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
            handle.write(text)
        created.append(relative)
    problems: list[str] = []
    try:
        load_objective(root, *ref.parts)
    except ConfigError as error:
        problems = [str(problem) for problem in error.problems]
    if args.json:
        out.json({"ok": not problems, "dag_id": ref.dag_id, "created": created, "kept": kept, "problems": problems})
        return EXIT_PROBLEMS if problems else EXIT_OK
    for relative in created:
        out.line(f"  {out.paint('created', 'green')} {relative}")
    for relative in kept:
        out.line(f"  {out.paint('kept', 'dim')}    {relative} (exists)")
    if problems:
        out.line(out.paint(f"✗ {ref.dag_id} does not validate yet:", "red", "bold"))
        for problem in problems:
            out.line("  " + problem)
        return EXIT_PROBLEMS
    out.line(out.paint(f"✓ {ref.dag_id} is ready: `maxai show {' '.join(ref.parts)}`", "green", "bold"))
    return EXIT_OK
