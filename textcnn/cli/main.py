"""The ``textcnn`` command line: ``train``, ``cv``, ``evaluate``, ``predict``, ``explain``, ``filters``, ``serve``,
``bench`` and ``vectors``."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import __version__
from ..config import (
    DEFAULT_BENCH_CONFIGS,
    VECTOR_FORMATS,
    BenchOptions,
    DataConfig,
    ServeLimits,
    TrainConfig,
    Word2VecOptions,
    load_config,
)
from ..config.options import add_options, add_progress_option, add_set_option, options_from
from ..errors import TextInputError, UserError
from ..util.env import launched_by_torchrun, limit_kernel_cache
from ..util.logs import show_logs


def _cmd_train(args: argparse.Namespace) -> int:
    from ..runs.training import resume_run, train_run
    from ..training import SINGLE, init_distributed, shutdown, signal_of

    progress = not args.no_progress
    if args.resume and (args.config or args.out):
        raise UserError("--resume takes its config and folder from RUN_DIR; leave out --config and --out")
    if not args.resume and not args.config:
        raise UserError("train needs --config FILE (or --resume RUN_DIR)")
    config = None if args.resume else load_config(args.config, args.set)
    # Under torchrun: join the other processes (gloo on the CPU, nccl on CUDA, from the configured device).
    distributed = init_distributed(_configured_device(args, config)) if launched_by_torchrun() else SINGLE
    try:
        if args.resume:
            metrics = resume_run(args.resume, args.set, progress=progress, distributed=distributed)
        else:
            # train_run checks and locks --out (or a new default folder) before any data is loaded.
            metrics = train_run(config, args.out, progress=progress, distributed=distributed)
    except KeyboardInterrupt as error:  # before the first validation point: nothing was kept
        print(f"interrupted ({signal.Signals(signal_of(error)).name}) before anything was saved", file=sys.stderr)
        return 128 + signal_of(error)
    finally:
        shutdown(distributed)
    if distributed.is_main:  # the other processes print nothing
        keys = ("val_accuracy", "test_accuracy", "test_split", "train_seconds")
        print(json.dumps({k: getattr(metrics, k) for k in keys}))
    return 128 + signal.Signals[metrics.interrupted_by] if metrics.interrupted else 0


def _configured_device(args: argparse.Namespace, config) -> str:
    """train.device of the config to train, or of the run to resume ('auto' if its config is unreadable)."""
    if config is not None:
        return config.train.device
    try:
        return load_config(Path(args.resume) / "config.yaml").train.device
    except UserError:
        return "auto"  # resume_run then names what is wrong with the folder


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from ..runs.loaded import Run

    overrides = [*args.set, *([f"data.path={args.data}"] if args.data else [])]
    bad = next((o for o in overrides if not o.partition("=")[0].strip().startswith("data.")), None)
    if bad is not None:
        raise UserError(f"evaluate --set changes only the data section (data.KEY=VALUE), not {bad!r}")
    run = Run.load(args.run_dir, device=args.device)
    data = load_config(run.path / "config.yaml", overrides).data
    print(json.dumps(run.evaluate(data, args.split, args.batch_size), indent=2))
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    from ..runs import predictions as prediction
    from ..runs.loaded import Run
    from ..util.progress import progress_bar

    _check_text_inputs(args)
    if args.top_k is not None and args.top_k < 1:
        raise UserError(f"--top-k: {args.top_k} is not allowed; expected >= 1")
    run = Run.load(args.run_dir, device=args.device)
    source = _text_source(args, run, id_column=args.id_column)
    writer = prediction.Writer(args.output, run.class_names, reading=args.file)
    top_k = None if args.top_k is None else min(args.top_k, len(run.class_names))
    # A bar for many texts: from --file, or piped in (typed at a terminal, the texts need no bar)
    many = args.file is not None or (not args.text and not sys.stdin.isatty())
    bar = progress_bar(enabled=many, total=source.total, desc="predict", unit="text")
    try:
        for chunk in prediction.chunked(source.items, args.chunk_size):  # written as computed: streams
            ids, texts = zip(*chunk)
            with _texts_named_by(ids):
                probs = run.predict_proba(texts, args.batch_size)
            threshold = run.threshold if run.multi_label else None
            writer.write(
                prediction.records(ids, probs, run.class_names, top_k=top_k, all_classes=args.all, threshold=threshold)
            )
            bar.update(len(chunk))
    finally:
        bar.close()
        writer.close()
    return 0


@contextlib.contextmanager
def _texts_named_by(ids: Sequence):
    """Name a bad text by its id (argument, line or row number, or --id-column), not its place in a chunk."""
    try:
        yield
    except TextInputError as error:
        if error.index is None:
            raise
        raise UserError(f"text {ids[error.index]} {error.reason}") from None


def _check_text_inputs(args: argparse.Namespace) -> None:
    """Texts come as arguments or from --file (or stdin), never both: checked before the run is loaded.

    A lone ``-``, as the text or as --file, means standard input (as for Unix tools): it is cleared here.
    """
    if args.text and args.file:
        raise UserError("give texts as arguments or --file, not both")
    if "-" in args.text and len(args.text) > 1:
        raise UserError("'-' reads the texts from standard input; give it alone, without other texts")
    if args.text == ["-"] or args.file == "-":
        args.text, args.file = [], None
    if args.delimiter in ("\\t", "tab"):  # a tab is hard to type in a shell
        args.delimiter = "\t"
    if args.delimiter is not None and (len(args.delimiter) != 1 or args.delimiter in '"\r\n'):
        raise UserError(f"--delimiter: {args.delimiter!r} is not allowed; expected one character (or \\t for a tab)")
    if args.encoding is not None:
        from ..text.data import Reading, text_decoder

        text_decoder(Reading(args.encoding, encoding_key="--encoding"))  # an unknown name: before the run loads


def _text_source(args: argparse.Namespace, run, id_column: str | None = None):
    """The texts an inference command was given, with ids: arguments, else --file, else standard input.

    Files and standard input are read in --encoding, else the run's data.encoding; a .csv file is split
    by --delimiter, else the run's data.delimiter, else the delimiter its first lines show.
    """
    from ..runs import predictions as prediction

    data = run.config.data
    encoding = args.encoding or data.encoding
    if args.text:
        return prediction.from_arguments(args.text)
    if args.file:
        text_column = args.text_column or data.text_column
        delimiter = args.delimiter or data.delimiter
        return prediction.from_file(args.file, text_column, id_column, encoding=encoding, delimiter=delimiter)
    return prediction.from_stdin(encoding)


def _cmd_explain(args: argparse.Namespace) -> int:
    from ..analysis.explain import explain_texts
    from ..analysis.views import as_html, as_text, save_png
    from ..runs.loaded import Run

    _check_text_inputs(args)
    if args.format in ("html", "png") and not args.output:
        raise UserError(f"--format {args.format} needs --output FILE")
    if args.output:
        from ..runs.predictions import check_output

        check_output(args.output, args.file)
    run = Run.load(args.run_dir, device=args.device)
    items = list(_text_source(args, run).items)
    with _texts_named_by([row_id for row_id, _ in items]):
        explanations = explain_texts(run, [text for _, text in items], top_filters=args.top)
    if args.format == "json":
        lines = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in explanations)
    elif args.format == "text":
        colour = args.colour == "always" or (args.colour == "auto" and sys.stdout.isatty() and not args.output)
        lines = "\n\n".join(as_text(e, colour=colour, top=args.top) for e in explanations) + "\n"
    elif args.format == "html":
        lines = as_html(explanations, title=f"textcnn explain: {run.path.name}", top=args.top)
    else:
        out = Path(args.output)
        for i, explanation in enumerate(explanations, start=1):
            path = out if len(explanations) == 1 else out.with_name(f"{out.stem}-{i}{out.suffix}")
            save_png(explanation, path, top=args.top)
            print(f"saved {path}", file=sys.stderr)
        return 0
    if args.output:
        from ..util.files import atomic_write_text

        atomic_write_text(args.output, lines)
        print(f"saved {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(lines)
    return 0


def _cmd_filters(args: argparse.Namespace) -> int:
    from ..analysis.filters import filter_report
    from ..runs.loaded import Run

    run = Run.load(args.run_dir, device=args.device)
    report = filter_report(
        run,
        data=args.data,
        split=args.split,
        max_texts=args.max_texts,
        top=args.top,
        show=args.show,
        progress=not args.no_progress,
    )
    print(report.markdown())
    if args.output:
        report.save(args.output)
        print(f"saved {args.output}.md, {args.output}.json and {args.output}.png", file=sys.stderr)
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from ..serve.app import serve

    limits = ServeLimits(
        max_texts=args.max_texts, max_explain_texts=args.max_explain_texts, max_body_bytes=args.max_body_bytes
    )
    serve(args.run_dir, host=args.host, port=args.port, limits=limits, device=args.device)
    return 0


def _cmd_cv(args: argparse.Namespace) -> int:
    from ..runs.cv import cross_validate
    from ..runs.folder import default_run_dir

    out = args.out or default_run_dir(f"cv-{Path(args.config).stem}")
    summary = cross_validate(args.config, args.folds, out, args.set, progress=not args.no_progress)
    print(json.dumps({"mean_accuracy": summary.mean_accuracy, "std_accuracy": summary.std_accuracy}))
    print(summary.markdown())
    print(f"saved {Path(out) / 'cv.json'}")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from ..bench.run import run_bench

    configs = args.config or list(DEFAULT_BENCH_CONFIGS)
    options = options_from(
        BenchOptions, args, configs=configs, overrides=args.set, out=Path(args.out), progress=not args.no_progress
    )
    run_bench(options)
    return 0


def _cmd_vectors(args: argparse.Namespace) -> int:
    import time

    from ..text.data import load_corpus
    from ..text.vectors import save_vectors, train_word2vec, words_of, write_vectors_info

    options = options_from(Word2VecOptions, args)
    data = DataConfig(
        path=args.data,
        name=args.name,
        text_column=args.text_column,
        lowercase=not args.cased,
        strip_html=not args.keep_html,
    )
    out = Path(args.out or f"vectors/{Path(args.data).name}-word2vec-{options.dim}d.bin")
    started = time.perf_counter()
    texts, splits = load_corpus(data, args.splits)
    print(f"training word vectors on {args.data} splits {', '.join(splits)}")
    sentences = words_of(texts, lowercase=data.lowercase, strip_html=data.strip_html)
    vectors, stats = train_word2vec(sentences, options, num_sentences=len(texts), progress=not args.no_progress)
    fmt = save_vectors(vectors, out, args.format)
    info = {
        "data": args.data,
        "splits": splits,
        "text_column": args.text_column,
        "lowercase": data.lowercase,
        "strip_html": data.strip_html,
        "format": fmt,
        "options": dataclasses.asdict(options),
        **stats,
        # Reading and cutting the text plus training and saving: what a run using these vectors costs on top.
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    write_vectors_info(out, info)
    print(
        f"{stats['vocabulary']:,} words x {options.dim} dims from {stats['words']:,} words of text "
        f"in {stats['train_seconds']:.0f} s; saved to {out} ({fmt}) with {out.name}.json"
    )
    return 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _add_inference_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by the commands that run a trained model."""
    parser.add_argument(
        "--batch-size",
        type=_positive_int,
        help="most texts per model batch (default: the run's train.eval_batch_size)",
    )
    parser.add_argument(
        "--device",
        default=TrainConfig.device,
        help=f"auto (CUDA when present), cpu, cuda or cuda:N (default: {TrainConfig.device})",
    )


