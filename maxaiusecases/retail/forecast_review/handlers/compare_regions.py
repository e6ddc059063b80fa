"""Each region's share of the forecast units, from the per-store totals of every region."""

from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F

from maxai.runtime import current_task


def main() -> None:
    task = current_task()
    if task.skip_if_done():
        return
    spark = SparkSession.builder.appName(f"{task.dag_id}.{task.task}").getOrCreate()
    totals = spark.read.parquet(task.input_path(dated=True))  # region=<r>/ folders give the region column
    regions = totals.groupBy("region").agg(
        F.count("store").alias("stores"), F.round(F.sum("total_units"), 2).alias("units")
    )
    shares = regions.withColumn("share", F.round(F.col("units") / F.sum("units").over(Window.partitionBy()), 4))
    shares.coalesce(1).write.mode("overwrite").json(task.output_path())
    spark.stop()


if __name__ == "__main__":
    main()
