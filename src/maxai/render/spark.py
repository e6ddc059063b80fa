"""A Spark task outside Airflow: as a SparkApplication for the Spark operator, or as a spark-submit command run in
a container. Both take the task's arguments exactly as SparkSubmitOperator gets them (the global and per-task
SparkConf already merged, see maxai.config.tasks.merge_spark_conf) and always run in cluster mode on Kubernetes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from maxai.config.layout import USECASES_DIR, is_uri
from maxai.config.objective import ObjectiveConfig, ResolvedTask
from maxai.config.paths import SPARK_PATH_ARGUMENTS
from maxai.render.findings import Findings
from maxai.render.naming import is_kubernetes_name, kubernetes_name
from maxai.render.places import Places

IMAGE_CODE_DIR = "/opt/maxai/usecases"
"""Where a domain's image holds the code of ``maxaiusecases/<domain>/`` (the WORKDIR of the domain Dockerfiles
that ``maxai new`` writes): a code path of the repository is ``local://`` + this folder in the image."""
KUBERNETES_MASTER = "k8s://https://kubernetes.default.svc"
"""The cluster's own API server, as seen from a pod: where spark-submit starts the driver."""
SPARK_VERSION = "4.2.0"
"""The Spark version a SparkApplication declares: the pyspark maxai pins in its ``spark`` extra."""
IMAGE_CONF = "spark.kubernetes.container.image"
NAMESPACE_CONF = "spark.kubernetes.namespace"
DRIVER_ENV_CONF = "spark.kubernetes.driverEnv."
SUBMIT_FLAGS = (
    ("properties_file", "--properties-file"),
    ("files", "--files"),
    ("py_files", "--py-files"),
    ("archives", "--archives"),
    ("driver_class_path", "--driver-class-path"),
    ("jars", "--jars"),
    ("packages", "--packages"),
    ("exclude_packages", "--exclude-packages"),
    ("repositories", "--repositories"),
    ("num_executors", "--num-executors"),
    ("total_executor_cores", "--total-executor-cores"),
    ("executor_cores", "--executor-cores"),
    ("executor_memory", "--executor-memory"),
    ("driver_memory", "--driver-memory"),
    ("proxy_user", "--proxy-user"),
    ("name", "--name"),
    ("java_class", "--class"),
)
"""spark-submit flags in the order SparkSubmitHook writes them."""
_DEPS = (
    ("jars", "jars"),
    ("files", "files"),
    ("py_files", "pyFiles"),
    ("archives", "archives"),
    ("packages", "packages"),
    ("exclude_packages", "excludePackages"),
    ("repositories", "repositories"),
)


def in_image(config: ObjectiveConfig, task: ResolvedTask, places: Places, findings: Findings) -> dict[str, Any]:
    """The task's arguments with its code paths (absolute paths of this repository) as paths in the domain's image."""
    domain_dir = config.root / USECASES_DIR / config.ref.domain
    arguments = dict(task.arguments)
    for key in SPARK_PATH_ARGUMENTS:
        value = arguments.get(key)
        if not isinstance(value, str):
            continue
        items = [value] if key == "application" else value.split(",")
        mapped = []
        for item in items:
            if is_uri(item):
                mapped.append(item)
                continue
            try:
                relative = Path(item).relative_to(domain_dir).as_posix()
            except ValueError:
                findings.refuse(
                    places.task(
                        task,
                        (key,),
                        f"{item} is not under {USECASES_DIR}/{config.ref.domain}/, so it is not in the domain's "
                        "image; give a URI (local:///path/in/image, s3a://...) for code from elsewhere",
                    )
                )
                relative = item
            mapped.append(f"local://{IMAGE_CODE_DIR}/{config.ref.domain}/{relative}")
        arguments[key] = ",".join(mapped)
    return arguments


def spark_image(task: ResolvedTask, places: Places, findings: Findings) -> str:
    image = task.arguments.get("conf", {}).get(IMAGE_CONF)
    if not image:
        findings.refuse(
            places.task(
                task,
                ("conf",),
                f"outside Airflow a Spark task runs in its image: set conf {IMAGE_CONF!r} (globally or for this task)",
            )
        )
        return ""
    return str(image)