def _add_train_command(commands) -> None:
    """`textcnn train`: a run folder from a config, or --resume an unfinished one."""
    train = commands.add_parser(
        "train",
        help="train a model from a YAML config and write a run folder",
        description="Train the model a YAML config describes (data, tokenizer, model, train sections) and write "
        "a run folder: run.json, config.yaml, tokenizer.json, model.safetensors, checkpoint.pt, metrics.json, "
        "history.csv, curves.png. Early stopping and the saved weights follow validation accuracy; the test split is "
        "scored once at the end. The folder is locked while training: a second training into it fails at once. "
        "Ctrl-C or SIGTERM stops training, keeps the best point so far, writes metrics.json with interrupted: true "
        "and exits 130 (SIGINT) or 143 (SIGTERM); --resume continues such a run, or one killed outright, from its "
        "last validation point, exactly as if it had never stopped (on CPU). Kim's pretrained embedding modes (static, "
        "non-static, multichannel) read the word vectors file named by model.vectors; 'textcnn vectors' makes one. "
        "On several processes: 'torchrun --standalone --nproc_per_node=N -m textcnn train ...' (train.batch_size is "
        "the global batch, split over the processes; rank 0 alone writes the folder; set train.threads to the cores "
        "per process, since torchrun sets one thread each).",
    )
    train.add_argument("--config", metavar="FILE", help="YAML config, e.g. configs/textcnn_imdb.yaml")
    add_set_option(train)
    train.add_argument(
        "--out",
        metavar="DIR",
        help="run folder to create; it must not exist or be empty (default: runs/MODEL-DATE-TIME-RANDOM, unique)",
    )
    train.add_argument(
        "--resume",
        metavar="RUN_DIR",
        help="continue an unfinished run (interrupted or killed) from its last checkpoint, with its own config; "
        "--set may change only train.epochs and train.patience",
    )
    add_progress_option(train, " (per-epoch lines still print)")
    train.set_defaults(func=_cmd_train)


