"""``maxai validate``: every problem in every config, at once, without importing Airflow."""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from maxai.cli.arguments import add_command
from maxai.cli.output import EXIT_OK, EXIT_PROBLEMS, Output
from maxai.cli.scope import objectives_for_paths, resolve_root
from maxai.config.dagfile import dag_file_path
from maxai.config.data_lineage import ObjectiveData, lineage_problems, objective_data
from maxai.config.layout import ObjectiveRef, discover_objectives
from maxai.config.loader import load_objective
from maxai.config.objective import ObjectiveConfig
from maxai.config.repository import layout_problems
from maxai.errors import ConfigError, Problem


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = add_command(
        commands,
        "validate",
        help="check configs (all, or those under the given paths)",
        description="Check every config under the repository root, or only the objectives the given "
        "files or folders belong to. Reports all problems at once as file:line:column: json.path: message. "
        "Exit code 0 when clean, 1 when problems were found, 2 for a usage error.",
    )
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="config files or folders (default: the whole repository)"
    )
    parser.add_argument(
        "--deep", action="store_true", help="also build every DAG and every pod offline (imports Airflow)"
    )
    parser.set_defaults(handler=run)


PARALLEL_FROM = 400
"""Below this many objectives one process is faster than starting workers."""


Checked = tuple[list[Problem], dict[str, str], list[ObjectiveData]]
"""Problems, a status per DAG id, and the data lineage of each valid objective."""


def _check_chunk(root: Path, refs: list[ObjectiveRef]) -> Checked:
    problems: list[Problem] = []
    status: dict[str, str] = {}
    lineage: list[ObjectiveData] = []
    for ref in refs:
        try:
            lineage.append(objective_data(load_objective(root, *ref.parts, use_cache=False)))
            status[ref.dag_id] = "ok"
        except ConfigError as error:
            problems.extend(error.problems)
            status[ref.dag_id] = f"{len(error.problems)} problem(s)"
    return problems, status, lineage


def _check_in_parallel(root: Path, refs: list[ObjectiveRef], workers: int) -> Checked:
    """Split by use case (each worker then reads a use case's shared files once) over forked workers."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    by_usecase: dict[tuple[str, str], list[ObjectiveRef]] = {}
    for ref in refs:
        by_usecase.setdefault((ref.domain, ref.usecase), []).append(ref)
    chunks: list[list[ObjectiveRef]] = [[] for _ in range(workers * 4)]
    for index, group in enumerate(by_usecase.values()):
        chunks[index % len(chunks)].extend(group)
    problems: list[Problem] = []
    status: dict[str, str] = {}
    lineage: list[ObjectiveData] = []
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        for chunk_problems, chunk_status, chunk_lineage in pool.map(_check_chunk, [root] * len(chunks), chunks):
            problems.extend(chunk_problems)
            status.update(chunk_status)
            lineage.extend(chunk_lineage)
    order = {ref.dag_id: index for index, ref in enumerate(refs)}
    lineage.sort(key=lambda data: order[data.dag_id])
    return problems, dict(sorted(status.items(), key=lambda item: order[item[0]])), lineage


def _lineage_of_the_others(root: Path, refs: list[ObjectiveRef], everything: list[ObjectiveRef]) -> list[ObjectiveData]:
    """The other objectives' data, to check the given ones against (from the parse cache where unchanged)."""
    checking = set(refs)
    others = []
    for ref in everything:
        if ref not in checking:
            with contextlib.suppress(ConfigError):  # reported when that objective itself is validated
                others.append(objective_data(load_objective(root, *ref.parts)))
    return others


