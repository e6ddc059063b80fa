"""An asset-scheduled objective on Kubeflow Pipelines: an Argo Events Sensor that creates its run through KFP's API.

Kubeflow Pipelines has no schedule on data assets. As on Argo (``argo_events``), the producing tasks POST each
update to the webhook EventSource ``maxai-assets`` (``kubeflow_asset_updates``) and a Sensor waits for the
awaited assets with the schedule's all/any tree as its conditions; its trigger here is an HTTP request creating
a run: ``POST {api}/apis/v2beta1/runs`` with a v2beta1 ``Run`` (backend/api/v2beta1/run.proto: CreateRun takes
the run as body), the pipeline inline (``pipeline_spec``: ``{"pipeline_spec": ..., "platform_spec": ...}``, the
form the API server reads, backend/src/apiserver/server/api_util.go ``pipelineSpecStructToYamlString``) and the
event's date as the run's ``date`` parameter.

How the body is built (argo-events pkg/sensors/triggers/params.go ``ConstructPayload``): a payload parameter
without ``dest`` makes the whole body, and the first such parameter whose dependency fired wins; its
``dataTemplate`` is a Go template run on that event (sprig's functions). So there is one parameter per awaited
asset, in the schedule's order, each the body with ``{{ toJson .Input.body.date }}`` for the date: the run
processes the date of the first awaited asset, in the schedule's order, among the updates that started it, as
on Argo. A constant value could not do it: a payload parameter puts a constant in the body as a string, never as
the object ``pipeline_spec`` must be.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hera.events import models as events
from hera.events.models.io.k8s.api.core.v1 import SecretKeySelector

from maxai.config.objective import ObjectiveConfig
from maxai.render.argo_events import EVENTS_API_VERSION, event_dependencies, note_first_date, sensor_conditions
from maxai.render.describe import maxai_labels
from maxai.render.environment import ASSET_TRIGGERED, RUN_TYPE_PARAM
from maxai.render.findings import Findings
from maxai.render.places import Places
from maxai.runtime.context import DATE_PARAM

KFP_API = "http://ml-pipeline.kubeflow.svc.cluster.local:8888"
"""The API server's Service in a standard install (manifests/kustomize/base/pipeline/ml-pipeline-apiserver-service.yaml)."""
RUNS_PATH = "/apis/v2beta1/runs"
EVENT_DATE = "{{ toJson .Input.body.date }}"
"""The event's date as a JSON string (sprig's ``toJson``): whatever it holds, it stays one JSON value."""
_DATE_SLOT = "maxai-event-date"


@dataclass(frozen=True)
class KubeflowApi:
    """Where and as whom the Sensor creates runs (``maxai render kubeflow --kfp-*``)."""

    url: str = KFP_API
    experiment_id: str = ""
    """Empty: the API server's default experiment (single-user installs); a multi-user install needs one, whose
    namespace the run runs in."""
    auth_secret: tuple[str, str] | None = None
    """A Secret and key holding the whole ``Authorization`` header value (``Bearer <token>``), when the API
    requires one (a multi-user install); none for a standalone install's in-cluster API."""


DEFAULT_API = KubeflowApi()


def _go_text(text: str) -> str:
    """``text`` as literal Go template text: every ``{{`` (Kubeflow's placeholders) becomes an action printing it."""
    return text.replace("{{", '{{"{{"}}')


def run_body_template(config: ObjectiveConfig, pipeline: list[dict[str, Any]], api: KubeflowApi, account: str) -> str:
    """The Go template of the CreateRun body; ``pipeline``: the PipelineSpec and, if any, the platform spec;
    ``account``: the service account the pod tasks name ('' for the installation's default)."""
    spec: dict[str, Any] = (
        pipeline[0] if len(pipeline) == 1 else {"pipeline_spec": pipeline[0], "platform_spec": pipeline[1]}
    )
    body: dict[str, Any] = {
        "display_name": config.dag_id,
        "description": f"started by Argo Events when the assets {config.dag_id} awaits were updated",
        "pipeline_spec": spec,
        "runtime_config": {"parameters": {DATE_PARAM: _DATE_SLOT, RUN_TYPE_PARAM: ASSET_TRIGGERED}},
    }
    if api.experiment_id:
        body["experiment_id"] = api.experiment_id
    if account:
        body["service_account"] = account
    text = _go_text(json.dumps(body, sort_keys=False))
    slot = json.dumps(_DATE_SLOT)
    assert text.count(slot) == 1, "the date's place is unique"
    return text.replace(slot, EVENT_DATE)


def kubeflow_sensor(
    config: ObjectiveConfig,
    name: str,
    pipeline: list[dict[str, Any]],
    api: KubeflowApi,
    account: str,
    places: Places,
    findings: Findings,
) -> dict[str, Any]:
    """The Sensor creating a run of ``pipeline`` (its documents as JSON) when the awaited assets are updated."""
    conditions, dependencies = sensor_conditions(config)
    note_first_date(dependencies, places, findings)
    template = run_body_template(config, pipeline, api, account)
    secure = []
    if api.auth_secret is not None:
        secret, key = api.auth_secret
        reference = SecretKeySelector(name=secret, key=key)
        secure.append(
            events.SecureHeader(name="Authorization", value_from=events.ValueFromSource(secret_key_ref=reference))
        )
    http = events.HTTPTrigger(
        url=api.url.rstrip("/") + RUNS_PATH,
        method="POST",
        headers={"Content-Type": "application/json"},
        secure_headers=secure or None,
        payload=[
            events.TriggerParameter(
                src=events.TriggerParameterSource(dependency_name=dependency.name, data_template=template), dest=""
            )
            for dependency in dependencies
        ],
    )
    trigger = events.Trigger(
        template=events.TriggerTemplate(name=name, conditions=conditions, http=http),
        policy=events.TriggerPolicy(status=events.StatusPolicy(allow=[200])),  # an API error is a failed trigger
    )
    spec = events.SensorSpec(dependencies=event_dependencies(dependencies), triggers=[trigger])
    dumped: dict[str, Any] = spec.model_dump(by_alias=True, exclude_none=True, mode="json")
    metadata = {"name": name, "labels": maxai_labels(config)}
    return {"apiVersion": EVENTS_API_VERSION, "kind": "Sensor", "metadata": metadata, "spec": dumped}
