# airflow DAG for finance / fraud_scoring / wire_transfers, built by maxai from maxaiconfigs/finance/fraud_scoring/wire_transfers/
from maxai import build_dag

dag = build_dag("finance", "fraud_scoring", "wire_transfers")
