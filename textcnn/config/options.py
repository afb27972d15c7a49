"""Command-line options generated from dataclass fields, so each default and its help live in one place.

A field declared with :func:`option` carries its help text and how it is typed on the command line;
:func:`add_options` turns every such field of a dataclass into ``--field-name`` (or a positional argument)
with the field's type and default, and :func:`options_from` builds the dataclass back from the parsed
arguments. Values are validated by the dataclass itself, so a bad value is the same one-line error from the
CLI and from Python; :func:`positive_int` and :func:`port` check values while parsing, as argparse types.
This module is the one place that calls ``add_argument``.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import logging
import types
import typing
from typing import Any

logger = logging.getLogger(__name__)
REQUIRED: Any = dataclasses.MISSING  # an option without a default: required (a positional one: one value)


def option(
    default: Any = REQUIRED,
    help: str = "",
    *,
    flag: str | None = None,
    positional: bool = False,
    nargs: str | None = None,
    choices: tuple[str, ...] | None = None,
    metavar: str | None = None,
    type: typing.Callable[[str], Any] | None = None,
    action: str | None = None,
    deprecated: tuple[str, ...] = (),
    one_of: str | None = None,
) -> Any:
    """A dataclass field with a default and the help text its command-line option shows.

    ``flag`` names the option when it is not ``--field-name`` (``--set`` for ``overrides``); ``positional``
    makes it an argument (a list field takes any number); ``type`` parses and checks one value (default: the
    field's type); ``action`` is argparse's: ``append``, or ``store_true`` / ``store_false`` for a bool (else
    a bool is ``--name`` / ``--no-name``). The default is added to the help of a flag that takes a value,
    unless it is None or the help already says ``default:``. ``deprecated``: old spellings that still work,
    hidden from ``--help``, with a warning naming the new one. Fields with the same ``one_of`` name are
    alternatives of which exactly one must be given, shown as ``(--a A | --b B)`` (declare them next to each other).
    """
    metadata = {
        "help": help,
        "flag": flag,
        "positional": positional,
        "nargs": nargs,
        "choices": choices,
        "metavar": metavar,
        "type": type,
        "action": action,
        "deprecated": deprecated,
        "one_of": one_of,
    }
    if isinstance(default, (list, dict, set)):
        return dataclasses.field(default_factory=lambda: copy.copy(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def set_option(applies_to: str = "the config") -> Any:
    """``--set KEY=VALUE`` (repeatable) into a field ``overrides``: config overrides by dotted key, as YAML."""
    return option([], _set_help(applies_to), flag="--set", action="append", metavar="KEY=VALUE")


def progress_option(still: str = "") -> Any:
    """``--no-progress`` into a field ``progress``. Bars also stay off by themselves when stderr is not a terminal."""
    return option(True, f"no progress bars{still}", flag="--no-progress", action="store_false")


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def port(text: str) -> int:  # argparse names it in "invalid port value: 'x'"
    value = int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 1 and 65535, got {value}")
    return value


def _default(f: dataclasses.Field) -> Any:
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


def add_options(parser: argparse.ArgumentParser, cls: type, *, skip: tuple[str, ...] = ()) -> None:
    """Add an argument for every :func:`option` field of dataclass ``cls`` (except ``skip``), in field order."""
    hints = typing.get_type_hints(cls)
    groups: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in skip or "help" not in f.metadata:
            continue
        names, kwargs = _argument(f, hints[f.name])
        one_of = f.metadata.get("one_of")
        if one_of and one_of not in groups:
            groups[one_of] = parser.add_mutually_exclusive_group(required=True)
        _add_argument(groups[one_of] if one_of else parser, names, kwargs)
        for old in f.metadata.get("deprecated", ()):  # the same argument under its old name, hidden
            hidden = {k: v for k, v in kwargs.items() if k not in ("required", "default")}
            hidden.update(dest=_deprecated_dest(f.name, old), default=argparse.SUPPRESS, help=argparse.SUPPRESS)
            _add_argument(parser, [old], hidden)


def _argument(f: dataclasses.Field, hint: Any) -> tuple[list[str], dict[str, Any]]:
    """The names and the ``add_argument`` keywords of option field ``f`` of type ``hint``."""
    meta, default = f.metadata, _default(f)
    kwargs: dict[str, Any] = {"help": meta["help"]}
    if meta["positional"]:
        names = [f.name]
    else:
        names = [meta["flag"] or "--" + f.name.replace("_", "-")]
        kwargs.update(dest=f.name, required=default is REQUIRED)
    if default is not REQUIRED:
        kwargs["default"] = default
    if hint is bool:
        kwargs["action"] = meta["action"] or argparse.BooleanOptionalAction
        return names, kwargs
    base, many = _base_type(hint)
    kwargs["type"] = meta["type"] or base
    if meta["action"]:
        kwargs["action"] = meta["action"]
    elif meta["nargs"] or many:
        kwargs["nargs"] = meta["nargs"] or "*"
    for key in ("choices", "metavar"):
        if meta[key]:
            kwargs[key] = meta[key]
    shown = not meta["positional"] and meta["action"] != "append" and "default:" not in meta["help"]
    if shown and default not in (REQUIRED, None):
        kwargs["help"] += f" (default: {_shown(default)})"
    return names, kwargs


def _base_type(hint: Any) -> tuple[Any, bool]:
    """The type of one value of ``hint`` (``X | None`` is ``X``), and whether the field holds several."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    if typing.get_origin(hint) in (tuple, list):
        return typing.get_args(hint)[0], True
    return hint, False


def _shown(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return " ".join(str(v) for v in value) or "none"
    if isinstance(value, int) and not isinstance(value, bool) and value >= 10_000:
        return f"{value:,}"
    return str(value)


def _add_argument(parser: Any, names: list[str], kwargs: dict[str, Any]) -> None:  # a parser or a group
    parser.add_argument(*names, **kwargs)


def add_version_option(parser: argparse.ArgumentParser, version: str) -> None:
    """``--version``: print ``version`` and exit."""
    _add_argument(parser, ["--version"], {"action": "version", "version": version})


def _deprecated_dest(name: str, old: str) -> str:
    return f"{name}__{old.lstrip('-').replace('-', '_')}__deprecated"


def options_from(cls: type, args: argparse.Namespace, **values: Any) -> Any:
    """Dataclass ``cls`` from the parsed options it declared, plus ``values`` for the other fields.

    A value given under a deprecated spelling is taken, with a warning naming the new one.
    """
    for f in dataclasses.fields(cls):
        for old in f.metadata.get("deprecated", ()):
            if hasattr(args, _deprecated_dest(f.name, old)):
                new = f.metadata["flag"] or "--" + f.name.replace("_", "-")
                logger.warning(f"{old} is deprecated and will be removed in the next release; use {new}")
                setattr(args, f.name, getattr(args, _deprecated_dest(f.name, old)))
        if "help" in f.metadata and f.name not in values and hasattr(args, f.name):
            value = getattr(args, f.name)
            values[f.name] = tuple(value) if isinstance(_default(f), tuple) and value is not None else value
    return cls(**values)


def _set_help(applies_to: str) -> str:
    return (
        f"override a value of {applies_to} by its dotted key, e.g. --set data.max_length=200 "
        "--set train.epochs=3 (repeatable; values are parsed as YAML)"
    )


def add_set_option(parser: argparse.ArgumentParser, applies_to: str = "the config") -> None:
    """``--set KEY=VALUE`` (repeatable) into ``args.set``, for the scripts; a command declares :func:`set_option`."""
    kwargs = {"action": "append", "default": [], "metavar": "KEY=VALUE", "help": _set_help(applies_to)}
    _add_argument(parser, ["--set"], kwargs)
