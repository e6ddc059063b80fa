"""`maxai render kubeflow` of pod tasks taking whole ConfigMaps and Secrets as environment (``env_from``,
``configmaps``, a Secret without key): each is mounted under /maxai/env-from and the wrapper, run here for real
with sh against folders laid out as the kubelet lays out a mounted ConfigMap, makes its files variables with
envFrom's rules. And the run-level service account of finance.fraud_scoring.wire_transfers."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format

from maxai.config import load_objective
from maxai.errors import ConfigError
from maxai.render.kubeflow import kubeflow_documents, render_kubeflow
from maxai.render.kubeflow_env_from import ENV_FROM_ROOT
from tests.render_schemas import kubernetes_executor_config

WIRES = ("finance", "fraud_scoring", "wire_transfers")
PODS = "maxaiconfigs/finance/fraud_scoring/kubepod_config.json"
KUBELET_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")  # IsEnvVarName, which the kubelet applies to envFrom keys
RUN_INPUTS = ["2026-03-02", "false", "manual", "2026-03-02T00:15:00Z", "run-7"]


def _executors(documents: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    executors = documents[0]["deploymentSpec"]["executors"]
    return executors, documents[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]


def test_wire_transfers_renders_its_config_map_as_a_mounted_environment(repo: Path) -> None:
    rendered = render_kubeflow(load_objective(repo, *WIRES))
    documents, _ = kubeflow_documents(load_objective(repo, *WIRES))
    _, platform = _executors(documents)
    extract = platform["exec-extract-transactions"]
    assert extract["configMapAsVolume"] == [
        {
            "configMapName": "finance-endpoints",
            "configMapNameParameter": {"runtimeValue": {"constant": "finance-endpoints"}},
            "mountPath": f"{ENV_FROM_ROOT}/configmap-finance-endpoints",
            "optional": False,
        }
    ]
    json_format.ParseDict(extract, kubernetes_executor_config().KubernetesExecutorConfig())
    assert "configMapAsVolume" not in platform["exec-score-transactions"]
    notes = {note.path: note.message for note in rendered.notes}
    account = notes[("tasks", 0, "conf", "service_account_name")]
    assert "create the runs with 'maxai-finance'" in account and "'report_alerts'" in account
    assert "'score_transactions'" not in account  # it names the same account
    with pytest.raises(ConfigError):
        render_kubeflow(load_objective(repo, *WIRES), strict=True)


def _mounted(folder: Path, data: dict[str, str]) -> None:
    """A ConfigMap or Secret volume as the kubelet writes it (AtomicWriter): the files in a timestamped folder,
    ``..data`` pointing at it, and each key a link through ``..data``."""
    stamp = folder / "..2026_03_02_00_14_59.000000001"
    stamp.mkdir(parents=True)
    (folder / "..data").symlink_to(stamp.name)
    for key, value in data.items():
        (stamp / key).write_text(value, encoding="utf-8")
        (folder / key).symlink_to(f"..data/{key}")


ENDPOINTS = {
    "API_URL": "https://ledger.example/a b?q=\"1\"&r='2'",
    "NOTE": "line one\nline two\n\n",
    "DOLLARS": "$HOME `id` \\ $(id) end",
    "1ST_KEY": "skipped: a variable name cannot start with a digit",
    "db.host": "db.internal",
    ".hidden": "dot",
    "-dash": "dash",
    "SHARED": "from finance-endpoints",
    "MAXAI_DATA_DIR": "/elsewhere",  # the task's env_vars name it: env wins
    "MAXAI_RUN_DATE": "1999-01-01",  # a run variable: the wrapper's own wins
    "LEDGER_DB_PASSWORD": "not the Secret's",  # a Secret key as variable: declared, it wins
    "KFP_POD_NAME": "not the pod's",  # Kubeflow's own variable
    "FROM_IMAGE": "from finance-endpoints",  # a variable of the image, not declared: envFrom wins
}


@pytest.mark.parametrize("shell", ["sh", "bash"])  # dash here, and bash, which images often have as sh
def test_the_wrapper_sets_envfrom_variables_as_the_kubelet_does(
    example_repo: Path, edit_json: Any, tmp_path: Path, shell: str
) -> None:
    def sources(data: dict[str, Any]) -> None:
        conf = data["tasks"][0]["conf"]
        conf["env_from"] += [
            {"secretRef": {"name": "ledger-api"}, "prefix": "LEDGER_"},
            {"configMapRef": {"name": "absent", "optional": True}},
        ]
        conf["configmaps"] = ["finance-overrides"]  # after env_from, as the KubernetesPodOperator adds it

    edit_json(PODS, sources)
    documents, _ = kubeflow_documents(load_objective(example_repo, *WIRES))
    executors, platform = _executors(documents)
    config = platform["exec-extract-transactions"]
    json_format.ParseDict(config, kubernetes_executor_config().KubernetesExecutorConfig())
    assert [(entry["configMapName"], entry["optional"]) for entry in config["configMapAsVolume"]] == [
        ("finance-endpoints", False),
        ("absent", True),
        ("finance-overrides", False),
    ]
    assert config["secretAsVolume"][0]["mountPath"] == f"{ENV_FROM_ROOT}/secret-ledger-api"
    mounts = tmp_path / "mounts"
    _mounted(mounts / "configmap-finance-endpoints", ENDPOINTS)
    _mounted(mounts / "secret-ledger-api", {"token": "s3cr3t=x", "9": "nine", "SHARED": "from ledger-api"})
    _mounted(mounts / "configmap-absent", {})  # an optional object that does not exist: the kubelet mounts it empty
    _mounted(mounts / "configmap-finance-overrides", {"SHARED": "from finance-overrides"})

    container = executors["exec-extract-transactions"]["container"]
    script = container["command"][2].replace(ENV_FROM_ROOT, str(mounts))
    declared = {item["name"]: item["value"] for item in container["env"]}
    pod_env = {  # what Kubernetes and the image put in the container's environment before the wrapper runs
        "PATH": os.environ["PATH"],
        **declared,
        "LEDGER_DB_PASSWORD": "the Secret's",
        "KFP_POD_NAME": "wire-transfers-abc",
        "FROM_IMAGE": "from the image",
    }
    probe = "import json, os; print(json.dumps(dict(os.environ)))"
    result = subprocess.run(
        [shell, "-c", script, "maxai", *RUN_INPUTS, sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=pod_env,
        check=True,
    )
    environment = json.loads(result.stdout)
    from_sources = {key: value for key, value in ENDPOINTS.items() if KUBELET_NAME.fullmatch(key)}
    from_sources.update(
        {"LEDGER_token": "s3cr3t=x", "LEDGER_9": "nine", "LEDGER_SHARED": "from ledger-api"},
        SHARED="from finance-overrides",  # a later source wins
    )
    for name in ("MAXAI_DATA_DIR", "MAXAI_RUN_DATE", "LEDGER_DB_PASSWORD", "KFP_POD_NAME"):
        del from_sources[name]  # declared: their own values stay
    assert {key: environment.get(key) for key in from_sources} == from_sources
    assert "1ST_KEY" not in environment and "..data" not in environment
    assert environment["MAXAI_DATA_DIR"] == declared["MAXAI_DATA_DIR"] == "/data"
    assert environment["MAXAI_RUN_DATE"] == "2026-03-02"
    assert (environment["LEDGER_DB_PASSWORD"], environment["KFP_POD_NAME"]) == ("the Secret's", "wire-transfers-abc")
    assert environment["FROM_IMAGE"] == "from finance-endpoints"


def test_an_object_the_task_mounts_already_is_read_where_it_is(example_repo: Path, edit_json: Any) -> None:
    def mount_too(data: dict[str, Any]) -> None:
        conf = data["tasks"][0]["conf"]
        conf["volumes"].append({"name": "endpoints", "configMap": {"name": "finance-endpoints", "optional": True}})
        conf["volume_mounts"].append({"name": "endpoints", "mountPath": "/etc/endpoints"})
        conf["secrets"].append({"deploy_type": "env", "deploy_target": None, "secret": "ledger-api"})

    edit_json(PODS, mount_too)
    documents, _ = kubeflow_documents(load_objective(example_repo, *WIRES))
    executors, platform = _executors(documents)
    config = platform["exec-extract-transactions"]
    # Kubeflow names the pod's volume after the ConfigMap: one mount, required as envFrom requires it
    assert [(e["mountPath"], e["optional"]) for e in config["configMapAsVolume"]] == [("/etc/endpoints", False)]
    assert [e["mountPath"] for e in config["secretAsVolume"]] == [f"{ENV_FROM_ROOT}/secret-ledger-api"]
    script = executors["exec-extract-transactions"]["container"]["command"][2]
    assert "/etc/endpoints/*" in script and f"{ENV_FROM_ROOT}/secret-ledger-api/*" in script


@pytest.mark.parametrize(
    ("change", "path", "reason"),
    [
        (
            lambda conf: conf["secrets"].append({"deploy_type": "env", "secret": "finance-endpoints"}),
            "tasks[0].conf.env_from[0]",
            "both a ConfigMap and a Secret named 'finance-endpoints'",
        ),
        (
            lambda conf: conf.update(cmds=["PYTHONPATH=/app", "python"]),
            "tasks[0].conf.cmds[0]",
            "a command with '='",
        ),
    ],
    ids=["same-name", "command-with-equals"],
)
def test_what_the_wrapper_cannot_do_is_refused(
    example_repo: Path, edit_json: Any, change: Any, path: str, reason: str
) -> None:
    edit_json(PODS, lambda data: change(data["tasks"][0]["conf"]))
    with pytest.raises(ConfigError) as error:
        render_kubeflow(load_objective(example_repo, *WIRES))
    problems = {problem.path_text: str(problem) for problem in error.value.problems}
    assert reason in problems[path] and problems[path].startswith(PODS)


def test_tasks_naming_different_service_accounts_are_refused(example_repo: Path, edit_json: Any) -> None:
    edit_json(PODS, lambda data: data["tasks"][2]["conf"].update(service_account_name="maxai-alerts"))
    with pytest.raises(ConfigError) as error:
        render_kubeflow(load_objective(example_repo, *WIRES))
    (problem,) = error.value.problems
    assert problem.path_text == "tasks[2].conf.service_account_name"
    assert "'extract_transactions' has 'maxai-finance' and 'report_alerts' 'maxai-alerts'" in str(problem)
