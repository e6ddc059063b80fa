# airflow DAG for retail / demand_model / weekly, built by maxai from maxaiconfigs/retail/demand_model/weekly/
# The operator imports let Airflow's dag-processor import them once, before it forks a parser per file.
import airflow.providers.apache.spark.operators.spark_submit  # noqa: F401
import airflow.providers.cncf.kubernetes.operators.pod  # noqa: F401
from maxai import build_dag

dag = build_dag("retail", "demand_model", "weekly")
