"""Real services for the tier: PostgreSQL, a Spark standalone cluster and Airflow's own processes.

Every process started here carries ``MAXAI_REAL_SERVICES=<session id>`` in its environment, and so does
everything it starts (task runners, spark-submit, Spark executors): :func:`kill_session_processes` finds
them all through /proc, so nothing outlives the test session, whatever failed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

SESSION_VARIABLE = "MAXAI_REAL_SERVICES"
VENV_BIN = Path(sys.executable).parent


class ServiceError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, check: Callable[[], Any], timeout: float, interval: float = 0.5) -> Any:
    """Poll ``check`` until it returns something truthy; raise with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            result = check()
            if result:
                return result
        except Exception as error:  # the service may not be up yet
            last_error = error
        if time.monotonic() > deadline:
            suffix = f" (last error: {last_error!r})" if last_error else ""
            raise ServiceError(f"timed out after {timeout:.0f}s waiting for {what}{suffix}")
        time.sleep(interval)


def tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"({path} unreadable)"
    return "\n".join(text.splitlines()[-lines:])


# --- processes -------------------------------------------------------------------------------------------


def _environ_of(pid: int) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    result = {}
    for entry in raw.split(b"\0"):
        key, sep, value = entry.partition(b"=")
        if sep:
            result[key.decode(errors="replace")] = value.decode(errors="replace")
    return result


