# airflow DAG for retail / demand_forecast / stores_eu, built by maxai from maxaiconfigs/retail/demand_forecast/stores_eu/
from maxai import build_dag

dag = build_dag("retail", "demand_forecast", "stores_eu")
