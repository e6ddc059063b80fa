# airflow DAG for retail / store_segments / weekly, built by maxai from maxaiconfigs/retail/store_segments/weekly/
from maxai import build_dag

dag = build_dag("retail", "store_segments", "weekly")
