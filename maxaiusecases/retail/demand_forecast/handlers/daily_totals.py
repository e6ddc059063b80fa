"""Units sold and revenue per store and day, from the cleaned sales of the same logical date."""

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from maxai.runtime import current_task


def main() -> None:
    task = current_task()
    if task.skip_if_done():
        return
    spark = SparkSession.builder.appName(f"{task.dag_id}.{task.task}").getOrCreate()
    sales = spark.read.parquet(task.input_path(dated=True))
    totals = sales.groupBy("date", "store", "region").agg(
        F.sum("quantity").alias("units"),
        F.round(F.sum(F.col("quantity") * F.col("unit_price")), 2).alias("revenue"),
    )
    totals.write.mode("overwrite").parquet(task.output_path())
    spark.stop()


if __name__ == "__main__":
    main()
