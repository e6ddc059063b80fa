"""The base of every config model: unknown keys are errors and JSON types are never coerced."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints


class StrictModel(BaseModel):
    """Unknown keys are errors; values are not coerced across JSON types."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=False)


NonEmptyStr = Annotated[str, StringConstraints(min_length=1)]
