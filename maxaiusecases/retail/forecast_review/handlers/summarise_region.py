"""One region's forecast, per store: the units forecast over the whole horizon.

Runs once per region (``for_each`` in py_config.json): ``task.args["region"]`` names the input to read,
and ``output_path()`` ends in ``region=<region>`` so the next tasks read all regions as one dataset.
"""

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from maxai.runtime import current_task


def main() -> None:
    task = current_task()
    if task.skip_if_done():
        return
    region = task.args["region"]
    spark = SparkSession.builder.appName(f"{task.dag_id}.{task.task}.{region}").getOrCreate()
    forecast = spark.read.parquet(task.input_path(region, dated=True))
    # the region is the partition folder: a column of the same name would clash with it on reading
    totals = forecast.groupBy("store").agg(F.round(F.sum("forecast_units"), 2).alias("total_units"))
    totals.write.mode("overwrite").parquet(task.output_path())
    spark.stop()


if __name__ == "__main__":
    main()
