"""Parse-time benchmark under Airflow's own dag-processor: maxai vs hand-written DAGs vs dag-factory.

    python bench/parse_time.py [--sizes 100,1000] [--repeat 3] [--skip-dag-factory] [--skip-preloaded] [--keep DIR] [--json FILE]

For each size N it generates N objectives (5 Spark tasks each; every third use case adds a
KubernetesPod task) in three equivalent forms:

- ``hand``: hand-written Python DAG files, one per objective, plain operator calls, with the same outlets
  (an Asset per task output) and trigger-form params (``date``, ``force``) as maxai's DAGs;
- ``maxai``: a whole maxai marketplace (``maxaiconfigs/``, ``maxaidags/``, ``maxaiusecases/``), the
  ``dag.py`` files exactly as ``maxai new`` writes them;
- ``dag-factory``: one YAML file and one loader file per objective (dag-factory 1.1.0).

and times what a scheduler pays for one full parse of each: ``airflow dag-processor -n 1`` (parse
every file once, then exit), each run with a fresh ``AIRFLOW_HOME`` and SQLite metadata DB (``airflow
db migrate`` first, not timed). Rounds are interleaved (hand, maxai cold, maxai warm, dag-factory,
hand, ...) so the drift of a shared machine hits every form alike; medians are reported. "maxai
cold" starts with an empty ``MAXAI_CACHE_DIR``; "maxai warm" is the next pass over the cache that
the cold pass filled. For each run it reports the wall time of the pass, the CPU seconds of the processor and every parser it
forked, the DAGs and import errors the metadata DB holds afterwards, and the peak RSS of the dag-processor's process tree (the manager
and its forked parsers, summed, sampled every 20 ms).

Everything imported is bytecode-compiled first (``PYTHONDONTWRITEBYTECODE`` is set on these
machines): the generated files, maxai's own source and the private dag-factory install.

A secondary line loads each form in one process with ``DagBag`` (the proxy this benchmark used to
report) and checks that the three forms give the same DAG structure.

dag-factory is installed into ``bench/.cache/`` (``--no-deps --target``) and put on the path of its
own runs only: it is never a dependency of maxai.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DAG_FACTORY = "dag-factory==1.1.0"
OBJECTIVES_PER_USECASE = 10
SPARK_TASKS = 5


def dag_file_text(domain: str, usecase: str, objective: str) -> str:
    """The dag.py that ``maxai new`` writes."""
    from maxai.config.dagfile import dag_file_text as scaffold_text

    return scaffold_text(domain, usecase, objective)


# --------------------------------------------------------------------------- generation


def _spark_config(usecase: int) -> dict[str, Any]:
    tasks = []
    for number in range(1, SPARK_TASKS + 1):
        submit: dict[str, Any] = {
            "application": f"handlers/step_{number}.py",
            "driver_memory": "1g",
            "num-executors": 2 + number % 3,
        }
        if number == 3:
            submit["conf"] = {"spark.kubernetes.container.image": f"registry.example.com/bench/heavy:{usecase}"}
        tasks.append({"name": f"step_{number}", "task_id": number, "spark_submit_conf": submit})
    return {
        "conf": {
            "spark.kubernetes.container.image": f"registry.example.com/bench/uc{usecase}:1.0",
            "spark.sql.shuffle.partitions": 8,
            "spark.ui.enabled": False,
        },
        "tasks": tasks,
    }


def _kubepod_config() -> dict[str, Any]:
    return {
        "tasks": [
            {
                "name": "publish",
                "task_id": SPARK_TASKS + 1,
                "conf": {
                    "image": "registry.example.com/bench/publisher:2.0",
                    "namespace": "bench",
                    "cmds": ["python", "-m", "maxai.runtime"],
                    "container_resources": {
                        "requests": {"cpu": "250m", "memory": "512Mi"},
                        "limits": {"memory": "1Gi"},
                    },
                },
            }
        ]
    }


def _py_config(index: int, usecase: str, with_pod: bool) -> dict[str, Any]:
    config: dict[str, Any] = {
        "@dag": {
            "schedule": f"{index % 60} {index % 24} * * *",
            "tags": ["bench"],
            "default_args": {"owner": "bench", "retries": 2},
        }
    }
    for number in range(1, SPARK_TASKS + 1):
        config[f"step_{number}"] = {
            "output": f"out/o{index}/step_{number}",
            "args": {"objective": index, "step": number},
        }
    if with_pod:
        config["publish"] = {"function": f"{usecase}.handlers.publish:run", "output": f"out/o{index}/publish"}
    return config


def generate_maxai(root: Path, count: int) -> list[tuple[str, str, str]]:
    refs = []
    for index in range(count):
        usecase_number = index // OBJECTIVES_PER_USECASE
        domain, usecase, objective = f"d{usecase_number // 10}", f"u{usecase_number}", f"o{index}"
        usecase_dir = root / "maxaiconfigs" / domain / usecase
        with_pod = usecase_number % 3 == 0
        if not usecase_dir.exists():
            usecase_dir.mkdir(parents=True)
            (usecase_dir / "spark_config.json").write_text(json.dumps(_spark_config(usecase_number), indent=2))
            if with_pod:
                (usecase_dir / "kubepod_config.json").write_text(json.dumps(_kubepod_config(), indent=2))
            handlers = root / "maxaiusecases" / domain / usecase / "handlers"
            handlers.mkdir(parents=True)
            for number in range(1, SPARK_TASKS + 1):
                (handlers / f"step_{number}.py").write_text("print('step')\n")
            (handlers.parent / "__init__.py").write_text("")
            (handlers / "__init__.py").write_text("")
            (handlers / "publish.py").write_text("def run(task):\n    print('publish', task.run_date)\n")
        (usecase_dir / objective).mkdir()
        (usecase_dir / objective / "py_config.json").write_text(
            json.dumps(_py_config(index, usecase, with_pod), indent=2)
        )
        dag_dir = root / "maxaidags" / domain / usecase / objective
        dag_dir.mkdir(parents=True)
        (dag_dir / "dag.py").write_text(dag_file_text(domain, usecase, objective))
        refs.append((domain, usecase, objective))
    return refs


def _resolved_objectives(root: Path, refs: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """Each objective's DAG settings and operator arguments, as maxai resolves them (plain JSON)."""
    os.environ["MAXAI_DATA_DIR"] = "/data"  # the same in every form
    from maxai.config.asset_identity import data_asset, paths_of
    from maxai.config.loader import load_objective
    from maxai.factory.dag import run_params
    from maxai.factory.operators import task_env_vars

    resolved = []
    for ref in refs:
        config = load_objective(root, *ref)
        tasks = []
        for task in config.tasks:
            arguments = dict(task.arguments)
            arguments["env_vars"] = task_env_vars(config, task)
            if task.kind == "kubepod":
                arguments.setdefault("name", task.name)
                arguments["labels"] = {"maxai/domain": ref[0], "maxai/usecase": ref[1], "maxai/objective": ref[2]}
            # the Assets maxai makes of the task's output, so that every form writes the same to the metadata DB
            outlets = [(asset.name, asset.uri) for asset in map(data_asset, paths_of(task.params.output))]
            tasks.append(
                {
                    "name": task.name,
                    "kind": task.kind,
                    "upstream": list(task.upstream),
                    "arguments": arguments,
                    "outlets": outlets,
                }
            )
        dag = config.dag
        params = {  # the trigger-form params every maxai DAG has
            name: {"default": param.value, "description": param.description, "schema": param.schema}
            for name, param in run_params(dag.partition).items()
        }
        resolved.append(
            {
                "dag_id": config.dag_id,
                "schedule": dag.schedule,
                "tags": ["maxai", ref[0], ref[1], *dag.tags],
                "description": f"maxai {ref[0]} / {ref[1]} / {ref[2]}",
                "owner": dag.default_args.owner,
                "retries": dag.default_args.retries,
                "retry_delay": dag.default_args.retry_delay,
                "tasks": tasks,
                "params": params,
            }
        )
    return resolved