def _add_evaluate_command(commands) -> None:
    """`textcnn evaluate`: score a trained run on a labelled split."""
    evaluate = commands.add_parser(
        "evaluate",
        help="score a trained run on a labelled split",
        description="Score a trained run on a labelled split and print JSON: accuracy, per-class precision / "
        "recall / F1 and the confusion matrix.",
    )
    evaluate.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by 'textcnn train'")
    evaluate.add_argument("--data", metavar="PATH", help="dataset to score (default: the run's data.path)")
    add_set_option(evaluate, "the run's data section (data.KEY only), e.g. --set data.text_column=review")
    evaluate.add_argument(
        "--split", metavar="NAME", help="split to score (default: the run's test split: 'test', else 'validation')"
    )
    _add_inference_options(evaluate)
    evaluate.set_defaults(func=_cmd_evaluate)


def _add_text_inputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by 'textcnn train'")
    parser.add_argument(
        "text", nargs="*", metavar="TEXT", help="texts (quote each one); else --file, else stdin (also: '-')"
    )
    parser.add_argument(
        "--file", metavar="FILE", help="a table (.csv .tsv .jsonl .json .parquet) or a text file ('-': stdin)"
    )
    parser.add_argument(
        "--text-column", metavar="COLUMN", help="the table's text column (default: the run's data.text_column)"
    )
    parser.add_argument(
        "--encoding", metavar="NAME", help="of --file and stdin, e.g. latin-1 (default: the run's data.encoding)"
    )
    parser.add_argument(
        "--delimiter",
        metavar="CHAR",
        help="of a .csv --file, e.g. ';' or '\\t' (default: the run's data.delimiter, else the one its lines show)",
    )


