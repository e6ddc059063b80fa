# airflow DAG for retail / demand_forecast / stores_us, built by maxai from maxaiconfigs/retail/demand_forecast/stores_us/
from maxai import build_dag

dag = build_dag("retail", "demand_forecast", "stores_us")
