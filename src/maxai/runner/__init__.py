"""Run objectives on one machine: a local Airflow home, Spark in local[*], pods as subprocesses."""
