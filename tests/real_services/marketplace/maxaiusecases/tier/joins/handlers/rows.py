"""A branch writes ``args.rows`` rows tagged with its task name; the join (a task with inputs) unions this
date's partition of every input and writes the result. The ``fail`` param names a task that should fail."""

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from maxai.runtime import current_task


def main() -> None:
    task = current_task()
    if task.run_params.get("fail") == task.task:
        raise SystemExit(f"maxai-probe: {task.task} fails, as the run's fail param asks")
    spark = SparkSession.builder.appName(f"{task.dag_id}.{task.task}").getOrCreate()
    day = task.run_date.isoformat()
    if task.task == "join":
        left, right = (spark.read.parquet(task.input_path(name, dated=True)) for name in ("left", "right"))
        frame = left.unionByName(right)
    else:
        rows = int(task.args["rows"])
        frame = spark.range(rows, numPartitions=2).withColumn("source", F.lit(task.task))
    frame.withColumn("ds", F.lit(day)).write.mode("overwrite").parquet(task.output_path())
    spark.stop()


if __name__ == "__main__":
    main()
