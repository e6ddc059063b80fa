"""What each ``spark_submit_conf`` key becomes: in a SparkApplication (the Spark operator; Argo's default) and in a
spark-submit container (Kubeflow; Argo with ``--spark submit``). See ``rules`` for the kinds of handling."""

from __future__ import annotations

from dataclasses import dataclass

from maxai.render.rules import Handling, noted, refused, to, unless


@dataclass(frozen=True)
class SparkRule:
    operator: Handling
    submit: Handling


def either(handling: Handling) -> SparkRule:
    return SparkRule(handling, handling)


_KERBEROS = (
    "Kerberos files and caches of the Airflow worker have no counterpart in a cluster; remove it for this target"
)
_AIRFLOW_TRACKING = "how Airflow's operator follows the application; the target follows it itself"
_OPENLINEAGE = "Airflow's OpenLineage integration adds its own job information; there is none outside Airflow"

SPARK_RULES: dict[str, SparkRule] = {
    "application": SparkRule(
        to("spec.mainApplicationFile (local:// path in the domain's image) and spec.type"),
        to("application (local:// path in the domain's image)"),
    ),
    "conf": SparkRule(
        to(
            "spec.sparkConf; spark.kubernetes.container.image becomes spec.image, "
            "spark.kubernetes.namespace the SparkApplication's namespace"
        ),
        to("--conf; spark.kubernetes.container.image is also the container's image"),
    ),
    "conn_id": either(
        refused("an Airflow connection; outside Airflow Spark runs against the cluster's own Kubernetes API")
    ),
    "files": SparkRule(to("spec.deps.files"), to("--files")),
    "py_files": SparkRule(to("spec.deps.pyFiles"), to("--py-files")),
    "archives": SparkRule(to("spec.deps.archives"), to("--archives")),
    "driver_class_path": SparkRule(to("spec.sparkConf spark.driver.extraClassPath"), to("--driver-class-path")),
    "jars": SparkRule(to("spec.deps.jars"), to("--jars")),
    "java_class": SparkRule(to("spec.mainClass"), to("--class")),
    "packages": SparkRule(to("spec.deps.packages"), to("--packages")),
    "exclude_packages": SparkRule(to("spec.deps.excludePackages"), to("--exclude-packages")),
    "repositories": SparkRule(to("spec.deps.repositories"), to("--repositories")),
    "total_executor_cores": SparkRule(to("spec.sparkConf spark.cores.max"), to("--total-executor-cores")),
    "executor_cores": SparkRule(to("spec.executor.cores"), to("--executor-cores")),
    "executor_memory": SparkRule(to("spec.executor.memory"), to("--executor-memory")),
    "driver_memory": SparkRule(to("spec.driver.memory"), to("--driver-memory")),
    "keytab": either(refused(_KERBEROS)),
    "principal": either(refused(_KERBEROS)),
    "use_krb5ccache": either(to("error when true", refuse=unless(lambda value: not value, _KERBEROS))),
    "proxy_user": SparkRule(to("spec.proxyUser"), to("--proxy-user")),
    "name": SparkRule(to("metadata.generateName (the task name by default)"), to("--name")),
    "num_executors": SparkRule(to("spec.executor.instances"), to("--num-executors")),
    "status_poll_interval": either(noted(_AIRFLOW_TRACKING)),
    "application_args": SparkRule(to("spec.arguments"), to("application arguments")),
    "env_vars": SparkRule(to("spec.driver.env"), to("--conf spark.kubernetes.driverEnv.*")),
    "verbose": SparkRule(
        noted("spark-submit's --verbose; the Spark operator runs spark-submit itself"), to("--verbose")
    ),
    "spark_binary": SparkRule(noted("the Spark operator runs its own spark-submit"), to("the container's command")),
    "properties_file": SparkRule(
        refused("the Spark operator reads no properties file; move its settings to conf"),
        to("--properties-file (local:// path in the domain's image)"),
    ),
    "yarn_queue": either(refused("a YARN queue; Spark runs on Kubernetes here")),
    "deploy_mode": SparkRule(
        to(
            "spec.mode: cluster only",
            refuse=unless(
                lambda value: value == "cluster",
                "a SparkApplication runs its driver in the cluster; use --spark submit for client mode",
            ),
        ),
        to("--deploy-mode (cluster when not set)"),
    ),
    "track_driver_via_k8s_api": either(noted(_AIRFLOW_TRACKING)),
    "openlineage_inject_parent_job_info": either(noted(_OPENLINEAGE)),
    "openlineage_inject_transport_info": either(noted(_OPENLINEAGE)),
}
