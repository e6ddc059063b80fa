"""A small client of Airflow's REST API v2, for driving the real scheduler the way a user's tools do."""

from __future__ import annotations

import time
from typing import Any

import httpx

TERMINAL_RUN_STATES = frozenset({"success", "failed"})
FINISHED_TASK_STATES = frozenset({"success", "failed", "skipped", "upstream_failed", "removed"})


class AirflowAPIError(AssertionError):
    pass


class AirflowAPI:
    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url = base_url
        token = httpx.post(f"{base_url}/auth/token", json={"username": username, "password": password}, timeout=30)
        if token.status_code not in (200, 201):
            raise AirflowAPIError(f"POST /auth/token answered {token.status_code}: {token.text}")
        self.client = httpx.Client(
            base_url=f"{base_url}/api/v2",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
            timeout=60,
        )

    def close(self) -> None:
        self.client.close()

    def request(self, method: str, path: str, *, expect: tuple[int, ...] = (200,), **kwargs: Any) -> Any:
        response = self.client.request(method, path, **kwargs)
        if response.status_code not in expect:
            raise AirflowAPIError(f"{method} {path} answered {response.status_code}: {response.text[:2000]}")
        if not response.content:
            return None
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.text

    # --- DAGs ---

    def dag(self, dag_id: str) -> dict[str, Any] | None:
        response = self.client.get(f"/dags/{dag_id}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise AirflowAPIError(f"GET /dags/{dag_id} answered {response.status_code}: {response.text}")
        result: dict[str, Any] = response.json()
        return result

    def dag_ids(self) -> list[str]:
        return sorted(dag["dag_id"] for dag in self.request("GET", "/dags", params={"limit": 1000})["dags"])

    def tasks(self, dag_id: str) -> list[str]:
        return sorted(task["task_id"] for task in self.request("GET", f"/dags/{dag_id}/tasks")["tasks"])

    def import_errors(self) -> list[dict[str, Any]]:
        errors: list[dict[str, Any]] = self.request("GET", "/importErrors", params={"limit": 1000})["import_errors"]
        return errors

    def wait_for_dag(self, dag_id: str, timeout: float = 120) -> dict[str, Any]:
        """Until the dag-processor has parsed ``dag_id``; an import error naming it fails at once."""
        deadline = time.monotonic() + timeout
        while True:
            dag = self.dag(dag_id)
            if dag is not None:
                return dag
            if time.monotonic() > deadline:
                raise AirflowAPIError(
                    f"DAG {dag_id} not parsed after {timeout:.0f}s; import errors: {self.import_errors()}"
                )
            time.sleep(1)

    def unpause(self, dag_id: str) -> None:
        self.request("PATCH", f"/dags/{dag_id}", json={"is_paused": False})

    def pause(self, dag_id: str) -> None:
        self.request("PATCH", f"/dags/{dag_id}", json={"is_paused": True})

    # --- runs ---

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"logical_date": None, **fields}
        if conf is not None:
            body["conf"] = conf
        run: dict[str, Any] = self.request("POST", f"/dags/{dag_id}/dagRuns", json=body)
        return run

    def run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        run: dict[str, Any] = self.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}")
        return run

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        runs: list[dict[str, Any]] = self.request(
            "GET", f"/dags/{dag_id}/dagRuns", params={"limit": 100, "order_by": "run_after"}
        )["dag_runs"]
        return runs

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 300, *, check: Any = None) -> dict[str, Any]:
        """Poll the run until it is success or failed; on timeout, the assertion names its tasks' states."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.run(dag_id, run_id)
            if run["state"] in TERMINAL_RUN_STATES:
                return run
            if check is not None:
                check()
            if time.monotonic() > deadline:
                raise AirflowAPIError(
                    f"run {run_id} of {dag_id} still {run['state']} after {timeout:.0f}s; "
                    f"tasks: {self.task_states(dag_id, run_id)}"
                )
            time.sleep(1)

    # --- task instances ---

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        instances: list[dict[str, Any]] = self.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")[
            "task_instances"
        ]
        return instances

    def task_instance(self, dag_id: str, run_id: str, task_id: str) -> dict[str, Any]:
        instance: dict[str, Any] = self.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}")
        return instance

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str | None]:
        return {ti["task_id"]: ti["state"] for ti in self.task_instances(dag_id, run_id)}

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int) -> str:
        """One try's log as text: each structured entry's event (and reason), with its exceptions' types and messages."""
        content = self.request(
            "GET",
            f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}",
            params={"full_content": "true"},
            headers={"Accept": "application/json"},
        )["content"]
        lines = []
        for entry in content:
            if not isinstance(entry, dict):
                lines.append(str(entry))
                continue
            line = f"{entry.get('level', '')} {entry.get('event', '')}".strip()
            # a skipped task says why in a field of its own ("Skipping task.", reason=...)
            lines.append(f"{line}: {entry['reason']}" if entry.get("reason") else line)
            for error in entry.get("error_detail") or []:
                if isinstance(error, dict):
                    lines.append(f"  {error.get('exc_type')}: {error.get('exc_value')}")
        return "\n".join(lines)

    def failure_report(self, dag_id: str, run_id: str, lines: int = 60) -> str:
        """Every task's state, with the end of the log of each one that did not succeed."""
        parts = []
        for ti in self.task_instances(dag_id, run_id):
            parts.append(f"{ti['task_id']}: {ti['state']} (try {ti['try_number']})")
            if ti["state"] != "success" and ti["try_number"]:
                try:
                    text = self.task_log(dag_id, run_id, ti["task_id"], ti["try_number"])
                except AirflowAPIError as error:
                    text = str(error)
                parts.append("\n".join(text.splitlines()[-lines:]))
        return "\n".join(parts)

    def assert_success(self, dag_id: str, run_id: str, timeout: float = 300) -> dict[str, Any]:
        run = self.wait_for_run(dag_id, run_id, timeout)
        if run["state"] != "success":
            raise AirflowAPIError(
                f"run {run_id} of {dag_id} ended {run['state']}:\n{self.failure_report(dag_id, run_id)}"
            )
        return run

    def run_paused_dag(self, dag_id: str, timeout: float = 300) -> dict[str, Any]:
        """Trigger ``dag_id``, unpaused only until that run succeeds (or fails the assertion)."""
        run = self.trigger(dag_id)
        self.unpause(dag_id)
        try:
            return self.assert_success(dag_id, run["dag_run_id"], timeout)
        finally:
            self.pause(dag_id)

    def clear(self, dag_id: str, run_id: str, task_ids: list[str], **fields: Any) -> Any:
        body = {"dry_run": False, "dag_run_id": run_id, "task_ids": task_ids, "only_failed": False, **fields}
        return self.request("POST", f"/dags/{dag_id}/clearTaskInstances", json=body)

    # --- backfills ---

    def backfill(self, dag_id: str, from_date: str, to_date: str, **fields: Any) -> dict[str, Any]:
        body = {"dag_id": dag_id, "from_date": from_date, "to_date": to_date, **fields}
        backfill: dict[str, Any] = self.request("POST", "/backfills", json=body)
        return backfill
