"""Pydantic models of the three config files. No Airflow import here, by design.

Field names mirror the keyword arguments of SparkSubmitOperator and
KubernetesPodOperator (a test checks them against the installed operators), so a
config key means exactly what the operator's documentation says it means.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    NonNegativeInt,
    PositiveInt,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from maxai.config.callback_model import Callbacks, Deadlines, TaskCallbacks
from maxai.config.durations import Seconds as Seconds  # re-exported
from maxai.config.k8s_fields import K8S_OBJECT_FIELDS as K8S_OBJECT_FIELDS  # re-exported
from maxai.config.layout import DAG_SECTION as DAG_SECTION  # re-exported
from maxai.config.layout import NAME_PATTERN as NAME_PATTERN  # re-exported
from maxai.config.pysource import FUNCTION_PATTERN as FUNCTION_PATTERN  # re-exported
from maxai.config.schedule import (
    Partition,
    schedule_problem,
)
from maxai.config.secrets import NOT_SECRETS_KEY
from maxai.config.timezones import UTC, check_zone, local_start

TASK_NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$"

TaskName = Annotated[str, StringConstraints(pattern=TASK_NAME_PATTERN)]
NonEmptyStr = Annotated[str, StringConstraints(min_length=1)]
MEMORY_PATTERN = r"(?i)^\d+(?:[kmgtp]b?)?$"
MemorySize = Annotated[str, StringConstraints(pattern=MEMORY_PATTERN)]


def _comma_list(value: Any) -> Any:
    """spark-submit takes comma-separated lists; configs may also give a JSON list."""
    if isinstance(value, list):
        if not all(isinstance(item, str) and item and "," not in item for item in value):
            raise ValueError("each entry must be a non-empty string without commas")
        return ",".join(value)
    return value


CommaList = Annotated[
    str,
    BeforeValidator(_comma_list),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string", "minLength": 1}}],
            "description": "Comma-separated string, or a list of strings",
        }
    ),
]


def _spark_scalar(value: Any) -> Any:
    # Spark parses booleans as lowercase "true"/"false"; Python's str(True) would be "True".
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # JSON has one number type: 1e3 means the integer 1000 to a user, and Spark refuses "1000.0"
        # where it wants an integer (partitions, executors, byte counts).
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{value!r} is not a number Spark accepts")
        return str(int(value)) if value.is_integer() else repr(value)
    return value


SparkValue = Annotated[str, BeforeValidator(_spark_scalar), WithJsonSchema({"type": ["string", "number", "boolean"]})]


class StrictModel(BaseModel):
    """Unknown keys are errors; values are not coerced across JSON types."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=False)


TriggerRule = Literal[
    "all_success",
    "all_failed",
    "all_done",
    "all_done_min_one_success",
    "all_done_setup_success",
    "one_success",
    "one_failed",
    "one_done",
    "none_failed",
    "none_skipped",
    "always",
    "none_failed_min_one_success",
    "all_skipped",
]


class OperatorArgs(TaskCallbacks, StrictModel):
    """BaseOperator arguments that any task may set (callbacks: see maxai.config.callback_model)."""

    retries: NonNegativeInt | None = None
    retry_delay: Seconds | None = None
    retry_exponential_backoff: bool | None = None
    execution_timeout: Seconds | None = None
    pool: NonEmptyStr | None = None
    pool_slots: PositiveInt | None = None
    priority_weight: int | None = None
    queue: NonEmptyStr | None = None
    trigger_rule: TriggerRule | None = None
    doc_md: str | None = None


class SparkSubmitConf(OperatorArgs):
    """Keyword arguments of SparkSubmitOperator that can be written in JSON."""

    application: NonEmptyStr = Field(
        description="The PySpark script or jar to submit, relative to the use case's code folder"
    )
    conf: dict[str, SparkValue | None] = Field(
        default_factory=dict,
        description="SparkConf for this task, merged over the global conf key by key (the task wins); "
        "null unsets a global key for this task",
    )
    conn_id: NonEmptyStr | None = None
    files: CommaList | None = None
    py_files: CommaList | None = None
    archives: CommaList | None = None
    driver_class_path: CommaList | None = None
    jars: CommaList | None = None
    java_class: NonEmptyStr | None = None
    packages: CommaList | None = None
    exclude_packages: CommaList | None = None
    repositories: CommaList | None = None
    total_executor_cores: PositiveInt | None = None
    executor_cores: PositiveInt | None = None
    executor_memory: MemorySize | None = None
    driver_memory: MemorySize | None = None
    keytab: NonEmptyStr | None = None
    principal: NonEmptyStr | None = None
    proxy_user: NonEmptyStr | None = None
    name: NonEmptyStr | None = Field(default=None, description="Spark application name; defaults to the task name")
    num_executors: PositiveInt | None = None
    status_poll_interval: PositiveInt | None = None
    application_args: list[SparkValue] | None = None
    env_vars: dict[str, str] | None = None
    verbose: bool | None = None
    spark_binary: Literal["spark-submit", "spark2-submit", "spark3-submit"] | None = None
    properties_file: NonEmptyStr | None = None
    yarn_queue: NonEmptyStr | None = None
    deploy_mode: Literal["client", "cluster"] | None = None
    use_krb5ccache: bool | None = None
    track_driver_via_k8s_api: bool | None = None
    openlineage_inject_parent_job_info: bool | None = None
    openlineage_inject_transport_info: bool | None = None


# KubernetesPodOperator arguments whose JSON is a Kubernetes object (camelCase, as in a
# pod manifest). They are checked against the Kubernetes OpenAPI schema and turned into
# kubernetes.client models by the factory: maxai.config.k8s_fields.K8S_OBJECT_FIELDS.

