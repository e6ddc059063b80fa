"""On Kubeflow Pipelines, a task whose output some objective's schedule waits for announces each update, as on Argo.

The same assets as on Argo are announced (``argo_asset_updates``: only outputs an objective of the repository
awaits), with the same POST to the webhook EventSource ``maxai-assets``: a task after the producing one (after
its whole ``ParallelFor``) runs ``curl`` with ``{"asset": URI, "date": the run date the task processed, "run":
the run's id}``. Kubeflow resolves the run's date only in a container's arguments, so the step starts with the
wrapper's run variables (the image needs ``sh``; the default curl image, Alpine's, has it) and builds the bodies
from them.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kfp.pipeline_spec import pipeline_spec_pb2 as ir

from maxai.config.asset_identity import DataAsset
from maxai.config.objective import ObjectiveConfig
from maxai.render.argo_asset_updates import announcing_tasks, curl_arguments
from maxai.render.findings import Findings
from maxai.render.places import Places
from maxai.runtime.context import DATE_PARAM, ENV_RUN_DATE, ENV_RUN_ID

_RUN_VALUES = re.compile(rf"(\$\{{(?:{ENV_RUN_DATE}|{ENV_RUN_ID})\}})")


@dataclass(frozen=True)
class UpdateTask:
    """One announcing task: its place in the root DAG, its component and its executor's container (as JSON)."""

    name: str
    task: ir.PipelineTaskSpec
    component: ir.ComponentSpec
    container: dict[str, Any]


def _shell_word(argument: str) -> str:
    """The argument as one sh word, the run's date and id expanded where ``${MAXAI_RUN_DATE}``/``${MAXAI_RUN_ID}``
    stand, everything else literal."""
    return "".join(
        f'"{part}"' if _RUN_VALUES.fullmatch(part) else shlex.quote(part)
        for part in _RUN_VALUES.split(argument)
        if part
    )


def update_script(run_variables: str, assets: list[DataAsset]) -> str:
    """The step's sh script: the run's variables (``run_variables``: the wrapper's), then one POST per asset.
    The date goes into JSON, so it must be a date: the task before it ran with it, so this only guards."""
    words = " ".join(
        _shell_word(argument) for argument in curl_arguments(assets, "${" + ENV_RUN_DATE + "}", "${" + ENV_RUN_ID + "}")
    )
    return (
        run_variables
        + f"case ${ENV_RUN_DATE} in [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]) ;;\n"
        + f'*) echo "maxai: {ENV_RUN_DATE} is no date: ${ENV_RUN_DATE}" >&2; exit 1 ;; esac\n'
        + f"exec curl {words}\n"
    )


def kubeflow_update_tasks(
    config: ObjectiveConfig,
    awaited: set[DataAsset],
    names: dict[str, str],
    dependency: Callable[[str], str],
    run_variables: str,
    runtime_inputs: dict[str, str],
    image: str,
    places: Places,
    findings: Findings,
) -> list[UpdateTask]:
    """An announcing task after each task whose outputs are awaited, named as on Argo (``names``: the tasks'
    Kubernetes names). ``dependency``: the root DAG task a config task is (its loop for a ``for_each`` task);
    ``run_variables``: the wrapper's script, given the date, force, run type, schedule time and run id;
    ``runtime_inputs``: Kubeflow's placeholders for the last two."""
    updates = []
    schedule_time, run_id = runtime_inputs
    for task, assets, name in announcing_tasks(config, awaited, names, places, findings, "Kubeflow", "a task"):
        spec = ir.PipelineTaskSpec(dependent_tasks=[dependency(task.name)])
        spec.task_info.name = name
        spec.component_ref.name = f"comp-{name}"
        spec.caching_options.enable_cache = False
        spec.inputs.parameters[DATE_PARAM].component_input_parameter = DATE_PARAM
        component = ir.ComponentSpec(executor_label=f"exec-{name}")
        component.input_definitions.parameters[DATE_PARAM].parameter_type = ir.ParameterType.STRING
        for parameter, placeholder in runtime_inputs.items():
            spec.inputs.parameters[parameter].runtime_value.constant.string_value = placeholder
            component.input_definitions.parameters[parameter].parameter_type = ir.ParameterType.STRING
        inputs = [f"{{{{$.inputs.parameters['{key}']}}}}" for key in (DATE_PARAM, schedule_time, run_id)]
        container = {
            "image": image,
            "command": ["sh", "-c", update_script(run_variables, assets), "maxai"],
            "args": [inputs[0], "", "", inputs[1], inputs[2]],  # the wrapper's date, force, run type, time, id
        }
        updates.append(UpdateTask(name, spec, component, container))
    return updates
