"""The Python API for notebooks: ``textcnn.train`` and ``textcnn.load``.

    import textcnn
    run = textcnn.train("configs/textcnn_imdb.yaml", out="runs/mine", data__path="path/to/imdb")
    run.predict(["A moving, beautifully shot film."])
    run = textcnn.load("runs/mine")

Heavy modules (torch, datasets) are imported when these are called, not when ``textcnn`` is imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from .config import RunConfig
    from .runs.loaded import Run


def _override(key: str, value: Any) -> str:
    """``data__path="x"`` -> ``data.path=x`` (a keyword argument cannot hold a dot)."""
    return (
        f"{key.replace('__', '.')}={yaml.safe_dump(value, default_flow_style=True).strip().removesuffix('...').strip()}"
    )


def train(
    config: str | Path | RunConfig | None = None,
    out: str | Path | None = None,
    *,
    progress: bool = True,
    quiet: bool = False,
    **overrides: Any,
) -> Run:
    """Train a model and return the loaded run (``run.metrics`` holds its metrics).

    ``config`` is a YAML path, a :class:`~textcnn.config.RunConfig`, or None for the defaults;
    ``overrides`` are config keys with ``__`` for the dot: ``train__epochs=3``. ``out`` defaults to
    ``runs/MODEL-DATE-TIME-RANDOM``.
    """
    from .config import RunConfig, load_config, save_config
    from .runs.folder import default_run_dir
    from .runs.loaded import Run
    from .runs.training import train_run
    from .util.logs import quiet_logs, show_logs

    sets = [_override(k, v) for k, v in overrides.items()]
    if isinstance(config, RunConfig):
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:  # one validation path for every way of giving a config
            save_config(config, Path(tmp) / "config.yaml")
            config = load_config(Path(tmp) / "config.yaml", sets)
    else:
        config = load_config(config, sets)
    out = Path(out) if out is not None else default_run_dir(config.model.name)
    if not quiet:
        show_logs()
    with quiet_logs(quiet):
        train_run(config, out, progress=progress)
    return Run.load(out)


def load(run_dir: str | Path, device: str = "auto") -> Run:
    """Load a trained run folder for ``predict`` / ``predict_proba`` / ``evaluate``."""
    from .runs.loaded import Run

    return Run.load(run_dir, device)
