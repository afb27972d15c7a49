from pathlib import Path

import pytest

from textcnn.config import LSTMConfig, RunConfig, TextCNNConfig, load_config, save_config
from textcnn.errors import ConfigError

CONFIGS = sorted((Path(__file__).parents[2] / "configs").glob("*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_shipped_configs_load(path):
    config = load_config(path)
    assert isinstance(config, RunConfig)
    assert isinstance(config.model, (TextCNNConfig, LSTMConfig))


def test_defaults_and_overrides():
    config = load_config(None, ["model.name=lstm", "train.lr=3e-4", "model.hidden_size=64", "data.max_length=50"])
    assert isinstance(config.model, LSTMConfig)
    assert config.train.lr == pytest.approx(3e-4)  # YAML reads 3e-4 as a string; the float field accepts it
    assert config.model.hidden_size == 64 and config.data.max_length == 50
    assert load_config(None, ["model.kernel_sizes=[2, 3]"]).model.kernel_sizes == [2, 3]


def test_round_trip_through_yaml(tmp_path):
    config = load_config(CONFIGS[0], ["train.epochs=2", "data.path=some/where"])
    save_config(config, tmp_path / "config.yaml")
    assert load_config(tmp_path / "config.yaml") == config


@pytest.mark.parametrize(
    "overrides,message",
    [
        (["train.lrr=0.1"], "unknown key train.lrr"),
        (["model.hidden_size=64"], "unknown key model.hidden_size"),  # an LSTM option on the TextCNN
        (["trian.lr=0.1"], "unknown key trian"),
        (["train.lr=-1"], "train.lr: -1"),
        (["train.lr=fast"], "train.lr: expected a number"),
        (["train.epochs=2.5"], "train.epochs: expected an integer"),
        (["train.optimizer=rmsprop"], "train.optimizer: 'rmsprop' is not allowed"),
        (["data.lowercase=maybe"], "data.lowercase: expected true or false"),
        (["data.val_size=1.5"], "data.val_size"),
        (["model.name=transformer"], "unknown model 'transformer'"),
        (["model.embedding_mode=dynamic"], "model.embedding_mode: 'dynamic' is not allowed"),
        (["model.kernel_sizes=3"], "model.kernel_sizes: expected a list"),
        (["model.kernel_sizes=[0, 3]"], "model.kernel_sizes"),
        (["model.pool_backward=sparse"], "model.pool_backward: 'sparse' is not allowed"),
        (["train.crop_length=0"], "train.crop_length: 0"),
        (["train.device=tpu"], "train.device"),
        (["train"], "--set expects key=value"),
    ],
)
def test_bad_keys_and_values_name_the_key(overrides, message):
    with pytest.raises(Exception, match=message) as info:
        load_config(None, overrides)
    assert isinstance(info.value, ConfigError)


def test_bad_files(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")
    (tmp_path / "bad.yaml").write_text("train: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(tmp_path / "bad.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    for overrides in ([], ["train.lr=0.1"]):  # with --set it was an AttributeError
        with pytest.raises(ConfigError, match=r"list.yaml: a config is a mapping of sections .* not a list"):
            load_config(tmp_path / "list.yaml", overrides)


@pytest.mark.parametrize(
    "text,line",
    [
        (
            "train:\n  lr: 0.1\n  threads: 2\nmodel:\n  name: textcnn\ntrain:\n  epochs: 3\n",
            "'train' appears twice in one section \\(lines 1 and 6\\)",
        ),
        ("train:\n  lr: 0.1\n  epochs: 2\n  lr: 0.2\n", "'lr' appears twice in one section \\(lines 2 and 4\\)"),
        ("model:\n  kernel_sizes: [3, 4]\n  extra: {a: 1, a: 2}\n", "'a' appears twice"),
    ],
)
def test_a_key_given_twice_is_refused_at_any_depth(tmp_path, text, line):
    (tmp_path / "twice.yaml").write_text(text)
    with pytest.raises(ConfigError, match=line):
        load_config(tmp_path / "twice.yaml")


@pytest.mark.parametrize("key,value", [("seed", -1), ("seed", 4294967296), ("data.split_seed", -5)])
def test_seeds_out_of_range_name_the_key(key, value):
    with pytest.raises(ConfigError, match=rf"^{key}: {value} is not allowed; expected an integer from 0 to 4294967295"):
        load_config(None, [f"{key}={value}"])
    load_config(None, [f"{key}=4294967295"])
