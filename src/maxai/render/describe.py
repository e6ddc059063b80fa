"""What every rendered output says about its objective: a header naming its sources and notes, labels, and the
description a target shows (the DAG's description, its documentation, owner and tags)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from maxai.config.objective import ObjectiveConfig
from maxai.errors import Problem
from maxai.factory.dag import doc_md_text


def maxai_labels(config: ObjectiveConfig) -> dict[str, str]:
    """The labels the factory puts on every pod, so that a pod is found by its objective on every target."""
    ref = config.ref
    return {"maxai/domain": ref.domain, "maxai/usecase": ref.usecase, "maxai/objective": ref.objective}


def description(config: ObjectiveConfig, *, with_owner_and_tags: bool) -> str:
    """The description, then the documentation; then (for targets without labels of their own) owner and tags."""
    ref = config.ref
    parts = [
        (config.dag.description or f"maxai {ref.domain} / {ref.usecase} / {ref.objective}")
        + config.deployment.describe()
    ]
    documentation = doc_md_text(config)
    if documentation:
        parts.append(documentation)
    if with_owner_and_tags:
        parts.append(f"owner: {config.dag.default_args.owner}; tags: {', '.join(tags(config))}")
    return "\n\n".join(parts)


def tags(config: ObjectiveConfig) -> list[str]:
    """The DAG's tags as the factory sets them: maxai, domain, use case, the configured ones, the environment's."""
    ref = config.ref
    return list(dict.fromkeys(["maxai", ref.domain, ref.usecase, *config.dag.tags, *config.deployment.tags]))


def utc_timestamp(value: date | datetime) -> str:
    """A config date as RFC 3339 in UTC (a date is its midnight UTC, as for Airflow)."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def header(what: str, config: ObjectiveConfig, command: str, notes: list[Problem], comment: str = "#") -> str:
    """Comment lines opening an output: what it is, the files it came from and the settings it could not hold."""
    lines = [f"{what} for {config.dag_id}, written by `{command}` from:"]
    lines += [f"  {name}" for name in config.files]
    if notes:
        lines.append("Settings with no place in this output (see docs/render.rst):")
        lines += [f"  {note}" for note in notes]
    return "".join(f"{comment} {line}".rstrip() + "\n" for line in lines)
