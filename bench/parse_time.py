"""Parse-time benchmark: maxai vs hand-written Python DAGs vs dag-factory 1.1.0.

    python bench/parse_time.py [--sizes 50,200,1000] [--repeat 3] [--skip-dag-factory]

Generates N objectives (5 Spark tasks each; every third use case adds a KubernetesPod
task) in three equivalent forms, loads each form with Airflow's DagBag in a fresh process
(repeated; medians reported), checks the three forms give the same DAG structure, and
prints parse time, per-DAG time, peak memory and the ratios. Also measures what
``import maxai`` adds to ``import airflow`` and the throughput of validation (no Airflow).

dag-factory is installed into a private folder of this benchmark (``--no-deps --target``)
and put on the path of its own measuring processes only: it is never a dependency of maxai.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DAG_FACTORY = "dag-factory==1.1.0"
OBJECTIVES_PER_USECASE = 10
SPARK_TASKS = 5

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


def _py_config(index: int, with_pod: bool) -> dict[str, Any]:
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
        config["publish"] = {"function": "handlers.publish:run", "output": f"out/o{index}/publish"}
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
        (usecase_dir / objective).mkdir()
        (usecase_dir / objective / "py_config.json").write_text(json.dumps(_py_config(index, with_pod), indent=2))
        dag_dir = root / "maxaidags" / domain / usecase / objective
        dag_dir.mkdir(parents=True)
        (dag_dir / "dag.py").write_text(
            f'# airflow DAG\nfrom maxai import build_dag\n\ndag = build_dag("{domain}", "{usecase}", "{objective}")\n'
        )
        refs.append((domain, usecase, objective))
    return refs


def _resolved_objectives(root: Path, refs: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """Each objective's DAG settings and operator arguments, as maxai resolves them (plain JSON)."""
    os.environ["MAXAI_DATA_DIR"] = "/data"  # the same in every form
    from maxai.config.loader import load_objective
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
            tasks.append(
                {"name": task.name, "kind": task.kind, "upstream": list(task.upstream), "arguments": arguments}
            )
        dag = config.dag
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
from airflow.sdk import DAG
"""


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
                )
                """
            )
        )
        for task in objective["tasks"]:
            arguments = dict(task["arguments"])
            if task["kind"] == "spark":
                lines.append(
                    f"{task['name']} = SparkSubmitOperator(task_id={task['name']!r}, dag=dag, **{arguments!r})"
                )
            else:
                resources = arguments.pop("container_resources")
                lines.append(
                    f"{task['name']} = KubernetesPodOperator(task_id={task['name']!r}, dag=dag, "
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


# --------------------------------------------------------------------------- measurement

MEASURE = r"""
import json, resource, sys, time
import airflow  # noqa: F401
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator  # noqa: F401
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator  # noqa: F401
from airflow.dag_processing.dagbag import DagBag
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
bag = DagBag(dag_folder=sys.argv[1], safe_mode=False)
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
structure = {
    dag_id: sorted((t.task_id, type(t).__name__, sorted(t.upstream_task_ids)) for t in dag.tasks)
    for dag_id, dag in bag.dags.items()
}
print(json.dumps({"seconds": elapsed, "dags": len(bag.dags), "errors": {k: str(v)[-300:] for k, v in bag.import_errors.items()},
                  "peak_mb": peak / 1024, "baseline_mb": before / 1024, "structure": structure}))
"""


def _environment(home: Path, folder: Path, extra_path: str | None = None, cache: Path | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(folder),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "0",
        "AIRFLOW__DAG_FACTORY__ENABLE_TELEMETRY": "False",
        "DO_NOT_TRACK": "1",
        "SCARF_NO_ANALYTICS": "true",
        "MAXAI_DATA_DIR": "/data",
    }
    env.pop("MAXAI_ROOT", None)
    if cache is not None:
        env["MAXAI_CACHE_DIR"] = str(cache)
    if extra_path:
        env["PYTHONPATH"] = extra_path + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _run_once(folder: Path, home: Path, extra_path: str | None, cache_dir: Path | None) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(folder)],
        env=_environment(home, folder, extra_path, cache_dir),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"measuring {folder} failed:\n{result.stderr[-3000:]}")
    run: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    if run["errors"]:
        first = next(iter(run["errors"].items()))
        raise RuntimeError(f"{len(run['errors'])} import errors in {folder}, e.g. {first}")
    return run


