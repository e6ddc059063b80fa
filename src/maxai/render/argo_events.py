"""An asset-scheduled objective on Argo: an Argo Events Sensor that submits its WorkflowTemplate.

Airflow runs such an objective when the awaited assets are updated. On Argo, producing tasks POST each update
to the webhook EventSource ``maxai-assets`` (``argo_asset_updates``); the Sensor rendered here has one
dependency per awaited asset, filtered on the asset's URI (the one Airflow uses), and its trigger's conditions
are the schedule's all/any tree. The run processes the date the update carries, as on Airflow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hera.events import models as events
from hera.events.models.io.k8s.api.core.v1 import ServicePort
from hera.events.models.io.k8s.apimachinery.pkg.util.intstr import IntOrString

from maxai.config.asset_identity import DataAsset, data_asset
from maxai.config.assets import schedule_json
from maxai.config.objective import ObjectiveConfig
from maxai.factory.lineage import scoped_asset
from maxai.render.environment import ASSET_TRIGGERED, RUN_TYPE_PARAM
from maxai.render.findings import Findings
from maxai.render.naming import MAX_LABEL
from maxai.render.places import Places
from maxai.runtime.context import DATE_PARAM

EVENTS_API_VERSION = "argoproj.io/v1alpha1"
EVENT_SOURCE = "maxai-assets"
EVENT_NAME = "asset-updated"
EVENT_PORT = 12000
EVENT_ENDPOINT = "/asset-updated"
EVENT_SERVICE = f"{EVENT_SOURCE}-eventsource-svc"
"""Argo Events names the Service of an EventSource that declares one ``<name>-eventsource-svc``."""
EVENT_URL = f"http://{EVENT_SERVICE}:{EVENT_PORT}{EVENT_ENDPOINT}"
_REGEX_SPECIAL = re.compile(r"([\\.+*?()|\[\]{}^$])")


def _dump(model: Any) -> dict[str, Any]:
    dumped: dict[str, Any] = model.model_dump(by_alias=True, exclude_none=True, mode="json")
    return dumped


def uri_pattern(uri: str) -> str:
    """The URI as an anchored regular expression: Argo Events matches a string data filter as an unanchored
    regular expression, so without anchors ``.../forecast`` would also match ``.../forecast_v2``."""
    return "^" + _REGEX_SPECIAL.sub(r"\\\1", uri) + "$"


@dataclass(frozen=True)
class Dependency:
    name: str
    asset: DataAsset
    written: str
    """As the schedule writes it."""


class _Tree:
    """The schedule's condition as a Sensor expression, collecting one dependency per distinct asset."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        self.dependencies: dict[DataAsset, Dependency] = {}

    def _dependency(self, asset: DataAsset, written: str) -> str:
        if asset not in self.dependencies:
            base = re.sub(r"[^a-z0-9]+", "-", asset.name.lower()).strip("-")[: MAX_LABEL - 4].strip("-") or "asset"
            taken = {dependency.name for dependency in self.dependencies.values()}
            name, number = base, 2
            while name in taken:  # two assets whose names differ only in punctuation or beyond the limit
                name, number = f"{base}-{number}", number + 1
            self.dependencies[asset] = Dependency(name, asset, written)
        return self.dependencies[asset].name

    def expression(self, condition: Any, top: bool = False) -> str:
        if isinstance(condition, str):
            return self._dependency(scoped_asset(condition, self.scope), condition)
        if isinstance(condition, list):
            condition = {"all": condition}
        if "external" in condition:  # produced outside the repository: never scoped (as on Airflow)
            return self._dependency(data_asset(condition["external"]), condition["external"])
        operator, items = (" && ", condition["all"]) if "all" in condition else (" || ", condition["any"])
        text = operator.join(self.expression(item) for item in items)
        return text if top or len(items) == 1 else f"({text})"


def sensor_conditions(config: ObjectiveConfig) -> tuple[str, list[Dependency]]:
    """The trigger's conditions and the dependencies they name, in the schedule's order."""
    tree = _Tree(config.deployment.asset_scope())
    text = tree.expression(schedule_json(config.dag.schedule)["assets"], top=True)
    return text, list(tree.dependencies.values())


