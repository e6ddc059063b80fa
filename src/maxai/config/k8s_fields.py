"""KubernetesPodOperator arguments that take Kubernetes client objects: argument -> (definition, is a list).

Its own module, free of Pydantic, so that building a DAG from the parse cache need not import the models.
"""

from __future__ import annotations

K8S_OBJECT_FIELDS: dict[str, tuple[str, bool]] = {
    "container_resources": ("io.k8s.api.core.v1.ResourceRequirements", False),
    "affinity": ("io.k8s.api.core.v1.Affinity", False),
    "security_context": ("io.k8s.api.core.v1.PodSecurityContext", False),
    "container_security_context": ("io.k8s.api.core.v1.SecurityContext", False),
    "dns_config": ("io.k8s.api.core.v1.PodDNSConfig", False),
    "volumes": ("io.k8s.api.core.v1.Volume", True),
    "volume_mounts": ("io.k8s.api.core.v1.VolumeMount", True),
    "tolerations": ("io.k8s.api.core.v1.Toleration", True),
    "env_from": ("io.k8s.api.core.v1.EnvFromSource", True),
    "ports": ("io.k8s.api.core.v1.ContainerPort", True),
    "image_pull_secrets": ("io.k8s.api.core.v1.LocalObjectReference", True),
    "host_aliases": ("io.k8s.api.core.v1.HostAlias", True),
    "init_containers": ("io.k8s.api.core.v1.Container", True),
}