def measure_forms(forms: dict[str, tuple[Path, str | None, str | None]], home: Path, repeat: int) -> dict[str, Any]:
    """Median over ``repeat`` rounds; each round runs every form once, in a fresh process each.

    Interleaving the forms spreads the machine's drift over all of them. A form's cache mode:
    "cold" (a new, empty maxai cache every run), "warm" (a cache primed by one unmeasured run), or None.
    """
    warm_dir = Path(tempfile.mkdtemp(prefix="maxai-bench-cache-"))
    for folder, extra_path, cache in forms.values():
        if cache == "warm":
            _run_once(folder, home, extra_path, warm_dir)
    runs: dict[str, list[dict[str, Any]]] = {form: [] for form in forms}
    for _ in range(repeat):
        for form, (folder, extra_path, cache) in forms.items():
            cache_dir = warm_dir if cache == "warm" else Path(tempfile.mkdtemp(prefix="maxai-bench-cache-"))
            runs[form].append(_run_once(folder, home, extra_path, cache_dir))
            if cache_dir != warm_dir:
                shutil.rmtree(cache_dir, ignore_errors=True)
    shutil.rmtree(warm_dir, ignore_errors=True)
    return {
        form: {
            "seconds": statistics.median(run["seconds"] for run in form_runs),
            "best_seconds": min(run["seconds"] for run in form_runs),
            "peak_mb": statistics.median(run["peak_mb"] for run in form_runs),
            "added_mb": statistics.median(run["peak_mb"] - run["baseline_mb"] for run in form_runs),
            "dags": form_runs[0]["dags"],
            "structure": form_runs[0]["structure"],
        }
        for form, form_runs in runs.items()
    }