HAND_HEADER = """\
# airflow DAG written by hand (generated for the benchmark)
from datetime import timedelta

import pendulum
from kubernetes.client import models as k8s

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.sdk import DAG, Asset, Param
"""


def _params_source(params: dict[str, dict[str, Any]]) -> str:
    entries = [
        f"{name!r}: Param({param['default']!r}, description={param['description']!r}, **{param['schema']!r})"
        for name, param in params.items()
    ]
    return "{" + ", ".join(entries) + "}"


def generate_hand_written(folder: Path, objectives: list[dict[str, Any]]) -> None:
    folder.mkdir(parents=True)
    for objective in objectives:
        lines = [HAND_HEADER]
        lines.append(
            textwrap.dedent(
                f"""\
                dag = DAG(
                    dag_id={objective["dag_id"]!r},
                    schedule={objective["schedule"]!r},
                    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
                    catchup=False,
                    description={objective["description"]!r},
                    tags={objective["tags"]!r},
                    max_active_runs=1,
                    max_active_tasks=16,
                    default_args={{"owner": {objective["owner"]!r}, "retries": {objective["retries"]}, "retry_delay": timedelta(seconds={objective["retry_delay"]}),
                                  "retry_exponential_backoff": False, "depends_on_past": False, "email_on_failure": False}},
                    params={_params_source(objective["params"])},
                )
                """
            )
        )
        for task in objective["tasks"]:
            arguments = dict(task["arguments"])
            outlets = "[" + ", ".join(f"Asset(name={name!r}, uri={uri!r})" for name, uri in task["outlets"]) + "]"
            if task["kind"] == "spark":
                lines.append(
                    f"{task['name']} = SparkSubmitOperator(task_id={task['name']!r}, dag=dag, outlets={outlets}, "
                    f"**{arguments!r})"
                )
            else:
                resources = arguments.pop("container_resources")
                lines.append(
                    f"{task['name']} = KubernetesPodOperator(task_id={task['name']!r}, dag=dag, outlets={outlets}, "
                    f"container_resources=k8s.V1ResourceRequirements(requests={resources['requests']!r}, limits={resources['limits']!r}), "
                    f"**{arguments!r})"
                )
        for task in objective["tasks"]:
            for upstream in task["upstream"]:
                lines.append(f"{upstream} >> {task['name']}")
        (folder / f"{objective['dag_id'].replace('.', '_')}.py").write_text("\n".join(lines) + "\n")


