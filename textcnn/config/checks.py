"""Checking config values against their fields' types, with errors that name the key."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

from ..errors import ConfigError


def check(ok: bool, key: str, value: Any, expected: str) -> None:
    if not ok:
        raise ConfigError(f"{key}: {value!r} is not allowed; expected {expected}")


def coerce(value: Any, hint: Any, key: str) -> Any:
    """Check ``value`` against a field's type hint (int, float, bool, str, list[int], dict[str, float], X | None)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        for kind, container in ((dict, dict), (list, list), (tuple, list)):  # a mapping is checked as one
            matching = [o for o in options if typing.get_origin(o) is container]
            if isinstance(value, kind) and matching:
                return coerce(value, matching[0], key)
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return coerce(value, option, key)
            except ConfigError as error:
                errors.append(error)
        raise errors[0]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: expected a mapping, got {value!r}")
        _, item = typing.get_args(hint)
        return {str(k): coerce(v, item, f"{key}.{k}") for k, v in value.items()}  # YAML reads `1: 2.0` as an int key
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{key}: expected a list, got {value!r}")
        (item,) = typing.get_args(hint)[:1]
        return [coerce(v, item, f"{key}[{i}]") for i, v in enumerate(value)]
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key}: expected an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, str):  # PyYAML reads 1e-3 (no dot) as a string
            try:
                value = float(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{key}: expected a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key}: expected a string, got {value!r}")
        return value
    return value


def from_dict(cls: type, values: dict[str, Any] | None, prefix: str) -> Any:
    """Build dataclass ``cls`` from a dict whose keys must be its field names."""
    values = {} if values is None else values
    if not isinstance(values, dict):
        raise ConfigError(f"{prefix}: expected a mapping of keys to values, got {values!r}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise ConfigError(f"unknown key {prefix}.{unknown[0]}; valid keys in {prefix}: {', '.join(names)}")
    kwargs = {k: coerce(v, hints[k], f"{prefix}.{k}") for k, v in values.items()}
    return cls(**kwargs)


def is_text_encoding(name: str) -> bool:
    """Whether Python knows ``name`` as a codec between bytes and text (``base64`` is bytes to bytes)."""
    import codecs  # only here: no other check names a codec

    try:
        return getattr(codecs.lookup(name), "_is_text_encoding", True)
    except LookupError:
        return False


def is_delimiter(value: str) -> bool:
    """Whether ``value`` can split a CSV file's fields: one character, not a quote or a line break."""
    return len(value) == 1 and value not in '"\r\n'
