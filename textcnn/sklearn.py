"""scikit-learn estimators: a TextCNN (or the LSTM) that goes into ``Pipeline``, ``GridSearchCV`` and friends.

    from textcnn.sklearn import TextCNNClassifier
    clf = TextCNNClassifier("configs/starter.yaml", model__num_filters=200).fit(texts, labels)
    clf.predict(["a fine film"]), clf.predict_proba(["a fine film"]), clf.score(texts, labels)

The estimator's parameters are the run config's keys, spelled as scikit-learn spells nested ones
(``train__epochs``, ``model__kernel_sizes``), plus ``config`` (the YAML file they start from) and
``device``. A key left at ``FROM_CONFIG`` takes the config's value (or its default). ``fit`` holds out the
config's ``data.val_size`` (stratified, seeded) for early stopping and calibration, trains a run folder in
a temporary directory, and keeps the folder's files as bytes: a fitted estimator pickles as those files,
never as a torch object graph, and loads them back on first use.
"""

from __future__ import annotations

import inspect
import logging
import tempfile
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

logger = logging.getLogger(__name__)

KEPT_FILES = ("config.yaml", "tokenizer.json", "model.safetensors", "run.json", "metrics.json", "splits.json")


def _texts(x: Any) -> list[str]:
    """A list, tuple, array or pandas Series of strings as a list; a single string is a mistake."""
    from .text.inputs import check_texts

    if isinstance(x, str):
        raise TypeError("X must be a sequence of texts, not one string; wrap it in a list")
    values = x.tolist() if hasattr(x, "tolist") else list(x)
    if values and isinstance(values[0], list):  # a 2-D array of one column, as a ColumnTransformer gives
        values = [row[0] if len(row) == 1 else row for row in values]
    return check_texts(values)


FROM_CONFIG = "from config"  # the default of every config-key parameter: the config's value (or its default)
FIXED = ("config", "device")


def config_parameters(model_name: str) -> list[str]:
    """Every key of a run config of ``model_name`` as a parameter name: ``seed``, ``model__num_filters``, ..."""
    from .config import load_config

    tree = load_config(None, [f"model.name={model_name}"]).to_dict()
    names = []
    for section, values in tree.items():
        if isinstance(values, dict):
            names += [f"{section}__{key}" for key in values if (section, key) != ("model", "name")]
        else:
            names.append(section)
    return names


