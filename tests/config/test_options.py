"""Command-line options from dataclass fields: positionals, required flags, append, store_false, validators."""

import argparse
from dataclasses import dataclass

import pytest

from textcnn.config.options import (
    REQUIRED,
    add_options,
    option,
    options_from,
    port,
    positive_int,
    progress_option,
    set_option,
)


@dataclass(kw_only=True)
class Example:
    run_dir: str = option(REQUIRED, "a folder", positional=True, metavar="RUN_DIR")
    texts: list[str] = option([], "texts", positional=True, metavar="TEXT")
    config: str = option(REQUIRED, "a config", metavar="FILE")
    overrides: list[str] = set_option()
    port: int = option(8000, "port, 1-65535", type=port)
    top: int = option(12, "how many", type=positive_int)
    progress: bool = progress_option()
    splits: list[str] | None = option(None, "splits", nargs="+")


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(exit_on_error=False)
    add_options(parser, Example)
    return parser


def test_fields_become_arguments_and_come_back():
    args = parser().parse_args(["run", "a", "b", "--config", "c.yaml", "--set", "x=1", "--set", "y=2", "--no-progress"])
    options = options_from(Example, args)
    assert options == Example(
        run_dir="run", texts=["a", "b"], config="c.yaml", overrides=["x=1", "y=2"], progress=False
    )
    assert options_from(Example, parser().parse_args(["run", "--config", "c"])).overrides == []  # a fresh list


def test_help_shows_defaults_of_flags_with_values():
    text = parser().format_help()
    assert "port, 1-65535 (default: 8000)" in text and "how many (default: 12)" in text
    assert "no progress bars" in text and "--set KEY=VALUE" in text and "texts (default" not in text


@pytest.mark.parametrize(
    "argv", [["run"], ["run", "--config", "c", "--port", "0"], ["run", "--config", "c", "--top", "0"]]
)
def test_required_flags_and_validators(argv):
    with pytest.raises((argparse.ArgumentError, SystemExit)):
        parser().parse_args(argv)
