"""``textcnn config``: every key with its default and help, or a config fully resolved."""

import yaml

from textcnn.cli.main import main
from textcnn.config import RunConfig, load_config
from textcnn.config.reference import config_keys


def test_without_options_it_lists_every_key_with_its_default_and_help(capsys):
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert yaml.safe_load(out) == RunConfig().to_dict()  # a YAML config of the defaults
    assert "  max_length: 400  # tokens kept per text (the rest is cut)" in out
    assert "  # hidden_size: 128  # (lstm only) per direction" in out  # another model's keys, commented out
    for key in config_keys():
        assert f"{key.key.rsplit('.', 1)[-1]}: " in out
        assert key.help.split()[0] in out


def test_a_config_and_overrides_print_fully_resolved(tmp_path, capsys):
    path = tmp_path / "run.yaml"
    path.write_text("model:\n  name: lstm\ntrain:\n  epochs: 2\n", encoding="utf-8")
    argv = ["config", "--config", str(path), "--set", "train.lr=1e-2", "--data", "reviews.csv"]
    assert main(argv) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    expected = load_config(path, ["train.lr=1e-2", "data.path=reviews.csv"]).to_dict()
    assert printed == expected
    assert printed["model"]["hidden_size"] == 128 and "kernel_sizes" not in printed["model"]
    assert printed["train"] == {**RunConfig().to_dict()["train"], "epochs": 2, "lr": 0.01}
    assert printed["data"]["path"] == "reviews.csv"


def test_overrides_alone_resolve_against_the_defaults(capsys):
    assert main(["config", "--set", "model.num_filters=8"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["model"]["num_filters"] == 8 and printed["seed"] == 0


def test_bad_keys_and_values_are_one_line_errors(tmp_path, capsys):
    for argv, message in (
        (["config", "--set", "model.bogus=1"], "error: unknown key model.bogus"),
        (["config", "--set", "train.lr=fast"], "error: train.lr: expected a number, got 'fast'"),
        (["config", "--set", "data.val_size=2"], "error: data.val_size: 2.0 is not allowed"),
        (["config", "--config", str(tmp_path / "missing.yaml")], "error: config file not found"),
    ):
        assert main(argv) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.startswith(message) and len(captured.err.strip().splitlines()) == 1, captured.err
