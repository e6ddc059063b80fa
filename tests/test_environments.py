"""Environments (maxaiconfigs/environments.json, MAXAI_ENV / --env) and personal copies (MAXAI_USER / --user)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from maxai.cli.main import main
from maxai.config import load_objective
from maxai.config.environments import retarget_image
from maxai.errors import ConfigError

EU = ("retail", "demand_forecast", "stores_eu")
CARDS = ("finance", "fraud_scoring", "cards")


def _problems(error: pytest.ExceptionInfo[ConfigError]) -> list[str]:
    return [f"{problem.location()}: {problem.path_text}: {problem.message}" for problem in error.value.problems]


def test_default_environment_is_the_files_default(repo: Path) -> None:
    config = load_objective(repo, *EU, use_cache=False)
    assert config.deployment.environment == "prod"
    assert config.dag_id == "retail.demand_forecast.stores_eu"
    assert "env:prod" in config.deployment.tags
    assert config.deployment.paused is False


def test_dev_environment_changes_what_it_declares(repo: Path) -> None:
    prod = load_objective(repo, *CARDS, use_cache=False, env="prod")
    dev = load_objective(repo, *CARDS, use_cache=False, env="dev")
    assert dev.dag_id == "dev.finance.fraud_scoring.cards"
    assert dev.deployment.paused is True
    assert dev.deployment.tags == ("dev", "env:dev")
    for before, after in zip(prod.tasks, dev.tasks, strict=True):
        assert before.arguments["image"] == "registry.example.com/maxai/finance:0.9.2"
        assert after.arguments["image"] == "registry.dev.example.com/maxai/finance:latest"
        assert after.arguments["namespace"] == "maxai-dev"
        assert before.arguments["namespace"] == "maxai-finance"
    eu_dev = load_objective(repo, *EU, use_cache=False, env="dev")
    clean = eu_dev.task("clean_sales").arguments["conf"]
    # the environment's spark_conf is a default: the config's own value wins
    assert clean["spark.sql.shuffle.partitions"] == "4"
    assert clean["spark.kubernetes.namespace"] == "maxai-dev"
    assert clean["spark.kubernetes.container.image"] == "registry.dev.example.com/maxai/retail:latest"


@pytest.mark.parametrize(
    ("image", "registry", "tag", "expected"),
    [
        ("registry.example.com/maxai/finance:0.9.2", "reg.dev", None, "reg.dev/maxai/finance:0.9.2"),
        ("maxai/finance:0.9.2", "reg.dev:5000/team", "t1", "reg.dev:5000/team/maxai/finance:t1"),
        ("localhost/finance", None, "t1", "localhost/finance:t1"),
        ("reg.io/finance@sha256:abc", "reg.dev", "t1", "reg.dev/finance@sha256:abc"),
        ("python:3.11", None, None, "python:3.11"),
    ],
)
def test_retarget_image(image: str, registry: str | None, tag: str | None, expected: str) -> None:
    assert retarget_image(image, registry, tag) == expected


def test_unknown_environment_is_named_with_a_suggestion(repo: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_objective(repo, *EU, use_cache=False, env="prd")
    assert _problems(error) == [
        "maxaiconfigs/environments.json:3:3: environments: MAXAI_ENV='prd' names no environment (did you mean 'prod'?)"
    ]


def test_environments_file_mistakes_have_file_line_and_suggestion(
    example_repo: Path, edit_json: Callable[..., Path]
) -> None:
    def mistakes(data: dict[str, Any]) -> None:
        data["environments"]["dev"]["dag_id_prefx"] = "dev."
        data["environments"]["dev"]["paused"] = "yes"

    edit_json("maxaiconfigs/environments.json", mistakes)
    with pytest.raises(ConfigError) as error:
        load_objective(example_repo, *EU, use_cache=False)
    found = _problems(error)
    assert any(
        "environments.dev.dag_id_prefx" in line and "did you mean 'dag_id_prefix'" in line and ".json:" in line
        for line in found
    ), found
    assert any("environments.dev.paused" in line for line in found), found


def test_default_naming_no_environment(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    edit_json("maxaiconfigs/environments.json", lambda data: data.update(default="prd"))
    with pytest.raises(ConfigError) as error:
        load_objective(example_repo, *EU, use_cache=False)
    assert _problems(error) == [
        "maxaiconfigs/environments.json:2:3: default: no environment named 'prd' (did you mean 'prod'?)"
    ]


def test_personal_environment_needs_a_user_and_a_valid_name(repo: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_objective(repo, *EU, use_cache=False, env="sandbox")
    assert "is personal: set MAXAI_USER" in _problems(error)[0]
    with pytest.raises(ConfigError) as error:
        load_objective(repo, *EU, use_cache=False, env="sandbox", user="Alice Smith")
    assert _problems(error)[0].startswith("$MAXAI_USER: $: 'Alice Smith' is not a user name")
    alice = load_objective(repo, *EU, use_cache=False, env="sandbox", user="alice")
    assert alice.dag_id == "sandbox.retail.demand_forecast.stores_eu__alice"


def test_no_environments_file(example_repo: Path) -> None:
    (example_repo / "maxaiconfigs" / "environments.json").unlink()
    config = load_objective(example_repo, *EU, use_cache=False)
    assert config.dag_id == "retail.demand_forecast.stores_eu"
    assert config.deployment.tags == ()
    with pytest.raises(ConfigError) as error:
        load_objective(example_repo, *EU, use_cache=False, env="dev")
    assert "no maxaiconfigs/environments.json" in _problems(error)[0]
    bob = load_objective(example_repo, *EU, use_cache=False, user="bob")
    assert bob.dag_id == "retail.demand_forecast.stores_eu__bob"
    assert bob.dag.schedule is None and bob.deployment.paused is True


def test_parse_cache_keeps_one_entry_per_environment_and_user(
    example_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAXAI_CACHE_DIR", str(tmp_path / "cache"))
    ids = {
        (env, user): load_objective(example_repo, *EU, env=env, user=user).dag_id
        for env, user in [("dev", ""), ("prod", ""), ("", ""), ("dev", "alice")]
    }
    entries = sorted(path.name for path in (tmp_path / "cache").rglob("*.json"))
    assert len(entries) == 4, entries
    # served from the cache: the same answers again
    assert {key: load_objective(example_repo, *EU, env=key[0], user=key[1]).dag_id for key in ids} == ids
    assert ids[("dev", "alice")] == "dev.retail.demand_forecast.stores_eu__alice"
    # a change of environments.json is seen at once, though the objective's own files did not change
    path = example_repo / "maxaiconfigs" / "environments.json"
    data = json.loads(path.read_text())
    data["environments"]["dev"]["dag_id_prefix"] = "development."
    path.write_text(json.dumps(data))
    assert load_objective(example_repo, *EU, env="dev").dag_id == "development.retail.demand_forecast.stores_eu"


@pytest.mark.filterwarnings("error")  # a copy served from the parse cache once printed a Pydantic warning
def test_show_takes_env_and_user(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(2):  # the second is served from the parse cache
        assert main(["show", "--root", str(repo), "--env", "dev", "--user", "alice", *CARDS, "--json"]) == 0
        shown = json.loads(capsys.readouterr().out)
    assert shown["dag_id"] == "dev.finance.fraud_scoring.cards__alice"
    assert shown["deployment"]["environment"] == "dev"
    assert shown["dag"]["schedule"] is None
    assert main(["show", "--root", str(repo), *CARDS]) == 0  # the flags applied to that command only
    text = capsys.readouterr().out
    assert text.splitlines()[0] == "finance.fraud_scoring.cards"
    assert "  env:      prod   upon creation: unpaused" in text
