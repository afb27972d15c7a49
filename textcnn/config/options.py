"""Command-line options generated from dataclass fields, so each default and its help live in one place.

A field declared with :func:`option` carries its help text (and choices); :func:`add_options` turns
every such field of a dataclass into ``--field-name`` with the field's type and default, and
:func:`options_from` builds the dataclass back from the parsed arguments. Values are validated by
the dataclass itself, so a bad value is the same one-line error from the CLI and from Python.
"""

from __future__ import annotations

import argparse
import dataclasses
import typing
from typing import Any


def option(default: Any, help: str, *, choices: tuple[str, ...] | None = None, metavar: str | None = None) -> Any:
    """A dataclass field with a default and the help text its command-line option shows."""
    metadata = {"help": help, "choices": choices, "metavar": metavar}
    if isinstance(default, (list, dict, set)):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def _default(f: dataclasses.Field) -> Any:
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


def add_options(parser: argparse.ArgumentParser, cls: type, *, skip: tuple[str, ...] = ()) -> None:
    """Add ``--name`` for every :func:`option` field of dataclass ``cls`` (except ``skip``)."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.name in skip or "help" not in f.metadata:
            continue
        flag, default, hint = "--" + f.name.replace("_", "-"), _default(f), hints[f.name]
        text = f.metadata["help"]
        if hint is bool:
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=default, help=text)
            continue
        kwargs: dict[str, Any] = {"default": default, "help": f"{text} (default: {_shown(default)})"}
        args = typing.get_args(hint)
        if typing.get_origin(hint) in (tuple, list):
            kwargs.update(nargs="*", type=args[0])
        else:
            base = next((a for a in args if a is not type(None)), hint) if args else hint
            kwargs["type"] = base
        if f.metadata.get("choices"):
            kwargs["choices"] = f.metadata["choices"]
        if f.metadata.get("metavar"):
            kwargs["metavar"] = f.metadata["metavar"]
        parser.add_argument(flag, **kwargs)


def _shown(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return " ".join(str(v) for v in value) or "none"
    return "none" if value is None else str(value)


def options_from(cls: type, args: argparse.Namespace, **values: Any) -> Any:
    """Dataclass ``cls`` from the parsed options it declared, plus ``values`` for the other fields."""
    for f in dataclasses.fields(cls):
        if "help" in f.metadata and f.name not in values and hasattr(args, f.name):
            value = getattr(args, f.name)
            values[f.name] = tuple(value) if isinstance(_default(f), tuple) else value
    return cls(**values)


def add_set_option(parser: argparse.ArgumentParser, applies_to: str = "the config") -> None:
    """``--set KEY=VALUE`` (repeatable): a config override by dotted key, parsed as YAML."""
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"override a value of {applies_to} by its dotted key, e.g. --set data.path=../shared/data/imdb "
        "--set train.epochs=3 (repeatable; values are parsed as YAML)",
    )


def add_progress_option(parser: argparse.ArgumentParser, still: str = "") -> None:
    """``--no-progress``. Bars also stay off by themselves when stderr is not a terminal."""
    parser.add_argument("--no-progress", action="store_true", help=f"no progress bars{still}")
