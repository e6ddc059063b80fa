"""``maxai render airflow``: the objective's DAG as a standalone Airflow DAG file, plain operator calls and no
maxai import: the way out of maxai, and a reference for what ``build_dag`` does.

The file is written from the DAG ``build_dag`` builds (every DAG argument that differs from Airflow's default,
every operator's keyword arguments), then executed and compared with that DAG: if anything differs, nothing is
written. A task of maxai's own operators (a container kind's, such as the model kind's) becomes a pod running the
kind's container step (airflow_pods); for it, the arguments every operator takes are compared. Code paths and the data folder (``MAXAI_DATA_DIR``) are those of the machine that renders, as they
are for ``build_dag`` when the dag-processor parses the one-line dag.py there.
"""

from __future__ import annotations

import keyword
import re
import sys
from typing import Any

import attrs

from maxai.config.layout import CONFIGS_DIR
from maxai.config.objective import ObjectiveConfig
from maxai.errors import ConfigError, Problem
from maxai.render.airflow_compare import dag_differences, operator_arguments
from maxai.render.airflow_pods import base_operator_arguments, container_pods
from maxai.render.callback_source import handler_import_lines
from maxai.render.container_steps import is_container_kind
from maxai.render.describe import header
from maxai.render.findings import Findings, Rendered
from maxai.render.places import Places
from maxai.render.python_source import UnwritableValue, source

_POD_OPERATOR = ("airflow.providers.cncf.kubernetes.operators.pod", "KubernetesPodOperator")
_DAG_SKIPPED = frozenset({"task_group"})
"""Built by Airflow itself for every DAG."""


def _variable(task_id: str, taken: set[str]) -> str:
    name = re.sub(r"\W", "_", task_id)
    if not name.isidentifier() or keyword.iskeyword(name) or name in {"dag", "DAG"}:
        name = f"task_{name}"
    while name in taken:
        name += "_"
    taken.add(name)
    return name


def _dag_keywords(dag: Any, imports: set[str]) -> dict[str, str]:
    from airflow.sdk import DAG

    reference = DAG(dag_id=dag.dag_id)
    keywords = {}
    for field in attrs.fields(type(dag)):
        if not field.init or field.name in _DAG_SKIPPED:
            continue
        value = getattr(dag, field.name)
        if field.name != "dag_id" and value == getattr(reference, field.name):
            continue
        if field.name in ("start_date", "end_date") and value is not None:
            value = value.in_timezone(dag.timezone)  # Airflow keeps them in UTC; the DAG's zone comes from them
        keywords[field.alias or field.name] = source(value, imports, 4)
    return keywords


def _keywords(dag: Any, arguments: dict[str, Any], imports: set[str]) -> dict[str, str]:
    """An operator's keyword arguments as source, without those the DAG's default_args give it."""
    defaults = dag.default_args or {}
    return {
        key: source(value, imports, 8)
        for key, value in arguments.items()
        if key not in ("params", "pre_execute") and not (key in defaults and defaults[key] == value)
    }


def _mapped_keywords(dag: Any, task: Any, imports: set[str]) -> tuple[dict[str, str], dict[str, str]]:
    """A mapped task's ``partial`` keywords (those that differ from the operator's own and the DAG's defaults)
    and its ``expand`` keyword."""
    from airflow.sdk import DAG

    with DAG(dag_id=f"{dag.dag_id}.reference"):
        reference = task.operator_class.partial(task_id=task.task_id).expand(**task.expand_input.value)
    defaults = dag.default_args or {}
    missing = object()
    keywords = {
        key: source(value, imports, 8)
        for key, value in task.partial_kwargs.items()
        if key not in ("params", "pre_execute")
        and reference.partial_kwargs.get(key, missing) != value
        and not (key in defaults and defaults[key] == value)
    }
    return keywords, {key: source(value, imports, 8) for key, value in task.expand_input.value.items()}


def _keyword_block(keywords: dict[str, str], indent: int) -> str:
    pad = " " * indent
    return "".join(f"{pad}{key}={text},\n" for key, text in keywords.items())


def _own_operator(task: Any) -> bool:
    """Whether the task's operator is maxai's own (a kind's, such as the model kind's MLflow steps)."""
    return bool(getattr(task, "operator_class", type(task)).__module__.startswith("maxai."))


def _pods(config: ObjectiveConfig, dag: Any, findings: Findings) -> dict[str, dict[str, Any]]:
    """The pod of each task whose operator is maxai's own, when its kind describes a container step; the others
    are refused: the file would need maxai where it runs."""
    places = Places(config)
    own = [config.task(task.task_id) for task in dag.tasks if _own_operator(task)]
    for task in own:
        if not is_container_kind(task.kind):
            message = (
                f"not rendered for Airflow: its operator is maxai's own, the file must load without maxai, and the "
                f"{task.kind!r} kind describes no container step to run in a pod instead"
            )
            findings.refuse(places.task_entry(task, "name", message))
    return container_pods(config, places, findings) if own else {}