def generate_dag_factory(folder: Path, objectives: list[dict[str, Any]]) -> None:
    import yaml

    folder.mkdir(parents=True)
    for objective in objectives:
        tasks = []
        for task in objective["tasks"]:
            arguments = dict(task["arguments"])
            entry: dict[str, Any] = {"task_id": task["name"]}
            if task["kind"] == "spark":
                entry["operator"] = "airflow.providers.apache.spark.operators.spark_submit.SparkSubmitOperator"
            else:
                entry["operator"] = "airflow.providers.cncf.kubernetes.operators.pod.KubernetesPodOperator"
                arguments["container_resources"] = {
                    "__type__": "kubernetes.client.models.V1ResourceRequirements",
                    **arguments["container_resources"],
                }
            entry.update(arguments)
            if task["upstream"]:
                entry["dependencies"] = task["upstream"]
            tasks.append(entry)
        document = {
            objective["dag_id"]: {
                "default_args": {
                    "owner": objective["owner"],
                    "retries": objective["retries"],
                    "retry_delay_sec": objective["retry_delay"],
                    "start_date": "2026-01-01",
                },
                "schedule": objective["schedule"],
                "catchup": False,
                "description": objective["description"],
                "tags": objective["tags"],
                "max_active_runs": 1,
                "max_active_tasks": 16,
                "tasks": tasks,
            }
        }
        stem = objective["dag_id"].replace(".", "_")
        (folder / f"{stem}.yml").write_text(yaml.safe_dump(document, sort_keys=False))
        (folder / f"{stem}.py").write_text(
            "# airflow DAG loaded by dag-factory\nfrom pathlib import Path\n\nfrom dagfactory import load_yaml_dags\n\n"
            'load_yaml_dags(globals_dict=globals(), config_filepath=str(Path(__file__).with_suffix(".yml")))\n'
        )


# --------------------------------------------------------------------------- the dag-processor


