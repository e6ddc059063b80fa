"""The stores with the highest forecast across regions; how many is the run's ``top_stores`` param."""

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from maxai.runtime import current_task


def main() -> None:
    task = current_task()
    if task.skip_if_done():
        return
    top = int(task.run_params.get("top_stores", 3))
    spark = SparkSession.builder.appName(f"{task.dag_id}.{task.task}").getOrCreate()
    totals = spark.read.parquet(task.input_path(dated=True))
    ranked = totals.orderBy(F.col("total_units").desc(), "store").limit(top)
    ranked.coalesce(1).write.mode("overwrite").json(task.output_path())
    print(f"ranked the top {top} stores", flush=True)
    spark.stop()


if __name__ == "__main__":
    main()
