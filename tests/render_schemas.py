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


@functools.cache
def kfp_create_run_message() -> type[Any]:
    """The input fields of Kubeflow Pipelines' v2beta1 ``Run``, the body of ``POST /apis/v2beta1/runs`` (CreateRun's
    ``body: "run"``), as a protobuf message built here with the names, numbers and types of
    backend/api/v2beta1/run.proto and runtime_config.proto (KFP's Python packages do not ship the API's messages).
    Output fields (run_id, state, created_at, ...) are left out: a body setting them fails to parse."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, struct_pb2

    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(struct_pb2.DESCRIPTOR.serialized_pb)
    file = descriptor_pb2.FileDescriptorProto(
        name="maxai_tests/kfp_run.proto",
        package="kubeflow.pipelines.backend.api.v2beta1",
        syntax="proto3",
        dependency=["google/protobuf/struct.proto"],
    )
    field = descriptor_pb2.FieldDescriptorProto
    optional, repeated = field.LABEL_OPTIONAL, field.LABEL_REPEATED
    string, message = field.TYPE_STRING, field.TYPE_MESSAGE
    prefix = ".kubeflow.pipelines.backend.api.v2beta1."
    runtime = file.message_type.add(name="RuntimeConfig")
    entry = runtime.nested_type.add(name="ParametersEntry")
    entry.options.map_entry = True
    entry.field.add(name="key", number=1, label=optional, type=string)
    entry.field.add(name="value", number=2, label=optional, type=message, type_name=".google.protobuf.Value")
    runtime.field.add(
        name="parameters", number=1, label=repeated, type=message, type_name=prefix + "RuntimeConfig.ParametersEntry"
    )
    runtime.field.add(name="pipeline_root", number=2, label=optional, type=string)
    reference = file.message_type.add(name="PipelineVersionReference")
    reference.field.add(name="pipeline_id", number=1, label=optional, type=string)
    reference.field.add(name="pipeline_version_id", number=2, label=optional, type=string)
    run = file.message_type.add(name="Run")
    run.oneof_decl.add(name="pipeline_source")
    for name, number in (("experiment_id", 1), ("display_name", 3), ("description", 5), ("service_account", 9)):
        run.field.add(name=name, number=number, label=optional, type=string)
    run.field.add(
        name="pipeline_spec", number=7, label=optional, type=message, type_name=".google.protobuf.Struct", oneof_index=0
    )
    run.field.add(
        name="pipeline_version_reference",
        number=18,
        label=optional,
        type=message,
        type_name=prefix + "PipelineVersionReference",
        oneof_index=0,
    )
    run.field.add(name="runtime_config", number=8, label=optional, type=message, type_name=prefix + "RuntimeConfig")
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("kubeflow.pipelines.backend.api.v2beta1.Run"))
