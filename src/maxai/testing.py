"""pytest plugin for DAG integrity in a maxai repository (registered as ``maxai``).

``pytest --maxai-integrity`` adds one test per objective under the repository root:
its dag.py loads in a real Airflow DagBag with no import error, and the DAG matches
its configs (task order, operator types, merged Spark conf, pods valid under the
Kubernetes schema). Fixtures ``maxai_root`` and ``maxai_dagbag`` are available to
hand-written tests as well.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from maxai.config.layout import DAGS_DIR, ObjectiveRef, discover_objectives, find_root


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("maxai")
    group.addoption("--maxai-integrity", action="store_true", help="add a DAG integrity test per maxai objective")
    group.addoption(
        "--maxai-root", default=None, help="repository root holding maxaiconfigs/ (default: found from cwd)"
    )


def _root(config: pytest.Config) -> Path:
    option = config.getoption("--maxai-root")
    return Path(option).resolve() if option else find_root(Path.cwd())


@pytest.fixture(scope="session")
def maxai_root(pytestconfig: pytest.Config) -> Path:
    return _root(pytestconfig)


def load_dagbag(dags_folder: Path) -> Any:
    """A real Airflow DagBag over ``dags_folder``, in safe mode as the dag-processor parses by default.

    (Safe mode skips a file that lacks the words "airflow" and "dag": a DAG that only loads with it off
    would vanish in production.)
    """
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(dags_folder), safe_mode=True)


@pytest.fixture(scope="session")
def maxai_dagbag(maxai_root: Path) -> Any:
    return load_dagbag(maxai_root / DAGS_DIR)


class IntegrityFailure(AssertionError):
    """An objective whose DAG is broken or differs from its configs (reported without a traceback)."""


class ObjectiveIntegrityItem(pytest.Item):
    def __init__(self, *, ref: ObjectiveRef, root: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ref = ref
        self.root = root

    def runtest(self) -> None:
        from maxai.config.dagfile import DAG_FILE, check_dag_file
        from maxai.config.loader import load_objective
        from maxai.errors import ConfigError
        from maxai.factory.integrity import dag_problems

        try:
            config = load_objective(self.root, *self.ref.parts, use_cache=False)
        except ConfigError as error:
            raise IntegrityFailure(str(error)) from None
        dag_file = self.root / DAGS_DIR / self.ref.domain / self.ref.usecase / self.ref.objective / DAG_FILE
        if not dag_file.is_file():
            raise IntegrityFailure(f"{dag_file.relative_to(self.root)} is missing")
        drift = check_dag_file(self.root, self.ref)
        if drift:
            raise IntegrityFailure("\n".join(str(problem) for problem in drift))
        bag = load_dagbag(dag_file)
        if bag.import_errors:
            # Airflow keeps the whole traceback; its last line is the error itself
            raise IntegrityFailure(
                "\n".join(f"{path}: {str(error).strip().splitlines()[-1]}" for path, error in bag.import_errors.items())
            )
        dag = bag.dags.get(config.dag_id)  # with the active environment's and user's marks
        if dag is None:
            text = dag_file.read_text(encoding="utf-8", errors="replace").lower()
            why = (
                ": Airflow's safe mode skips files without the words 'airflow' and 'dag'"
                if "airflow" not in text or "dag" not in text
                else ""
            )
            raise IntegrityFailure(f"{dag_file.relative_to(self.root)} defines no DAG {config.dag_id!r}{why}")
        problems = dag_problems(dag, config)
        if problems:
            raise IntegrityFailure("\n".join(problems))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, IntegrityFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"maxai integrity: {self.ref.dag_id}"


class ObjectiveCollector(pytest.Collector):
    def __init__(self, *, root: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.root = root

    def collect(self) -> Iterator[pytest.Item]:
        for ref in discover_objectives(self.root):
            yield ObjectiveIntegrityItem.from_parent(self, name=ref.dag_id, ref=ref, root=self.root)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--maxai-integrity"):
        return
    root = _root(config)
    collector = ObjectiveCollector.from_parent(session, name="maxai-integrity", root=root)
    items.extend(collector.collect())
