"""The ``model`` kind: ``model_config.json`` steps that train, register and deploy a model tracked in MLflow."""

from maxai.kinds.api import TaskKind

KIND = TaskKind(
    name="model",
    model="maxai.kinds.model.config:ModelConfigFile",
    build="maxai.kinds.model.operators:build",
    operator_name="MLflow model step",
    label="MLflow",
    fill="#e3f2fd",
    stroke="#0194e2",
    section="model",
    check="maxai.kinds.model.config:check",
    function_use="maxai.kinds.model.config:function_use",
    arguments="maxai.kinds.model.config:task_arguments",
    container_step="maxai.kinds.model.container:container_step",
    no_function="is a model register or deploy step: it talks to MLflow only",
)