def _date_parameters(dependencies: list[Dependency]) -> list[events.TriggerParameter]:
    """The ``date`` argument from the events. Argo Events applies the parameters in order and skips one whose
    dependency did not fire (an ``||``), so the last one applied wins: listed in reverse, the first asset of the
    schedule whose update is part of the trigger gives the date."""
    return [
        events.TriggerParameter(
            src=events.TriggerParameterSource(dependency_name=dependency.name, data_key="body.date"),
            dest="spec.arguments.parameters.0.value",
        )
        for dependency in reversed(dependencies)
    ]


def event_dependencies(dependencies: list[Dependency]) -> list[events.EventDependency]:
    """One dependency per awaited asset: the EventSource's updates of its URI."""
    return [
        events.EventDependency(
            name=dependency.name,
            event_source_name=EVENT_SOURCE,
            event_name=EVENT_NAME,
            filters=events.EventDependencyFilter(
                data=[events.DataFilter(path="body.asset", type="string", value=[uri_pattern(dependency.asset.uri)])]
            ),
        )
        for dependency in dependencies
    ]


def note_first_date(dependencies: list[Dependency], places: Places, findings: Findings) -> None:
    """A run started by several updates takes one date: the first awaited asset's, in the schedule's order."""
    if len(dependencies) > 1:
        findings.note(
            places.dag(
                ("schedule",),
                "a run triggered by several asset updates processes the date of the first of them in the "
                f"schedule's order ({dependencies[0].written!r} when it is among them), where Airflow takes the "
                "latest of their dates",
            )
        )


def sensor_document(
    config: ObjectiveConfig, name: str, metadata: dict[str, Any], places: Places, findings: Findings
) -> dict[str, Any]:
    """The Sensor submitting a Workflow from the WorkflowTemplate ``name`` when the awaited assets are updated;
    ``metadata`` (namespace, labels) is the template's."""
    conditions, dependencies = sensor_conditions(config)
    note_first_date(dependencies, places, findings)
    workflow = {
        "apiVersion": EVENTS_API_VERSION,
        "kind": "Workflow",
        "metadata": {"generateName": f"{name}-", **metadata, "labels": dict(metadata.get("labels", {}))},
        "spec": {
            "workflowTemplateRef": {"name": name},
            # the date from the event (_date_parameters sets parameters.0); the run type Airflow would report
            "arguments": {
                "parameters": [{"name": DATE_PARAM, "value": ""}, {"name": RUN_TYPE_PARAM, "value": ASSET_TRIGGERED}]
            },
        },
    }
    spec = events.SensorSpec(
        dependencies=event_dependencies(dependencies),
        triggers=[
            events.Trigger(
                template=events.TriggerTemplate(
                    name=name,
                    conditions=conditions,
                    argo_workflow=events.ArgoWorkflowTrigger(
                        operation="submit", parameters=_date_parameters(dependencies)
                    ),
                )
            )
        ],
    )
    document: dict[str, Any] = {
        "apiVersion": EVENTS_API_VERSION,
        "kind": "Sensor",
        "metadata": {"name": name, **metadata},
        "spec": _dump(spec),
    }
    # hera's model types the resource as an encoded string; Argo Events reads the manifest as an object
    document["spec"]["triggers"][0]["template"]["argoWorkflow"]["source"] = {"resource": workflow}
    return document


def event_source_document() -> dict[str, Any]:
    """The webhook EventSource every producing step POSTs to (one per namespace, shared by all objectives)."""
    service = events.Service(ports=[ServicePort(port=EVENT_PORT, target_port=IntOrString(EVENT_PORT))])
    webhook = events.WebhookContext(endpoint=EVENT_ENDPOINT, method="POST", port=str(EVENT_PORT))
    return {
        "apiVersion": EVENTS_API_VERSION,
        "kind": "EventSource",
        "metadata": {"name": EVENT_SOURCE},
        # Argo Events' WebhookEventSource holds its WebhookContext inline (hera's model nests it by mistake)
        "spec": {"service": _dump(service), "webhook": {EVENT_NAME: _dump(webhook)}},
    }