def _environment(home: Path, folder: Path, extra_path: str | None = None, cache: Path | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(folder),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DAG_FACTORY__ENABLE_TELEMETRY": "False",
        "DO_NOT_TRACK": "1",
        "SCARF_NO_ANALYTICS": "true",
        "MAXAI_DATA_DIR": "/data",
        "MAXAI_CACHE": "1",
    }
    for name in ("MAXAI_ROOT", "MAXAI_CACHE_DIR", "PYTHONPATH"):
        env.pop(name, None)
    env["MAXAI_CACHE_DIR"] = str(cache) if cache is not None else str(home / "maxai-cache")
    if extra_path:
        env["PYTHONPATH"] = extra_path
    return env


class TreeMemory:
    """Peak of the summed RSS of a process and all its descendants, sampled in a thread."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self.peak_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                return
            total = 0
            for process in processes:
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    continue
            if total > self.peak:
                self.peak, self.peak_processes = total, len(processes)
            self._stop.wait(self.interval)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def _read_metadata(home: Path) -> tuple[int, list[tuple[str, str]]]:
    with sqlite3.connect(home / "airflow.db") as db:
        dags = db.execute("SELECT count(*) FROM serialized_dag").fetchone()[0]
        errors = db.execute("SELECT filename, stacktrace FROM import_error").fetchall()
    return int(dags), [(str(name), str(trace)) for name, trace in errors]


def run_pass(folder: Path, extra_path: str | None, cache: Path | None, log: Path | None = None) -> dict[str, Any]:
    """One ``airflow dag-processor -n 1`` over ``folder`` with a fresh AIRFLOW_HOME and metadata DB."""
    home = Path(tempfile.mkdtemp(prefix="maxai-bench-home-"))
    try:
        env = _environment(home, folder, extra_path, cache)
        subprocess.run([str(BIN / "airflow"), "db", "migrate"], env=env, check=True, capture_output=True, text=True)
        with (log or home / "dag-processor.log").open("w") as output:
            start = time.perf_counter()
            process = subprocess.Popen(
                [str(BIN / "airflow"), "dag-processor", "-n", "1"], env=env, stdout=output, stderr=subprocess.STDOUT
            )
            memory = TreeMemory(process.pid)
            _, status, usage = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - start
            peak = memory.stop()
            process.returncode = code = os.waitstatus_to_exitcode(status)
        if code != 0:
            raise RuntimeError(f"airflow dag-processor -n 1 over {folder} exited {code}")
        dags, errors = _read_metadata(home)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return {
        "seconds": seconds,
        "peak_mb": peak / 2**20,
        "largest_mb": usage.ru_maxrss / 1024,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,  # the manager and every parser it forked and reaped
        "dags": dags,
        "import_errors": len(errors),
        "first_error": errors[0] if errors else None,
    }


def measure_forms(
    label: str, forms: dict[str, tuple[Path, str | None]], repeat: int, logs: Path | None
) -> dict[str, Any]:
    """Median over ``repeat`` interleaved rounds: hand, maxai cold, maxai warm, dag-factory, hand, ...

    "maxai (cold)" starts from an empty cache; "maxai (warm)" runs right after it over the cache it filled.
    """
    runs: dict[str, list[dict[str, Any]]] = {}
    for round_number in range(repeat):
        cache: Path | None = None
        for form, (folder, extra_path) in forms.items():
            if form.startswith("maxai") and form.endswith("(cold)"):
                cache = Path(tempfile.mkdtemp(prefix="maxai-bench-cache-"))
            use = cache if form.startswith("maxai") else None
            log = logs / f"{label}-{form.replace(' (', '-').strip(')')}-{round_number + 1}.log" if logs else None
            run = run_pass(folder, extra_path, use, log)
            print(
                f"  {label} round {round_number + 1}: {form:<22} {run['seconds']:7.2f} s ({run['cpu_seconds']:.1f} s CPU)  "
                f"{run['dags']:>5} DAGs  {run['import_errors']} import errors  {run['peak_mb']:6.0f} MB tree "
                f"({run['largest_mb']:.0f} MB largest process)",
                flush=True,
            )
            if run["first_error"]:
                print(f"    e.g. {run['first_error'][0]}: {run['first_error'][1].strip()[-400:]}", flush=True)
            runs.setdefault(form, []).append(run)
        if cache is not None:
            shutil.rmtree(cache, ignore_errors=True)
    return {
        form: {
            "seconds": statistics.median(run["seconds"] for run in form_runs),
            "best_seconds": min(run["seconds"] for run in form_runs),
            "all_seconds": [round(run["seconds"], 2) for run in form_runs],
            "peak_mb": statistics.median(run["peak_mb"] for run in form_runs),
            "largest_mb": statistics.median(run["largest_mb"] for run in form_runs),
            "cpu_seconds": statistics.median(run["cpu_seconds"] for run in form_runs),
            "dags": min(run["dags"] for run in form_runs),
            "import_errors": max(run["import_errors"] for run in form_runs),
        }
        for form, form_runs in runs.items()
    }


# --------------------------------------------------------------------------- in-process DagBag (secondary)

DAGBAG = r"""
import json, sys, time
import airflow  # noqa: F401
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator  # noqa: F401
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator  # noqa: F401
from airflow.dag_processing.dagbag import DagBag
start = time.perf_counter()
bag = DagBag(dag_folder=sys.argv[1], safe_mode=False)
elapsed = time.perf_counter() - start
structure = {
    dag_id: sorted((t.task_id, type(t).__name__, sorted(t.upstream_task_ids)) for t in dag.tasks)
    for dag_id, dag in bag.dags.items()
}
print(json.dumps({"seconds": elapsed, "dags": len(bag.dags), "errors": len(bag.import_errors), "structure": structure}))
"""


def dagbag_once(folder: Path, extra_path: str | None) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix="maxai-bench-home-"))
    cache = Path(tempfile.mkdtemp(prefix="maxai-bench-cache-"))
    try:
        result = subprocess.run(
            [sys.executable, "-c", DAGBAG, str(folder)],
            env=_environment(home, folder, extra_path, cache),
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
    if result.returncode != 0:
        raise RuntimeError(f"DagBag over {folder} failed:\n{result.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


IMPORT_COST = r"""
import json, time
start = time.perf_counter(); import airflow; after_airflow = time.perf_counter()
import maxai; after_maxai = time.perf_counter()
from maxai import build_dag; after_factory = time.perf_counter()
print(json.dumps({"airflow": after_airflow - start, "maxai": after_maxai - after_airflow, "factory": after_factory - after_maxai}))
"""

VALIDATE = r"""
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from maxai.cli.validate import check_objectives
from maxai.config.layout import discover_objectives
root = Path(sys.argv[1])
start = time.perf_counter()
refs = discover_objectives(root)
problems, _ = check_objectives(root, refs, deep=False)
elapsed = time.perf_counter() - start
print(json.dumps({"objectives": len(refs), "seconds": elapsed, "with_imports": time.perf_counter() - started,
                  "problems": len(problems), "airflow_imported": "airflow" in sys.modules}))
