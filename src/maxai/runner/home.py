"""A local Airflow home: SQLite metadata DB (migrated once, then reused) and a local Spark connection.

Everything here is set through environment variables *before* Airflow is imported,
because Airflow reads its configuration once, at import.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from maxai.config.layout import DAGS_DIR

HOME_DIR = ".maxai/airflow"
SPARK_CONNECTION = '{"conn_type": "spark", "host": "local[*]"}'
_MIGRATED_STAMP = "migrated"
# Airflow reads its configuration once per process, at import: the home this process was pointed at.
_configured_home: Path | None = None


class AirflowHomeError(RuntimeError):
    pass


@dataclass(frozen=True)
class LocalAirflow:
    home: Path
    root: Path

    @property
    def database(self) -> Path:
        return self.home / "airflow.db"


def local_environment(root: Path, home: Path) -> dict[str, str]:
    """Variables for a self-contained Airflow on this machine."""
    python_bin = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(root / DAGS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        # The raw URI spark://local[*] silently falls back to YARN; the JSON form does not.
        "AIRFLOW_CONN_SPARK_DEFAULT": SPARK_CONNECTION,
        "SPARK_LOCAL_IP": "127.0.0.1",
        # Spark drivers must run on this interpreter, which has maxai and the handlers' imports.
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        "PATH": python_bin if not path else f"{python_bin}{os.pathsep}{path}",
    }


def prepare(root: Path, home: Path | None = None) -> LocalAirflow:
    """Point this process at a local Airflow home under ``root`` and migrate its DB once."""
    root = root.resolve()
    home = (home or root / HOME_DIR).resolve()
    home.mkdir(parents=True, exist_ok=True)
    environment = local_environment(root, home)
    global _configured_home
    if "airflow" in sys.modules and _configured_home not in (None, home):
        raise AirflowHomeError("Airflow was already imported with another home; use a fresh process")
    os.environ.update(environment)
    _configured_home = home
    stamp = home / _MIGRATED_STAMP
    if not stamp.exists() or not (home / "airflow.db").exists():
        result = subprocess.run(
            [sys.executable, "-m", "airflow", "db", "migrate"],
            env={**os.environ, **environment},
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-20:])
            raise AirflowHomeError(f"airflow db migrate failed in {home}:\n{tail}")
        stamp.write_text("ok\n")
    return LocalAirflow(home=home, root=root)
