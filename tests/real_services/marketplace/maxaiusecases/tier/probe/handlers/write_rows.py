"""Write ``args.rows`` rows (or the run's ``rows`` param) to this run date's output partition, on whatever
master spark-submit gave; a ``for_each`` run writes to its own folder below the date.

With ``args.hold_dir``, the first attempt of a run stops in the middle of its write job (one partition
sleeps in its executor) after leaving ``<hold_dir>/<run id>.held``, so a test can kill it mid-run;
later attempts of the same run write normally.
"""

import time
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import LongType

from maxai.runtime import current_task


def _hold(value: int) -> int:
    if value == 0:
        time.sleep(600)
    return value


def main() -> None:
    task = current_task()
    day = task.run_date
    print(f"maxai-probe: {task.dag_id}.{task.task} run {task.run_id} processes {day}", flush=True)
    if task.skip_if_done():
        return
    spark = SparkSession.builder.appName(f"{task.dag_id}.{task.task}").getOrCreate()
    rows = int(task.run_params.get("rows", task.args.get("rows", 10)))  # a DAG param wins over args
    frame = spark.range(rows, numPartitions=2).withColumn("ds", F.lit(day.isoformat()))
    hold_dir = task.args.get("hold_dir")
    if hold_dir:
        marker = Path(hold_dir) / f"{task.run_id.replace(':', '_').replace('+', '_')}.held"
        if not marker.exists():
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(task.run_id)
            frame = frame.withColumn("id", F.udf(_hold, LongType())(F.col("id")))
    frame.write.mode("overwrite").parquet(task.output_path())
    spark.stop()


if __name__ == "__main__":
    main()
