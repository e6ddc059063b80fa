"""A container step (``TaskKind.container_step``) on Kubeflow Pipelines: its outputs are the component's output
parameters (written to the files Kubeflow names), its inputs the component's input parameters, taken from the
producing tasks' outputs; its Secret keys go to the executor's Kubernetes platform config."""

from __future__ import annotations

from typing import Any

from kfp.pipeline_spec import pipeline_spec_pb2 as ir

from maxai.kinds.containers import ContainerStep
from maxai.render.kubeflow_platform import named_parameter

UPSTREAM_PREFIX = "upstream--"
"""Before the name of a step's input on its component: the component's own inputs (``run_id``, ``date``, the
objective's params) cannot clash with the names a kind gives the values it hands on."""


def input_placeholder(name: str) -> str:
    """A step input's value in the container's arguments (``ContainerRequest.input``)."""
    return f"{{{{$.inputs.parameters['{UPSTREAM_PREFIX}{name}']}}}}"


def output_file(name: str) -> str:
    """Where the launcher wants an output parameter's value written; it reads the file once the step ends."""
    return f"{{{{$.outputs.parameters['{name}'].output_file}}}}"


def declare_parameters(component: ir.ComponentSpec, step: ContainerStep) -> None:
    """The step's inputs and outputs on its component, as strings."""
    for name in step.inputs:
        component.input_definitions.parameters[UPSTREAM_PREFIX + name].parameter_type = ir.ParameterType.STRING
    for name in step.outputs:
        component.output_definitions.parameters[name].parameter_type = ir.ParameterType.STRING


def wire_inputs(spec: ir.PipelineTaskSpec, step: ContainerStep, names: dict[str, str]) -> None:
    """Each input of the task comes from an output parameter of the task that produces it."""
    for name, value in step.inputs.items():
        source = spec.inputs.parameters[UPSTREAM_PREFIX + name].task_output_parameter
        source.producer_task = names[value.task]
        source.output_parameter_key = value.output


def platform_config(step: ContainerStep, labels: dict[str, str]) -> dict[str, Any]:
    """The executor's KubernetesExecutorConfig (as JSON): its labels, and its variables from Secret keys, one
    ``secretAsEnv`` per Secret and optionality (Kubeflow marks a whole entry optional, not a key)."""
    config: dict[str, Any] = {"podMetadata": {"labels": dict(labels)}}
    groups: dict[tuple[str, bool], list[dict[str, str]]] = {}
    for variable, source in step.secret_env.items():
        groups.setdefault((source.secret, source.optional), []).append({"secretKey": source.key, "envVar": variable})
    for (secret, optional), keys in groups.items():
        entry = {"secretName": secret, "secretNameParameter": named_parameter(secret), "keyToEnv": keys}
        config.setdefault("secretAsEnv", []).append({**entry, "optional": optional} if optional else entry)
    return config