class _Estimator(ClassifierMixin, BaseEstimator):
    """What the TextCNN and LSTM estimators share: config keys as parameters, fit through a run folder."""

    model_name = ""
    _parameters: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Give the subclass an ``__init__`` whose signature names every config key, as scikit-learn expects."""
        super().__init_subclass__(**kwargs)
        cls._parameters = tuple(config_parameters(cls.model_name))

        def __init__(self, config: str | None = None, *, device: str = "auto", **params: Any) -> None:  # noqa: N807
            _Estimator._set_up(self, config, device, params)

        keyword = inspect.Parameter.KEYWORD_ONLY
        __init__.__signature__ = inspect.Signature(
            [
                inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
                inspect.Parameter("config", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None),
                inspect.Parameter("device", keyword, default="auto"),
                *(inspect.Parameter(name, keyword, default=FROM_CONFIG) for name in cls._parameters),
            ]
        )
        __init__.__doc__ = cls.__doc__
        cls.__init__ = __init__

    def _set_up(self, config: str | None, device: str, params: dict[str, Any]) -> None:
        unknown = sorted(set(params) - set(self._parameters))
        if unknown:
            raise TypeError(f"{type(self).__name__}: unknown parameter {unknown[0]!r} (config keys read section__key)")
        self.config = config
        self.device = device
        for name in self._parameters:
            setattr(self, name, params.get(name, FROM_CONFIG))

    # ------------------------------------------------------------------------------------- parameters

    def _config_keys(self) -> dict[str, Any]:
        """The config keys this estimator sets (the others come from the config)."""
        return {name: getattr(self, name) for name in self._parameters if getattr(self, name) != FROM_CONFIG}

    def set_params(self, **params: Any) -> _Estimator:
        """Set ``config``, ``device`` or config keys; checked against the config first, so a wrong key or value
        is an error that names it and leaves the estimator as it was."""
        for key in params:
            if key not in FIXED and key not in self._parameters:
                raise ValueError(
                    f"invalid parameter {key!r} for {type(self).__name__}: config keys read section__key, e.g. "
                    "model__num_filters (every one: get_params())"
                )
        keys = {**self._config_keys(), **{k: v for k, v in params.items() if k not in FIXED}}
        self.resolved_config(params.get("config", self.config), keys)
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def resolved_config(self, config: str | None = None, keys: dict[str, Any] | None = None):
        """The :class:`~textcnn.config.RunConfig` these parameters give (``config`` / ``keys``: instead of the
        estimator's own)."""
        from .api import _override
        from .config import load_config

        keys = self._config_keys() if keys is None else {k: v for k, v in keys.items() if v != FROM_CONFIG}
        sets = [_override(k, v) for k, v in {"model__name": self.model_name, **keys}.items()]
        return load_config(self.config if config is None else config, sets)

    # ----------------------------------------------------------------------------------------- fitting

    def fit(self, X: Any, y: Any) -> _Estimator:  # noqa: N803 - scikit-learn's names
        """Train on texts ``X`` and labels ``y`` (strings or integers); the config's val_size is held out."""
        from .api import train

        texts, labels = _texts(X), np.asarray(y)
        if len(texts) != len(labels):
            raise ValueError(f"X has {len(texts)} texts but y has {len(labels)} labels")
        self.classes_ = np.unique(labels)
        if len(self.classes_) < 2:
            raise ValueError(f"y holds one class ({self.classes_[0]!r}); a classifier needs at least two")
        config = self.resolved_config()
        with tempfile.TemporaryDirectory(prefix="textcnn-fit-") as folder:
            data = Path(folder) / "data"
            _write_splits(data, texts, labels, config.data.val_size, config.data.split_seed or config.seed)
            sets = {"data__path": str(data), "data__text_column": "text", "data__label_column": "label"}
            sets.update(data__test_size=None, data__validation_split="validation", data__test_split="test")
            train(config, Path(folder) / "run", progress=False, quiet=True, **sets)
            self.run_files_ = {name: (Path(folder) / "run" / name).read_bytes() for name in KEPT_FILES}
        self.__dict__.pop("_run", None)
        return self

    # -------------------------------------------------------------------------------------- predicting

    def _loaded(self):
        """The fitted run, loaded from the kept files on first use (after unpickling too)."""
        check_is_fitted(self, "run_files_")
        run = self.__dict__.get("_run")
        if run is None:
            from .runs.loaded import Run

            folder = tempfile.TemporaryDirectory(prefix="textcnn-run-")
            for name, content in self.run_files_.items():
                (Path(folder.name) / name).write_bytes(content)
            run = Run.load(folder.name, self.device)
            weakref.finalize(run, folder.cleanup)
            self.__dict__["_run"] = run
        return run

    def predict_proba(self, X: Any) -> np.ndarray:  # noqa: N803
        """``(N, n_classes)`` probabilities, columns in ``classes_`` order (calibrated where the run is)."""
        run = self._loaded()
        probs = run.predict_proba(_texts(X))
        order = [run.class_names.index(str(c)) for c in self.classes_]
        return probs[:, order]

    def predict(self, X: Any) -> np.ndarray:  # noqa: N803
        probs = self.predict_proba(X)  # first: an unfitted estimator says so before classes_ is read
        return self.classes_[probs.argmax(axis=1)]

    @property
    def metrics_(self) -> dict:
        """The fitted run's ``metrics.json`` (validation accuracy, calibration, timings). Its test figures are the
        validation rows' (see :func:`_write_splits`): score your own test texts with ``score``."""
        import json

        check_is_fitted(self, "run_files_")
        return json.loads(self.run_files_["metrics.json"])

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_run", None)  # the files are the model; the live one is rebuilt from them
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.non_deterministic = True  # torch's CPU kernels may differ across machines
        return tags


class TextCNNClassifier(_Estimator):
    """A Kim-style TextCNN as a scikit-learn classifier (see the module docstring)."""

    model_name = "textcnn"


class LSTMClassifier(_Estimator):
    """The bidirectional LSTM baseline as a scikit-learn classifier (see the module docstring)."""

    model_name = "lstm"


def _write_splits(folder: Path, texts: Sequence[str], labels: np.ndarray, val_size: float, seed: int) -> None:
    """The fit data as Parquet splits: train, and a stratified ``val_size`` of it as validation.

    A run scores a test split once at its end; the estimator has none (``score`` is for the caller's own
    test texts), so the validation rows stand in as ``test`` too and the run's test figures are theirs.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq
    from sklearn.model_selection import train_test_split

    rows = np.arange(len(texts))
    counts = np.unique(labels, return_counts=True)[1]
    stratify = labels if counts.min() >= 2 else None
    train_rows, val_rows = train_test_split(rows, test_size=val_size, stratify=stratify, random_state=seed)
    folder.mkdir(parents=True)
    for name, part in (("train", np.sort(train_rows)), ("validation", np.sort(val_rows)), ("test", np.sort(val_rows))):
        table = pa.table({"text": [texts[i] for i in part], "label": [str(labels[i]) for i in part]})
        pq.write_table(table, folder / f"{name}.parquet")


__all__ = ["LSTMClassifier", "TextCNNClassifier"]
