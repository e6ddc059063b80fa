"""Validators for rendered output, from the published specs vendored in tests/vendor/ (see its README.rst)."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import yaml

VENDOR = Path(__file__).resolve().parent / "vendor"


def strict(schema: Any) -> Any:
    """The schema with unknown fields refused wherever it lists an object's fields: the API server would
    prune them (CRDs) or Argo's controller ignore them, so a misspelt field would vanish without a word."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: strict(value) for key, value in schema.items()}
    if (
        "properties" in result
        and "additionalProperties" not in result
        and not result.get("x-kubernetes-preserve-unknown-fields")
    ):
        result["additionalProperties"] = False
    return result


@functools.cache
def _argo_definitions() -> dict[str, Any]:
    schema = json.loads((VENDOR / "argo-workflows-schema.json").read_text(encoding="utf-8"))
    definitions: dict[str, Any] = strict(schema["definitions"])
    return definitions


@functools.cache
def argo_validator(kind: str) -> jsonschema.Draft202012Validator:
    """Argo's published JSON schema (v4.1.2) for ``Workflow`` or ``CronWorkflow``, strict."""
    return jsonschema.Draft202012Validator(
        {"$ref": f"#/definitions/io.argoproj.workflow.v1alpha1.{kind}", "definitions": _argo_definitions()}
    )


@functools.cache
def spark_application_validator() -> jsonschema.Draft7Validator:
    """The Spark operator's SparkApplication CRD schema (v2.5.2, v1beta2), strict."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    crd = yaml.load((VENDOR / "sparkoperator.k8s.io_sparkapplications.yaml").read_text(encoding="utf-8"), loader)
    [version] = [version for version in crd["spec"]["versions"] if version["name"] == "v1beta2"]
    return jsonschema.Draft7Validator(strict(version["schema"]["openAPIV3Schema"]))


def errors(validator: jsonschema.protocols.Validator, document: Any) -> list[str]:
    return [
        f"{'.'.join(str(part) for part in error.absolute_path)}: {error.message[:300]}"
        for error in validator.iter_errors(document)
    ]


def kubernetes_executor_config() -> ModuleType:
    """kfp-kubernetes' generated KubernetesExecutorConfig message (KFP 2.17.0)."""
    if str(VENDOR) not in sys.path:
        sys.path.insert(0, str(VENDOR))
    import kubernetes_executor_config_pb2

    return kubernetes_executor_config_pb2
