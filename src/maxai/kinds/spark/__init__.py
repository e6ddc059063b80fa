"""The ``spark`` kind: ``spark_config.json`` tasks, each a SparkSubmitOperator."""

from maxai.kinds.api import TaskKind

KIND = TaskKind(
    name="spark",
    model="maxai.config.models:SparkConfigFile",
    build="maxai.kinds.spark.operator:build",
    operator_name="SparkSubmitOperator",
    label="SparkSubmit",
    fill="#fde9d9",
    stroke="#e25a1c",
    section="spark_submit_conf",
    arguments="maxai.kinds.spark.config:task_arguments",
    normalise="maxai.kinds.spark.config:normalise_keys",
    clean="maxai.config.sections:clean_spark",
    check="maxai.kinds.spark.config:check",
    schema="maxai.kinds.spark.config:add_dashed_spellings",
    integrity="maxai.kinds.spark.operator:integrity_problems",
    no_function="is a Spark task: it runs its application",
)