def airflow_source(config: ObjectiveConfig, findings: Findings | None = None) -> tuple[str, list[str]]:
    """The DAG file's text (not yet checked: see :func:`render_airflow`) and the tasks it runs as pods; what it
    cannot hold is raised as a ConfigError, what it notes goes to ``findings``."""
    from maxai.factory.dag import dag_from_config

    findings = findings or Findings()
    dag = dag_from_config(config)
    pods = _pods(config, dag, findings)
    findings.raise_if_any()
    imports = {"from airflow.sdk import DAG"}
    dag_block = _keyword_block(_dag_keywords(dag, imports), 4)
    variables: dict[str, str] = {}
    taken: set[str] = set()
    tasks = []
    for task in dag.tasks:
        kind = type(task)
        variables[task.task_id] = _variable(task.task_id, taken)
        if task.task_id in pods:
            imports.add(f"from {_POD_OPERATOR[0]} import {_POD_OPERATOR[1]}")
            pod = {**base_operator_arguments(operator_arguments(task)), **pods[task.task_id]}
            keywords = {"task_id": source(task.task_id, imports), **_keywords(dag, pod, imports)}
            call = f"{_POD_OPERATOR[1]}(\n{_keyword_block(keywords, 8)}    )"
        elif task.is_mapped:
            kind = task.operator_class
            imports.add(f"from {kind.__module__} import {kind.__name__}")
            partial, expand = _mapped_keywords(dag, task, imports)
            keywords = {"task_id": source(task.task_id, imports), **partial}
            call = f"{kind.__name__}.partial(\n{_keyword_block(keywords, 8)}    ).expand(\n{_keyword_block(expand, 8)}    )"
        else:
            imports.add(f"from {kind.__module__} import {kind.__name__}")
            keywords = {"task_id": source(task.task_id, imports), **_keywords(dag, operator_arguments(task), imports)}
            call = f"{kind.__name__}(\n{_keyword_block(keywords, 8)}    )"
        tasks.append(f"    {variables[task.task_id]} = {call}\n")
    edges = [
        f"    {variables[upstream]} >> {variables[task.name]}\n" for task in config.tasks for upstream in task.upstream
    ]
    documentation = (
        '"""Airflow DAG {dag_id}: a standalone file (no maxai import) with the DAG build_dag({parts}) builds."""\n'
    )
    deployment = config.deployment
    chosen = [f'env="{deployment.environment}"'] if deployment.environment else []
    chosen += [f'user="{deployment.user}"'] if deployment.user else []
    build_arguments = [f'"{part}"' for part in config.ref.parts] + chosen
    text = header("Airflow DAG", config, "maxai render airflow", findings.notes)
    text += documentation.format(dag_id=config.dag_id, parts=", ".join(build_arguments))
    text += "\n" + _import_block(imports)
    text += f"\nwith DAG(\n{dag_block}) as dag:\n" + "\n".join(tasks)
    if edges:
        text += "\n" + "".join(edges)
    return text, sorted(pods)


def _import_block(imports: set[str]) -> str:
    """The import lines, standard library first, one ``from`` line a module; the callbacks' own modules last,
    once their handlers folder is on the import path."""
    handler_lines = handler_import_lines(imports)
    imports = {line for line in imports if not line.startswith("#")}
    if handler_lines:
        imports.add("import sys")
    names: dict[str, list[str]] = {}
    plain = []
    for line in imports:
        if line.startswith("from "):
            module, _, name = line[len("from ") :].partition(" import ")
            names.setdefault(module, []).append(name)
        else:
            plain.append(line)
    lines = [f"from {module} import {', '.join(sorted(items))}" for module, items in names.items()] + plain
    standard = sorted(line for line in lines if line.split()[1].split(".")[0] in sys.stdlib_module_names)
    others = sorted((line for line in lines if line not in standard), key=lambda line: line.split()[1])
    text = "".join(f"{line}\n" for line in standard) + "\n" + "".join(f"{line}\n" for line in others)
    return text + ("\n" + "".join(f"{line}\n" for line in handler_lines) if handler_lines else "")


def _refusal(config: ObjectiveConfig, message: str) -> ConfigError:
    folder = f"{CONFIGS_DIR}/{'/'.join(config.ref.parts)}/"
    return ConfigError([Problem(folder, (), f"not rendered for Airflow: {message}")])


def render_airflow(config: ObjectiveConfig, *, strict: bool = False) -> Rendered:
    """The standalone DAG file, executed and compared with ``build_dag``'s DAG before it is returned."""
    from maxai.factory.dag import dag_from_config

    findings = Findings(strict)
    try:
        text, pods = airflow_source(config, findings)
    except UnwritableValue as error:
        raise _refusal(config, f"the DAG holds {error}, which maxai cannot write as source") from error
    namespace: dict[str, Any] = {"__name__": f"maxai_render_{config.ref.objective}"}
    exec(compile(text, f"<maxai render airflow {config.dag_id}>", "exec"), namespace)  # our own output, checked
    differences = dag_differences(dag_from_config(config), namespace["dag"], as_pods=pods)
    if differences:
        raise _refusal(config, "the written DAG would differ from build_dag's: " + "; ".join(differences))
    return Rendered(text, tuple(findings.notes), ".py")
