"""What a DAG parse needs, imported once: ``import maxai.preload`` in ``airflow_local_settings.py``.

Airflow imports that file in every process as it starts, so the dag-processor holds maxai before it forks a
parser per DAG file and no parser imports it again (docs/airflow.rst, "Parse cost with many DAGs"). Its own
pre-import only covers ``airflow.*`` modules named in the DAG file.
"""

from __future__ import annotations

import maxai.config.loader  # a parse that misses the cache validates the config
import maxai.factory.dag  # noqa: F401
from maxai.kinds.registry import BUILTIN_KINDS, kind_named

_PARSE_PARTS = ("build", "arguments", "normalise", "clean", "check_data", "check", "function_use")
"""The parts of a kind that loading or building an objective uses (not schema, integrity: CLI only)."""

for _name in BUILTIN_KINDS:
    _kind = kind_named(_name)
    _kind.file_model()
    for _part in _PARSE_PARTS:
        _kind.load(_part)
