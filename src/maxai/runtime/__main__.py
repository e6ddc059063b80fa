"""``python -m maxai.runtime``: call the task's py_config ``function`` with its ``args``.

The generic entry point for pod tasks: ``"cmds": ["python", "-m", "maxai.runtime"]``.
The function receives the TaskContext first, then its ``args`` as keyword arguments.
"""

from __future__ import annotations

import sys

from maxai.runtime.task import TaskContextError, current_task


def main() -> int:
    try:
        task = current_task()
        print(f"maxai: {task.dag_id} / {task.task} for {task.logical_date} -> {task.params.function}", flush=True)
        task.call_handler(task)
    except TaskContextError as error:
        print(f"maxai: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
