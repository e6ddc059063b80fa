"""The ``kubepod`` kind: ``kubepod_config.json`` tasks, each a KubernetesPodOperator."""

from maxai.kinds.api import TaskKind

KIND = TaskKind(
    name="kubepod",
    model="maxai.config.kubepod_model:KubePodConfigFile",
    build="maxai.kinds.kubepod.operator:build",
    operator_name="KubernetesPodOperator",
    label="KubernetesPod",
    fill="#dbe8fb",
    stroke="#326ce5",
    section="conf",
    clean="maxai.config.sections:clean_kubepod",
    check_data="maxai.config.sections:check_pod_objects",
    integrity="maxai.kinds.kubepod.operator:integrity_problems",
    calls_function=True,
)
