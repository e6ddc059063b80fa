"""Task kinds: what a task entry is, which file declares it, and which Airflow operator runs it.

``spark`` (SparkSubmitOperator) and ``kubepod`` (KubernetesPodOperator) are built in; a package adds a
kind by declaring a :class:`TaskKind` under the entry-point group ``maxai.task_kinds``.
"""

from maxai.kinds.api import KindContext, TaskKind
from maxai.kinds.registry import ENTRY_POINT_GROUP, KindError, kind_config_files, kind_named, task_kinds

__all__ = [
    "ENTRY_POINT_GROUP",
    "KindContext",
    "KindError",
    "TaskKind",
    "kind_config_files",
    "kind_named",
    "task_kinds",
]
