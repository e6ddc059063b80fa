"""A real MLflow tracking server and model registry for tests: SQLite backend, local artifact folder, free port.

Full ``mlflow`` cannot share maxai's environment (its pins move Airflow's), so the server runs from
``.venv-mlflow``, which ``scripts/mlflow-server-venv.sh`` makes on first use.
"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def mlflow_server(folder: Path, port: int | None = None, env: dict[str, str] | None = None) -> Iterator[str]:
    """The tracking URI of a server that lives as long as the ``with`` block, on ``port`` or a free one;
    ``env`` is its environment (default: this process's)."""
    made = subprocess.run(
        [str(REPO / "scripts/mlflow-server-venv.sh")], capture_output=True, text=True, check=True, timeout=900
    )
    executable = made.stdout.strip().splitlines()[-1]
    port = port or _free_port()
    uri = f"http://127.0.0.1:{port}"
    log = (folder / "mlflow-server.log").open("w")
    server = subprocess.Popen(
        [
            executable,
            "server",
            "--backend-store-uri",
            f"sqlite:///{folder / 'mlflow.db'}",
            "--artifacts-destination",
            str(folder / "artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{uri}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mlflow server did not start: {(folder / 'mlflow-server.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield uri
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
