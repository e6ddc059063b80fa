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


def test_a_dependency_upgrade_makes_every_entry_stale(
    example_repo: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_objective(example_repo, *REF)
    ref = ObjectiveRef(*REF)
    assert cache.lookup(first.root, ref) == first
    real = cache.dependency_version
    for distribution, *_ in cache.DEPENDENCIES:

        def upgraded(name: str, module: str, attribute: str, changed: str = distribution) -> str:
            version = real(name, module, attribute)
            return version + ".post1" if name == changed else version

        monkeypatch.setattr(cache, "dependency_version", upgraded)
        cache._code_fingerprint.cache_clear()
        assert cache.lookup(first.root, ref) is None, f"an upgrade of {distribution} served a stale entry"
        assert load_objective(example_repo, *REF) == first  # rebuilt and stored under the new key
        assert cache.lookup(first.root, ref) == first
    monkeypatch.setattr(cache, "dependency_version", real)
    cache._code_fingerprint.cache_clear()


def test_dependency_versions_are_the_installed_ones() -> None:
    from importlib.metadata import version

    for distribution, module, attribute in cache.DEPENDENCIES:
        assert cache.dependency_version(distribution, module, attribute) == version(distribution)
    assert cache.dependency_version("no-such-distribution-here", "no_such_module", "__version__") == "not installed"


@pytest.mark.parametrize(
    "content",
    ["", "{not json", '{"fingerprint": 1}', '{"config": 5}', "[1, 2]", "null", b"\xff\xfe\x00garbage", "directory"],
)
def test_a_corrupt_entry_is_ignored_and_rebuilt(example_repo: Path, private_cache: Path, content: str | bytes) -> None:
    expected = load_objective(example_repo, *REF)
    [entry] = _entries(private_cache)
    good = json.loads(entry.read_text())
    entry.unlink()
    if content == "directory":
        entry.mkdir()
    elif isinstance(content, bytes):
        entry.write_bytes(content)
    else:
        entry.write_text(content)
    # a fingerprint that matches but a body that does not decode must not raise either
    assert cache.lookup(expected.root, ObjectiveRef(*REF)) is None
    assert load_objective(example_repo, *REF) == expected
    if content != "directory":
        assert json.loads(entry.read_text()) == good  # rebuilt
        assert cache.lookup(expected.root, ObjectiveRef(*REF)) == expected


def test_an_entry_with_the_right_key_and_a_broken_body_is_rebuilt(example_repo: Path, private_cache: Path) -> None:
    expected = load_objective(example_repo, *REF)
    [entry] = _entries(private_cache)
    data = json.loads(entry.read_text())
    data["config"]["tasks"][0] = {"name": "only a name"}
    entry.write_text(json.dumps(data))
    assert load_objective(example_repo, *REF) == expected
    assert cache.lookup(expected.root, ObjectiveRef(*REF)) == expected


_WRITER = """
import dataclasses, sys
from pathlib import Path
from maxai.config import cache, load_objective
from maxai.config.layout import ObjectiveRef

root, writer, rounds = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
config = load_objective(root, "retail", "demand_forecast", "stores_eu", use_cache=False)
# entries of very different sizes, so that a torn (half-written) read could not parse
padded = dataclasses.replace(config, files=config.files + ("x" * 20000 * writer,))
for _ in range(rounds):
    cache.store(padded, [str(root / "maxaiconfigs")])
"""


def test_concurrent_writers_never_produce_a_torn_read(example_repo: Path, private_cache: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "MAXAI_CACHE_DIR": str(private_cache)}
    root = str(example_repo.resolve())
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, root, str(number), "150"], env=env) for number in range(4)
    ]
    reads, torn = 0, []
    ref = ObjectiveRef(*REF)
    while any(writer.poll() is None for writer in writers):
        for entry in _entries(private_cache):
            try:
                text = entry.read_text()
            except FileNotFoundError:
                continue
            reads += 1
            try:
                json.loads(text)
            except ValueError as error:
                torn.append(f"{len(text)} bytes: {error}")
        cache.lookup(example_repo.resolve(), ref)  # never raises, whatever it finds
    assert [writer.wait() for writer in writers] == [0, 0, 0, 0]
    assert reads > 0
    assert torn == []
    assert [path.name for path in private_cache.rglob("*") if path.is_file()] == [
        "retail.demand_forecast.stores_eu.json"
    ]  # no temporary file left behind
