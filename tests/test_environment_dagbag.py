"""dev, prod and two users' personal copies of every objective side by side in one real DagBag: no clash."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from maxai import build_dag
from maxai.config import discover_objectives
from maxai.testing import load_dagbag

pytestmark = pytest.mark.airflow

COPIES = {"prod": ("prod", ""), "dev": ("dev", ""), "alice": ("dev", "alice"), "bob": ("dev", "bob")}


@pytest.fixture(scope="module")
def side_by_side(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("dags")
    refs = [ref.parts for ref in discover_objectives(repo)]
    for name, (env, user) in COPIES.items():
        (folder / f"{name}.py").write_text(
            f"# airflow DAGs of the {name} copy\n"
            "from maxai import build_dag\n"
            f"for parts in {refs!r}:\n"
            f"    dag = build_dag(*parts, root={str(repo)!r}, env={env!r}, user={user!r})\n"
            "    globals()[dag.dag_id] = dag\n",
            encoding="utf-8",
        )
    return load_dagbag(folder)


def test_every_copy_of_every_objective_loads_under_its_own_dag_id(side_by_side: Any, repo: Path) -> None:
    assert side_by_side.import_errors == {}
    refs = discover_objectives(repo)
    expected = {
        f"{'dev.' if env == 'dev' else ''}{ref.dag_id}{'__' + user if user else ''}"
        for env, user in COPIES.values()
        for ref in refs
    }
    assert set(side_by_side.dag_ids) == expected
    assert len(expected) == len(COPIES) * len(refs)
    by_file: dict[str, set[str]] = {}
    for dag in side_by_side.dags.values():
        by_file.setdefault(Path(dag.fileloc).stem, set()).add(dag.dag_id)
    assert {name: len(ids) for name, ids in by_file.items()} == dict.fromkeys(COPIES, len(refs))


def test_each_dag_shows_its_environment_and_personal_copies_are_off(side_by_side: Any) -> None:
    for dag in side_by_side.dags.values():
        env = "dev" if dag.dag_id.startswith("dev.") else "prod"
        assert f"env:{env}" in dag.tags
        assert f"[env {env}" in dag.description
        user = dag.dag_id.rpartition("__")[2] if "__" in dag.dag_id else ""
        if user:
            assert f"user:{user}" in dag.tags and f"personal copy of {user}" in dag.description
            assert type(dag.timetable).__name__ == "NullTimetable"  # schedules off: runs only when triggered
            assert dag.is_paused_upon_creation is True
        else:
            assert dag.is_paused_upon_creation is (env == "dev")


def test_two_users_never_share_an_output_folder(side_by_side: Any) -> None:
    folders: dict[str, set[str]] = {name: set() for name in COPIES}
    for dag in side_by_side.dags.values():
        copy = Path(dag.fileloc).stem
        for task in dag.tasks:
            # a for_each task has an env per mapped run
            every = task.expand_input.value["env_vars"] if hasattr(task, "expand_input") else [task.env_vars]
            folders[copy].update(env_vars["MAXAI_DATA_DIR"] for env_vars in every)
    assert folders["alice"] and folders["bob"]
    for user in ("alice", "bob"):  # (prod and dev pods share /data: each pod's own emptyDir volume)
        for other in COPIES:
            if other != user:
                assert not folders[user] & folders[other], (user, other)
    assert all("/users/alice" in folder for folder in folders["alice"])
    assert all("/users/bob" in folder for folder in folders["bob"])


def test_no_copy_triggers_another_copys_asset_scheduled_dags(side_by_side: Any) -> None:
    outlets: dict[str, set[str]] = {name: set() for name in COPIES}
    for dag in side_by_side.dags.values():
        for task in dag.tasks:
            outlets[Path(dag.fileloc).stem].update(asset.uri for asset in task.outlets)
    for one in COPIES:
        for other in COPIES:
            if one != other:
                assert not outlets[one] & outlets[other], (one, other)
    assert "x-maxai://data/dev/users/alice/out/retail/demand_forecast/stores_eu/forecast" in outlets["alice"]
    review = side_by_side.dags["dev.retail.forecast_review.daily"]
    condition = review.timetable.asset_condition
    awaited = {asset.uri for asset in condition.objects}  # AssetAll of the two regions' forecasts
    assert awaited == {
        "x-maxai://data/dev/out/retail/demand_forecast/stores_eu/forecast",
        "x-maxai://data/dev/out/retail/demand_forecast/stores_us/forecast",
    }
    assert awaited <= outlets["dev"]


def test_a_personal_copy_that_keeps_its_schedule_waits_for_its_own_forecasts(
    example_repo: Path, edit_json: Callable[..., Path]
) -> None:
    edit_json("maxaiconfigs/environments.json", lambda data: data["environments"]["dev"].update(user_schedules=True))
    review = build_dag("retail", "forecast_review", "daily", root=example_repo, env="dev", user="alice")
    assert review.dag_id == "dev.retail.forecast_review.daily__alice"
    awaited = {asset.uri for asset in review.timetable.asset_condition.objects}
    assert awaited == {
        "x-maxai://data/dev/users/alice/out/retail/demand_forecast/stores_eu/forecast",
        "x-maxai://data/dev/users/alice/out/retail/demand_forecast/stores_us/forecast",
    }
