"""Strict JSON reading with positions.

The standard ``json`` module accepts duplicate keys (last one wins), ``NaN`` and
``Infinity``, and reports no position for a semantic error. Config files need the
opposite: every surprise is an error, and every error points at a line and column.
Parsing stays on the fast C scanner; positions are recovered by a second, slower
walk only when an error has to be reported.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from maxai.errors import ConfigError, JsonPath, Problem

MAX_CONFIG_BYTES = 2 * 1024 * 1024
MAX_NESTING = 64

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_WHITESPACE = re.compile(r"[ \t\n\r]*")


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


class _BadConstant(Exception):
    def __init__(self, text: str) -> None:
        self.text = text


def _pairs_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _reject_constant(text: str) -> Any:
    raise _BadConstant(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _BadConstant(text)
    return value


def decode_config_bytes(raw: bytes, display_name: str) -> str:
    """Bytes -> text: UTF-8 only, an optional UTF-8 byte-order mark is dropped."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError.single(display_name, (), "file is UTF-16; save it as UTF-8")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            [Problem(display_name, (), f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})", line, 1)]
        ) from None


def parse_config_text(text: str, display_name: str) -> Any:
    """Parse JSON text strictly, raising ConfigError with a position for any problem."""
    try:
        data = json.loads(
            text,
            object_pairs_hook=_pairs_without_duplicates,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
        )
    except json.JSONDecodeError as exc:
        raise ConfigError([Problem(display_name, (), f"invalid JSON: {exc.msg}", exc.lineno, exc.colno)]) from None
    except _DuplicateKey as exc:
        raise ConfigError([_locate_duplicate(text, exc.key, display_name)]) from None
    except _BadConstant as exc:
        line, column = _position_of_token(text, exc.text)
        message = f"{exc.text} is not a JSON number; configs allow only finite numbers"
        raise ConfigError([Problem(display_name, (), message, line, column)]) from None
    except RecursionError:
        raise ConfigError.single(display_name, (), f"JSON is nested more than {MAX_NESTING} levels deep") from None
    except ValueError as exc:  # e.g. integers longer than Python's digit limit
        raise ConfigError.single(display_name, (), f"invalid JSON value: {exc}") from None
    # Cheap bound first: a document with few brackets cannot be deep.
    if text.count("[") + text.count("{") > MAX_NESTING and _depth(data) > MAX_NESTING:
        raise ConfigError.single(display_name, (), f"JSON is nested more than {MAX_NESTING} levels deep")
    return data


def read_config_file(path: Path, display_name: str) -> tuple[Any, str]:
    """Read one config file; returns the parsed value and its text (for locating errors)."""
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError.single(
                display_name, (), f"file is {size} bytes; config files are limited to {MAX_CONFIG_BYTES} bytes"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError.single(display_name, (), f"cannot read file: {exc.strerror or exc}") from None
    text = decode_config_bytes(raw, display_name)
    return parse_config_text(text, display_name), text


def child(data: Any, part: str | int) -> tuple[bool, Any]:
    """``(True, data[part])`` when ``part`` names a key or index present in ``data``."""
    if isinstance(data, dict) and isinstance(part, str) and part in data:
        return True, data[part]
    if isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
        return True, data[part]
    return False, None


def _depth(value: Any) -> int:
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, level)
            if level <= MAX_NESTING:
                stack.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, level)
            if level <= MAX_NESTING:
                stack.extend((child, level + 1) for child in item)
    return deepest


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _position_of_token(text: str, token: str) -> tuple[int | None, int | None]:
    match = re.search(r"(?<![\"\w])" + re.escape(token) + r"(?![\"\w])", text)
    if match is None:
        return None, None
    return _line_column(text, match.start())


class _Walker:
    """Re-walks JSON text to map each JSON path to the offset of its key (or value)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _skip(self, index: int) -> int:
        match = _WHITESPACE.match(self.text, index)
        return match.end() if match else index

    def walk(self) -> Iterator[tuple[JsonPath, int, bool]]:
        """Yield ``(path, offset, is_duplicate)`` for every value, in document order."""
        yield from self._value(self._skip(0), ())

    def _value(self, index: int, path: JsonPath) -> Iterator[tuple[JsonPath, int, bool]]:
        self.end = index
        char = self.text[index : index + 1]
        if char == "{":
            yield from self._object(index, path)
        elif char == "[":
            yield from self._array(index, path)
        elif char == '"':
            _, self.end = json.decoder.scanstring(self.text, index + 1)  # type: ignore[attr-defined]
        else:
            match = _NUMBER.match(self.text, index)
            if match and match.end() > index:
                self.end = match.end()
            else:
                for word in ("true", "false", "null", "NaN", "Infinity", "-Infinity"):
                    if self.text.startswith(word, index):
                        self.end = index + len(word)
                        break
                else:
                    raise ValueError("unexpected character")

    def _object(self, index: int, path: JsonPath) -> Iterator[tuple[JsonPath, int, bool]]:
        seen: set[str] = set()
        index = self._skip(index + 1)
        if self.text[index] == "}":
            self.end = index + 1
            return
        while True:
            key_start = index
            key, index = json.decoder.scanstring(self.text, index + 1)  # type: ignore[attr-defined]
            child = (*path, key)
            yield child, key_start, key in seen
            seen.add(key)
            index = self._skip(self._skip(index) + 1)  # past the colon
            yield from self._value(index, child)
            index = self._skip(self.end)
            if self.text[index] == ",":
                index = self._skip(index + 1)
                continue
            self.end = index + 1
            return

    def _array(self, index: int, path: JsonPath) -> Iterator[tuple[JsonPath, int, bool]]:
        index = self._skip(index + 1)
        if self.text[index] == "]":
            self.end = index + 1
            return
        position = 0
        while True:
            child = (*path, position)
            yield child, index, False
            yield from self._value(index, child)
            index = self._skip(self.end)
            if self.text[index] == ",":
                index = self._skip(index + 1)
                position += 1
                continue
            self.end = index + 1
            return


def _locate_duplicate(text: str, key: str, display_name: str) -> Problem:
    try:
        for path, offset, duplicate in _Walker(text).walk():
            if duplicate and path[-1] == key:
                line, column = _line_column(text, offset)
                return Problem(display_name, path, f"duplicate key {key!r}; each key may appear once", line, column)
    except (ValueError, IndexError, RecursionError):
        pass
    return Problem(display_name, (), f"duplicate key {key!r}; each key may appear once")


def locate(text: str, path: JsonPath) -> tuple[int | None, int | None]:
    """Line and column of the deepest existing prefix of ``path`` in ``text``."""
    best: int | None = None
    best_length = -1
    try:
        for candidate, offset, _ in _Walker(text).walk():
            length = len(candidate)
            if length > best_length and tuple(path[:length]) == candidate:
                best, best_length = offset, length
                if length == len(path):
                    break
    except (ValueError, IndexError, RecursionError):
        pass
    if best is None:
        return None, None
    return _line_column(text, best)