def _add_predict_command(commands) -> None:
    """`textcnn predict`: label new texts with a trained run."""
    predict = commands.add_parser(
        "predict",
        help="label new texts with a trained run",
        description="Label new texts with a trained run. Texts come from the arguments, else from --file, else "
        "from standard input (one per line). --file reads .csv, .tsv, .jsonl, .json and .parquet tables (the column "
        "--text-column names) and any other file as plain lines. Prints one JSON object per text as soon as its "
        'chunk is computed: {"id": ..., "label": ..., "probability": ...}, the id being the argument, line or row '
        "number (or --id-column), the probability that of the predicted label. Options may come before or after "
        "the texts.",
    )
    _add_text_inputs(predict)
    predict.add_argument("--id-column", metavar="COLUMN", help="a table column to use as each result's id")
    predict.add_argument("--top-k", type=int, metavar="K", help="also list the K most probable classes")
    predict.add_argument("--all", action="store_true", help="also give every class's probability")
    predict.add_argument("--output", metavar="FILE", help="write to a .jsonl or .csv file instead of standard output")
    predict.add_argument(
        "--chunk-size",
        type=_positive_int,
        default=4096,
        help="texts read, predicted and written at a time (default: 4096)",
    )
    _add_inference_options(predict)
    predict.set_defaults(func=_cmd_predict)
    return predict


