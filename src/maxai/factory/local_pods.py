"""Stand-ins for KubernetesPodOperator when there is no cluster (``maxai run``).

``LocalPodOperator`` runs the pod's command and arguments as a subprocess of this
machine with the environment the pod would get; ``SkippedPodOperator`` skips the task
and says why. Neither is used by DAG files: only by ``maxai run``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from airflow.sdk import BaseOperator

from maxai.runtime.context import ENV_DATA_DIR


class LocalPodOperator(BaseOperator):
    """Run a pod task's ``cmds`` + ``arguments`` locally (development convenience).

    What a cluster would add is not reproduced: image, resources, volumes, node
    placement and Kubernetes Secrets. ``python`` as the command means this interpreter;
    the domain's handler packages are put on ``PYTHONPATH``.
    """

    template_fields: Sequence[str] = ("cmds", "arguments", "env_vars")
    ui_color = "#d6eaf8"

    def __init__(
        self,
        *,
        image: str,
        cmds: list[str],
        arguments: list[str],
        env_vars: dict[str, str],
        handler_path: str,
        data_dir: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.image = image
        self.cmds = cmds
        self.arguments = arguments
        self.env_vars = env_vars
        self.handler_path = handler_path
        self.data_dir = data_dir

    def execute(self, context: Any) -> None:
        command = [*self.cmds, *self.arguments]
        if not command:
            raise ValueError(f"task {self.task_id}: the pod has no cmds; the image's entrypoint cannot run locally")
        if command[0] in ("python", "python3"):
            command[0] = sys.executable
        python_path = os.pathsep.join(filter(None, [self.handler_path, os.environ.get("PYTHONPATH")]))
        environment = {**os.environ, **self.env_vars, ENV_DATA_DIR: self.data_dir, "PYTHONPATH": python_path}
        self.log.info("running pod %s (image %s) locally: %s", self.task_id, self.image, " ".join(command))
        process = subprocess.Popen(
            command,
            env=environment,
            cwd=str(Path(self.handler_path)),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdout is not None
        for line in process.stdout:
            self.log.info("%s", line.rstrip())
        code = process.wait()
        if code != 0:
            raise RuntimeError(f"local pod command exited with code {code}: {' '.join(command)}")


class SkippedPodOperator(BaseOperator):
    """A pod task that cannot run here: skipped, with the reason in the log and the run summary."""

    ui_color = "#eeeeee"

    def __init__(self, *, reason: str, env_vars: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reason = reason
        self.env_vars = env_vars or {}
        """What the pod would have been given (a ``for_each`` task maps over it)."""

    def execute(self, context: Any) -> None:
        from airflow.sdk.exceptions import AirflowSkipException

        raise AirflowSkipException(self.reason)
