"""The contract between the factory and a running task: environment variables.

Every task (spark-submit application, pod, local subprocess) gets the same variables,
so handler code reads its identity and parameters the same way wherever it runs.
This module imports nothing heavy: it is loaded inside Spark drivers and pods.
"""

from __future__ import annotations

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


def task_environment(
    domain: str, usecase: str, objective: str, task: str, params_json: str, data_dir: str
) -> dict[str, str]:
    """The variables the factory gives a task; ``params_json`` comes from :func:`encode_params`.

    Dates are Airflow templates rendered at run time.
    """
    return {
        ENV_DOMAIN: domain,
        ENV_USECASE: usecase,
        ENV_OBJECTIVE: objective,
        ENV_TASK: task,
        ENV_PARAMS: params_json,
        ENV_LOGICAL_DATE: "{{ ds }}",
        ENV_RUN_ID: "{{ run_id }}",
        ENV_DATA_DIR: data_dir,
    }
