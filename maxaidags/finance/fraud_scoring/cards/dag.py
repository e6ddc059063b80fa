# airflow DAG for finance / fraud_scoring / cards, built by maxai from maxaiconfigs/finance/fraud_scoring/cards/
from maxai import build_dag

dag = build_dag("finance", "fraud_scoring", "cards")
