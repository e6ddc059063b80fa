"""Config -> Airflow DAG. The only layer that imports Airflow."""

from maxai.factory.dag import build_dag, dag_from_config
from maxai.factory.operators import kubepod_arguments, spark_arguments

__all__ = ["build_dag", "dag_from_config", "kubepod_arguments", "spark_arguments"]
