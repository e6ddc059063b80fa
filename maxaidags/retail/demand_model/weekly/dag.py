# airflow DAG for retail / demand_model / weekly, built by maxai from maxaiconfigs/retail/demand_model/weekly/
from maxai import build_dag

dag = build_dag("retail", "demand_model", "weekly")
