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

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from maxai.runtime.task import TaskContext, TaskContextError, current_task

__all__ = ["TaskContext", "TaskContextError", "current_task"]


def __getattr__(name: str) -> Any:
    # Imported on first use: the factory needs only maxai.runtime.context (task environment variables),
    # and a DAG built from the parse cache must not define the Pydantic models that runtime.task uses.
    if name in __all__:
        from maxai.runtime import task

        return getattr(task, name)
    raise AttributeError(f"module 'maxai.runtime' has no attribute {name!r}")
