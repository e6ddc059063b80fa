"""Clean the raw sales export: typed columns, broken rows dropped, configured regions kept.

py_config: input (CSV export), output (Parquet, partitioned by logical date),
args.regions (optional list of regions to keep).
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
    # try_cast: exports contain empty and malformed values, and Spark 4 runs in ANSI mode.
    typed = raw.select(
        F.expr("try_cast(date AS DATE)").alias("date"),
        F.col("store"),
        F.col("region"),
        F.col("product"),
        F.expr("try_cast(quantity AS INT)").alias("quantity"),
        F.expr("try_cast(unit_price AS DOUBLE)").alias("unit_price"),
    )
    clean = typed.where(
        F.col("date").isNotNull()
        & F.col("quantity").isNotNull()
        & (F.col("quantity") >= 0)
        & F.col("unit_price").isNotNull()
        & (F.col("date") <= F.lit(task.run_date))
    )
    regions = task.args.get("regions")
    if regions:
        clean = clean.where(F.col("region").isin(list(regions)))
    clean.write.mode("overwrite").parquet(task.output_path())
    spark.stop()


if __name__ == "__main__":
    main()
