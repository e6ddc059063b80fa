"""Spot credentials written in plain text in a config, without ever echoing them."""

from __future__ import annotations

import itertools
import re
from typing import Any

from maxai.errors import JsonPath

_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_SECRET_WORDS = frozenset(
    {"password", "passwd", "pwd", "pass", "passphrase", "token", "secret", "credential", "credentials", "apikey"}
)
# Run-together names: PGPASSWORD, MYSQLPWD, CSRFTOKEN.
_SECRET_ENDINGS = ("password", "passwd", "passphrase", "secret", "token", "apikey")
_SECRET_PAIRS = frozenset(
    {("api", "key"), ("access", "key"), ("secret", "key"), ("private", "key"), ("auth", "key"), ("client", "secret")}
)
# A key ending in one of these names a secret (a reference), it does not hold one.
_REFERENCE_SUFFIXES = frozenset(
    {"name", "names", "ref", "file", "path", "provider", "type", "secrets", "env", "id", "enabled", "mount"}
    # ... or a setting about secrets, not a secret: PASSWORD_MIN_LENGTH, TOKEN_TTL_SECONDS, api_key_header
    | {"length", "len", "min", "max", "ttl", "seconds", "secs", "minutes", "hours", "days", "timeout", "expiry"}
    | {"header", "policy", "count", "size", "version", "url", "endpoint", "scope", "scopes", "format", "prefix"}
)
_SECRET_VALUES = (
    (re.compile(r"\bAKIA[0-9A-Z]{16}\b"), "an AWS access key id"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"), "a GitHub token"),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), "a Slack token"),
    (re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"), "a URL with a password in it"),
)
# Airflow resolves these at run time from its own secret stores: not plain text.
_TEMPLATE_REFERENCE = re.compile(r"^\s*\{\{\s*(conn|var|macros)\b.*\}\}\s*$", re.DOTALL)

NOT_SECRETS_KEY = "@not_secrets"
"""A file's list of keys that look like credentials by name but hold none (``"PASSWORD_MIN_LENGTH"``)."""

ADVICE = (
    "keep credentials out of configs: use an Airflow Connection or Variable "
    "(e.g. '{{ conn.my_db.password }}' in a templated field) or a Kubernetes Secret "
    "(the kubepod 'secrets' or 'env_from' settings); if it is no secret, list the key in the file's "
    f'"{NOT_SECRETS_KEY}"'
)


def key_words(key: str) -> list[str]:
    return [word.lower() for word in _WORDS.findall(key)]


def is_secret_key(key: str) -> bool:
    words = key_words(key)
    if not words or words[-1] in _REFERENCE_SUFFIXES:
        return False
    if any(word in _SECRET_WORDS or word.endswith(_SECRET_ENDINGS) for word in words):
        return True
    return any(pair in _SECRET_PAIRS for pair in itertools.pairwise(words))


def is_plaintext_secret(key: str, value: str) -> bool:
    """A credential-like key holding a literal, not a reference such as ``{{ conn.my_db.password }}``."""
    return bool(value.strip()) and not _TEMPLATE_REFERENCE.match(value) and is_secret_key(key)


_ANY_SECRET_VALUE = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in _SECRET_VALUES))


def _string_leaves(data: Any) -> list[tuple[JsonPath, str]]:
    """Every string value with its path, skipping ``secrets`` entries (references to Kubernetes Secrets)."""
    leaves: list[tuple[JsonPath, str]] = []
    stack: list[tuple[JsonPath, Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            leaves.append((path, value))
        elif isinstance(value, dict):
            # pushed in reverse so that leaves come out in document order
            stack.extend(((*path, key), child) for key, child in reversed(value.items()) if key != "secrets")
        elif isinstance(value, list):
            stack.extend(((*path, index), child) for index, child in reversed(list(enumerate(value))))
    return leaves


def declared_not_secrets(data: Any) -> tuple[frozenset[str], list[tuple[JsonPath, str]]]:
    """The keys a file declares as no secret, and problems with that declaration (a name no key of the file has)."""
    declared = data.get(NOT_SECRETS_KEY) if isinstance(data, dict) else None
    if not isinstance(declared, list):
        return frozenset(), []  # a wrong type is reported by the file's model
    names = frozenset(name for name in declared if isinstance(name, str))
    used = {path[-1] for path, _ in _string_leaves(data) if path and isinstance(path[-1], str)}
    used |= {value for path, value in _string_leaves(data) if path and path[-1] == "name"}
    problems: list[tuple[JsonPath, str]] = [
        ((NOT_SECRETS_KEY, index), f"{name!r} names no key of this file")
        for index, name in enumerate(declared)
        if isinstance(name, str) and name not in used
    ]
    return names, problems


def find_plaintext_secrets(data: Any) -> list[tuple[JsonPath, str]]:
    """``(path, message)`` for every value that looks like a credential; messages never include the value.

    Keys the file lists under ``@not_secrets`` are not judged by their name (a value that *is* a known kind
    of credential, such as an AWS key id, still is).
    """
    not_secrets, found = declared_not_secrets(data)
    for path, value in _string_leaves(data):
        if not value.strip() or _TEMPLATE_REFERENCE.match(value):
            continue
        if path and path[0] == NOT_SECRETS_KEY:
            continue
        key = path[-1] if path and isinstance(path[-1], str) else None
        if key is not None and key not in not_secrets and is_plaintext_secret(key, value):
            found.append((path, f"{key!r} looks like a credential in plain text; {ADVICE}"))
            continue
        if key == "value" and len(path) >= 2:
            # Kubernetes {"name": "DB_PASSWORD", "value": "..."} pairs
            parent = _parent(data, path)
            name = parent.get("name") if isinstance(parent, dict) else None
            if isinstance(name, str) and name not in not_secrets and is_secret_key(name):
                found.append((path, f"{name!r} looks like a credential in plain text; {ADVICE}"))
                continue
        if _ANY_SECRET_VALUE.search(value):
            what = next(what for pattern, what in _SECRET_VALUES if pattern.search(value))
            found.append((path, f"value looks like {what}; {ADVICE}"))
    return found


def _parent(data: Any, path: JsonPath) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data