def cmdline_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def find_processes(**wanted: str) -> list[int]:
    """PIDs whose environment holds every ``NAME=value`` in ``wanted``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        environ = _environ_of(int(entry.name))
        if environ and all(environ.get(name) == value for name, value in wanted.items()):
            found.append(int(entry.name))
    return sorted(found)


def kill_session_processes(session: str) -> list[int]:
    """SIGKILL every process of this test session that is still alive; returns their PIDs."""
    pids = find_processes(**{SESSION_VARIABLE: session})
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    return pids


@dataclass
class Service:
    """One long-running process in its own session, its output in a log file."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    cwd: Path
    process: subprocess.Popen[bytes] | None = None
    _log_file: IO[bytes] | None = field(default=None, repr=False)

    def start(self) -> Service:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log.open("ab")
        self.process = subprocess.Popen(
            self.command,
            env=self.env,
            cwd=self.cwd,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def check_alive(self) -> None:
        if not self.alive():
            code = self.process.returncode if self.process else None
            raise ServiceError(f"{self.name} exited (code {code}); its log ends with:\n{tail(self.log)}")

    def stop(self, grace: float = 10.0) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


# --- PostgreSQL --------------------------------------------------------------------------------------------


def postgres_bindir() -> Path | None:
    """Debian's server binaries (/usr/lib/postgresql/<version>/bin), else initdb on PATH."""
    versions = Path("/usr/lib/postgresql")
    found = versions.glob("*/bin/initdb") if versions.is_dir() else []
    candidates = sorted(found, key=lambda path: int(path.parts[4]) if path.parts[4].isdigit() else 0)
    if candidates:
        return candidates[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_postgres_user() -> list[str]:
    """initdb and postgres refuse to run as root: run them as Debian's ``postgres`` user then."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        raise ServiceError("running as root but runuser is missing: cannot start PostgreSQL as a non-root user")
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        raise ServiceError("running as root and there is no 'postgres' user to run PostgreSQL as") from None
    return [runuser, "-u", "postgres", "--"]


@dataclass
class PostgreSQL:
    folder: Path
    env: dict[str, str]
    port: int = 0
    user: str = "airflow"
    database: str = "airflow"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://{self.user}@127.0.0.1:{self.port}/{self.database}"

    @property
    def log(self) -> Path:
        return self.folder / "postgresql.log"

    def _run(self, command: list[str]) -> None:
        result = subprocess.run(command, env=self.env, capture_output=True, text=True, check=False, timeout=120)
        if result.returncode != 0:
            raise ServiceError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}\n{tail(self.log)}")

    def start(self) -> PostgreSQL:
        bindir = postgres_bindir()
        if bindir is None:
            raise ServiceError("PostgreSQL server binaries (initdb, pg_ctl) not found")
        prefix = _as_postgres_user()
        self.folder.mkdir(parents=True, exist_ok=True)
        if prefix:
            shutil.chown(self.folder, "postgres", "postgres")
        self.port = free_port()
        data = self.folder / "data"
        self._run([*prefix, str(bindir / "initdb"), "-D", str(data), "-U", self.user, "--auth=trust", "-E", "UTF8"])
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off -c max_connections=200"
        self._run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(self.log), "-w", "-o", options, "start"])
        createdb = [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, self.database]
        self._run(createdb)
        return self

    def stop(self) -> None:
        bindir = postgres_bindir()
        data = self.folder / "data"
        if bindir is None or not (data / "postmaster.pid").exists():
            return
        prefix = _as_postgres_user()
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            env=self.env,
            capture_output=True,
            check=False,
            timeout=60,
        )


# --- Spark standalone ------------------------------------------------------------------------------------


def spark_class() -> Path | None:
    try:
        import pyspark
    except ImportError:
        return None
    path = Path(pyspark.__file__).parent / "bin" / "spark-class"
    return path if path.exists() else None


def get_json(url: str, timeout: float = 5.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


@dataclass
class SparkCluster:
    folder: Path
    env: dict[str, str]
    port: int = 0
    webui_port: int = 0
    services: list[Service] = field(default_factory=list)

    @property
    def master_url(self) -> str:
        return f"spark://127.0.0.1:{self.port}"

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = get_json(f"http://127.0.0.1:{self.webui_port}/json/")
        return result

    def start(self) -> SparkCluster:
        launcher = spark_class()
        if launcher is None:
            raise ServiceError("pyspark's bin/spark-class not found")
        self.port, self.webui_port = free_port(), free_port()
        worker_port = free_port()
        env = {
            **self.env,
            "SPARK_LOG_DIR": str(self.folder / "logs"),
            "SPARK_WORKER_DIR": str(self.folder / "work"),
            # One core per application, so two tasks' applications can run side by side on the worker.
            "SPARK_MASTER_OPTS": "-Dspark.deploy.defaultCores=1",
        }
        master = Service(
            "spark-master",
            [
                *(str(launcher), "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1"),
                *("--port", str(self.port), "--webui-port", str(self.webui_port)),
            ],
            env,
            self.folder / "spark-master.log",
            self.folder,
        ).start()
        self.services.append(master)
        wait_for("the Spark master's web UI", lambda: master.check_alive() or self.state(), timeout=60)
        worker = Service(
            "spark-worker",
            [
                *(str(launcher), "org.apache.spark.deploy.worker.Worker", self.master_url, "--host", "127.0.0.1"),
                *("--port", str(worker_port), "--webui-port", str(free_port())),
                # two cores, one per application (spark.deploy.defaultCores=1): two tasks can run side by side
                *("--cores", "2", "--memory", "2g", "--work-dir", str(self.folder / "work")),
            ],
            env,
            self.folder / "spark-worker.log",
            self.folder,
        ).start()
        self.services.append(worker)

        def worker_alive() -> bool:
            worker.check_alive()
            return any(entry.get("state") == "ALIVE" for entry in self.state().get("workers", []))

        wait_for("a Spark worker registered ALIVE with the master", worker_alive, timeout=60)
        return self

    def completed_app_names(self) -> list[str]:
        return [str(app.get("name")) for app in self.state().get("completedapps", [])]

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()


# --- Airflow ---------------------------------------------------------------------------------------------

MARKETPLACE_PARTS = ("maxaiconfigs", "maxaidags", "maxaiusecases", "data")
ADMIN_PASSWORD = "real-services-admin"


def airflow_environment(
    *,
    base: dict[str, str],
    home: Path,
    root: Path,
    cache: Path,
    database_url: str,
    api_port: int,
    spark_master_port: int,
) -> dict[str, str]:
    passwords = home / "simple_auth_manager_passwords.json"
    passwords.parent.mkdir(parents=True, exist_ok=True)
    passwords.write_text(json.dumps({"admin": ADMIN_PASSWORD}) + "\n")
    own = ("AIRFLOW", "MAXAI_", "SPARK_", "PYSPARK")  # the test process's own settings (tests/conftest.py) stay out
    env = {key: value for key, value in base.items() if not key.startswith(own) or key == SESSION_VARIABLE}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(root / "maxaidags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database_url,
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API__SECRET_KEY": "maxai-real-services-secret",
            # Every component that signs or checks the execution API's tokens must share one secret.
            "AIRFLOW__API_AUTH__JWT_SECRET": "maxai-real-services-jwt-secret-with-enough-length",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            # Short intervals keep the tier fast: configs edited under a running scheduler are seen in seconds.
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "10",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "2",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__SCHEDULER__JOB_HEARTBEAT_SEC": "2",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_SEC": "2",
            "AIRFLOW_CONN_SPARK_DEFAULT": json.dumps(
                {"conn_type": "spark", "host": "spark://127.0.0.1", "port": spark_master_port}
            ),
            "MAXAI_ROOT": str(root),
            "MAXAI_DATA_DIR": str(root / "data"),
            "MAXAI_CACHE_DIR": str(cache),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "PYSPARK_PYTHON": sys.executable,
            "PYSPARK_DRIVER_PYTHON": sys.executable,
            "PATH": f"{VENV_BIN}{os.pathsep}{base.get('PATH', '')}",
        }
    )
    return env


@dataclass
class Airflow:
    folder: Path
    env: dict[str, str]
    api_port: int
    services: dict[str, Service] = field(default_factory=dict)

    @property
    def home(self) -> Path:
        return Path(self.env["AIRFLOW_HOME"])

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def log(self, name: str) -> Path:
        return self.folder / "logs" / f"{name}.log"

    def migrate(self) -> None:
        log = self.log("db-migrate")
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            result = subprocess.run(
                [str(VENV_BIN / "airflow"), "db", "migrate"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
                timeout=300,
            )
        if result.returncode != 0:
            raise ServiceError(f"airflow db migrate failed:\n{tail(log)}")

    def start_service(self, name: str, *arguments: str) -> Service:
        service = Service(name, [str(VENV_BIN / "airflow"), *arguments], self.env, self.log(name), self.folder).start()
        self.services[name] = service
        return service

    def start(self) -> Airflow:
        self.migrate()
        self.start_service("api-server", "api-server", "--host", "127.0.0.1", "--port", str(self.api_port))
        self.start_service("scheduler", "scheduler")
        self.start_service("dag-processor", "dag-processor")
        self.start_service("triggerer", "triggerer")

        def api_up() -> bool:
            self.check_alive()
            with urllib.request.urlopen(f"{self.api_url}/api/v2/monitor/health", timeout=5) as response:
                return bool(response.status == 200)

        wait_for("Airflow's API server", api_up, timeout=120)
        return self

    def check_alive(self) -> None:
        for service in self.services.values():
            service.check_alive()

    def stop_service(self, name: str) -> None:
        service = self.services.pop(name, None)
        if service is not None:
            service.stop()

    def stop(self) -> None:
        for name in list(reversed(self.services)):
            self.stop_service(name)

    def log_tails(self, lines: int = 30) -> str:
        parts = []
        for path in sorted((self.folder / "logs").glob("*.log")):
            parts.append(f"----- {path.name} (last {lines} lines) -----\n{tail(path, lines)}")
        return "\n".join(parts)


def copy_marketplace(source: Path, target: Path) -> Path:
    for part in MARKETPLACE_PARTS:
        shutil.copytree(source / part, target / part, ignore=shutil.ignore_patterns("out", "__pycache__"))
    return target


@contextlib.contextmanager
def session_guard(session: str) -> Iterator[None]:
    """Whatever happens inside, no process of this session survives it."""
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum: int, frame: Any) -> None:
        kill_session_processes(session)
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        kill_session_processes(session)
        signal.signal(signal.SIGTERM, previous)