def _add_explain_command(commands) -> argparse.ArgumentParser:
    """`textcnn explain`: why a run predicted what it did."""
    explain = commands.add_parser(
        "explain",
        help="show which n-grams decided each prediction (exact for the TextCNN)",
        description="Explain each text's prediction. For a TextCNN the explanation is exact: after max pooling "
        "each filter contributes weight x activation to every class's logit, from the one n-gram where it "
        "peaked, so the bias plus the n-grams' contributions give each logit. Other models (the LSTM) get "
        "occlusion, labelled approximate: the drop in each logit when a token is deleted. json prints one "
        "object per text (label, probabilities, logits, bias, ngrams with character offsets, per-token "
        "scores, top filters); text marks the review; html and png write a figure to --output.",
    )
    _add_text_inputs(explain)
    explain.add_argument(
        "--format", default="json", choices=("json", "text", "html", "png"), help="output form (default: json)"
    )
    explain.add_argument("--output", metavar="FILE", help="write here instead of standard output (html, png: needed)")
    explain.add_argument(
        "--top", type=_positive_int, default=10, help="n-grams and filters listed per text (default: 10)"
    )
    explain.add_argument(
        "--colour",
        default="auto",
        choices=("auto", "always", "never"),
        help="terminal colours in --format text (default: auto, when writing to a terminal)",
    )
    _add_inference_options(explain)
    explain.set_defaults(func=_cmd_explain)
    return explain


def _add_filters_command(commands) -> None:
    """`textcnn filters`: what each filter detects, over a corpus."""
    filters = commands.add_parser(
        "filters",
        help="list the n-grams each TextCNN filter picks most strongly over a corpus",
        description="Run a TextCNN over a corpus and record, for every filter, the n-gram that max pooling keeps "
        "in each text and how strongly. Prints a Markdown table of the filters that weigh most on the classes: "
        "each with its width, its weight towards each class, its strongest n-grams, and how consistent they are "
        "(the share of its top n-grams that hold its most common word). --output also writes .md, .json and a "
        ".png figure.",
    )
    filters.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by 'textcnn train' (a TextCNN)")
    filters.add_argument("--data", metavar="PATH", help="dataset to read (default: the run's data.path)")
    filters.add_argument("--split", metavar="NAME", help="split to read (default: the run's test split)")
    filters.add_argument(
        "--max-texts", type=_positive_int, default=5000, help="texts read from the split (default: 5000)"
    )
    filters.add_argument("--top", type=_positive_int, default=12, help="filters listed (default: 12)")
    filters.add_argument("--show", type=_positive_int, default=5, help="n-grams shown per filter (default: 5)")
    filters.add_argument("--output", metavar="PREFIX", help="also write PREFIX.md, PREFIX.json and PREFIX.png")
    _add_inference_options(filters)
    add_progress_option(filters)
    filters.set_defaults(func=_cmd_filters)


