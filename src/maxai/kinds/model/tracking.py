"""The MLflow tracking server behind an Airflow Connection: its URI and the credentials MLflow's client reads."""

from __future__ import annotations

import os
import urllib.parse
from typing import Any


def tracking_settings(conn_id: str) -> tuple[str, dict[str, str]]:
    """The tracking URI and the ``MLFLOW_TRACKING_*`` variables of connection ``conn_id``.

    The URI is the connection's ``tracking_uri`` extra, else built from its type (http or https), host,
    port and schema (a path). Login and password become HTTP basic auth, a ``token`` extra a bearer token:
    MLflow's client reads both from the environment, so they never reach a config file or a log line.
    """
    from airflow.sdk import BaseHook

    connection = BaseHook.get_connection(conn_id)
    extra = connection.extra_dejson
    uri = extra.get("tracking_uri")
    if not uri:
        if not connection.host:
            raise ValueError(f"Airflow connection {conn_id!r} has no host: give it the MLflow tracking server's URI")
        scheme = connection.conn_type if connection.conn_type in ("http", "https") else "http"
        uri = connection.host if "://" in connection.host else f"{scheme}://{connection.host}"
        if connection.port:
            uri += f":{connection.port}"
        if connection.schema:
            uri += "/" + connection.schema.strip("/")
    credentials = {"MLFLOW_TRACKING_URI": str(uri)}
    if connection.login:
        credentials["MLFLOW_TRACKING_USERNAME"] = connection.login
        credentials["MLFLOW_TRACKING_PASSWORD"] = connection.password or ""
    if extra.get("token"):
        credentials["MLFLOW_TRACKING_TOKEN"] = str(extra["token"])
    return str(uri), credentials


def shown_uri(uri: str) -> str:
    """``uri`` without the user and password a ``tracking_uri`` extra may hold: fit for a log line."""
    parts = urllib.parse.urlsplit(uri)
    if "@" not in parts.netloc:
        return uri
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def mlflow_client(conn_id: str) -> tuple[Any, dict[str, str]]:
    """A client of the connection's server (tracking and registry), and the variables a training process needs."""
    import mlflow
    from mlflow import MlflowClient

    uri, credentials = tracking_settings(conn_id)
    os.environ.update(credentials)  # this task's process only: MLflow reads credentials at each request
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return MlflowClient(tracking_uri=uri, registry_uri=uri), credentials