def check_objectives(
    root: Path, refs: list[ObjectiveRef], deep: bool, everything: list[ObjectiveRef] | None = None
) -> tuple[list[Problem], dict[str, str]]:
    """Problems (deduplicated, use-case files are shared) and a status per DAG id.

    ``everything`` (all objectives of the repository, when ``refs`` is a part of them) is what the
    cross-objective checks (one writer per asset, awaited assets, trigger cycles) compare against.
    """
    workers = min(os.cpu_count() or 1, 8)
    if deep or workers < 2 or len(refs) < PARALLEL_FROM or sys.platform == "win32":
        problems, status, lineage = _check_chunk(root, refs)
    else:
        try:
            problems, status, lineage = _check_in_parallel(root, refs, workers)
        except (OSError, RuntimeError):  # no fork or no processes allowed here: one process still works
            problems, status, lineage = _check_chunk(root, refs)
    if everything is not None and len(everything) > len(refs):
        others = _lineage_of_the_others(root, refs, everything)
        found = lineage_problems(
            root,
            lineage + others,
            checked={ref.dag_id for ref in refs},
            complete=len(lineage) + len(others) == len(everything),
        )
    else:
        found = lineage_problems(root, lineage, complete=len(lineage) == len(refs))
    problems.extend(problem for _, problem in found)
    # lineage is checked only between objectives that loaded, whose status is still "ok"
    for dag_id, count in collections.Counter(dag_id for dag_id, _ in found).items():
        status[dag_id] = f"{count} problem(s)"
    problems = sorted(problems, key=lambda problem: (problem.file, problem.line or 0, problem.column or 0))
    loaded: list[ObjectiveConfig] = []
    if deep:
        for ref in refs:
            if status.get(ref.dag_id) == "ok":
                loaded.append(load_objective(root, *ref.parts, use_cache=False))
    if deep and loaded:
        with _stdout_to_stderr():
            _check_built_dags(loaded, problems, status)
    return list(dict.fromkeys(problems)), status


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Airflow and the providers log to standard output; machine output (--json) must stay valid JSON there.

    Redirected at the file-descriptor level, since their handlers hold the stream they were configured with.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _check_built_dags(loaded: list[ObjectiveConfig], problems: list[Problem], status: dict[str, str]) -> None:
    from maxai.factory.dag import dag_from_config
    from maxai.factory.integrity import dag_problems

    for config in loaded:
        dag_file = dag_file_path(config.ref)
        try:
            found = dag_problems(dag_from_config(config), config)
        except ConfigError as error:  # what Airflow or a provider refused, named by the config that caused it
            problems.extend(error.problems)
            status[config.dag_id] = f"{len(error.problems)} problem(s)"
            continue
        except Exception as error:
            found = [f"building the DAG failed: {type(error).__name__}: {error}"]
        problems.extend(Problem(dag_file, (), message) for message in found)
        if found:
            status[config.dag_id] = f"{len(found)} problem(s)"


def run(args: argparse.Namespace, out: Output) -> int:
    root = resolve_root(args.root)
    all_refs = discover_objectives(root)
    refs = objectives_for_paths(root, args.paths, all_refs) if args.paths else all_refs
    problems, status = check_objectives(root, refs, args.deep, all_refs)
    if not args.paths:
        problems = layout_problems(root, all_refs) + problems
    if args.json:
        out.json(
            {
                "ok": not problems,
                "objectives": len(refs),
                "problems": [problem.as_dict() for problem in problems],
                "status": status,
            }
        )
        return EXIT_PROBLEMS if problems else EXIT_OK
    for problem in problems:
        out.line(
            f"{out.paint(problem.location(), 'bold')}: {out.paint(problem.path_text, 'cyan')}: {out.paint(problem.message, 'red')}"
        )
    checked = f"{len(refs)} objective{'s' if len(refs) != 1 else ''}"
    if problems:
        broken = sum(1 for value in status.values() if value != "ok")
        out.line(
            out.paint(
                f"✗ {len(problems)} problem{'s' if len(problems) != 1 else ''} ({broken} of {checked} affected)",
                "red",
                "bold",
            )
        )
        return EXIT_PROBLEMS
    if not refs:
        out.line(out.paint("no objectives found", "yellow"))
        return EXIT_OK
    out.line(out.paint(f"✓ {checked} valid" + (" (DAGs and pods built)" if args.deep else ""), "green", "bold"))
    return EXIT_OK
