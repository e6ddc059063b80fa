"""Per-store features from raw sales: mean daily units, weekend uplift, mean unit price.

Written as CSV so that the pod handlers downstream need nothing but the standard library.
"""

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from maxai.runtime import current_task


def main() -> None:
    task = current_task()
    if task.skip_if_done():
        return
    spark = SparkSession.builder.appName(f"{task.dag_id}.{task.task}").getOrCreate()
    raw = spark.read.option("header", True).csv(task.input_path())
    sales = raw.select(
        F.expr("try_cast(date AS DATE)").alias("date"),
        "store",
        F.expr("try_cast(quantity AS INT)").alias("quantity"),
        F.expr("try_cast(unit_price AS DOUBLE)").alias("unit_price"),
    ).where(
        F.col("date").isNotNull()
        & (F.col("quantity") >= 0)
        & (F.col("date") <= F.lit(task.run_date))
    )
    daily = sales.groupBy("store", "date").agg(
        F.sum("quantity").alias("units"), F.avg("unit_price").alias("price")
    )
    weekend = F.dayofweek("date").isin(1, 7)
    features = daily.groupBy("store").agg(
        F.round(F.avg("units"), 3).alias("mean_daily_units"),
        F.round(
            F.avg(F.when(weekend, F.col("units"))) / F.avg(F.when(~weekend, F.col("units"))), 3
        ).alias("weekend_uplift"),
        F.round(F.avg("price"), 3).alias("mean_unit_price"),
    )
    features.coalesce(1).orderBy("store").write.mode("overwrite").option("header", True).csv(task.output_path())
    spark.stop()


if __name__ == "__main__":
    main()