K8sObject = dict[str, JsonValue]


class TaskBase(StrictModel):
    name: TaskName = Field(description="Airflow task_id of this task; unique within the objective")
    task_id: NonNegativeInt = Field(description="Position of the task in the chain (ascending)")
    depends_on: list[TaskName] | None = Field(
        default=None,
        description="Names of upstream tasks; when absent the task follows the previous task_id",
    )


class SparkTask(TaskBase):
    spark_submit_conf: SparkSubmitConf


NotSecrets = Annotated[
    list[NonEmptyStr],
    Field(
        alias=NOT_SECRETS_KEY,
        description="Keys of this file whose values look like credentials by name but are not "
        "(e.g. PASSWORD_MIN_LENGTH); each must name a key of the file",
    ),
]


class SparkConfigFile(StrictModel):
    """``spark_config.json``."""

    conf: dict[str, SparkValue] = Field(default_factory=dict, description="SparkConf applied to every Spark task")
    tasks: list[SparkTask] = Field(min_length=1)
    not_secrets: NotSecrets = Field(default_factory=list)


class DefaultArgs(TaskCallbacks, StrictModel):
    owner: NonEmptyStr = "maxai"
    retries: NonNegativeInt = 1
    retry_delay: Seconds = 300
    retry_exponential_backoff: bool = False
    max_retry_delay: Seconds | None = None
    execution_timeout: Seconds | None = None
    depends_on_past: bool = False
    email: list[NonEmptyStr] = Field(default_factory=list)
    email_on_failure: bool = False


def _parse_date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO date such as '2026-01-31'") from None
    return value


ConfigDate = Annotated[
    date | datetime,
    BeforeValidator(_parse_date),
    WithJsonSchema({"type": "string", "description": "ISO date ('2026-01-31') or date-time", "minLength": 10}),
]


class DagSettings(StrictModel):
    """The ``@dag`` section of py_config.json: settings of the DAG itself."""

    start_date: ConfigDate = Field(default=date(2026, 1, 1))
    timezone: Annotated[str, AfterValidator(check_zone)] = Field(
        default=UTC,
        description="IANA time zone (Europe/Berlin) of start_date, end_date and a cron schedule; "
        "daily objectives process the date of this zone",
    )
    partition: Partition = Field(
        default="day",
        description="How outputs are partitioned: one folder per day (ds=2026-02-10), hour (.../hour=05) or minute",
    )
    schedule: str | None = Field(
        default=None,
        description="Five-field cron expression or preset (@daily, @hourly, @once, @continuous); null = manual only",
    )
    end_date: ConfigDate | None = None
    catchup: bool = False
    description: str | None = None
    doc_md: str | None = None
    tags: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] = Field(default_factory=list)
    max_active_runs: PositiveInt = 1
    max_active_tasks: PositiveInt = 16
    dagrun_timeout: Seconds | None = None
    default_args: DefaultArgs = Field(default_factory=DefaultArgs)
    on_success_callback: Callbacks | None = Field(default=None, description="When a run succeeds")
    on_failure_callback: Callbacks | None = Field(default=None, description="When a run fails")
    deadline: Deadlines | None = Field(default=None, description="Airflow deadline alerts of each run")

    @field_validator("schedule")
    @classmethod
    def _check_schedule(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Parsed as Airflow parses it; each run must get its own output partition."""
        if value is None or value == "@once":
            return value
        partition = info.data.get("partition", "day")
        if value == "@continuous":
            if partition != "minute":
                raise ValueError(
                    f"'@continuous' starts a run as soon as the last one ends, but outputs are partitioned by "
                    f"{partition}: every later run of the same {partition} would find its output and skip; "
                    'set "partition": "minute" in @dag'
                )
            return value
        start = local_start(info.data.get("start_date") or date(2026, 1, 1), info.data.get("timezone") or UTC)
        problem = schedule_problem(value, start, partition)
        if problem is not None:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _check_dates(self) -> DagSettings:
        if self.end_date is not None and _as_datetime(self.end_date) < _as_datetime(self.start_date):
            raise ValueError("end_date is before start_date")
        return self

    @field_validator("max_active_runs")
    @classmethod
    def _check_continuous_runs(cls, value: int, info: ValidationInfo) -> int:
        if info.data.get("schedule") == "@continuous" and value != 1:
            raise ValueError(f"a '@continuous' schedule needs max_active_runs 1 (Airflow refuses {value})")
        return value


def _as_datetime(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime(value.year, value.month, value.day)


class TaskParams(StrictModel):
    """One task's entry in py_config.json, handed to its handler at run time."""

    input: str | dict[str, str] | None = None
    output: str | dict[str, str] | None = None
    function: Annotated[str, StringConstraints(pattern=FUNCTION_PATTERN)] | None = Field(
        default=None, description="Handler to call, as 'module.path:function'"
    )
    args: dict[str, JsonValue] = Field(default_factory=dict)
    force: bool = Field(default=False, description="Redo work even when the output already exists")


class PyConfigFile(StrictModel):
    """``py_config.json``: the ``@dag`` section plus one entry per task name."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)

    __pydantic_extra__: dict[TaskName, TaskParams] = Field(init=False)

    dag: DagSettings = Field(default_factory=DagSettings, alias=DAG_SECTION)
    not_secrets: NotSecrets = Field(default_factory=list)

    @property
    def task_params(self) -> dict[str, TaskParams]:
        return dict(self.__pydantic_extra__ or {})