def _add_serve_command(commands) -> None:
    """`textcnn serve`: an HTTP service and the page."""
    serve = commands.add_parser(
        "serve",
        help="serve a run over HTTP: /predict, /explain, /health and a page that shows the TextCNN reading",
        description='Load a run once and serve it (FastAPI on uvicorn): POST /predict {"texts": [...]} gives each '
        "text's label and every class's probability; POST /explain gives the explanations of 'textcnn explain'; "
        "POST /slide gives one filter's step-through; GET /health; GET / is a page to try it (works offline); "
        "GET /docs is the OpenAPI schema. Bad requests get a 4xx JSON error and the server stays up. Texts "
        "longer than the run's data.max_length tokens are cut as in training.",
    )
    serve.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by 'textcnn train'")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine)")

    def port(text: str) -> int:  # argparse names it in "invalid port value: 'x'"
        value = int(text)
        if not 1 <= value <= 65535:
            raise argparse.ArgumentTypeError(f"must be between 1 and 65535, got {value}")
        return value

    serve.add_argument("--port", type=port, default=8000, help="port, 1-65535 (default: 8000)")
    serve.add_argument(
        "--max-texts",
        type=_positive_int,
        default=ServeLimits.max_texts,
        help=f"most texts per request (default: {ServeLimits.max_texts})",
    )
    serve.add_argument(
        "--max-explain-texts",
        type=_positive_int,
        default=ServeLimits.max_explain_texts,
        help=f"most texts per /explain request, which costs more per text (default: {ServeLimits.max_explain_texts})",
    )
    serve.add_argument(
        "--max-body-bytes",
        type=_positive_int,
        default=ServeLimits.max_body_bytes,
        help=f"largest request body in bytes (default: {ServeLimits.max_body_bytes:,})",
    )
    serve.add_argument(
        "--device",
        default=TrainConfig.device,
        help=f"auto (CUDA when present), cpu, cuda or cuda:N (default: {TrainConfig.device})",
    )
    serve.set_defaults(func=_cmd_serve)


def _add_cv_command(commands) -> None:
    """`textcnn cv`: stratified k-fold cross-validation."""
    cv = commands.add_parser(
        "cv",
        help="k-fold cross-validation of a config (for data without a test split)",
        description="Cut the training split into K stratified, seeded folds. Each fold in turn is the test split "
        "of one run (a run folder OUT/fold-I); that run holds its validation split out of the other folds, so "
        "neither training nor selection sees the fold it is scored on. Prints and saves (OUT/cv.json) the mean, "
        "standard deviation and per-fold test accuracy, and a Markdown line. Run again with the same --out to "
        "continue an interrupted CV: finished folds are read back, an unfinished one resumed.",
    )
    cv.add_argument("--config", required=True, metavar="FILE", help="YAML config, e.g. configs/textcnn_subj.yaml")
    cv.add_argument("--folds", type=int, default=10, metavar="K", help="number of folds (default: 10, as Kim's)")
    add_set_option(cv, "the config")
    cv.add_argument("--out", metavar="DIR", help="folder for the fold runs and cv.json (default: runs/cv-CONFIG-...)")
    add_progress_option(cv, " (per-fold lines still print)")
    cv.set_defaults(func=_cmd_cv)


def _add_bench_command(commands) -> None:
    """`textcnn bench`: train and time several configs side by side."""
    bench = commands.add_parser(
        "bench",
        help="train and time models side by side (TextCNN vs LSTM)",
        description="Train two or more configs one after another in this process, on the same data, tokenizer, "
        "batch size, threads and device, and measure: seconds per epoch, samples and tokens per second, "
        "validation accuracy against training seconds, time to a target validation accuracy, test accuracy, "
        "total seconds from raw text to a trained model (word vectors included, from their .json record), "
        "inference speed from raw text (tokenizing included) at batch size 1 and at a large batch, and peak "
        "resident memory. --peers trains TF-IDF + logistic regression and fastText on the same splits. Writes "
        "bench.json, bench.md, bench.png and pareto.png (test accuracy against training time).",
    )
    bench.add_argument(
        "--config",
        action="append",
        metavar="FILE",
        help=f"a run config to compare (repeat for each; default: {' and '.join(DEFAULT_BENCH_CONFIGS)})",
    )
    add_set_option(bench, "every config")
    bench.add_argument(
        "--out", default="runs/bench", metavar="DIR", help="folder for the results (default: runs/bench)"
    )
    add_options(bench, BenchOptions)
    add_progress_option(bench)
    bench.set_defaults(func=_cmd_bench)


