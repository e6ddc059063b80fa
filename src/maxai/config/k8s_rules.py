"""What the Kubernetes API server checks beyond its OpenAPI schema, checked before a pod is ever sent.

The schema (``k8s_schema``) says a resource quantity is a string and a label value is a string; the API
server then refuses ``2GB``, ``-2Gi``, a request above its limit, a namespace ``Maxai_Finance`` or a label
value ``Retail Data!``. The rules here are those of Kubernetes' apimachinery (quantity grammar, DNS-1123
names, label syntax); a test compares the quantity parser with the kubernetes client's ``parse_quantity``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from maxai.errors import JsonPath

# apimachinery's quantity grammar: <signedNumber><suffix>, suffix binary SI, decimal SI or an exponent.
_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$")
_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}

STANDARD_RESOURCES = ("cpu", "memory", "ephemeral-storage")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def parse_quantity(text: str) -> Decimal:
    """The value of a Kubernetes quantity (``500m``, ``1.5Gi``, ``2e3``); ValueError as the API server would."""
    match = _QUANTITY.match(text)
    if match is None:
        raise ValueError(
            f"{text!r} is not a Kubernetes quantity; write a number with an optional suffix "
            "(Ki, Mi, Gi, Ti for powers of 1024; m, k, M, G, T for powers of 1000), e.g. '512Mi' or '250m'"
        )
    number, suffix = match.group(1), match.group(2) or ""
    try:
        value = Decimal(number)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimal numbers
        raise ValueError(f"{text!r} is not a Kubernetes quantity") from None
    if suffix in _BINARY:
        return value * (Decimal(1024) ** _BINARY[suffix])
    if suffix in _DECIMAL:
        return value.scaleb(_DECIMAL[suffix])
    return value.scaleb(int(suffix[1:]))


def _resource_name_problem(name: str) -> str | None:
    if name in STANDARD_RESOURCES or name.startswith("hugepages-") or "/" in name:
        return None
    from maxai.config.diagnostics import did_you_mean

    hint = did_you_mean(name, list(STANDARD_RESOURCES))
    return (
        f"unknown resource {name!r}{hint}; Kubernetes knows cpu, memory, ephemeral-storage, hugepages-<size> "
        "and extended resources with a domain (nvidia.com/gpu)"
    )


def resource_problems(resources: Mapping[str, Any]) -> Iterator[tuple[JsonPath, str]]:
    """Problems of a ``container_resources`` object: names, quantities, and requests above limits."""
    parsed: dict[str, dict[str, Decimal]] = {}
    for section in ("requests", "limits"):
        values = resources.get(section)
        if not isinstance(values, Mapping):
            continue
        for name, quantity in values.items():
            problem = _resource_name_problem(name)
            if problem:
                yield (section, name), problem
                continue
            try:
                value = parse_quantity(str(quantity))
            except ValueError as error:
                yield (section, name), str(error)
                continue
            if value < 0:
                yield (section, name), f"{quantity!r} is negative; a resource quantity must be zero or more"
                continue
            parsed.setdefault(section, {})[name] = value
    for name, request in parsed.get("requests", {}).items():
        limit = parsed.get("limits", {}).get(name)
        if limit is not None and request > limit:
            yield (
                ("requests", name),
                f"request {resources['requests'][name]!r} is above the limit {resources['limits'][name]!r}; "
                "Kubernetes refuses such a pod",
            )


def volume_problems(volumes: Any, mounts: Any) -> Iterator[tuple[JsonPath, str]]:
    """A volume mount must name a volume of the pod; volume names must be unique DNS labels."""
    names: list[str] = []
    for index, volume in enumerate(volumes if isinstance(volumes, list) else []):
        name = volume.get("name") if isinstance(volume, Mapping) else None
        if not isinstance(name, str):
            continue
        if not _DNS_LABEL.match(name) or len(name) > 63:
            yield ("volumes", index, "name"), f"volume name {name!r} is not a DNS label (lower-case, digits, '-')"
        if name in names:
            yield ("volumes", index, "name"), f"a second volume named {name!r}"
        names.append(name)
        size = (volume.get("emptyDir") or {}).get("sizeLimit") if isinstance(volume.get("emptyDir"), Mapping) else None
        if isinstance(size, str):
            try:
                parse_quantity(size)
            except ValueError as error:
                yield ("volumes", index, "emptyDir", "sizeLimit"), str(error)
    for index, mount in enumerate(mounts if isinstance(mounts, list) else []):
        name = mount.get("name") if isinstance(mount, Mapping) else None
        if isinstance(name, str) and name not in names:
            from maxai.config.diagnostics import did_you_mean

            known = f"; the pod's volumes are {', '.join(repr(n) for n in names)}" if names else ""
            yield (
                ("volume_mounts", index, "name"),
                f"no volume named {name!r} in this task's volumes{did_you_mean(name, names)}{known}",
            )


def label_key_problem(key: str) -> str | None:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        return f"key {key!r}: the prefix {prefix!r} is not a DNS subdomain (lower-case, digits, '-', '.')"
    if not name or len(name) > 63 or not _LABEL_NAME.match(name):
        return (
            f"key {key!r}: the name must be 1-63 letters, digits, '-', '_' or '.', "
            "starting and ending with a letter or digit"
        )
    return None


def label_value_problem(value: str) -> str | None:
    if len(value) > 63 or not _LABEL_VALUE.match(value):
        return (
            f"value {value!r} is not a Kubernetes label value: at most 63 letters, digits, '-', '_' or '.', "
            "starting and ending with a letter or digit"
        )
    return None


def name_problem(kind: str, value: str) -> str | None:
    """A namespace is a DNS label; an explicit pod name is what KubernetesPodOperator keeps unchanged."""
    if kind == "namespace":
        if len(value) > 63 or not _DNS_LABEL.match(value):
            return f"namespace {value!r} is not a DNS label: at most 63 lower-case letters, digits and '-'"
        return None
    if len(value) > 220 or not _DNS_LABEL.match(value.replace(".", "-")):
        renamed = re.sub(r"[^a-z0-9-]+", "-", value.lower())
        return (
            f"pod name {value!r}: Kubernetes names are lower-case letters, digits and '-'; "
            f"KubernetesPodOperator would refuse it or rename it to {renamed!r}"
        )
    return None


def pod_problems(conf: Mapping[str, Any]) -> Iterator[tuple[JsonPath, str]]:
    """Every API-server rule above, for one task's KubernetesPodOperator arguments (paths relative to ``conf``)."""
    resources = conf.get("container_resources")
    if isinstance(resources, Mapping):
        for path, message in resource_problems(resources):
            yield ("container_resources", *path), message
    yield from volume_problems(conf.get("volumes"), conf.get("volume_mounts"))
    for kind in ("namespace", "name"):
        value = conf.get(kind)
        if isinstance(value, str):
            problem = name_problem(kind, value)
            if problem:
                yield (kind,), problem
    for argument in ("labels", "node_selector"):
        values = conf.get(argument)
        for key, value in (values or {}).items() if isinstance(values, Mapping) else ():
            problem = label_key_problem(key) or (label_value_problem(value) if isinstance(value, str) else None)
            if problem:
                yield (argument, key), problem
    annotations = conf.get("annotations")
    for key in annotations or {} if isinstance(annotations, Mapping) else ():
        problem = label_key_problem(key)
        if problem:
            yield ("annotations", key), problem
