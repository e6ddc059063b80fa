"""`maxai deploy DEST`: releases beside each other, one symlink switched atomically, only what changed."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from maxai.deploy.files import MANIFEST

MAXAI = str(Path(sys.executable).with_name("maxai"))
EXAMPLE_DAGS = [
    "finance.fraud_scoring.cards",
    "finance.fraud_scoring.wire_transfers",
    "retail.demand_forecast.stores_eu",
    "retail.demand_forecast.stores_us",
    "retail.demand_model.weekly",
    "retail.forecast_review.daily",
    "retail.store_segments.weekly",
]
EU_CONFIG = "maxaiconfigs/retail/demand_forecast/stores_eu/py_config.json"


def maxai(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key not in ("MAXAI_ROOT", "NO_COLOR")}
    return subprocess.run([MAXAI, *args], cwd=cwd, capture_output=True, text=True, env=environment, check=False)


def deploy(repo: Path, *args: str) -> dict[str, Any]:
    result = maxai("deploy", *args, "--json", cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def tree_state(folder: Path) -> dict[str, object]:
    """Everything under ``folder``: link targets, file contents and modes, folders."""
    state: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        key = path.relative_to(folder).as_posix()
        if path.is_symlink():
            state[key] = ("link", str(path.readlink()))
        elif path.is_file():
            state[key] = ("file", hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mode & 0o777)
        else:
            state[key] = ("folder", path.stat().st_mode & 0o777)
    return state


def dagbag_report(dags_folder: Path) -> dict[str, Any]:
    """A real DagBag over the deployed DAGs folder, in a fresh process (dag.py files find their root themselves)."""
    script = (
        "import json\n"
        "from maxai.testing import load_dagbag\n"
        f"bag = load_dagbag({str(dags_folder)!r})\n"
        "eu = bag.dags.get('retail.demand_forecast.stores_eu')\n"
        "print(json.dumps({'dags': sorted(bag.dag_ids), 'errors': {k: str(v) for k, v in bag.import_errors.items()},\n"
        "  'description': eu.description, 'fileloc': eu.fileloc,\n"
        "  'application': eu.get_task('clean_sales').application}))\n"
    )
    environment = {key: value for key, value in os.environ.items() if key != "MAXAI_ROOT"}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


def litter(repo: Path) -> None:
    """What a working copy holds beside the configs and must never reach a DAGs folder."""
    (repo / ".maxai" / "airflow").mkdir(parents=True)
    (repo / ".maxai" / "airflow" / "airflow.db").write_text("db")
    cache = repo / "maxaiusecases/retail/demand_forecast/handlers/__pycache__"
    cache.mkdir()
    (cache / "clean_sales.cpython-311.pyc").write_bytes(b"\0")
    (repo / "maxaiconfigs/retail/.py_config.json.swp").write_text("editor")
    (repo / "maxaidags/.airflowignore").write_text("# Airflow reads this one\n")


@pytest.mark.airflow
def test_deploy_ships_what_airflow_needs_then_only_what_changed(
    example_repo: Path, edit_json: Callable[..., Path], tmp_path: Path
) -> None:
    litter(example_repo)
    dest = tmp_path / "dags-home"
    assert deploy(example_repo, str(dest), "--dry-run")["previous"] is None
    assert not dest.exists()  # a dry run creates nothing, not even the folder
    first = deploy(example_repo, str(dest))
    shipped = first["added"]
    assert first["changed"] == first["removed"] == [] and first["previous"] is None
    assert {path.split("/")[0] for path in shipped} == {"maxaiconfigs", "maxaidags", "maxaiusecases"}
    assert "maxaidags/.airflowignore" in shipped
    assert "maxaiusecases/retail/demand_forecast/handlers/clean_sales.py" in shipped
    assert not [path for path in shipped if "__pycache__" in path or ".swp" in path or "data/" in path]
    assert first["dags_folder"] == f"{dest}/current/maxaidags"

    release = dest / "releases" / first["release"]
    assert str((dest / "current").readlink()) == f"releases/{first['release']}"
    assert str((release / "data").readlink()) == "../../data" and (dest / "data").is_dir()
    assert sorted(json.loads((release / MANIFEST).read_text())["files"]) == shipped
    assert (release / EU_CONFIG).stat().st_mode & 0o777 == 0o444  # readable by Airflow's user, never edited in place
    assert (release / "maxaidags").stat().st_mode & 0o777 == 0o755

    edit_json(EU_CONFIG, lambda data: data["@dag"].update(description="EU stores, deployed twice"))
    before = tree_state(dest)
    dry = deploy(example_repo, str(dest), "--dry-run")
    assert (dry["dry_run"], dry["added"], dry["changed"], dry["removed"]) == (True, [], [EU_CONFIG], [])
    assert dry["unchanged"] == len(shipped) - 1
    assert tree_state(dest) == before  # a dry run writes nothing

    second = deploy(example_repo, str(dest))
    assert (second["added"], second["changed"], second["removed"]) == ([], [EU_CONFIG], [])
    assert second["previous"] == first["release"] and second["release"] != first["release"]
    new_release = dest / "releases" / second["release"]
    assert str((dest / "current").readlink()) == f"releases/{second['release']}"
    dag_file = "maxaidags/retail/demand_forecast/stores_eu/dag.py"
    assert (new_release / dag_file).stat().st_ino == (release / dag_file).stat().st_ino  # shared, not copied
    assert (new_release / EU_CONFIG).stat().st_ino != (release / EU_CONFIG).stat().st_ino
    assert release.is_dir()  # the release before stays for tasks that started on it

    report = dagbag_report(dest / "current" / "maxaidags")
    assert report["errors"] == {} and report["dags"] == EXAMPLE_DAGS
    assert report["description"] == "EU stores, deployed twice [env prod]"  # the default environment, prod
    assert report["fileloc"] == f"{dest}/current/maxaidags/retail/demand_forecast/stores_eu/dag.py"
    # one DAG is built from one release: the root is resolved once, through the link
    assert report["application"].startswith(f"{new_release.resolve()}/maxaiusecases/")


def test_removed_files_go_and_an_unchanged_tree_is_not_deployed_again(example_repo: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    notes = example_repo / "maxaiusecases/retail/demand_forecast/handlers/notes.md"
    notes.write_text("kept out of the next release\n")
    first = deploy(example_repo, str(dest))
    notes.unlink()
    second = deploy(example_repo, str(dest))
    assert (second["added"], second["changed"]) == ([], [])
    assert second["removed"] == ["maxaiusecases/retail/demand_forecast/handlers/notes.md"]
    assert not (dest / "current" / "maxaiusecases/retail/demand_forecast/handlers/notes.md").exists()
    assert (dest / "releases" / first["release"] / "maxaiusecases/retail/demand_forecast/handlers/notes.md").exists()

    before = tree_state(dest)
    third = deploy(example_repo, str(dest))
    assert third["release"] is None and third["previous"] == second["release"]
    assert tree_state(dest) == before
    text = maxai("deploy", str(dest), cwd=example_repo)
    assert f"nothing to deploy, release {second['release']} holds this" in text.stdout


def test_a_config_validate_rejects_is_refused_and_nothing_changes(
    example_repo: Path, edit_json: Callable[..., Path], tmp_path: Path
) -> None:
    dest = tmp_path / "dest"
    deploy(example_repo, str(dest))
    before = tree_state(dest)
    edit_json(EU_CONFIG, '{"@dag": {"schedule": "whenever"}}')
    for extra in ([], ["--dry-run"]):
        result = maxai("deploy", str(dest), *extra, cwd=example_repo)
        assert result.returncode == 1
        assert f"{EU_CONFIG}:1:" in result.stderr and "is not a cron expression" in result.stderr
        assert f"refused: `maxai validate` finds 1 problem(s); nothing at {dest} changed" in result.stderr
    as_json = maxai("deploy", str(dest), "--json", cwd=example_repo)
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout)["problems"][0]["file"] == EU_CONFIG
    assert tree_state(dest) == before


def test_old_releases_beyond_keep_are_removed(
    example_repo: Path, edit_json: Callable[..., Path], tmp_path: Path
) -> None:
    dest = tmp_path / "dest"
    names = []
    for number in range(4):
        edit_json(EU_CONFIG, lambda data, number=number: data["@dag"].update(description=f"version {number}"))
        names.append(deploy(example_repo, str(dest), "--keep", "2")["release"])
    assert sorted(path.name for path in (dest / "releases").iterdir()) == sorted(names[-2:])
    refused = maxai("deploy", str(dest), "--keep", "1", cwd=example_repo)
    assert refused.returncode == 2 and "keep at least 2" in refused.stderr


def test_what_deploy_refuses_to_touch(example_repo: Path, tmp_path: Path) -> None:
    occupied = tmp_path / "occupied"
    (occupied / "current").mkdir(parents=True)
    result = maxai("deploy", str(occupied), cwd=example_repo)
    assert result.returncode == 1
    assert "current exists and is not a symbolic link" in result.stderr
    assert list((occupied / "current").iterdir()) == []

    outside = tmp_path / "secret.txt"
    outside.write_text("not for Airflow")
    (example_repo / "maxaiusecases/retail/secret.txt").symlink_to(outside)
    result = maxai("deploy", str(tmp_path / "dest"), cwd=example_repo)
    assert result.returncode == 1
    assert "maxaiusecases/retail/secret.txt" in result.stderr and "leads outside" in result.stderr
    assert not (tmp_path / "dest").exists()


def test_a_reader_of_current_never_sees_a_partial_release(
    example_repo: Path, edit_json: Callable[..., Path], tmp_path: Path
) -> None:
    """What the dag-processor does: resolve ``current`` once, then read files of that release."""
    dest = tmp_path / "dest"
    deploy(example_repo, str(dest))
    seen: set[str] = set()
    failures: list[str] = []
    done = threading.Event()

    def read_releases() -> None:
        while not done.is_set():
            release = dest / str((dest / "current").readlink())
            try:
                manifest = json.loads((release / MANIFEST).read_text())
                for path, entry in manifest["files"].items():
                    if hashlib.sha256((release / path).read_bytes()).hexdigest() != entry["sha256"]:
                        failures.append(f"{release.name}/{path}: other content")
            except (OSError, ValueError) as error:  # a missing or half-written file
                failures.append(f"{release.name}: {error}")
            seen.add(release.name)

    reader = threading.Thread(target=read_releases)
    reader.start()
    try:
        for number in range(6):
            edit_json(EU_CONFIG, lambda data, number=number: data["@dag"].update(description=f"step {number}"))
            deploy(example_repo, str(dest), "--keep", "10")
    finally:
        done.set()
        reader.join()
    assert failures == []
    assert len(seen) >= 2  # the reader saw releases switch under it
