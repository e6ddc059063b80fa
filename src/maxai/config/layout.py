"""Where things live in a maxai repository, and names that are safe to turn into paths."""

from __future__ import annotations

import functools
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from maxai.errors import ConfigError, Problem

CONFIGS_DIR = "maxaiconfigs"
DAGS_DIR = "maxaidags"
USECASES_DIR = "maxaiusecases"
SPARK_CONFIG = "spark_config.json"
KUBEPOD_CONFIG = "kubepod_config.json"
PY_CONFIG = "py_config.json"
CONFIG_FILES = (SPARK_CONFIG, KUBEPOD_CONFIG, PY_CONFIG)
ROOT_ENV = "MAXAI_ROOT"
DAG_SECTION = "@dag"
"""The section of py_config.json holding the DAG's own settings (the "@" keeps it apart from task names)."""
TASK_CALLBACKS = (
    "on_execute_callback",
    "on_failure_callback",
    "on_success_callback",
    "on_retry_callback",
    "on_skipped_callback",
)
"""BaseOperator's callback arguments: keys of ``@dag.default_args`` and of a task's operator arguments."""
DAG_CALLBACKS = ("on_success_callback", "on_failure_callback")
"""The DAG's own callback arguments: keys of ``@dag``."""
DATA_DIR = "data"
"""The data folder under the repository root, where relative ``input``/``output`` paths point by default."""
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$"
"""Domain, use case and objective names."""
URI_SCHEMES = ("local", "s3", "s3a", "s3n", "gs", "hdfs", "abfs", "abfss", "wasb", "wasbs", "oci", "http", "https")

_NAME = re.compile(NAME_PATTERN)


def is_uri(value: str) -> bool:
    """A path setting that names a remote location (``s3a://bucket/key``) rather than a local file."""
    scheme, sep, _ = value.partition("://")
    return bool(sep) and scheme.lower() in URI_SCHEMES


@dataclass(frozen=True, order=True)
class ObjectiveRef:
    """Identity of one objective, hence of one DAG."""

    domain: str
    usecase: str
    objective: str

    def __post_init__(self) -> None:
        problems = []
        for kind, value in (("domain", self.domain), ("use case", self.usecase), ("objective", self.objective)):
            message = name_problem(kind, value)
            if message:
                problems.append(Problem(f"{CONFIGS_DIR}/", (), message))
        if problems:
            raise ConfigError(problems)

    @property
    def dag_id(self) -> str:
        return f"{self.domain}.{self.usecase}.{self.objective}"

    @property
    def parts(self) -> tuple[str, str, str]:
        return (self.domain, self.usecase, self.objective)

    def __str__(self) -> str:
        return "/".join(self.parts)


# A use case's folder under maxaiusecases/<domain>/ is a top-level Python package of the domain's image
# (handlers are imported as "<usecase>.handlers..."): it must not shadow what the task process imports.
_RESERVED_PACKAGES = frozenset({"maxai", "airflow", "pyspark", "py4j", "kubernetes", "pydantic", "jsonschema", "yaml"})


def name_problem(kind: str, value: object) -> str | None:
    """Why ``value`` cannot name a domain, use case or objective (one message for every command), or None."""
    if not isinstance(value, str) or not _NAME.match(value):
        return (
            f"{kind} name {value!r} is not allowed: use 1-63 ASCII letters, digits, '_' or '-', "
            "starting with a letter or digit"
        )
    if kind == "use case" and (value in sys.stdlib_module_names or value in _RESERVED_PACKAGES):
        return (
            f"use case name {value!r} is the name of a Python module ({value!r} is imported by handlers or maxai); "
            f"its handler package would shadow it: choose another name, e.g. '{value}_jobs'"
        )
    return None


def is_valid_name(value: str, kind: str = "objective") -> bool:
    return name_problem(kind, value) is None


def find_root(start: Path | None = None, *, how_to_give: str = "pass root= explicitly") -> Path:
    """``$MAXAI_ROOT``, else the nearest folder at or above ``start`` holding ``maxaiconfigs/``.

    ``how_to_give`` completes the error when there is none: the Python API's ``root=``, the CLI's ``--root``.
    """
    env_root = os.environ.get(ROOT_ENV)
    if env_root:
        root = Path(env_root)
        if not (root / CONFIGS_DIR).is_dir():
            raise ConfigError.single(env_root, (), f"{ROOT_ENV} points to a folder without {CONFIGS_DIR}/")
        return Path(real_path(env_root))
    return _search_root(str(start or Path.cwd()), how_to_give)


@functools.lru_cache(maxsize=256)
def real_path(path: str | Path) -> str:
    """``os.path.realpath``, memoised: roots and config folders are asked for again and again."""
    return os.path.realpath(path)


def _search_root(start: str, how_to_give: str) -> Path:
    here = os.path.abspath(start)
    folder = here
    while True:
        if _holds_configs(folder):
            return Path(real_path(folder))
        parent = os.path.dirname(folder)
        if parent == folder:
            raise ConfigError.single(
                here, (), f"no {CONFIGS_DIR}/ folder here or above; set {ROOT_ENV} or {how_to_give}"
            )
        folder = parent


@functools.lru_cache(maxsize=4096)
def _holds_configs(folder: str) -> bool:
    # Memoised: the dag.py files of one repository share their ancestors during a DagBag fill.
    return os.path.isdir(os.path.join(folder, CONFIGS_DIR))


def inside(path: Path, folder: Path) -> bool:
    """True when ``path``, with symlinks resolved, stays within ``folder``."""
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    except (OSError, RuntimeError):  # link loops
        return False
    return True


def list_dirs(folder: Path) -> list[str]:
    try:
        return sorted(
            entry.name for entry in os.scandir(folder) if entry.is_dir() and not entry.name.startswith((".", "_"))
        )
    except OSError:
        return []


def discover_objectives(root: Path) -> list[ObjectiveRef]:
    """Every objective folder under ``maxaiconfigs/`` whose names are valid (invalid ones are skipped here)."""
    configs = root / CONFIGS_DIR
    refs = []
    for domain in list_dirs(configs):
        for usecase in list_dirs(configs / domain):
            for objective in list_dirs(configs / domain / usecase):
                if is_valid_name(domain, "domain") and is_valid_name(usecase, "use case") and is_valid_name(objective):
                    refs.append(ObjectiveRef(domain, usecase, objective))
    return refs


# doc_md files: here, not in paths, because building a DAG reads them and must not import the config models.
def names_markdown_file(doc_md: str) -> bool:
    """A ``doc_md`` that is a file name (``README.md``), not Markdown text: Airflow opens such values."""
    return doc_md.endswith(".md") and "\n" not in doc_md


def doc_md_file(root: Path, usecase_dir: Path, objective_dir: Path, value: str) -> Path | None:
    """The Markdown file a ``doc_md`` ending in ``.md`` names: in the objective's config folder, else its use case's.

    Airflow itself would open such a value relative to the dag-processor's working directory, so the
    same DAG would get a different page (or any readable ``.md`` file) depending on where it runs; maxai
    resolves it here and hands Airflow the text.
    """
    if not names_markdown_file(value):
        return None
    for folder in (objective_dir, usecase_dir):
        candidate = folder / value
        if candidate.is_file() and inside(candidate, root / CONFIGS_DIR):
            return candidate
    return None
