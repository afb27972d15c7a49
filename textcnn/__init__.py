"""textcnn: convolutional networks for images and text, from the primitives up.

``textcnn.train(config, out=..., **overrides)`` trains a text classifier and returns the run;
``textcnn.load(run_dir)`` loads one for ``.predict(texts)`` and ``.predict_proba(texts)``.
"""

__version__ = "0.2.0"

from .api import load, train  # noqa: E402  (light: torch is imported when they are called)

__all__ = ["__version__", "load", "train"]
