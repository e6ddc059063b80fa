"""Handler references (``"function": "module.path:name"``) resolved without importing them.

Pod tasks run ``python -m maxai.runtime``, which imports the task's ``function`` inside the domain's image,
where ``maxaiusecases/<domain>/`` is the package root. A misspelt module or function used to be found only
there, at run time. Here the module's file is found in the repository and read with ``ast`` (no user code
runs at validation), and the function must be defined at its top level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from maxai.config.pysource import find_module, split_reference, top_level
from maxai.kinds.registry import kind_named

if TYPE_CHECKING:
    from maxai.config.collector import ProblemCollector
    from maxai.config.layering import Layer
    from maxai.config.objective import ResolvedTask

RUNTIME_MODULE = "maxai.runtime"


def handler_problem(function: str, domain_dir: str, depends_on: list[str] | None = None) -> str | None:
    """Why ``function`` cannot be called in a task of this domain, or None."""
    module, name = split_reference(function)
    found = find_module(module, domain_dir, depends_on, installed_files=False)
    if isinstance(found, str):
        return "handler " + found
    if found.path is None:
        return None
    defined = top_level(found.path)
    if isinstance(defined, str):
        return f"handler module {module!r} cannot be read: {defined}"
    if name in defined:
        return None
    from maxai.config.diagnostics import did_you_mean

    functions = sorted(n for n in defined if not n.startswith("_"))
    return f"{module!r} defines no {name!r}{did_you_mean(name, functions)}"


def runs_maxai_runtime(arguments: dict[str, object]) -> bool:
    """True for a pod whose command is ``python -m maxai.runtime`` without its own ``--function``."""
    command = [str(part) for part in [*(arguments.get("cmds") or []), *(arguments.get("arguments") or [])]]  # type: ignore[misc]
    if "--function" in command or any(part.startswith("--function=") for part in command):
        return False
    return any(command[i : i + 2] == ["-m", RUNTIME_MODULE] for i in range(len(command) - 1))


def check_handlers(
    collector: ProblemCollector,
    tasks: tuple[ResolvedTask, ...],
    py_layers: list[Layer],
    task_layers: dict[str, list[Layer]],
    domain_dir: str,
    depends_on: list[str],
) -> None:
    """Every handler a task will call exists; no ``function`` is written where nothing calls it."""
    for task in tasks:
        function = task.params.function
        kind = kind_named(task.kind)
        use = kind.task_function_use(task.arguments)
        if use == "never":
            if function is not None:
                collector.add(
                    py_layers,
                    (task.name, "function"),
                    f"{task.name!r} {kind.no_function}, and 'function' is never called",
                )
            continue
        if function is not None:
            problem = handler_problem(function, domain_dir, depends_on)
            if problem:
                collector.add(py_layers, (task.name, "function"), problem)
        elif use == "required" or runs_maxai_runtime(task.arguments):
            message = (
                f"{task.name!r} runs `python -m maxai.runtime`, which calls the task's 'function' "
                "('module.path:name'); give it one in py_config.json"
            )
            layers = py_layers or task_layers[task.kind]
            collector.add(layers, (task.name,) if py_layers else ("tasks",), message)