IMPORT_COST = r"""
import json, time
start = time.perf_counter(); import airflow; after_airflow = time.perf_counter()
import maxai; after_maxai = time.perf_counter()
from maxai import build_dag; after_factory = time.perf_counter()
import airflow.providers.apache.spark.operators.spark_submit, airflow.providers.cncf.kubernetes.operators.pod
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


def _median_of(code: str, args: list[str], repeat: int, env: dict[str, str]) -> list[dict[str, Any]]:
    results = []
    for _ in range(repeat):
        output = subprocess.run(
            [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=True
        )
        results.append(json.loads(output.stdout.strip().splitlines()[-1]))
    return results


def install_dag_factory(cache: Path) -> Path | None:
    site = cache / "dag-factory-1.1.0"
    if (site / "dagfactory").is_dir():
        return site
    uv = shutil.which("uv")
    command = (
        [uv, "pip", "install", "--quiet", "--no-deps", "--target", str(site), "--python", sys.executable, DAG_FACTORY]
        if uv
        else [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), DAG_FACTORY]
    )
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        print(f"dag-factory could not be installed ({result.stderr.strip()[-300:]}); skipping it", file=sys.stderr)
        return None
    return site


# --------------------------------------------------------------------------- report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="50,200,1000", help="numbers of objectives (default: 50,200,1000)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds of fresh processes per measurement (median)")
    parser.add_argument("--skip-dag-factory", action="store_true")
    parser.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it (default: a temporary folder)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="maxai-bench-"))
    cache = REPO / "bench" / ".cache"
    cache.mkdir(parents=True, exist_ok=True)
    home = work / "airflow-home"
    home.mkdir(parents=True, exist_ok=True)
    site = None if args.skip_dag_factory else install_dag_factory(cache)

    print(
        f"maxai parse-time benchmark: sizes {sizes}, {args.repeat} interleaved rounds of fresh processes (median), {os.cpu_count()} cores"
    )
    rows = []
    figures: dict[str, Any] = {"sizes": {}}
    structures_match = True
    for size in sizes:
        base = work / f"n{size}"
        if base.exists():
            shutil.rmtree(base)
        refs = generate_maxai(base / "maxai", size)
        objectives = _resolved_objectives(base / "maxai", refs)
        generate_hand_written(base / "hand", objectives)
        forms: dict[str, tuple[Path, str | None, str | None]] = {
            "maxai (cold)": (base / "maxai" / "maxaidags", None, "cold"),
            "maxai (warm)": (base / "maxai" / "maxaidags", None, "warm"),
            "hand-written": (base / "hand", None, None),
        }
        if site is not None:
            generate_dag_factory(base / "dag-factory", objectives)
            forms["dag-factory"] = (base / "dag-factory", str(site), None)
        results = measure_forms(forms, home, args.repeat)
        reference = results["hand-written"]["structure"]
        for form, result in results.items():
            same = result["structure"] == reference
            structures_match &= same
            rows.append((size, form, result, same))
        figures["sizes"][size] = {
            form: {k: v for k, v in result.items() if k != "structure"} for form, result in results.items()
        }

    print()
    print(f"{'N':>5}  {'form':<14} {'median s':>8} {'best s':>7} {'ms/DAG':>7} {'peak MB':>8} {'+MB':>6}  same DAGs")
    for size, form, result, same in rows:
        per_dag = 1000 * result["seconds"] / max(result["dags"], 1)
        print(
            f"{size:>5}  {form:<14} {result['seconds']:>8.2f} {result['best_seconds']:>7.2f} {per_dag:>7.2f} "
            f"{result['peak_mb']:>8.0f} {result['added_mb']:>6.0f}  {'yes' if same else 'NO'}"
        )
    print()
    for size in sizes:
        by_form = figures["sizes"][size]
        hand = by_form["hand-written"]["seconds"]
        for variant in ("warm", "cold"):
            maxai = by_form[f"maxai ({variant})"]["seconds"]
            line = f"N={size} maxai ({variant}): maxai/hand-written = {maxai / hand:.2f}"
            if "dag-factory" in by_form:
                factory = by_form["dag-factory"]["seconds"]
                line += f", maxai/dag-factory = {maxai / factory:.2f} (dag-factory {factory / maxai:.1f}x slower)"
            print(line)

    imports = _median_of(IMPORT_COST, [], args.repeat + 2, _environment(home, work))
    airflow_ms = 1000 * statistics.median(entry["airflow"] for entry in imports)
    maxai_ms = 1000 * statistics.median(entry["maxai"] for entry in imports)
    factory_ms = 1000 * statistics.median(entry["factory"] for entry in imports)
    print(
        f"\nimport airflow: {airflow_ms:.0f} ms; import maxai on top: {maxai_ms:.1f} ms; "
        f"maxai.factory (SparkSubmit and KubernetesPod operators) on top: {factory_ms:.0f} ms"
    )

    largest = work / f"n{max(sizes)}" / "maxai"
    validations = _median_of(VALIDATE, [str(largest)], args.repeat, _environment(home, work))
    seconds = statistics.median(entry["seconds"] for entry in validations)
    with_imports = statistics.median(entry["with_imports"] for entry in validations)
    count = validations[0]["objectives"]
    print(
        f"validate (no cache): {count} objectives in {seconds:.2f} s = {count / seconds:.0f} objectives/s; "
        f"{count / with_imports:.0f}/s counting the process's imports "
        f"(Airflow imported: {validations[0]['airflow_imported']}, problems: {validations[0]['problems']})"
    )
    print(f"\nsame DAG structure in every form: {'yes' if structures_match else 'NO'}")
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
        Path(args.json).write_text(json.dumps(figures, indent=2))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if structures_match else 1


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "src"))
    sys.exit(main())
