"""Without options: print every run config key, section by section, with its default and its help, as a YAML config
of the defaults (each key's help a comment; the keys of models other than the default one commented out), the same
table as docs/reference/config.md. With --config FILE, --data PATH and/or --set KEY=VALUE: print that config fully
resolved as YAML, every key with the value 'textcnn train' would use; an unknown key or a bad value is an error, as
in training.
"""

from __future__ import annotations

import yaml

from ..config import load_config
from ..config.commands import ConfigOptions
from ..config.reference import config_defaults_yaml
from .shared import with_data

NAME = "config"
HELP = "list every config key with its default and help, or print a config fully resolved"
OPTIONS = (ConfigOptions,)  # each a dataclass: its fields are the flags
EXAMPLES = (  # shown under --help
    "textcnn config",
    "textcnn config --config configs/textcnn_imdb.yaml --set train.epochs=3",
    "textcnn config --set model.name=lstm",
)


def run(options: ConfigOptions) -> int:
    if options.config is None and options.data is None and not options.overrides:
        print(config_defaults_yaml(), end="")
        return 0
    config = load_config(options.config, with_data(options.overrides, options.data))
    print(yaml.safe_dump(config.to_dict(), sort_keys=False), end="")
    return 0
