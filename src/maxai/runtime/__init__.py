"""What driver and handler code uses at run time.

    from maxai.runtime import current_task

    task = current_task()
    if task.skip_if_done():
        return
    df = spark.read.csv(task.input_path())
    df.write.parquet(task.output_path())
    task.mark_done()

The factory gives every task its identity and its validated ``py_config`` entry through
environment variables (see :mod:`maxai.runtime.context`), so this works the same in a
spark-submit application, a Kubernetes pod or a local subprocess. Handlers never parse
config files themselves.
"""

from maxai.runtime.task import TaskContext, TaskContextError, current_task

__all__ = ["TaskContext", "TaskContextError", "current_task"]
