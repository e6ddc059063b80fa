"""Every callback a config names exists and is of the right kind, checked without importing it.

Callbacks run in Airflow's own processes (the task's, the dag-processor's, an executor's for deadline
alerts), where ``maxaiusecases/<domain>/`` is put first on the import path (see maxai.factory.callbacks).
A function must be a top-level ``def`` of its module (not ``async``, not a class); a notifier a class,
given the keyword arguments its ``__init__`` takes. What the source does not tell (a name bound by an
assignment or an import, a class without its own ``__init__``) is accepted.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from maxai.config.callback_model import FunctionCallback, NotifierCallback
from maxai.config.layout import DAG_CALLBACKS, DAG_SECTION, TASK_CALLBACKS
from maxai.config.pysource import Definition, find_module, split_reference, top_level
from maxai.errors import JsonPath

if TYPE_CHECKING:
    from maxai.config.collector import ProblemCollector
    from maxai.config.layering import Layer
    from maxai.config.models import DagSettings
    from maxai.config.tasks import KindSection

Reference = str | FunctionCallback | NotifierCallback


def _definition(reference: str, domain_dir: str, depends_on: list[str]) -> Definition | str | None:
    """What ``reference`` names, a problem, or None when it cannot be told without importing it."""
    module, name = split_reference(reference)
    found = find_module(module, domain_dir, depends_on)
    if isinstance(found, str):
        if module.split(".")[0] == "airflow" and importlib.util.find_spec("airflow") is None:
            return None  # validate runs where Airflow is not installed: its modules cannot be checked there
        return found
    if found.path is None:
        return None
    defined = top_level(found.path)
    if isinstance(defined, str):
        return f"module {module!r} cannot be read: {defined}"
    if name not in defined:
        from maxai.config.diagnostics import did_you_mean

        public = sorted(n for n in defined if not n.startswith("_"))
        return f"{module!r} defines no {name!r}{did_you_mean(name, public)}"
    return defined[name]


def _function_problems(function: str, domain_dir: str, depends_on: list[str]) -> str | None:
    definition = _definition(function, domain_dir, depends_on)
    if definition is None or isinstance(definition, str):
        return definition
    if definition.kind == "async function":
        return f"{function!r} is an async function; Airflow calls callbacks without awaiting them: use a plain def"
    if definition.kind == "class":
        if any(base.endswith("Notifier") for base in definition.bases):
            module, name = split_reference(function)
            return f'{function!r} is a notifier class: give it as {{"notifier": "{module}.{name}", "args": {{...}}}}'
        return f"{function!r} is a class, not a function"
    return None


def _notifier_problems(
    notifier: NotifierCallback, domain_dir: str, depends_on: list[str]
) -> Iterator[tuple[JsonPath, str]]:
    definition = _definition(notifier.notifier, domain_dir, depends_on)
    if definition is None:
        return
    if isinstance(definition, str):
        yield ("notifier",), definition
        return
    if definition.kind in ("function", "async function"):
        module, name = split_reference(notifier.notifier)
        yield ("notifier",), f"{notifier.notifier!r} is a function, not a notifier class: give it as '{module}:{name}'"
        return
    if definition.kind != "class" or definition.parameters is None:
        return
    if "context" in notifier.args:
        yield ("args", "context"), "the context is Airflow's: it is given to the notifier when it is called"
    # BaseNotifier's own __init__ takes only the context: **kwargs passed on to it add no other argument
    open_ended = definition.any_keyword and "BaseNotifier" not in definition.bases
    for key in notifier.args:
        if key != "context" and key not in definition.parameters and not open_ended:
            from maxai.config.diagnostics import did_you_mean

            hint = did_you_mean(key, definition.parameters) or f"; it takes {', '.join(definition.parameters)}"
            yield ("args", key), f"{notifier.notifier.rsplit('.', 1)[-1]} takes no argument {key!r}{hint}"
    missing = [name for name in definition.required if name not in notifier.args]
    if missing:
        yield ("args",), f"{notifier.notifier.rsplit('.', 1)[-1]} needs {', '.join(map(repr, missing))} in its args"


def reference_problems(reference: Reference, domain_dir: str, depends_on: list[str]) -> list[tuple[JsonPath, str]]:
    """Problems of one callback, each with its path relative to the callback's place in the file."""
    if isinstance(reference, NotifierCallback):
        return list(_notifier_problems(reference, domain_dir, depends_on))
    function = reference if isinstance(reference, str) else reference.function
    problem = _function_problems(function, domain_dir, depends_on)
    if problem is None:
        return []
    return [((() if isinstance(reference, str) else ("function",)), problem)]


def _references(value: Any, path: JsonPath) -> Iterator[tuple[JsonPath, Reference]]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield (*path, index), item
    elif value is not None:
        yield path, value


def _places(
    py_layers: list[Layer], dag: DagSettings, sections: list[KindSection]
) -> Iterator[tuple[list[Layer], JsonPath, Reference]]:
    """Every callback of the objective: the layers of its file, its path there, and the reference.

    A task's callbacks are the ``on_*_callback`` keys of its operator arguments (its kind's ``section``),
    whatever the kind: a kind whose arguments model derives from ``OperatorArgs`` has them.
    """
    for key in DAG_CALLBACKS:
        for path, reference in _references(getattr(dag, key), (DAG_SECTION, key)):
            yield py_layers, path, reference
    for key in TASK_CALLBACKS:
        for path, reference in _references(getattr(dag.default_args, key), (DAG_SECTION, "default_args", key)):
            yield py_layers, path, reference
    deadlines = dag.deadline if isinstance(dag.deadline, list) else [dag.deadline] if dag.deadline else []
    for index, deadline in enumerate(deadlines):
        place = (DAG_SECTION, "deadline", index) if isinstance(dag.deadline, list) else (DAG_SECTION, "deadline")
        yield py_layers, (*place, "callback"), deadline.callback
    for section in sections:
        name = section.kind.section
        for index, task in enumerate(section.file.tasks):
            arguments = getattr(task, name, None)
            for key in TASK_CALLBACKS:
                for path, reference in _references(getattr(arguments, key, None), ("tasks", index, name, key)):
                    yield section.layers, path, reference


def check_callbacks(
    collector: ProblemCollector,
    py_layers: list[Layer],
    dag: DagSettings,
    sections: list[KindSection],
    domain_dir: str,
    depends_on: list[str],
) -> None:
    """Report each callback that does not exist or is of the wrong kind."""
    for layers, path, reference in _places(py_layers, dag, sections):
        for relative, message in reference_problems(reference, domain_dir, depends_on):
            collector.add(layers, (*path, *relative), message)
