"""The reference pages are rendered from the code, and the committed pages are what it renders now."""

import dataclasses
from pathlib import Path

import pytest
import yaml

from textcnn.cli.main import build_parser
from textcnn.config import LSTMConfig, RunConfig, TextCNNConfig, load_config
from textcnn.config.reference import cli_reference, config_defaults_yaml, config_keys, config_reference
from textcnn.config.sections import DataConfig, RegionsConfig, TokenizerConfig, TrainConfig, Word2VecConfig

REFERENCE = Path(__file__).parents[2] / "docs" / "reference"
STALE = "is out of date: run python scripts/make_reference.py"


@pytest.mark.parametrize(
    ("page", "render"), [("cli.md", lambda: cli_reference(build_parser())), ("config.md", config_reference)]
)
def test_the_reference_pages_are_what_the_code_renders(page, render):
    path = REFERENCE / page
    assert path.is_file(), f"docs/reference/{page} is missing: run python scripts/make_reference.py"
    assert path.read_text(encoding="utf-8") == render(), f"docs/reference/{page} {STALE}"


def test_every_config_key_is_listed_once_with_its_help():
    keys = [key.key for key in config_keys()]
    assert len(keys) == len(set(keys))
    expected = {"seed"}
    sections = (
        ("data", DataConfig),
        ("tokenizer", TokenizerConfig),
        ("word2vec", Word2VecConfig),
        ("regions", RegionsConfig),
        ("train", TrainConfig),
    )
    for prefix, cls in sections:
        expected |= {f"{prefix}.{f.name}" for f in dataclasses.fields(cls)}
    for cls in (TextCNNConfig, LSTMConfig):
        expected |= {f"model.{f.name}" for f in dataclasses.fields(cls)}
    assert set(keys) == expected
    assert all(key.help for key in config_keys())
    page = config_reference()
    for key in config_keys():
        assert f"| `{key.key}` |" in page


def test_config_page_shows_types_defaults_and_help():
    page = config_reference()
    assert "| `model.kernel_sizes` | `list[int]` | `[3, 4, 5]` | filter widths in tokens |" in page
    assert "| `data.name` | `str` or null | `null` |" in page
    assert "| `model.name` | `str` | `textcnn` |" in page
    assert "## `model` with `name: lstm`" in page and "| `model.hidden_size` |" in page
    assert "&lt;br /&gt;" in page  # no raw HTML from a help text
    assert "food\\|service" in page  # a pipe in a help text does not split the table


def test_the_defaults_yaml_loads_as_the_default_config():
    assert yaml.safe_load(config_defaults_yaml()) == RunConfig().to_dict()


def test_the_help_lives_in_the_field_metadata_and_changes_nothing_else():
    field = next(f for f in dataclasses.fields(DataConfig) if f.name == "max_length")
    assert field.default == 400 and field.metadata["help"] == "tokens kept per text (the rest is cut)"
    assert DataConfig.path == "stanfordnlp/imdb" and TrainConfig.device == "auto"
    first, second = TextCNNConfig(), TextCNNConfig()
    assert first.kernel_sizes == [3, 4, 5] and first.kernel_sizes is not second.kernel_sizes
    assert load_config(None, ["model.kernel_sizes=[2, 3]"]).model.kernel_sizes == [2, 3]


def test_cli_page_lists_every_command_and_option():
    parser = build_parser()
    page = cli_reference(parser)
    for name, sub in parser.command_parsers.items():
        assert f"## `textcnn {name}`" in page
        assert f"textcnn {name} [-h]" in page  # its usage
        for action in sub._actions:
            if (
                action.help not in (None, "==SUPPRESS==")
                and action.option_strings
                and "-h" not in action.option_strings
            ):
                assert f"`{action.option_strings[0]}" in page, (name, action.option_strings)
    assert "| `--folds K` | number of folds (Kim's used 10) (default: 10) | `10` |" in page
    assert "| `RUN_DIR` | a folder written by 'textcnn train' | required |" in page
