"""Forecast units per store for the next days: the mean of the last ``window_days`` days.

args: window_days (history used), horizon_days (days forecast after the logical date).
"""

import datetime

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from maxai.runtime import current_task


def main() -> None:
    task = current_task()
    if task.skip_if_done():
        return
    window_days = int(task.args.get("window_days", 7))
    horizon_days = int(task.args.get("horizon_days", 7))
    spark = SparkSession.builder.appName(f"{task.dag_id}.{task.task}").getOrCreate()
    totals = spark.read.parquet(task.input_path(dated=True))
    first_day = task.run_date - datetime.timedelta(days=window_days - 1)
    recent = totals.where((F.col("date") >= F.lit(first_day)) & (F.col("date") <= F.lit(task.run_date)))
    level = recent.groupBy("store", "region").agg(F.round(F.avg("units"), 2).alias("forecast_units"))
    horizon = spark.createDataFrame(
        [(task.run_date + datetime.timedelta(days=offset),) for offset in range(1, horizon_days + 1)],
        "forecast_date DATE",
    )
    forecast = level.crossJoin(horizon).select("forecast_date", "store", "region", "forecast_units")
    forecast.write.mode("overwrite").parquet(task.output_path())
    spark.stop()


if __name__ == "__main__":
    main()
