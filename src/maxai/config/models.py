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

from maxai.config.assets import AssetSchedule
from maxai.config.callback_model import Callbacks, Deadlines, TaskCallbacks
from maxai.config.durations import Seconds as Seconds  # re-exported
from maxai.config.k8s_fields import K8S_OBJECT_FIELDS as K8S_OBJECT_FIELDS  # re-exported
from maxai.config.layout import DAG_SECTION as DAG_SECTION  # re-exported
from maxai.config.layout import NAME_PATTERN as NAME_PATTERN  # re-exported
from maxai.config.model_base import NonEmptyStr as NonEmptyStr  # re-exported
from maxai.config.model_base import StrictModel as StrictModel  # re-exported
from maxai.config.pysource import FUNCTION_PATTERN as FUNCTION_PATTERN  # re-exported
from maxai.config.run_params import ForEach, RunParams
from maxai.config.schedule import (
    Partition,
    schedule_problem,
)
from maxai.config.secrets import NOT_SECRETS_KEY
from maxai.config.timezones import UTC, check_zone, local_start

TASK_NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$"

TaskName = Annotated[str, StringConstraints(pattern=TASK_NAME_PATTERN)]
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


def optional(description: str) -> Any:
    """A key that may be left out (its value is then None); the description is the key's line in the reference."""
    return Field(default=None, description=description)


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

    retries: NonNegativeInt | None = optional("Retries after a failure; overrides @dag.default_args")
    retry_delay: Seconds | None = optional("Wait between retries: seconds or a duration such as '5m'")
    retry_exponential_backoff: bool | None = optional("Wait longer after each failed try (exponential backoff)")
    execution_timeout: Seconds | None = optional("Longest the task may run before Airflow fails it")
    pool: NonEmptyStr | None = optional("Airflow pool the task takes its slots from")
    pool_slots: PositiveInt | None = optional("Slots of the pool the task takes")
    priority_weight: int | None = optional("Priority of the task over other tasks waiting for a slot")
    queue: NonEmptyStr | None = optional("Executor queue the task is sent to")
    trigger_rule: TriggerRule | None = optional("When the task runs, given the states of its upstream tasks")
    doc_md: str | None = optional("Markdown documentation of the task, shown in the Airflow UI")


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
    conn_id: NonEmptyStr | None = optional("Airflow connection of the Spark master (default: spark_default)")
    files: CommaList | None = optional("Files placed in the working directory of each executor (--files)")
    py_files: CommaList | None = optional("Python files (.py, .zip, .egg) for the application (--py-files)")
    archives: CommaList | None = optional("Archives unpacked into the working directory of each executor (--archives)")
    driver_class_path: CommaList | None = optional("Extra classpath entries of the driver (--driver-class-path)")
    jars: CommaList | None = optional("Jars put on the driver and executor classpaths (--jars)")
    java_class: NonEmptyStr | None = optional("Main class of a Java or Scala application (--class)")
    packages: CommaList | None = optional("Maven coordinates of jars for the classpaths (--packages)")
    exclude_packages: CommaList | None = optional("Maven coordinates left out of packages (--exclude-packages)")
    repositories: CommaList | None = optional("Extra Maven repositories searched for packages (--repositories)")
    total_executor_cores: PositiveInt | None = optional(
        "All executors' cores, standalone only (--total-executor-cores)"
    )
    executor_cores: PositiveInt | None = optional("Cores per executor (--executor-cores)")
    executor_memory: MemorySize | None = optional("Memory per executor, such as '2g' (--executor-memory)")
    driver_memory: MemorySize | None = optional("Memory of the driver, such as '1g' (--driver-memory)")
    keytab: NonEmptyStr | None = optional("Kerberos keytab file, relative to the use case's code folder (--keytab)")
    principal: NonEmptyStr | None = optional("Kerberos principal of the keytab (--principal)")
    proxy_user: NonEmptyStr | None = optional("User to impersonate when submitting the application (--proxy-user)")
    name: NonEmptyStr | None = Field(default=None, description="Spark application name; defaults to the task name")
    num_executors: PositiveInt | None = optional("Number of executors to launch (--num-executors)")
    status_poll_interval: PositiveInt | None = optional("Seconds between polls of the driver's status in cluster mode")
    application_args: list[SparkValue] | None = optional("Arguments passed to the application")
    env_vars: dict[str, str] | None = optional("Environment of the application; maxai adds MAXAI_* variables")
    verbose: bool | None = optional("Run spark-submit with --verbose")
    spark_binary: Literal["spark-submit", "spark2-submit", "spark3-submit"] | None = optional(
        "The spark-submit command to run"
    )
    properties_file: NonEmptyStr | None = optional("Spark properties file in the code folder (--properties-file)")
    yarn_queue: NonEmptyStr | None = optional("YARN queue the application is submitted to (--queue)")
    deploy_mode: Literal["client", "cluster"] | None = optional(
        "Driver where spark-submit runs (client) or in the cluster (--deploy-mode)"
    )
    use_krb5ccache: bool | None = optional("Log in to Kerberos with the ticket cache instead of a keytab")
    track_driver_via_k8s_api: bool | None = optional("Cluster mode on Kubernetes: follow the driver pod via the API")
    openlineage_inject_parent_job_info: bool | None = optional("Send OpenLineage parent job info to Spark")
    openlineage_inject_transport_info: bool | None = optional("Send OpenLineage transport info to Spark")


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
    preset: NonEmptyStr | None = Field(
        default=None,
        description="Name of a resource preset of maxaiconfigs/presets.json (small, large, ...); "
        "the task's own sizes win over the preset's",
    )


