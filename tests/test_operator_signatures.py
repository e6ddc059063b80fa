"""The config models against the installed operators: every key a config accepts is a parameter of the
operator it configures, and every operator parameter a config does not accept is named in the docs.

A provider upgrade that renames or removes a parameter fails here instead of at a user's DAG import, and
one that adds a parameter asks for a decision (accept it, or list it as not accepted).
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.airflow


def _parameters(cls: type) -> set[str]:
    found: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        for name, parameter in inspect.signature(init).parameters.items():
            if name != "self" and parameter.kind in (parameter.KEYWORD_ONLY, parameter.POSITIONAL_OR_KEYWORD):
                found.add(name)
    return found


def _documented_as_not_accepted(repo: Path, operator: str) -> set[str]:
    text = (repo / "docs/configuration.rst").read_text(encoding="utf-8")
    section = text.split(f"Not accepted from ``{operator}``", 1)[1].split("\n\n", 2)[1]
    return set(re.findall(r"``(\w+)``", section))


def _operators() -> list[tuple[str, type, set[str]]]:
    from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

    from maxai.config.kubepod_model import KubePodConf
    from maxai.config.models import SparkSubmitConf

    return [
        ("SparkSubmitOperator", SparkSubmitOperator, set(SparkSubmitConf.model_fields)),
        ("KubernetesPodOperator", KubernetesPodOperator, set(KubePodConf.model_fields)),
    ]


@pytest.mark.parametrize("index", [0, 1], ids=["spark", "kubepod"])
def test_every_config_key_is_an_operator_parameter(airflow_db: Path, index: int) -> None:
    name, operator, accepted = _operators()[index]
    assert accepted - _parameters(operator) == set(), f"keys {name} does not take"


@pytest.mark.parametrize("index", [0, 1], ids=["spark", "kubepod"])
def test_operator_parameters_not_accepted_are_documented(airflow_db: Path, repo: Path, index: int) -> None:
    from airflow.sdk import BaseOperator

    name, operator, accepted = _operators()[index]
    not_accepted = _parameters(operator) - accepted - _parameters(BaseOperator)
    documented = _documented_as_not_accepted(repo, name)
    assert not_accepted - documented == set(), f"new {name} parameters: accept them or list them in the docs"
    assert documented - not_accepted == set(), f"listed as not accepted but no longer {name} parameters"
