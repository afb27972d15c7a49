"""The ``textcnn`` command line: ``train``, ``evaluate`` and ``predict``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from . import __version__
from .errors import UserError


def _cmd_train(args: argparse.Namespace) -> int:
    from .config import load_config
    from .pipeline import train_run

    config = load_config(args.config, args.set)
    out = args.out or Path("runs") / f"{config.model.name}-{datetime.now():%Y%m%d-%H%M%S}"
    metrics = train_run(config, out, progress=not args.no_progress)
    print(json.dumps({k: metrics[k] for k in ("val_accuracy", "test_accuracy", "test_split", "train_seconds")}))
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .pipeline import Run

    run = Run.load(args.run_dir, device=args.device)
    print(json.dumps(run.evaluate(args.data, args.split, args.batch_size), indent=2))
    return 0


def _read_lines(source) -> list[str]:
    return [line.rstrip("\r\n") for line in source]


def _cmd_predict(args: argparse.Namespace) -> int:
    from .pipeline import Run

    if args.text and args.file:
        raise UserError("give texts as arguments or --file, not both")
    if args.text:
        texts = list(args.text)
    elif args.file:
        path = Path(args.file)
        if not path.is_file():
            raise UserError(f"file not found: {path}")
        # errors="replace": a stray non-UTF-8 byte becomes U+FFFD instead of failing the whole file.
        with open(path, encoding="utf-8", errors="replace") as f:
            texts = _read_lines(f)
    else:
        sys.stdin.reconfigure(errors="replace")
        texts = _read_lines(sys.stdin)
    run = Run.load(args.run_dir, device=args.device)
    for prediction in run.predict(texts, args.batch_size):
        print(json.dumps(prediction))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="textcnn",
        description="Convolutional networks for text: train, evaluate and predict with a Kim-style TextCNN "
        "or an LSTM baseline. Run 'textcnn COMMAND --help' for each command's options.",
    )
    parser.add_argument("--version", action="version", version=f"textcnn {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = commands.add_parser(
        "train",
        help="train a model from a YAML config and write a run folder",
        description="Train the model a YAML config describes (data, tokenizer, model, train sections) and write "
        "a run folder: config.yaml, tokenizer.json, model.safetensors, metrics.json, history.csv, curves.png. "
        "Early stopping and the saved checkpoint follow validation accuracy; the test split is scored once at the "
        "end. Ctrl-C stops training and keeps the best epoch so far.",
    )
    train.add_argument("--config", required=True, metavar="FILE", help="YAML config, e.g. configs/textcnn_imdb.yaml")
    train.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value by its dotted key, e.g. --set data.path=../shared/data/imdb "
        "--set train.epochs=3 (repeatable; values are parsed as YAML)",
    )
    train.add_argument("--out", metavar="DIR", help="run folder to create (default: runs/MODEL-DATE-TIME)")
    train.add_argument("--no-progress", action="store_true", help="no progress bars (per-epoch lines still print)")
    train.set_defaults(func=_cmd_train)

    evaluate = commands.add_parser(
        "evaluate",
        help="score a trained run on a labelled split",
        description="Score a trained run on a labelled split and print JSON: accuracy, per-class precision / "
        "recall / F1 and the confusion matrix.",
    )
    evaluate.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by 'textcnn train'")
    evaluate.add_argument("--data", metavar="PATH", help="dataset to score (default: the run's data.path)")
    evaluate.add_argument(
        "--split", metavar="NAME", help="split to score (default: the run's test split: 'test', else 'validation')"
    )
    evaluate.add_argument("--batch-size", type=int, default=256, help="texts per batch (default: 256)")
    evaluate.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda (default: auto)")
    evaluate.set_defaults(func=_cmd_evaluate)

    predict = commands.add_parser(
        "predict",
        help="label new texts with a trained run",
        description="Label new texts with a trained run. Texts come from the arguments, else from --file (one "
        'text per line), else from standard input (one per line). Prints one JSON object per text: {"label": ..., '
        '"probability": ...}, the probability being that of the predicted label.',
    )
    predict.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by 'textcnn train'")
    predict.add_argument("text", nargs="*", metavar="TEXT", help="texts to label (quote each one)")
    predict.add_argument("--file", metavar="FILE", help="a UTF-8 text file with one text per line")
    predict.add_argument("--batch-size", type=int, default=256, help="texts per batch (default: 256)")
    predict.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda (default: auto)")
    predict.set_defaults(func=_cmd_predict)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
