"""The disk cache of resolved objectives: used only while nothing it depends on changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from maxai import ConfigError
from maxai.config import cache, load_objective
from maxai.config.layout import ObjectiveRef

REF = ("retail", "demand_forecast", "stores_eu")


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("MAXAI_CACHE_DIR", str(folder))
    return folder


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.json"))


def test_second_load_comes_from_the_cache_and_is_identical(example_repo: Path, private_cache: Path) -> None:
    first = load_objective(example_repo, *REF)
    [entry] = _entries(private_cache)
    assert entry.name == "retail.demand_forecast.stores_eu.json"
    assert cache.lookup(first.root, ObjectiveRef(*REF)) == first
    assert load_objective(example_repo, *REF) == first


@pytest.mark.parametrize(
    "change",
    ["objective file", "use case file", "new objective file", "handler removed", "stray file", "handler link out"],
)
def test_any_change_invalidates(example_repo: Path, private_cache: Path, tmp_path: Path, change: str) -> None:
    load_objective(example_repo, *REF)
    configs = example_repo / "maxaiconfigs/retail/demand_forecast"
    handler = example_repo / "maxaiusecases/retail/demand_forecast/handlers/clean_sales.py"
    if change == "objective file":
        path = configs / "stores_eu/py_config.json"
        path.write_text(path.read_text().replace('"0 5 * * *"', '"0 6 * * *"'))  # same size, same instant
        assert load_objective(example_repo, *REF).dag.schedule == "0 6 * * *"
        return
    if change == "use case file":
        path = configs / "spark_config.json"
        path.write_text(path.read_text().replace('"driver_memory": "2g"', '"driver_memory": "3g"'))
        assert load_objective(example_repo, *REF).task("forecast_demand").arguments["driver_memory"] == "3g"
        return
    if change == "new objective file":
        (configs / "stores_eu/spark_config.json").write_text(json.dumps({"conf": {"spark.ui.enabled": True}}))
        assert load_objective(example_repo, *REF).task("clean_sales").arguments["conf"]["spark.ui.enabled"] == "true"
        return
    if change == "handler removed":
        handler.unlink()
    elif change == "stray file":
        (configs / "stores_eu/spark_conf.json").write_text("{}")
    else:
        (tmp_path / "evil.py").write_text("")
        handler.unlink()
        handler.symlink_to(tmp_path / "evil.py")
    with pytest.raises(ConfigError):
        load_objective(example_repo, *REF)


def test_invalid_objectives_are_never_cached(example_repo: Path, private_cache: Path) -> None:
    (example_repo / "maxaiconfigs/retail/demand_forecast/stores_eu/py_config.json").write_text(
        '{"@dag": {"catchup": 1}}'
    )
    for _ in range(2):
        with pytest.raises(ConfigError, match="expected true or false"):
            load_objective(example_repo, *REF)
    assert _entries(private_cache) == []


def test_disabled_corrupt_or_unwritable_cache_falls_back(
    example_repo: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAXAI_CACHE", "0")
    expected = load_objective(example_repo, *REF)
    assert _entries(private_cache) == []
    monkeypatch.delenv("MAXAI_CACHE")
    load_objective(example_repo, *REF)
    [entry] = _entries(private_cache)
    entry.write_text("{not json")
    assert load_objective(example_repo, *REF) == expected
    blocker = private_cache.parent / "file-not-folder"
    blocker.write_text("")
    monkeypatch.setenv("MAXAI_CACHE_DIR", str(blocker / "cache"))
    assert load_objective(example_repo, *REF) == expected
