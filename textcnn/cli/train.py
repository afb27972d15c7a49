"""Train the model a YAML config describes (data, tokenizer, model, train sections) and write a run folder: run.json,
config.yaml, tokenizer.json, model.safetensors, checkpoint.pt, metrics.json, history.csv, curves.png. Early stopping
and the saved weights follow validation accuracy; the test split is scored once at the end. The folder is locked
while training: a second training into it fails at once. Ctrl-C or SIGTERM stops training, keeps the best point so
far, writes metrics.json with interrupted: true and exits 130 (SIGINT) or 143 (SIGTERM); --resume continues such a
run, or one killed outright, from its last validation point, exactly as if it had never stopped (on CPU). Kim's
pretrained embedding modes (static, non-static, multichannel) read the word vectors file named by model.vectors;
'textcnn vectors' makes one. On several processes: 'torchrun --standalone --nproc_per_node=N -m textcnn train ...'
(train.batch_size is the global batch, split over the processes; rank 0 alone writes the folder; set train.threads
to the cores per process, since torchrun sets one thread each).
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

from ..config import load_config
from ..config.commands import TrainOptions
from ..errors import UserError
from ..util.env import launched_by_torchrun
from .shared import with_data

NAME = "train"
HELP = "train a model from a YAML config and write a run folder"
OPTIONS = (TrainOptions,)  # each a dataclass: its fields are the flags
EXAMPLES = (  # shown under --help
    "textcnn train --config configs/textcnn_imdb_quickstart.yaml --data path/to/imdb",
    "textcnn train --config configs/my_csv.yaml --data reviews.csv --set train.epochs=5",
    "textcnn train --resume runs/textcnn-20261202-101500-ab12cd34ef56",
)


def run(options: TrainOptions) -> int:
    from ..runs.training import resume_run, train_run
    from ..training import SINGLE, init_distributed, shutdown, signal_of

    if options.resume and (options.out or options.data):  # argparse has already refused --config beside it
        raise UserError("--resume takes its config, data and folder from RUN_DIR; leave out --data and --out")
    config = None if options.resume else load_config(options.config, with_data(options.overrides, options.data))
    # Under torchrun: join the other processes (gloo on the CPU, nccl on CUDA, from the configured device).
    distributed = init_distributed(_configured_device(options, config)) if launched_by_torchrun() else SINGLE
    progress = options.progress
    try:
        if options.resume:
            metrics = resume_run(options.resume, options.overrides, progress=progress, distributed=distributed)
        else:
            # train_run checks and locks --out (or a new default folder) before any data is loaded.
            metrics = train_run(config, options.out, progress=progress, distributed=distributed)
    except KeyboardInterrupt as error:  # before the first validation point: nothing was kept
        print(f"interrupted ({signal.Signals(signal_of(error)).name}) before anything was saved", file=sys.stderr)
        return 128 + signal_of(error)
    finally:
        shutdown(distributed)
    if distributed.is_main:  # the other processes print nothing
        keys = ("val_accuracy", "test_accuracy", "test_split", "train_seconds")
        print(json.dumps({k: getattr(metrics, k) for k in keys}))
    return 128 + signal.Signals[metrics.interrupted_by] if metrics.interrupted else 0


def _configured_device(options: TrainOptions, config) -> str:
    """train.device of the config to train, or of the run to resume ('auto' if its config is unreadable)."""
    if config is not None:
        return config.train.device
    try:
        return load_config(Path(options.resume) / "config.yaml").train.device
    except UserError:
        return "auto"  # resume_run then names what is wrong with the folder
