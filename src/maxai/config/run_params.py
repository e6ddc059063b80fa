"""What a run can be given: DAG params (the trigger form) and a task's ``for_each`` fan-out.

A param is JSON Schema, as Airflow's ``Param`` takes it: its keywords are checked here (misspelt
keywords would silently not constrain anything), the schema is checked against the JSON Schema
meta-schema, and its default against the schema, so a scheduled run (which always uses the
defaults) cannot fail on its own params.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    JsonValue,
    NonNegativeInt,
    StringConstraints,
    model_serializer,
    model_validator,
)

from maxai.config.layout import DAG_SECTION
from maxai.config.model_base import NonEmptyStr, StrictModel

if TYPE_CHECKING:
    from maxai.config.collector import ProblemCollector
    from maxai.config.layering import Layer
    from maxai.config.models import PyConfigFile

PARAM_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,99}$"
RESERVED_PARAMS = ("date", "force")
"""Every maxai DAG has these two (maxai.factory.dag.run_params)."""

JsonType = Literal["string", "number", "integer", "boolean", "array", "object", "null"]
Number = int | float


class RunParam(StrictModel):
    """One DAG param: a JSON Schema with an optional default (no default: the trigger form requires a value)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=False)

    default: JsonValue = Field(default=None, description="Value when the trigger gives none (scheduled runs)")
    type: JsonType | list[JsonType] | None = Field(default=None, description="JSON type(s) of the value")
    title: NonEmptyStr | None = Field(default=None, description="Label in the trigger form")
    description: str | None = Field(default=None, description="Help text in the trigger form")
    enum: list[JsonValue] | None = Field(default=None, min_length=1, description="The allowed values")
    format: NonEmptyStr | None = Field(
        default=None, description="JSON Schema format; the trigger form knows date, date-time, time, multiline"
    )
    pattern: NonEmptyStr | None = Field(default=None, description="Regular expression a string must match")
    minimum: Number | None = Field(default=None, description="Smallest allowed number")
    maximum: Number | None = Field(default=None, description="Largest allowed number")
    min_length: NonNegativeInt | None = Field(default=None, alias="minLength", description="Shortest string")
    max_length: NonNegativeInt | None = Field(default=None, alias="maxLength", description="Longest string")
    items: dict[str, JsonValue] | None = Field(default=None, description="Schema of each array item")
    min_items: NonNegativeInt | None = Field(default=None, alias="minItems", description="Fewest array items")
    max_items: NonNegativeInt | None = Field(default=None, alias="maxItems", description="Most array items")
    examples: list[JsonValue] | None = Field(default=None, description="Example values (the form offers them)")
    values_display: dict[str, str] | None = Field(
        default=None, description="Labels for enum values in the trigger form"
    )
    section: NonEmptyStr | None = Field(default=None, description="Group of the trigger form this param shows in")

    @property
    def has_default(self) -> bool:
        return "default" in self.model_fields_set

    @model_serializer
    def _as_written(self) -> dict[str, Any]:
        """As JSON Schema keywords (``minLength``), ``default`` only when given: a null default is not no default."""
        written: dict[str, Any] = {}
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if (name == "default" and self.has_default) or (name != "default" and value is not None):
                written[field.alias or name] = value
        return written

    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema keywords as Airflow's ``Param`` takes them (without the default)."""
        return param_schema(self.model_dump())

    @model_validator(mode="after")
    def _check(self) -> RunParam:
        import jsonschema

        schema = self.json_schema()
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as error:
            raise ValueError(f"not a valid JSON Schema: {error.message}") from None
        if self.has_default:
            problem = jsonschema.Draft202012Validator(schema).iter_errors(self.default)
            first = next(problem, None)
            if first is not None:
                raise ValueError(f"default {self.default!r} does not match the param's own schema: {first.message}")
        return self


def param_schema(written: dict[str, Any]) -> dict[str, Any]:
    """A dumped param's schema keywords, without its default."""
    return {key: value for key, value in written.items() if key != "default"}


def _not_reserved(params: dict[str, RunParam]) -> dict[str, RunParam]:
    for name in params:
        if name in RESERVED_PARAMS:
            raise ValueError(f"{name!r} is a param every maxai DAG already has (the date to process / recompute)")
    return params


RunParams = Annotated[
    dict[Annotated[str, StringConstraints(pattern=PARAM_NAME_PATTERN)], RunParam], AfterValidator(_not_reserved)
]

FOR_EACH_VALUE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
ForEachValue = Annotated[str, StringConstraints(pattern=FOR_EACH_VALUE_PATTERN)] | int


def _one_key_unique_values(value: dict[str, list[Any]]) -> dict[str, list[Any]]:
    if len(value) != 1:
        raise ValueError(f"for_each maps over one key, it has {len(value)}: {', '.join(value) or 'none'}")
    ((key, values),) = value.items()
    seen: set[str] = set()
    for item in values:
        if str(item) in seen:
            raise ValueError(f"{key}: {item!r} is listed twice; each value runs once and names its own output folder")
        seen.add(str(item))
    return value


ForEach = Annotated[
    dict[
        Annotated[str, StringConstraints(pattern=PARAM_NAME_PATTERN)],
        Annotated[list[ForEachValue], Field(min_length=1, max_length=1024)],
    ],
    AfterValidator(_one_key_unique_values),
]
"""``{"region": ["eu", "us"]}``: values become folder names (``region=eu``), hence the pattern."""


def check_run_settings(collector: ProblemCollector, layers: list[Layer], py_config: PyConfigFile) -> None:
    """What the models cannot see alone: params a scheduled run needs, and ``for_each`` against ``args``."""
    settings = py_config.dag
    if settings.schedule is not None:
        for name, param in settings.params.items():
            if not param.has_default:
                collector.add(
                    layers,
                    (DAG_SECTION, "params", name),
                    f"param {name!r} has no default, but the objective is scheduled and scheduled runs take "
                    "every param's default; give it a default (it may be null if its type allows null)",
                )
    for task, params in py_config.task_params.items():
        if params.for_each is None:
            continue
        (key,) = params.for_each
        if key in params.args:
            collector.add(
                layers,
                (task, "for_each", key),
                f"{key!r} is also a key of args; each run of a for_each task gets its value as args[{key!r}]",
            )
    _check_awaited_paths(collector, layers, py_config)


def _check_awaited_paths(collector: ProblemCollector, layers: list[Layer], py_config: PyConfigFile) -> None:
    from maxai.config.assets import MAX_ASSET_LENGTH, awaited_assets
    from maxai.config.paths import data_path_problem

    for awaited in awaited_assets(py_config.dag.schedule):
        problem = data_path_problem(awaited.written)
        if problem is None and len(awaited.asset.uri) > MAX_ASSET_LENGTH:
            problem = f"{awaited.written[:40]!r}...: longer than the {MAX_ASSET_LENGTH} characters Airflow allows"
        if problem is not None:
            collector.add(layers, (DAG_SECTION, "schedule", *awaited.path), problem)
