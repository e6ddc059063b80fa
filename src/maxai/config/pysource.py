"""Python code named in configs (``"module.path:name"``), found and read without importing it.

``maxai validate`` runs no user code: a module is looked up as a file, in ``maxaiusecases/<domain>/`` (the
package root of the domain's handlers) or among the installed packages, and read with ``ast``.
"""

from __future__ import annotations

import ast
import functools
import importlib.machinery
import importlib.util
import os
from dataclasses import dataclass
from typing import Literal

FUNCTION_PATTERN = r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$"
"""``module.path:name``: how configs name a function (handlers, callbacks)."""
CLASS_PATTERN = r"^[A-Za-z_][\w.]*[.:][A-Za-z_]\w*$"
"""``module.path:Name`` or Airflow's dotted ``module.path.Name``: how configs name a class (notifiers)."""

Kind = Literal["function", "async function", "class", "other"]


@dataclass(frozen=True)
class Definition:
    """A name defined at the top level of a module, as far as reading the source tells."""

    kind: Kind
    """``other`` is an assignment or an import: what it holds is only known by running the module."""
    bases: tuple[str, ...] = ()
    """A class's base classes as written (last dotted part)."""
    parameters: tuple[str, ...] | None = None
    """A class's ``__init__`` keyword parameters (without ``self``), None when it defines no ``__init__``."""
    required: tuple[str, ...] = ()
    """Those of ``parameters`` without a default."""
    any_keyword: bool = False
    """The class's ``__init__`` takes ``**kwargs``."""


def split_reference(reference: str) -> tuple[str, str]:
    """``"a.b:c"`` and ``"a.b.c"`` -> ``("a.b", "c")``."""
    if ":" in reference:
        module, _, name = reference.partition(":")
    else:
        module, _, name = reference.rpartition(".")
    return module, name


@dataclass(frozen=True)
class ModuleSource:
    """Where a module's code is: its source file, or None when it exists but cannot be read as source."""

    path: str | None
    local: bool
    """Found in ``maxaiusecases/<domain>/`` rather than among the installed packages."""


def find_module(
    module: str, domain_dir: str, depends_on: list[str] | None = None, *, installed_files: bool = True
) -> ModuleSource | str:
    """The module's source, or why it cannot be found (a message).

    Without ``installed_files``, an installed package's own top-level name is enough (its files are not
    looked for: a pod's handler runs in the domain's image, which may hold another version of it).
    """
    parts = module.split(".")
    top = os.path.join(domain_dir, parts[0])
    if os.path.isdir(top) or os.path.isfile(top + ".py"):
        candidates = [os.path.join(domain_dir, *parts) + ".py", os.path.join(domain_dir, *parts, "__init__.py")]
        if depends_on is not None:
            depends_on.extend(candidates)
        source = next((path for path in candidates if os.path.isfile(path)), None)
        if source is None:
            shown = os.path.join(os.path.basename(domain_dir), *parts) + ".py"
            return f"module {module!r} not found (looked for {shown} in maxaiusecases/)"
        return ModuleSource(source, local=True)
    try:
        spec = importlib.util.find_spec(parts[0])  # a top-level name: found without importing anything
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return f"module {module!r} is neither in maxaiusecases/{os.path.basename(domain_dir)}/ nor installed here"
    return _installed_source(module, spec) if installed_files else ModuleSource(None, local=False)


def _installed_source(module: str, spec: importlib.machinery.ModuleSpec) -> ModuleSource | str:
    """Walk the installed package's folders to the module's file (importing a package would run its code)."""
    parts = module.split(".")
    if len(parts) == 1:
        origin = spec.origin if spec.origin and spec.origin.endswith(".py") else None
        return ModuleSource(origin, local=False)
    folders = list(spec.submodule_search_locations or [])
    for index, part in enumerate(parts[1:], start=1):
        last = index == len(parts) - 1
        found: ModuleSource | None = None
        next_folders = []
        for folder in folders:
            package = os.path.join(folder, part)
            if os.path.isdir(package):
                next_folders.append(package)
                if last:
                    init = os.path.join(package, "__init__.py")
                    found = found or ModuleSource(init if os.path.isfile(init) else None, local=False)
            elif last and os.path.isfile(package + ".py"):
                found = found or ModuleSource(package + ".py", local=False)
            elif last and _has_extension_module(folder, part):
                found = found or ModuleSource(None, local=False)
        if last and found is not None:
            return found
        if not next_folders:
            parent = ".".join(parts[:index])
            return f"module {module!r} not found: the installed package {parent!r} has no {part!r}"
        folders = next_folders
    return ModuleSource(None, local=False)


def _has_extension_module(folder: str, name: str) -> bool:
    try:
        entries = os.listdir(folder)
    except OSError:
        return False
    return any(
        entry.startswith(name + ".") and entry.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))
        for entry in entries
    )


def top_level(path: str) -> dict[str, Definition] | str:
    """The names a module file defines at its top level, or why it cannot be read."""
    status = os.stat(path)
    return _top_level(path, (status.st_mtime_ns, status.st_size))


@functools.lru_cache(maxsize=1024)
def _top_level(path: str, stamp: tuple[int, int]) -> dict[str, Definition] | str:
    try:
        with open(path, "rb") as handle:
            tree = ast.parse(handle.read(), filename=path)
    except (OSError, SyntaxError, ValueError) as error:
        return str(error)
    defined: dict[str, Definition] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            defined[node.name] = Definition("function")
        elif isinstance(node, ast.AsyncFunctionDef):
            defined[node.name] = Definition("async function")
        elif isinstance(node, ast.ClassDef):
            defined[node.name] = _class(node)
        elif isinstance(node, ast.Assign):
            defined.update((target.id, Definition("other")) for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            defined[node.target.id] = Definition("other")
        elif isinstance(node, ast.ImportFrom | ast.Import):
            defined.update(((alias.asname or alias.name).split(".")[0], Definition("other")) for alias in node.names)
    return defined


def _class(node: ast.ClassDef) -> Definition:
    bases = tuple(ast.unparse(base).rsplit(".", 1)[-1] for base in node.bases)
    init = next(
        (item for item in node.body if isinstance(item, ast.FunctionDef) and item.name == "__init__"),
        None,
    )
    if init is None:
        return Definition("class", bases)
    arguments = init.args
    positional = [*arguments.posonlyargs, *arguments.args]
    first_default = len(positional) - len(arguments.defaults)
    keyword: list[str] = []
    required: list[str] = []
    for index, argument in enumerate(positional):
        if index == 0 or index < len(arguments.posonlyargs):
            continue  # self, and parameters that cannot be given by name
        keyword.append(argument.arg)
        if index < first_default:
            required.append(argument.arg)
    for argument, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True):
        keyword.append(argument.arg)
        if default is None:
            required.append(argument.arg)
    return Definition("class", bases, tuple(keyword), tuple(required), arguments.kwarg is not None)
