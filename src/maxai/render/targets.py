"""The render targets by name, so that the command line and tests call them the same way."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the command line imports this module at start: the renderers load only when used
    from maxai.config.objective import ObjectiveConfig
    from maxai.render.coverage import SparkMode
    from maxai.render.findings import Rendered

TargetName = Literal["argo", "kubeflow", "airflow"]
TARGETS: tuple[TargetName, ...] = ("argo", "kubeflow", "airflow")
EXTRAS = {"argo": "render", "kubeflow": "render", "airflow": "airflow"}
"""The maxai extra each target's imports come from."""


def render(
    target: TargetName,
    config: ObjectiveConfig,
    *,
    strict: bool = False,
    spark: SparkMode = "operator",
    update_image: str | None = None,
    callback_image: str | None = None,
    kfp: tuple[str | None, str | None, str | None] = (None, None, None),
) -> Rendered:
    """``config`` rendered for ``target``; a ConfigError names every setting the target cannot express.
    ``update_image`` (argo, kubeflow): the image of the steps announcing awaited outputs (default: a pinned curl);
    ``callback_image`` (argo, kubeflow): the image the objective's callbacks run in (default: its pod tasks' image);
    ``kfp`` (kubeflow): the API address, experiment and ``SECRET/KEY`` of the authorization the Sensor of an
    objective scheduled on assets uses (None: the defaults of ``KubeflowApi``)."""
    if target == "argo":
        from maxai.render.argo import render_argo
        from maxai.render.argo_asset_updates import ASSET_UPDATE_IMAGE

        image = update_image or ASSET_UPDATE_IMAGE
        return render_argo(config, strict=strict, spark=spark, update_image=image, callback_image=callback_image)
    if target == "kubeflow":
        from maxai.render.argo_asset_updates import ASSET_UPDATE_IMAGE
        from maxai.render.kubeflow import render_kubeflow
        from maxai.render.kubeflow_events import KubeflowApi

        url, experiment, secret = kfp
        auth = None
        if secret:  # SECRET/KEY, checked by the command line
            name, key = secret.split("/", 1)
            auth = (name, key)
        api = KubeflowApi(url or KubeflowApi.url, experiment or "", auth)
        image = update_image or ASSET_UPDATE_IMAGE
        return render_kubeflow(config, strict=strict, api=api, update_image=image, callback_image=callback_image)
    from maxai.render.airflow import render_airflow

    return render_airflow(config, strict=strict)
