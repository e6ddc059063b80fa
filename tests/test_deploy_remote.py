"""`maxai deploy host:path` through a real sshd on 127.0.0.1 and rsync (skipped where they are not installed)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from maxai.deploy.files import hash_tree

MAXAI = str(Path(sys.executable).with_name("maxai"))
SSHD = "/usr/sbin/sshd"
EU_CONFIG = "maxaiconfigs/retail/demand_forecast/stores_eu/py_config.json"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def ssh_command(tmp_path: Path) -> Iterator[str]:
    """An sshd of its own on a free port that lets this user in with a fresh key; the ssh command to reach it."""
    missing = [tool for tool in (SSHD, "ssh", "ssh-keygen", "rsync") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (apt-get install openssh-server rsync)")
    keys = tmp_path / "ssh"
    keys.mkdir(mode=0o700)
    for name in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / name)], check=True)
    shutil.copy(keys / "client.pub", keys / "authorized_keys")
    port = _free_port()
    config = keys / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {keys / 'host'}\nPidFile {keys / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {keys / 'authorized_keys'}\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "UsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\n"
    )
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation folder
    server = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE, text=True)
    command = (
        f"ssh -p {port} -i {keys / 'client'} -o BatchMode=yes -o StrictHostKeyChecking=no "
        "-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
    )
    try:
        deadline = time.monotonic() + 15
        while subprocess.run([*shlex.split(command), "127.0.0.1", "true"], capture_output=True).returncode != 0:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.skip(f"sshd does not start here: {(server.communicate()[1] or '')[-500:]}")
            time.sleep(0.3)
        yield command
    finally:
        server.terminate()
        server.wait(timeout=10)


def deploy(repo: Path, *args: str) -> dict[str, Any]:
    environment = {key: value for key, value in os.environ.items() if key != "MAXAI_ROOT"}
    result = subprocess.run(
        [MAXAI, "deploy", *args, "--json"], cwd=repo, capture_output=True, text=True, env=environment, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_remote_deploy_over_ssh_and_rsync(
    ssh_command: str, example_repo: Path, edit_json: Callable[..., Path], tmp_path: Path
) -> None:
    remote = tmp_path / "remote-dags"
    target = f"127.0.0.1:{remote}"
    first = deploy(example_repo, target, "--ssh", ssh_command)
    release = remote / "releases" / first["release"]
    assert str((remote / "current").readlink()) == f"releases/{first['release']}"
    assert str((release / "data").readlink()) == "../../data" and (remote / "data").is_dir()
    assert hash_tree(remote / "current") == hash_tree(example_repo)  # exactly the shipped files, same content
    assert (release / EU_CONFIG).stat().st_mode & 0o777 == 0o444

    edit_json(EU_CONFIG, lambda data: data["@dag"].update(description="changed remotely"))
    dry = deploy(example_repo, target, "--ssh", ssh_command, "--dry-run")
    assert (dry["added"], dry["changed"], dry["removed"]) == ([], [EU_CONFIG], [])
    assert str((remote / "current").readlink()) == f"releases/{first['release']}"

    second = deploy(example_repo, target, "--ssh", ssh_command)
    assert (second["changed"], second["previous"]) == ([EU_CONFIG], first["release"])
    new_release = remote / "releases" / second["release"]
    assert str((remote / "current").readlink()) == f"releases/{second['release']}"
    dag_file = "maxaidags/retail/demand_forecast/stores_eu/dag.py"
    assert (new_release / dag_file).stat().st_ino == (release / dag_file).stat().st_ino  # rsync --link-dest
    assert "changed remotely" in (new_release / EU_CONFIG).read_text()
    assert not list(remote.glob("releases/.staging-*")) and not (remote / ".maxai-deploy.lock").exists()

    assert deploy(example_repo, target, "--ssh", ssh_command)["release"] is None  # nothing changed