def _add_vectors_command(commands) -> None:
    """`textcnn vectors`: word2vec on a dataset's own text."""
    vectors = commands.add_parser(
        "vectors",
        help="train word2vec on a dataset's own text (for the pretrained embedding modes)",
        description="Train word2vec (gensim) on the text of a dataset's splits, cut into words exactly as a run's "
        "tokenizer cuts them, and save the vectors for model.vectors (embedding modes static, non-static and "
        "multichannel). By default every split but the held-out ones: for IMDB, train plus the 50,000 unlabeled "
        "reviews; the test split is refused. Labels are never read. With more than one worker thread the "
        "vectors differ slightly from run to run (word2vec's threads update shared weights without locks).",
    )
    vectors.add_argument(
        "--data",
        default=DataConfig.path,
        metavar="PATH",
        help=f"dataset: a hub name or a local folder (default: {DataConfig.path}; here ../shared/data/imdb)",
    )
    vectors.add_argument("--name", metavar="CONFIG", help="the dataset's configuration name, if it has several")
    vectors.add_argument(
        "--text-column",
        default=DataConfig.text_column,
        metavar="COLUMN",
        help=f"column holding the text (default: {DataConfig.text_column})",
    )
    vectors.add_argument(
        "--splits",
        nargs="+",
        metavar="SPLIT",
        help="splits to read (default: all but test and validation); the test split is refused",
    )
    vectors.add_argument(
        "--out",
        metavar="FILE",
        help="vectors file; its name picks the format unless --format does: .bin word2vec binary, .kv gensim "
        "(a pickle: runs load it only with model.vectors_format: gensim), anything else word2vec text "
        "(default: vectors/DATASET-word2vec-DIMd.bin)",
    )
    vectors.add_argument(
        "--format",
        default=VECTOR_FORMATS[0],
        choices=VECTOR_FORMATS,
        help=f"file format (default: {VECTOR_FORMATS[0]}, by the file's name); glove is word2vec text without the "
        "header line",
    )
    add_options(vectors, Word2VecOptions)
    vectors.add_argument(
        "--cased", action="store_true", help="keep letter case (only for runs whose data.lowercase is false)"
    )
    vectors.add_argument(
        "--keep-html", action="store_true", help="keep HTML tags (only for runs whose data.strip_html is false)"
    )
    add_progress_option(vectors)
    vectors.set_defaults(func=_cmd_vectors)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="textcnn",
        description="Convolutional networks for text: train (and resume), cross-validate, evaluate and predict "
        "with a Kim-style TextCNN or an LSTM baseline, on a hub dataset, a folder of split files or one file; "
        "bench them side by side; train word vectors. Run 'textcnn COMMAND --help' for each command's options.",
    )
    parser.add_argument("--version", action="version", version=f"textcnn {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    _add_train_command(commands)
    _add_evaluate_command(commands)
    # The predict parser is kept: main() parses its arguments intermixed (options after the texts).
    parser.predict_parser = _add_predict_command(commands)
    parser.explain_parser = _add_explain_command(commands)
    _add_filters_command(commands)
    _add_serve_command(commands)
    _add_cv_command(commands)
    _add_bench_command(commands)
    _add_vectors_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    limit_kernel_cache()  # before torch is imported
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["predict"], ["explain"]):  # options may follow the texts: 'predict RUN "a text" --top-k 2'
        args = getattr(parser, f"{argv[0]}_parser").parse_intermixed_args(argv[1:])
        args.command = argv[0]
    else:
        args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    show_logs()  # the package's log lines, on standard error
    try:
        if args.command != "train" and launched_by_torchrun():
            raise UserError(
                f"only 'textcnn train' runs on several processes; run 'textcnn {args.command}' without torchrun"
            )
        return args.func(args)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away ('| head'): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit's flush
        return 0


if __name__ == "__main__":
    sys.exit(main())