"""


def _runs_of(code: str, args: list[str], repeat: int, env: dict[str, str]) -> list[dict[str, Any]]:
    results = []
    for _ in range(repeat):
        output = subprocess.run(
            [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=True
        )
        results.append(json.loads(output.stdout.strip().splitlines()[-1]))
    return results


def install_dag_factory(cache: Path) -> Path | None:
    site = cache / "dag-factory-1.1.0"
    if not (site / "dagfactory").is_dir():
        uv = shutil.which("uv") or (str(BIN / "uv") if (BIN / "uv").exists() else None)
        command = (
            [
                uv,
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--target",
                str(site),
                "--python",
                sys.executable,
                DAG_FACTORY,
            ]
            if uv
            else [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), DAG_FACTORY]
        )
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            print(f"dag-factory could not be installed ({result.stderr.strip()[-300:]}); skipping it", file=sys.stderr)
            return None
    compileall.compile_dir(site, quiet=1)
    return site


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    names = (
        "apache-airflow",
        "apache-airflow-providers-apache-spark",
        "apache-airflow-providers-cncf-kubernetes",
        "pydantic",
        "maxai",
    )
    return {name: version(name) for name in names} | {"python": sys.version.split()[0]}


# --------------------------------------------------------------------------- report

FORMS = (
    "hand-written",
    "maxai (cold)",
    "maxai (warm)",
    "maxai preloaded (cold)",
    "maxai preloaded (warm)",
    "dag-factory",
)
# What docs/airflow.rst tells platform engineers to put in airflow_local_settings.py: Airflow imports that
# module in every process at start, so the dag-processor's manager holds maxai before it forks.
LOCAL_SETTINGS = "import maxai.preload  # noqa: F401\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000", help="numbers of objectives (default: 100,1000)")
    parser.add_argument(
        "--repeat",
        default="3",
        help="interleaved rounds per size (median); one number for all sizes or one per size (3,1)",
    )
    parser.add_argument("--skip-dag-factory", action="store_true")
    parser.add_argument(
        "--skip-preloaded",
        action="store_true",
        help="skip maxai with its config layer preloaded by airflow_local_settings.py",
    )
    parser.add_argument("--skip-dagbag", action="store_true", help="skip the secondary in-process DagBag line")
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="generate into DIR/n<N>/{hand,maxai,dag-factory} and keep it, "
        "with the dag-processor's output of every run in DIR/logs/",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()
    os.environ["MAXAI_CACHE"] = "0"  # resolving the objectives for the other forms must not fill a cache
    sizes = [int(size) for size in args.sizes.split(",")]
    repeats = [int(value) for value in str(args.repeat).split(",")]
    repeats += [repeats[-1]] * (len(sizes) - len(repeats))
    work = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="maxai-bench-"))
    logs = work / "logs" if args.keep else None
    if logs:
        logs.mkdir(parents=True, exist_ok=True)
    cache = REPO / "bench" / ".cache"
    cache.mkdir(parents=True, exist_ok=True)
    site = None if args.skip_dag_factory else install_dag_factory(cache)
    compileall.compile_dir(REPO / "src", quiet=1)
    versions = _versions()

    print(
        f"maxai parse-time benchmark: airflow dag-processor -n 1, sizes {sizes}, rounds {repeats[: len(sizes)]} "
        f"(interleaved, median), {os.cpu_count()} cores; "
        + ", ".join(f"{name} {value}" for name, value in versions.items()),
        flush=True,
    )
    figures: dict[str, Any] = {"versions": versions, "cores": os.cpu_count(), "sizes": {}}
    structures_match = True
    for size, repeat in zip(sizes, repeats, strict=False):
        base = work / f"n{size}"
        if base.exists():
            shutil.rmtree(base)
        refs = generate_maxai(base / "maxai", size)
        objectives = _resolved_objectives(base / "maxai", refs)
        generate_hand_written(base / "hand", objectives)
        forms: dict[str, tuple[Path, str | None]] = {
            "hand-written": (base / "hand", None),
            "maxai (cold)": (base / "maxai" / "maxaidags", None),
            "maxai (warm)": (base / "maxai" / "maxaidags", None),
        }
        if not args.skip_preloaded:
            settings = base / "airflow-local-settings"
            settings.mkdir()
            (settings / "airflow_local_settings.py").write_text(LOCAL_SETTINGS)
            forms["maxai preloaded (cold)"] = (base / "maxai" / "maxaidags", str(settings))
            forms["maxai preloaded (warm)"] = (base / "maxai" / "maxaidags", str(settings))
        if site is not None:
            generate_dag_factory(base / "dag-factory", objectives)
            forms["dag-factory"] = (base / "dag-factory", str(site))
        for folder in {folder for folder, _ in forms.values()}:
            compileall.compile_dir(folder, quiet=1)
        results = measure_forms(f"n{size}", forms, repeat, logs)
        if not args.skip_dagbag:
            reference = None
            for form, (folder, extra_path) in forms.items():
                if form.startswith("maxai") and form != "maxai (cold)":
                    continue
                bag = dagbag_once(folder, extra_path)
                reference = reference if reference is not None else bag["structure"]
                same = bag["structure"] == reference
                structures_match &= same
                results[form]["dagbag_seconds"] = bag["seconds"]
                results[form]["same_structure"] = same
        figures["sizes"][size] = results

    print()
    print(
        f"{'N':>5}  {'form':<22} {'s/pass':>7} {'best':>7} {'ratio':>6} {'CPU s':>7} {'ratio':>6} {'peak MB':>8} {'1 proc':>7} {'DAGs':>5} {'errors':>6}"
        f"  {'DagBag s':>8}  same DAGs"
    )
    for size in sizes:
        by_form = figures["sizes"][size]
        hand = by_form["hand-written"]["seconds"]
        for form in FORMS:
            if form not in by_form:
                continue
            result = by_form[form]
            result["ratio"] = result["seconds"] / hand
            result["cpu_ratio"] = result["cpu_seconds"] / by_form["hand-written"]["cpu_seconds"]
            result["peak_ratio"] = result["peak_mb"] / by_form["hand-written"]["peak_mb"]
            dagbag = f"{result['dagbag_seconds']:8.2f}" if "dagbag_seconds" in result else f"{'-':>8}"
            same = {True: "yes", False: "NO"}.get(result.get("same_structure"), "-")  # type: ignore[call-overload]
            print(
                f"{size:>5}  {form:<22} {result['seconds']:7.2f} {result['best_seconds']:7.2f} {result['ratio']:6.2f} "
                f"{result['cpu_seconds']:7.1f} {result['cpu_ratio']:6.2f} {result['peak_mb']:8.0f} {result['largest_mb']:7.0f} {result['dags']:>5} {result['import_errors']:>6}  {dagbag}  {same}"
            )
    print()
    for size in sizes:
        by_form = figures["sizes"][size]
        for variant in ("maxai (cold)", "maxai (warm)", "maxai preloaded (cold)", "maxai preloaded (warm)"):
            if variant not in by_form:
                continue
            maxai = by_form[variant]
            line = (
                f"N={size} {variant}: {maxai['ratio']:.2f}x hand-written (CPU {maxai['cpu_ratio']:.2f}x), "
                f"peak RSS {maxai['peak_ratio']:.2f}x"
            )
            if "dag-factory" in by_form:
                line += f"; dag-factory is {by_form['dag-factory']['seconds'] / maxai['seconds']:.1f}x slower"
            print(line)

    home = Path(tempfile.mkdtemp(prefix="maxai-bench-home-"))
    imports = _runs_of(IMPORT_COST, [], 7, _environment(home, work))
    airflow_ms = 1000 * statistics.median(entry["airflow"] for entry in imports)
    maxai_ms = 1000 * statistics.median(entry["maxai"] for entry in imports)
    factory_ms = 1000 * statistics.median(entry["factory"] for entry in imports)
    print(
        f"\nimport airflow: {airflow_ms:.0f} ms; import maxai on top: {maxai_ms:.1f} ms; "
        f"from maxai import build_dag on top: {factory_ms:.0f} ms"
    )
    largest = work / f"n{max(sizes)}" / "maxai"
    validations = _runs_of(VALIDATE, [str(largest)], 3, _environment(home, work))
    shutil.rmtree(home, ignore_errors=True)
    seconds = statistics.median(entry["seconds"] for entry in validations)
    with_imports = statistics.median(entry["with_imports"] for entry in validations)
    count = validations[0]["objectives"]
    print(
        f"validate (no cache): {count} objectives in {seconds:.2f} s = {count / seconds:.0f} objectives/s; "
        f"{count / with_imports:.0f}/s counting the process's imports "
        f"(Airflow imported: {validations[0]['airflow_imported']}, problems: {validations[0]['problems']})"
    )
    if not args.skip_dagbag:
        print(f"same DAG structure in every form (in-process DagBag): {'yes' if structures_match else 'NO'}")
    errors = sum(by_form[form]["import_errors"] for by_form in figures["sizes"].values() for form in by_form)
    figures.update(
        {
            "import_ms": {"airflow": airflow_ms, "maxai": maxai_ms, "factory": factory_ms},
            "validate": {
                "objectives": count,
                "seconds": seconds,
                "per_second": count / seconds,
                "with_imports": with_imports,
            },
            "structures_match": structures_match,
        }
    )
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if structures_match and not errors else 1


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "src"))
    sys.exit(main())