class SparkTask(TaskBase):
    """One Spark task: a SparkSubmitOperator."""

    spark_submit_conf: SparkSubmitConf = Field(description="SparkSubmitOperator keyword arguments of this task")


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
    tasks: list[SparkTask] = Field(min_length=1, description="Spark tasks; objectives merge into them by name")
    not_secrets: NotSecrets = Field(default_factory=list)


class DefaultArgs(TaskCallbacks, StrictModel):
    """Airflow's ``default_args``: what every task of the DAG starts from (a task's own keys win)."""

    owner: NonEmptyStr = Field("maxai", description="Owner of the tasks, shown in the Airflow UI")
    retries: NonNegativeInt = Field(1, description="Times Airflow retries a failed task")
    retry_delay: Seconds = Field(300, description="Wait between retries: seconds or a duration such as '5m'")
    retry_exponential_backoff: bool = Field(False, description="Wait longer after each failed try")
    max_retry_delay: Seconds | None = optional("Longest wait between retries with exponential backoff")
    execution_timeout: Seconds | None = optional("Longest a task may run before Airflow fails it")
    depends_on_past: bool = Field(False, description="A task runs only when its previous scheduled run succeeded")
    email: list[NonEmptyStr] = Field(default_factory=list, description="Addresses Airflow emails about the tasks")
    email_on_failure: bool = Field(False, description="Email the addresses when a task fails")


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

    start_date: ConfigDate = Field(
        default=date(2026, 1, 1), description="First date the schedule covers (UTC unless an offset is given)"
    )
    timezone: Annotated[str, AfterValidator(check_zone)] = Field(
        default=UTC,
        description="IANA time zone (Europe/Berlin) of start_date, end_date and a cron schedule; "
        "daily objectives process the date of this zone",
    )
    partition: Partition = Field(
        default="day",
        description="How outputs are partitioned: one folder per day (ds=2026-02-10), hour (.../hour=05) or minute",
    )
    schedule: str | AssetSchedule | None = Field(
        default=None,
        description="Five-field cron expression or preset (@daily, @hourly, @once, @continuous), "
        "or {'assets': [...]} to run when upstream data is updated; null = manual only",
    )
    end_date: ConfigDate | None = optional("Last date the schedule covers; not before start_date")
    catchup: bool = Field(False, description="Run every schedule missed since start_date (false: the latest only)")
    description: str | None = optional("Shown in the Airflow UI (default: maxai <domain> / <usecase> / <objective>)")
    doc_md: str | None = optional("Markdown for the DAG's page, or the name of a .md file in the configs")
    tags: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] = Field(
        default_factory=list, description="Tags, added to maxai, the domain and the use case"
    )
    max_active_runs: PositiveInt = Field(1, description="Runs of the DAG that may be active at once")
    max_active_tasks: PositiveInt = Field(16, description="Tasks of one run that may run at once")
    dagrun_timeout: Seconds | None = optional("Longest a run may take before Airflow fails it")
    default_args: DefaultArgs = Field(
        default_factory=DefaultArgs, description="Settings every task starts from (Airflow default_args)"
    )
    params: RunParams = Field(
        default_factory=dict,
        description="Run parameters shown in the trigger form, as JSON Schema (Airflow's Param); "
        "handlers read them as task.run_params",
    )
    on_success_callback: Callbacks | None = Field(default=None, description="When a run succeeds")
    on_failure_callback: Callbacks | None = Field(default=None, description="When a run fails")
    deadline: Deadlines | None = Field(default=None, description="Airflow deadline alerts of each run")

    @field_validator("schedule")
    @classmethod
    def _check_schedule(cls, value: str | AssetSchedule | None, info: ValidationInfo) -> str | AssetSchedule | None:
        """Parsed as Airflow parses it; each run must get its own output partition."""
        if isinstance(value, AssetSchedule):
            if value.cron in ("@continuous", "@once"):
                raise ValueError(f"{value.cron!r} cannot be combined with assets; use a cron expression or preset")
            if value.cron is not None:
                cls._check_schedule(value.cron, info)
            return value
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

    input: str | dict[str, str] | None = optional("A path under the data folder, a URI, or a map of named ones")
    output: str | dict[str, str] | None = optional("Like input; each run writes the partition of its date")
    function: Annotated[str, StringConstraints(pattern=FUNCTION_PATTERN)] | None = Field(
        default=None, description="Handler to call, as 'module.path:function'"
    )
    args: dict[str, JsonValue] = Field(default_factory=dict, description="Any JSON; the handler reads it as task.args")
    force: bool = Field(default=False, description="Redo work even when the output already exists")
    for_each: ForEach | None = Field(
        default=None,
        description="Run the task once per value, in parallel: {'region': ['eu', 'us']}; each run finds its "
        "value in args and writes its own output partition (.../region=eu)",
    )


class PyConfigFile(StrictModel):
    """``py_config.json``: the ``@dag`` section plus one entry per task name."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)

    __pydantic_extra__: dict[TaskName, TaskParams] = Field(init=False)

    dag: DagSettings = Field(
        default_factory=DagSettings,
        alias=DAG_SECTION,
        description="Settings of the DAG itself; every one has a default",
    )
    not_secrets: NotSecrets = Field(default_factory=list)

    @property
    def task_params(self) -> dict[str, TaskParams]:
        return dict(self.__pydantic_extra__ or {})
