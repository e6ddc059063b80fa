"""Failures under the real scheduler: a task killed mid-run (scenario 4), a cleared task (scenario 5),
KubernetesPod tasks with no cluster (scenario 8)."""

from __future__ import annotations

import os
import signal

import pytest

from .api import AirflowAPI
from .conftest import KILLED_ROWS, PROBE_OBJECTIVES, RealServices, probe_output
from .outputs import Output
from .services import SESSION_VARIABLE, cmdline_of, find_processes, wait_for
from .test_manual_runs import run_date

pytestmark = pytest.mark.real_services


def test_task_killed_mid_run_is_retried_to_success_without_duplicated_output(
    api: AirflowAPI, real_services: RealServices
) -> None:
    dag_id = "tier.probe.killed"
    api.wait_for_dag(dag_id)
    api.unpause(dag_id)
    run = api.trigger(dag_id)
    run_id = run["dag_run_id"]
    output = Output(real_services.data / probe_output("killed"))
    # The first attempt leaves a marker, then one partition of its write job sleeps in its executor.
    wait_for("the first attempt to start writing", lambda: list(real_services.holds.glob("*.held")), timeout=180)
    wait_for("the write job's temporary files", output.leftovers, timeout=120)

    def spark_submit() -> list[int]:
        candidates = find_processes(
            **{SESSION_VARIABLE: real_services.session, "MAXAI_RUN_ID": run_id, "MAXAI_TASK": "write_rows"}
        )
        return [pid for pid in candidates if "org.apache.spark.deploy.SparkSubmit" in cmdline_of(pid)]

    pids = wait_for("the task's spark-submit process", spark_submit, timeout=30)
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    finished = api.wait_for_run(dag_id, run_id, timeout=300)
    api.pause(dag_id)
    assert finished["state"] == "success", api.failure_report(dag_id, run_id)
    instance = api.task_instance(dag_id, run_id, "write_rows")
    assert instance["state"] == "success" and instance["try_number"] == 2, instance
    first_try = api.task_log(dag_id, run_id, "write_rows", 1)
    assert "-9" in first_try or "SIGKILL" in first_try or "Killed" in first_try, first_try[-3000:]
    output.assert_single(run_date(finished), rows=KILLED_ROWS)


def test_cleared_task_reruns_and_leaves_one_copy(api: AirflowAPI, real_services: RealServices) -> None:
    dag_id = "tier.probe.cleared"
    rows = PROBE_OBJECTIVES["cleared"]["write_rows"]["args"]["rows"]
    api.wait_for_dag(dag_id)
    api.unpause(dag_id)
    run = api.trigger(dag_id)
    run_id = run["dag_run_id"]
    finished = api.assert_success(dag_id, run_id)
    day = run_date(finished)
    output = Output(real_services.data / probe_output("cleared"))
    output.assert_single(day, rows=rows)
    first_files = output.data_files(day)

    cleared = api.clear(dag_id, run_id, ["write_rows"])
    assert [ti["task_id"] for ti in cleared["task_instances"]] == ["write_rows"], cleared

    def rerun_done() -> bool:
        instance = api.task_instance(dag_id, run_id, "write_rows")
        return instance["try_number"] >= 2 and instance["state"] in ("success", "failed")

    wait_for("the cleared task to run again", rerun_done, timeout=300)
    finished = api.assert_success(dag_id, run_id)
    api.pause(dag_id)
    assert api.task_instance(dag_id, run_id, "write_rows")["try_number"] == 2
    output.assert_single(day, rows=rows)
    # force is set on this task: the re-run rewrote the partition (Spark names part files per job).
    assert output.data_files(day) != first_files, output.describe()


def test_pod_tasks_without_a_cluster_fail_loudly(api: AirflowAPI, real_services: RealServices) -> None:
    dag_id = "finance.fraud_scoring.no_cluster"
    api.wait_for_dag(dag_id)
    api.unpause(dag_id)
    run = api.trigger(dag_id)
    run_id = run["dag_run_id"]
    finished = api.wait_for_run(dag_id, run_id, timeout=300)
    api.pause(dag_id)
    states = api.task_states(dag_id, run_id)
    assert finished["state"] == "failed", (finished, states)
    assert states == {
        "extract_transactions": "failed",
        "score_transactions": "upstream_failed",
        "report_alerts": "upstream_failed",
    }, states
    log = api.task_log(dag_id, run_id, "extract_transactions", 1)
    assert "kube" in log.lower() or "config" in log.lower(), log[-3000:]
    assert "success" not in {ti["state"] for ti in api.task_instances(dag_id, run_id)}
