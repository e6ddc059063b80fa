"""``model_config.json``: train, register and deploy steps of a model tracked in MLflow. No Airflow import.

Each task entry is one step; its ``model`` object says which (``step``) and holds that step's keys.
MLflow is reached through an Airflow Connection (``conn_id``) under Airflow, and through a Kubernetes Secret
(``mlflow_secret_name``) on Argo and Kubeflow: its address and credentials never appear in the config, whose
secrets are rejected like every other file's.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, PositiveInt, StringConstraints, model_validator

from maxai.config.models import NonEmptyStr, NotSecrets, OperatorArgs, Seconds, StrictModel, TaskBase, TaskName
from maxai.kinds.api import KindContext

Step = Literal["train", "register", "deploy"]
KubernetesName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")]
"""A Secret's name: a DNS subdomain (lower-case letters, digits, '-' and '.')."""
MLFLOW_CONNECTION = "mlflow_default"
MLFLOW_SECRET = "mlflow-tracking"
"""The Kubernetes Secret a step reads MLflow's address and credentials from outside Airflow, unless told another."""
CONTAINER_ONLY = frozenset({"image", "mlflow_secret_name"})
"""Keys that only ``maxai render argo``/``kubeflow`` read: the Airflow operators never get them."""
_IMAGE_HELP = (
    "Outside Airflow (maxai render argo, kubeflow): the image a step runs in. It must hold maxai, mlflow-skinny "
    "and the domain's code in /opt/maxai/usecases/<domain> (the image of maxaiusecases/<domain>/Dockerfile); "
    "Airflow ignores it"
)
_SECRET_HELP = (
    "Outside Airflow (maxai render argo, kubeflow): the Kubernetes Secret whose keys MLFLOW_TRACKING_URI and, "
    "when the server wants them, MLFLOW_TRACKING_USERNAME, MLFLOW_TRACKING_PASSWORD and MLFLOW_TRACKING_TOKEN "
    "become the step's environment; Airflow uses conn_id instead"
)


class MetricGate(StrictModel):
    """A deploy step moves its alias only when the new version's metric passes: below (or above) a
    threshold and, when the alias already names a version, no worse than that version's metric."""

    metric: NonEmptyStr = Field(description="Name of a metric the training run logged, such as 'rmse'")
    below: float | None = Field(default=None, description="Passes when the metric is lower than this (lower is better)")
    above: float | None = Field(
        default=None, description="Passes when the metric is higher than this (higher is better)"
    )
    compare_with_alias: bool = Field(
        default=True,
        description="Also require the metric to be no worse than that of the version the alias names now",
    )

    @model_validator(mode="after")
    def _one_threshold(self) -> MetricGate:
        if (self.below is None) == (self.above is None):
            raise ValueError("give exactly one of 'below' and 'above'")
        return self


_STEP_KEYS: dict[str, tuple[str, ...]] = {
    "train": ("experiment",),
    "register": ("train_task", "artifact_path"),
    "deploy": ("register_task", "alias", "gate"),
}
_REQUIRED: dict[str, tuple[str, ...]] = {"train": (), "register": ("train_task", "model_name"), "deploy": ()}


class ModelStep(OperatorArgs):
    """The arguments of one step; ``step`` decides which keys apply."""

    step: Step = Field(
        description="'train' runs the task's handler inside an MLflow run, 'register' registers that run's "
        "model as a new version, 'deploy' points a registry alias at the version"
    )
    conn_id: NonEmptyStr = Field(
        default=MLFLOW_CONNECTION,
        description="Airflow Connection of the MLflow tracking server (its URI and credentials live there)",
    )
    experiment: NonEmptyStr | None = Field(
        default=None, description="train: MLflow experiment of the run (default: the DAG id)"
    )
    model_name: NonEmptyStr | None = Field(
        default=None, description="register, deploy: name of the model in the MLflow model registry"
    )
    train_task: TaskName | None = Field(default=None, description="register: the train step whose run's model it is")
    artifact_path: NonEmptyStr = Field(
        default="model", description="register: the name the training handler logged the model under"
    )
    register_task: TaskName | None = Field(
        default=None, description="deploy: the register step whose new version it deploys"
    )
    alias: NonEmptyStr = Field(default="champion", description="deploy: the registry alias moved to the new version")
    gate: MetricGate | None = Field(default=None, description="deploy: the check the new version must pass")
    poll_interval: PositiveInt = Field(
        default=5, description="Seconds between looks at the MLflow run or model version while waiting"
    )
    wait_timeout: Seconds = Field(
        default=3600, description="train, register: longest wait for the run to end or the version to be READY"
    )
    image: NonEmptyStr | None = Field(default=None, description=_IMAGE_HELP + " (default: the file's 'image')")
    mlflow_secret_name: KubernetesName | None = Field(
        default=None, description=_SECRET_HELP + " (default: the file's 'mlflow_secret_name')"
    )

    @model_validator(mode="after")
    def _keys_of_its_step(self) -> ModelStep:
        given = self.model_fields_set
        for step, keys in _STEP_KEYS.items():
            stray = [key for key in keys if key in given and step != self.step]
            if stray:
                raise ValueError(f"{', '.join(map(repr, stray))} belongs to a {step!r} step, not a {self.step!r} step")
        missing = [key for key in _REQUIRED[self.step] if getattr(self, key) is None]
        if self.step == "deploy":
            missing += [key for key in ("register_task", "model_name") if getattr(self, key) is None]
        if missing:
            raise ValueError(f"a {self.step!r} step needs {', '.join(map(repr, missing))}")
        return self


class ModelTask(TaskBase):
    """One step of a model's lifecycle."""

    model: ModelStep = Field(description="The step and its settings")


class ModelConfigFile(StrictModel):
    """``model_config.json``: a model trained, registered and deployed through MLflow."""

    tasks: list[ModelTask] = Field(min_length=1, description="Model steps (train, register, deploy)")
    image: NonEmptyStr | None = Field(default=None, description=_IMAGE_HELP + " (a step's own 'image' wins)")
    mlflow_secret_name: KubernetesName = Field(
        default=MLFLOW_SECRET, description=_SECRET_HELP + " (a step's own 'mlflow_secret_name' wins)"
    )
    not_secrets: NotSecrets = Field(default_factory=list)


def task_arguments(context: KindContext, file: ModelConfigFile, index: int, task: ModelTask) -> dict[str, Any]:
    """A step's arguments as plain JSON, with the file's ``image`` and ``mlflow_secret_name`` unless it has its own."""
    arguments = task.model.model_dump(exclude_none=True)
    if file.image is not None:
        arguments.setdefault("image", file.image)
    arguments.setdefault("mlflow_secret_name", file.mlflow_secret_name)
    return arguments


def check(context: KindContext, file: ModelConfigFile) -> None:
    """``train_task`` and ``register_task`` name a step of that kind in the same file."""
    steps = {task.name: task.model.step for task in file.tasks}
    for index, task in enumerate(file.tasks):
        for key, wanted in (("train_task", "train"), ("register_task", "register")):
            named = getattr(task.model, key)
            if named is None:
                continue
            if steps.get(named) != wanted:
                found = f"a {steps[named]!r} step" if named in steps else "no task of this file"
                context.problem(("tasks", index, "model", key), f"{named!r} must be a {wanted!r} step; it is {found}")


def function_use(arguments: dict[str, object]) -> str:
    """A train step runs its py_config ``function``; register and deploy steps only talk to MLflow."""
    return "required" if arguments.get("step") == "train" else "never"
