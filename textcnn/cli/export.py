"""Write a trained run as a graph for another runtime. ``--format onnx``: model.onnx (token ids and mask in,
logits out, any batch and length), model.lookup.onnx where the first convolution can be looked up per word,
and labels.json (class names, and how logits become probabilities), beside the run's tokenizer.json. Each
graph is checked against the torch model before it is kept. Needs the onnx extra (pip install 'textcnn[onnx]').
"""

from __future__ import annotations

import json

from ..config.commands import ExportOptions

NAME = "export"
HELP = "write a trained run as an ONNX graph (for onnxruntime, or predict/serve --backend onnx)"
OPTIONS = (ExportOptions,)  # each a dataclass: its fields are the flags
EXAMPLES = (  # shown under --help
    "textcnn export runs/mine --format onnx",
    "textcnn predict runs/mine --backend onnx --file reviews.csv --output labels.csv",
)


def run(options: ExportOptions) -> int:
    from ..export.onnx import export_onnx, require_onnx
    from ..runs.loaded import Run

    require_onnx()  # before the run loads: the missing extra is the first thing to say
    loaded = Run.load(options.run_dir, device="cpu", precompute="off")
    written = export_onnx(loaded, options.out, lookup=options.lookup)
    print(json.dumps({"written": [str(path) for path in written]}))
    return 0
