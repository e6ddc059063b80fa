# airflow DAG for retail / forecast_review / daily, built by maxai from maxaiconfigs/retail/forecast_review/daily/
# The operator imports let Airflow's dag-processor import them once, before it forks a parser per file.
import airflow.providers.apache.spark.operators.spark_submit  # noqa: F401
import airflow.providers.cncf.kubernetes.operators.pod  # noqa: F401
from maxai import build_dag

dag = build_dag("retail", "forecast_review", "daily")
