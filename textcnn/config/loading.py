"""The run config (:class:`RunConfig`) and reading it: YAML files, ``--set`` overrides, validation."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError
from .checks import check as _check
from .checks import coerce as _coerce
from .checks import from_dict
from .models import ModelConfig, TextCNNConfig, model_config_class
from .sections import DataConfig, RegionsConfig, TokenizerConfig, TrainConfig, Word2VecConfig


@dataclass
class RunConfig:
    seed: int = 0
    data: DataConfig = field(default_factory=DataConfig)
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)
    model: ModelConfig = field(default_factory=TextCNNConfig)  # a subclass, chosen by model.name
    word2vec: Word2VecConfig = field(default_factory=Word2VecConfig)  # with model.vectors_from_train
    regions: RegionsConfig = field(default_factory=RegionsConfig)  # with model.region_dim
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self) -> None:
        for key, seed in (("seed", self.seed), ("data.split_seed", self.data.split_seed)):
            # numpy, scikit-learn and torch all take seeds as unsigned 32-bit integers
            _check(seed is None or 0 <= seed < 2**32, key, seed, f"an integer from 0 to {2**32 - 1}")
        if self.model.vectors_file and self.tokenizer.kind != "word":
            raise ConfigError(
                f"tokenizer.kind: {self.tokenizer.kind!r} cuts words into subwords, but embedding_mode "
                f"{self.model.embedding_mode!r} reads a file of whole-word vectors; use tokenizer.kind: word "
                "(or model.vectors_from_train: true, which learns vectors of this tokenizer's own tokens)"
            )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def set_dotted(tree: dict[str, Any], assignment: str) -> None:
    """Apply one ``--set section.key=value`` override; the value is parsed as YAML (3, 1e-3, true, [3, 4])."""
    key, sep, raw = assignment.partition("=")
    if not sep or not key:
        raise ConfigError(f"--set expects key=value, got {assignment!r}")
    parts = key.strip().split(".")
    node = tree
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"--set {key}: {part} is not a section")
        node = child
    try:
        node[parts[-1]] = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        raise ConfigError(f"--set {key}: cannot parse value {raw!r} ({error.__class__.__name__})") from None


def build_config(tree: dict[str, Any]) -> RunConfig:
    """Validate a nested dict (as read from YAML) into a :class:`RunConfig`."""
    if not isinstance(tree, dict):
        raise ConfigError(f"a config must be a mapping of sections, got {type(tree).__name__}")
    sections = {f.name for f in dataclasses.fields(RunConfig)}
    unknown = sorted(set(tree) - sections)
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]}; valid top-level keys: {', '.join(sorted(sections))}")
    model_tree = dict(tree.get("model") or {})
    model_name = model_tree.setdefault("name", "textcnn")
    model = from_dict(model_config_class(model_name), model_tree, "model")
    seed = _coerce(tree.get("seed", 0), int, "seed")
    return RunConfig(
        seed=seed,
        data=from_dict(DataConfig, tree.get("data"), "data"),
        tokenizer=from_dict(TokenizerConfig, tree.get("tokenizer"), "tokenizer"),
        model=model,
        word2vec=from_dict(Word2VecConfig, tree.get("word2vec"), "word2vec"),
        regions=from_dict(RegionsConfig, tree.get("regions"), "regions"),
        train=from_dict(TrainConfig, tree.get("train"), "train"),
    )


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a key given twice in one mapping is an error, not the last one kept."""


def _mapping_without_repeats(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    first_line: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            if key in first_line:
                raise ConfigError(
                    f"key {key!r} appears twice in one section (lines {first_line[key]} and {line}); "
                    "the second would silently replace the first: keep one"
                )
            first_line[key] = line
        except TypeError:  # an unhashable key: the constructor below names it
            break
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_repeats)


def read_yaml(path: Path) -> Any:
    """A YAML file's contents, with one-line errors for bad YAML and repeated keys (at any depth)."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # noqa: S506 (a SafeLoader)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path} is not valid YAML: {str(error).splitlines()[0]}") from None


def load_config(path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = ()) -> RunConfig:
    """Read a YAML config (or start from defaults when ``path`` is None) and apply ``--set`` overrides."""
    tree: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"config file not found: {path}")
        tree = read_yaml(path)
        if tree is None:
            tree = {}
        if not isinstance(tree, dict):
            raise ConfigError(
                f"{path}: a config is a mapping of sections (data:, model:, train:, ...), not a {type(tree).__name__}"
            )
    for assignment in overrides:
        set_dotted(tree, assignment)
    return build_config(tree)


def save_config(config: RunConfig, path: str | Path) -> None:
    Path(path).write_text(yaml.safe_dump(config.to_dict(), sort_keys=False), encoding="utf-8")