def submit_command(arguments: dict[str, Any], env: dict[str, str]) -> list[str]:
    """The spark-submit command SparkSubmitHook would build against the cluster's Kubernetes API, in cluster mode
    unless ``deploy_mode`` says otherwise; ``env`` reaches the driver as ``spark.kubernetes.driverEnv.*``."""
    command = [arguments.get("spark_binary", "spark-submit"), "--master", KUBERNETES_MASTER]
    for key, value in arguments.get("conf", {}).items():
        command += ["--conf", f"{key}={value}"]
    for key, value in env.items():
        command += ["--conf", f"{DRIVER_ENV_CONF}{key}={value}"]
    if NAMESPACE_CONF in arguments.get("conf", {}):  # the hook repeats it here, as its connection's namespace
        command += ["--conf", f"{NAMESPACE_CONF}={arguments['conf'][NAMESPACE_CONF]}"]
    for argument, flag in SUBMIT_FLAGS:
        if arguments.get(argument):
            command += [flag, str(arguments[argument])]
    if arguments.get("verbose"):
        command.append("--verbose")
    command += ["--deploy-mode", arguments.get("deploy_mode", "cluster"), arguments["application"]]
    command += [str(value) for value in arguments.get("application_args", [])]
    return command


def _application_type(application: str, java_class: str | None) -> str:
    if application.endswith(".py"):
        return "Python"
    if application.lower().endswith(".r"):
        return "R"
    return "Scala" if java_class else "Java"


def spark_application(
    task: ResolvedTask,
    arguments: dict[str, Any],
    env: dict[str, str],
    labels: dict[str, str],
    places: Places,
    findings: Findings,
) -> dict[str, Any]:
    """The SparkApplication (sparkoperator.k8s.io/v1beta2) that runs the task; ``arguments`` from :func:`in_image`."""
    conf = dict(arguments.get("conf", {}))
    image = conf.pop(IMAGE_CONF, "")
    namespace = conf.pop(NAMESPACE_CONF, None)
    if arguments.get("driver_class_path"):
        conf["spark.driver.extraClassPath"] = arguments["driver_class_path"]
    if arguments.get("total_executor_cores"):
        conf["spark.cores.max"] = str(arguments["total_executor_cores"])
    name = kubernetes_name(str(arguments["name"]))
    if not is_kubernetes_name(name, 52):
        findings.refuse(
            places.task(
                task,
                ("name",),
                f"the SparkApplication's name would be {name!r}: at most 52 letters, digits and hyphens "
                "(the Spark operator names the driver pod after it)",
            )
        )
    metadata: dict[str, Any] = {"generateName": f"{name}-", "labels": dict(labels)}
    if namespace:
        metadata["namespace"] = namespace
    driver: dict[str, Any] = {
        "labels": dict(labels),
        "env": [{"name": key, "value": value} for key, value in env.items()],
    }
    executor: dict[str, Any] = {"labels": dict(labels)}
    for argument, target, field in (
        ("driver_memory", driver, "memory"),
        ("executor_memory", executor, "memory"),
        ("executor_cores", executor, "cores"),
        ("num_executors", executor, "instances"),
    ):
        if argument in arguments:
            target[field] = arguments[argument]
    spec: dict[str, Any] = {
        "type": _application_type(arguments["application"], arguments.get("java_class")),
        "mode": "cluster",
        "image": image,
        "sparkVersion": SPARK_VERSION,
        "mainApplicationFile": arguments["application"],
        "restartPolicy": {"type": "Never"},  # retries are the workflow's, as under Airflow
        "driver": driver,
        "executor": executor,
    }
    if arguments.get("java_class"):
        spec["mainClass"] = arguments["java_class"]
    if arguments.get("application_args"):
        spec["arguments"] = [str(value) for value in arguments["application_args"]]
    if conf:
        spec["sparkConf"] = conf
    if arguments.get("proxy_user"):
        spec["proxyUser"] = arguments["proxy_user"]
    deps = {field: arguments[key].split(",") for key, field in _DEPS if arguments.get(key)}
    if deps:
        spec["deps"] = deps
    return {
        "apiVersion": "sparkoperator.k8s.io/v1beta2",
        "kind": "SparkApplication",
        "metadata": metadata,
        "spec": spec,
    }
