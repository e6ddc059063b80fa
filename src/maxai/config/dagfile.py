"""The canonical ``dag.py`` of an objective (what ``maxai new`` writes)."""

from __future__ import annotations

from maxai.config.layout import CONFIGS_DIR

TEMPLATE = """\
# airflow DAG for {domain} / {usecase} / {objective}, built by maxai from {configs}/{domain}/{usecase}/{objective}/
from maxai import build_dag

dag = build_dag("{domain}", "{usecase}", "{objective}")
"""


def dag_file_text(domain: str, usecase: str, objective: str) -> str:
    """The canonical dag.py of an objective (what ``maxai new`` writes)."""
    return TEMPLATE.format(domain=domain, usecase=usecase, objective=objective, configs=CONFIGS_DIR)
