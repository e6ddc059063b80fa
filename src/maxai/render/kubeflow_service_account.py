"""A pod task's ``service_account_name`` on Kubeflow Pipelines, where a run has one service account.

Kubeflow has no service account per task: the KubernetesExecutorConfig of kfp-kubernetes has no such field, and
the API server gives the run's ``service_account`` (backend/api/v2beta1/run.proto, ``Run.service_account``) to
the whole workflow (backend/src/apiserver/template/template.go: ``setDefaultServiceAccount``), the installation's
default runner account when the run names none. So the pod tasks that name an account must name the same one;
it becomes a note telling to create the runs with it, naming the pod tasks that named none: on Airflow they ran
with their namespace's ``default`` account, on Kubeflow they run with the run's.
"""

from __future__ import annotations

from maxai.config.objective import ObjectiveConfig
from maxai.render.callback_steps import pod_task_values
from maxai.render.findings import Findings
from maxai.render.places import Places

_KEY = "service_account_name"


def run_service_account(config: ObjectiveConfig, places: Places, findings: Findings) -> None:
    """Refuses pod tasks naming different service accounts, or notes the one account the runs need."""
    pods = [task for task in config.tasks if task.kind == "kubepod"]
    named = [task for task in pods if task.arguments.get(_KEY)]
    if not named:
        return
    first = named[0]
    account = first.arguments[_KEY]
    other = next((task for task in named if task.arguments[_KEY] != account), None)
    if other is not None:
        findings.refuse(
            places.task(
                other,
                (_KEY,),
                f"not rendered for Kubeflow Pipelines: every task of a run has the run's service account, but task "
                f"{first.name!r} has {account!r} and {other.name!r} {other.arguments[_KEY]!r}",
            )
        )
        return
    unnamed = [task.name for task in pods if not task.arguments.get(_KEY)]
    others = (
        f"; the pod tasks naming none run with it too: {', '.join(map(repr, unnamed))} (on Airflow, with their "
        "namespace's default account)"
        if unnamed
        else ""
    )
    findings.note(
        places.task(
            first,
            (_KEY,),
            f"not in the Kubeflow Pipelines output: a run has one service account (Kubeflow has none per task); "
            f"create the runs with {account!r}{others}",
        )
    )


def named_service_account(config: ObjectiveConfig) -> str:
    """The service account the pod tasks name ('' if none; when they differ, ``run_service_account`` refuses)."""
    accounts = pod_task_values(config, _KEY)
    return accounts.pop() if len(accounts) == 1 else ""
