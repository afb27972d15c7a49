"""Score a trained run on a labelled split and print JSON: accuracy, per-class precision / recall / F1 and the
confusion matrix.
"""

from __future__ import annotations

import json

from ..config import load_config
from ..config.commands import EvaluateOptions
from ..errors import UserError

NAME = "evaluate"
HELP = "score a trained run on a labelled split"
OPTIONS = (EvaluateOptions,)  # each a dataclass: its fields are the flags
EXAMPLES = (  # shown under --help
    "textcnn evaluate runs/mine",
    "textcnn evaluate runs/mine --data other.csv --split train",
)


def run(options: EvaluateOptions) -> int:
    from ..runs.loaded import Run

    overrides = [*options.overrides, *([f"data.path={options.data}"] if options.data else [])]
    bad = next((o for o in overrides if not o.partition("=")[0].strip().startswith("data.")), None)
    if bad is not None:
        raise UserError(f"evaluate --set changes only the data section (data.KEY=VALUE), not {bad!r}")
    loaded = Run.load(options.run_dir, device=options.device, backend=options.backend)
    data = load_config(loaded.path / "config.yaml", overrides).data
    print(json.dumps(loaded.evaluate(data, options.split, options.batch_size), indent=2))
    return 0
