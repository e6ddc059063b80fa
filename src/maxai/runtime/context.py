"""The contract between the factory and a running task: environment variables.

Every task (spark-submit application, pod, local subprocess) gets the same variables,
so handler code reads its identity and parameters the same way wherever it runs.
This module imports nothing heavy: it is loaded inside Spark drivers and pods.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

ENV_DOMAIN = "MAXAI_DOMAIN"
ENV_USECASE = "MAXAI_USECASE"
ENV_OBJECTIVE = "MAXAI_OBJECTIVE"
ENV_TASK = "MAXAI_TASK"
ENV_PARAMS = "MAXAI_PARAMS"
ENV_LOGICAL_DATE = "MAXAI_LOGICAL_DATE"
ENV_RUN_ID = "MAXAI_RUN_ID"
ENV_DATA_DIR = "MAXAI_DATA_DIR"
FORCE_ENV = "MAXAI_FORCE"
"""Set to 1 (``maxai run --force``) to make every task recompute outputs that already exist."""

IDENTITY_VARIABLES = (ENV_DOMAIN, ENV_USECASE, ENV_OBJECTIVE, ENV_TASK, ENV_PARAMS, ENV_LOGICAL_DATE, ENV_RUN_ID)

# Operator env_vars are Jinja-templated by Airflow. Parameters must reach the handler
# verbatim, so every "{" that could open a Jinja tag is written as its JSON escape.
# Outside strings, JSON never puts "{", "%" or "#" right after "{".
_JINJA_OPENERS = re.compile(r"\{(?=[{%#])")


def encode_params(params: Mapping[str, Any]) -> str:
    text = json.dumps(params, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return _JINJA_OPENERS.sub(r"\\u007b", text)


def task_environment(
    domain: str, usecase: str, objective: str, task: str, params: Mapping[str, Any], data_dir: str
) -> dict[str, str]:
    """The variables the factory gives a task; dates are Airflow templates rendered at run time."""
    return {
        ENV_DOMAIN: domain,
        ENV_USECASE: usecase,
        ENV_OBJECTIVE: objective,
        ENV_TASK: task,
        ENV_PARAMS: encode_params(params),
        ENV_LOGICAL_DATE: "{{ ds }}",
        ENV_RUN_ID: "{{ run_id }}",
        ENV_DATA_DIR: data_dir,
    }
