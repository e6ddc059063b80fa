"""``python -m maxai.runtime [--function module:name]``: call the task's handler.

The generic entry point for pod tasks: ``"cmds": ["python", "-m", "maxai.runtime"]``.
The handler is the task's py_config ``function`` (or ``--function``); it receives the
TaskContext first, then the task's ``args`` as keyword arguments.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from maxai.runtime.task import TaskContextError, current_task


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m maxai.runtime", description=__doc__)
    parser.add_argument("--function", metavar="MODULE:NAME", help="handler to call instead of py_config's 'function'")
    args = parser.parse_args(argv)
    try:
        task = current_task()
        if args.function:
            task = task.with_function(args.function)
        print(f"maxai: {task.dag_id} / {task.task} calls {task.params.function}", flush=True)
        task.call_handler(task)
    except TaskContextError as error:
        print(f"maxai: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
