"""The canonical ``dag.py`` of an objective, and the check that a ``dag.py`` has not drifted from it.

Airflow's dag-processor parses each DAG file in its own forked process. Before forking, it imports
the ``airflow.*`` modules the file names in its own top-level import statements
(``[dag_processor] parsing_pre_import_modules``, on by default), so that every fork inherits them.
A file that imports only ``maxai`` makes every parse import the Spark and Kubernetes providers (and
the Kubernetes client) again: about a second of CPU per file. The canonical form names both
operator modules, so the manager imports them once.

No Airflow import here: ``maxai validate`` reads the files with :mod:`ast` only.
"""

from __future__ import annotations

import ast
from pathlib import Path

from maxai.config.layout import CONFIGS_DIR, DAGS_DIR, ObjectiveRef
from maxai.errors import Problem

DAG_FILE = "dag.py"

# The operator modules a dag.py must name at top level so the dag-processor pre-imports them.
PRE_IMPORTED_MODULES = (
    "airflow.providers.apache.spark.operators.spark_submit",
    "airflow.providers.cncf.kubernetes.operators.pod",
)

TEMPLATE = """\
# airflow DAG for {domain} / {usecase} / {objective}, built by maxai from {configs}/{domain}/{usecase}/{objective}/
# The operator imports let Airflow's dag-processor import them once, before it forks a parser per file.
import airflow.providers.apache.spark.operators.spark_submit  # noqa: F401
import airflow.providers.cncf.kubernetes.operators.pod  # noqa: F401
from maxai import build_dag

dag = build_dag("{domain}", "{usecase}", "{objective}")
"""


def dag_file_text(domain: str, usecase: str, objective: str) -> str:
    """The canonical dag.py of an objective (what ``maxai new`` writes)."""
    return TEMPLATE.format(domain=domain, usecase=usecase, objective=objective, configs=CONFIGS_DIR)


def dag_file_path(ref: ObjectiveRef) -> str:
    """Where the objective's dag.py lives, relative to the repository root."""
    return f"{DAGS_DIR}/{ref.domain}/{ref.usecase}/{ref.objective}/{DAG_FILE}"


def _top_level_imports(module: ast.Module) -> set[str]:
    """The module names Airflow's pre-import sees (the same rule as ``airflow.utils.file``)."""
    names: set[str] = set()
    for statement in module.body:
        if isinstance(statement, ast.Import):
            names.update(alias.name for alias in statement.names)
        elif isinstance(statement, ast.ImportFrom) and statement.module is not None:
            names.add(statement.module)
    return names


def _build_dag_calls(module: ast.Module) -> list[ast.Call]:
    calls = []
    for node in ast.walk(module):
        if isinstance(node, ast.Call):
            function = node.func
            name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", None)
            if name == "build_dag":
                calls.append(node)
    return calls


def _call_text(values: tuple[str, ...]) -> str:
    return "build_dag(" + ", ".join(f'"{value}"' for value in values) + ")"


def dag_file_problems(text: str, display: str, ref: ObjectiveRef) -> list[Problem]:
    """What makes ``text`` (the dag.py of ``ref``, shown as ``display``) differ from the canonical form.

    Only what matters is checked: the pre-imported operator modules, and one ``build_dag`` call whose
    arguments name the folder the file lives in. Comments, blank lines and extra code are allowed.
    """
    try:
        module = ast.parse(text, filename=display)
    except SyntaxError as error:
        return [Problem(display, (), f"not valid Python: {error.msg}", error.lineno, error.offset)]
    problems = []
    canonical = f"delete it and run `maxai new {ref.domain} {ref.usecase} {ref.objective}` to write the canonical form"
    imported = _top_level_imports(module)
    missing = [name for name in PRE_IMPORTED_MODULES if name not in imported]
    if missing:
        first = next((node for node in module.body if isinstance(node, (ast.Import, ast.ImportFrom))), None)
        problems.append(
            Problem(
                display,
                (),
                "missing the top-level "
                + " and ".join(f"`import {name}`" for name in missing)
                + ": Airflow's dag-processor pre-imports only the airflow modules a DAG file names, so without "
                f"{'it' if len(missing) == 1 else 'them'} every parse of this file imports the operators again "
                f"(about a second each); {canonical}",
                first.lineno if first else 1,
                1,
            )
        )
    calls = _build_dag_calls(module)
    expected = ref.parts
    if not calls:
        problems.append(
            Problem(display, (), f"no build_dag call: expected `dag = {_call_text(expected)}`; {canonical}", 1, 1)
        )
        return problems
    for call in calls:
        values = tuple(
            argument.value if isinstance(argument, ast.Constant) and isinstance(argument.value, str) else None
            for argument in call.args
        )
        keywords = {keyword.arg for keyword in call.keywords}
        if values != expected or keywords - {"root"}:
            shown = ast.get_source_segment(text, call) or "build_dag(...)"
            problems.append(
                Problem(
                    display,
                    (),
                    f"`{shown}` does not match the folder it lives in: expected `{_call_text(expected)}` "
                    f"(dag_id {ref.dag_id})",
                    call.lineno,
                    call.col_offset + 1,
                )
            )
    if len(calls) > 1:
        problems.append(
            Problem(
                display, (), "more than one build_dag call: one dag.py builds one objective's DAG", calls[1].lineno, 1
            )
        )
    return problems


def check_dag_file(root: Path, ref: ObjectiveRef) -> list[Problem]:
    """Problems of the objective's dag.py, if it exists (a missing one is reported elsewhere)."""
    display = dag_file_path(ref)
    try:
        text = (root / display).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as error:
        return [Problem(display, (), f"cannot be read: {error}")]
    return dag_file_problems(text, display, ref)
