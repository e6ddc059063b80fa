"""Task kinds: what a task entry is, which file declares it, and which Airflow operator runs it.

``spark`` (SparkSubmitOperator), ``kubepod`` (KubernetesPodOperator) and ``model`` (MLflow steps) are built in; a package adds a
kind by declaring a :class:`TaskKind` under the entry-point group ``maxai.task_kinds``.
"""

from maxai.kinds.api import KindContext, TaskKind
from maxai.kinds.containers import ContainerRequest, ContainerStep, SecretKey, UpstreamValue
from maxai.kinds.registry import ENTRY_POINT_GROUP, KindError, kind_config_files, kind_named, task_kinds

__all__ = [
    "ENTRY_POINT_GROUP",
    "ContainerRequest",
    "ContainerStep",
    "KindContext",
    "KindError",
    "SecretKey",
    "TaskKind",
    "UpstreamValue",
    "kind_config_files",
    "kind_named",
    "task_kinds",
]
