"""How time and memory grow with the data, from 25,000 to 1,000,000 reviews, on this machine.

    HF_HUB_OFFLINE=1 python scripts/scale_bench.py --data ../shared/data/imdb --out runs/scale

At each size it measures, in a fresh process (so that each peak RSS is that size's own):

- tokenizing: training the tokenizer on the training texts, then encoding every split (tokens/s);
- bytes per token: the token store's bytes, and the process's peak RSS beyond the raw text;
- one training epoch (validation excluded) of a small TextCNN, and the process's peak RSS.

**The corpora are synthetic.** IMDB has 50,000 labelled reviews; larger sets are made by recombining
sentences: each review takes as many sentences as a real review of its label has, drawn from that
label's sentences in IMDB's training split (its test reviews for the held-out test split). Length and
vocabulary follow IMDB's; the accuracy on such text means little and is not the point.

Writes ``OUT/scale.json``, ``OUT/scale.md`` (a table) and ``OUT/scale.png`` (cost against tokens, log-log,
with the fitted slopes). ``--sizes`` and the model overrides make a quick run for testing.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

# A small TextCNN, so that the epoch at a million reviews fits a session; what grows is the data.
MODEL = [
    "model.name=textcnn",
    "model.embedding_mode=rand",
    "model.embedding_dim=64",
    "model.num_filters=64",
    "model.sparse_embedding=true",
]
TRAIN = ["train.epochs=1", "train.patience=null", "train.evals_per_epoch=1", "train.precision=auto"]
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


# ------------------------------------------------------------------------------------- the corpora


def sentence_pools(texts: list[str], labels: np.ndarray) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per label: every sentence of its reviews, and each review's sentence count."""
    pools = {}
    for label in np.unique(labels):
        sentences, counts = [], []
        for text, y in zip(texts, labels):
            if y == label:
                parts = SENTENCE_END.split(text)
                sentences.extend(parts)
                counts.append(len(parts))
        pools[int(label)] = (np.array(sentences, dtype=object), np.array(counts))
    return pools


def synthetic_reviews(pools: dict, n: int, seed: int) -> tuple[list[str], np.ndarray]:
    """``n`` reviews, labels balanced: each is a real review's sentence count of sentences of its label."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % len(pools))
    texts: list[str] = [""] * n
    for label, (sentences, counts) in pools.items():
        rows = np.flatnonzero(labels == label)
        lengths = rng.choice(counts, size=len(rows))
        picks = rng.integers(0, len(sentences), size=int(lengths.sum()))
        ends = np.cumsum(lengths)
        for row, start, stop in zip(rows, ends - lengths, ends):
            texts[row] = " ".join(sentences[picks[start:stop]])
    return texts, labels


def write_corpus(folder: Path, train: tuple, test: tuple) -> None:
    """``train`` and ``test`` Parquet files, laid out as ``data.path`` reads a folder of splits."""
    from datasets import ClassLabel, Dataset, Features, Value

    folder.mkdir(parents=True, exist_ok=True)
    features = Features({"text": Value("string"), "label": ClassLabel(names=["neg", "pos"])})
    for name, (texts, labels) in (("train", train), ("test", test)):
        Dataset.from_dict({"text": texts, "label": labels.tolist()}, features=features).to_parquet(
            str(folder / f"{name}.parquet")
        )


def make_corpora(data: str, sizes: list[int], test_size: int, root: Path, seed: int) -> dict[int, Path]:
    from datasets import load_dataset

    imdb = load_dataset(data)
    train_pools = sentence_pools(imdb["train"]["text"], np.array(imdb["train"]["label"]))
    test_pools = sentence_pools(imdb["test"]["text"], np.array(imdb["test"]["label"]))
    folders = {}
    for size in sizes:
        folder = root / f"corpus_{size}"
        if not (folder / "train.parquet").exists():
            started = time.perf_counter()
            train = synthetic_reviews(train_pools, size, seed + size)
            test = synthetic_reviews(test_pools, test_size, seed + size + 1)
            write_corpus(folder, train, test)
            print(f"corpus {size:,}: written in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        folders[size] = folder
    return folders


# ---------------------------------------------------------------------------- one size, one process


def peak_rss() -> int:
    """This process's peak RSS (VmHWM: reset by exec, unlike ru_maxrss, which a child inherits from its parent)."""
    with open("/proc/self/status") as f:
        line = next(line for line in f if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024  # kB


def current_rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def measure(folder: Path, overrides: list[str]) -> dict:
    """Load, tokenize, encode and train one epoch on the corpus in ``folder``; the costs of each step."""
    import torch

    from textcnn.config import load_config
    from textcnn.runs.setup import PreparedData, prepare_run
    from textcnn.text.data import load_splits
    from textcnn.text.tokenizer import encode, tokenizer_from_config
    from textcnn.training import Trainer, objective_for

    baseline = current_rss()  # the interpreter, torch, datasets and tokenizers, before any data
    config = load_config(None, [f"data.path={folder}", *MODEL, *TRAIN, *overrides])
    started = time.perf_counter()
    splits = load_splits(config.data, config.seed)
    load_seconds = time.perf_counter() - started
    parts = (splits.train, splits.validation, splits.test)
    raw_bytes = sum(len(t.encode("utf-8")) for part in parts for t in part.texts)

    started = time.perf_counter()
    tokenizer = tokenizer_from_config(splits.train.texts, config.data, config.tokenizer)
    vocab_seconds = time.perf_counter() - started
    started = time.perf_counter()
    train_ids, validation_ids, test_ids = (encode(tokenizer, part.texts) for part in parts)
    encode_seconds = time.perf_counter() - started
    stores = (train_ids, validation_ids, test_ids)
    tokens = sum(len(s.ids) for s in stores)
    store_bytes = sum(s.nbytes for s in stores)
    data = PreparedData(splits, tokenizer, train_ids, validation_ids, test_ids)
    after_data = current_rss()

    prepared = prepare_run(config, data=data)
    trainer = Trainer(config.train, objective=objective_for(splits.multi_label), progress=False)
    result = trainer.fit(prepared.model, prepared.train, prepared.validation)
    record = result.history[-1]
    peak = peak_rss()
    return {
        "reviews": len(splits.train) + len(splits.validation) + len(splits.test),
        "train_reviews": len(splits.train),
        "tokens": tokens,
        "train_tokens": len(train_ids.ids),
        "raw_text_bytes": raw_bytes,
        "load_seconds": load_seconds,
        "vocab_seconds": vocab_seconds,
        "encode_seconds": encode_seconds,
        "tokenize_seconds": vocab_seconds + encode_seconds,
        "encode_tokens_per_second": tokens / encode_seconds,
        "tokenize_tokens_per_second": tokens / (vocab_seconds + encode_seconds),
        "store_bytes_per_token": store_bytes / tokens,
        "data_rss_beyond_text_per_token": (after_data - baseline - raw_bytes) / tokens,
        "peak_rss_beyond_text_per_token": (peak - baseline - raw_bytes) / tokens,
        "baseline_rss": baseline,
        "peak_rss": peak,
        "epoch_seconds": record.seconds,
        "train_tokens_per_second": len(train_ids.ids) / record.seconds,
        "val_accuracy": record.val_accuracy,
        "precision": trainer.precision,
        "threads": torch.get_num_threads(),
    }


# --------------------------------------------------------------------------------------- reporting


def slope(xs: list[float], ys: list[float]) -> float:
    """The log-log slope of ``ys`` against ``xs`` (1: linear growth)."""
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def table(rows: list[dict]) -> str:
    lines = [
        "| reviews | tokens | tokenize s | tokens/s (encode) | store B/token | peak RSS | RSS beyond text, B/token "
        "| epoch s | train tokens/s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['reviews']:,} | {r['tokens'] / 1e6:,.1f} M | {r['tokenize_seconds']:.1f} "
            f"| {r['encode_tokens_per_second'] / 1e6:.2f} M | {r['store_bytes_per_token']:.2f} "
            f"| {r['peak_rss'] / 2**30:.2f} GiB | {r['peak_rss_beyond_text_per_token']:.2f} "
            f"| {r['epoch_seconds']:.0f} | {r['train_tokens_per_second'] / 1e3:,.0f} k |"
        )
    return "\n".join(lines)


def plot(rows: list[dict], slopes: dict, path: Path, title: str) -> None:
    from textcnn.util.figures import figure

    tokens = [r["tokens"] for r in rows]
    fig = figure(figsize=(9, 3.6))
    ax_time, ax_mem = fig.subplots(1, 2)
    for key, label in (("tokenize_seconds", "tokenize"), ("epoch_seconds", "one epoch")):
        ax_time.plot(tokens, [r[key] for r in rows], "o-", label=f"{label} (slope {slopes[key]:.2f})")
    ax_time.set(xscale="log", yscale="log", xlabel="tokens", ylabel="seconds", title="time")
    ax_mem.plot(tokens, [r["peak_rss"] / 2**30 for r in rows], "o-", label=f"peak RSS (slope {slopes['peak_rss']:.2f})")
    ax_mem.plot(tokens, [r["raw_text_bytes"] / 2**30 for r in rows], "o--", label="raw text (UTF-8)")
    ax_mem.axhline(4, color="grey", lw=0.8, ls=":", label="4 GiB goal")
    ax_mem.set(xscale="log", yscale="log", xlabel="tokens", ylabel="GiB", title="memory")
    for ax in (ax_time, ax_mem):
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="../shared/data/imdb", help="IMDB, laid out as a hub dataset (sentences)")
    parser.add_argument("--out", default="runs/scale", help="folder for the corpora and the results")
    parser.add_argument("--sizes", default="25000,100000,300000,1000000", help="training reviews per corpus")
    parser.add_argument("--test-size", type=int, default=2000, help="reviews in each corpus's test split")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="config overrides")
    parser.add_argument("--child", metavar="CORPUS", help=argparse.SUPPRESS)  # one size, in its own process
    args = parser.parse_args()

    if args.child:
        from textcnn.util.env import limit_kernel_cache

        limit_kernel_cache()  # as the textcnn command does, before torch is imported
        print(json.dumps(measure(Path(args.child), args.set)))
        return
    from textcnn.bench.machine import cpu_model_and_isa, kernel_isa

    out = Path(args.out)
    sizes = [int(s) for s in args.sizes.split(",")]
    corpora = make_corpora(args.data, sizes, args.test_size, out, args.seed)
    rows = []
    for size in sizes:
        command = [sys.executable, __file__, "--child", str(corpora[size])]
        command += [f"--set={s}" for s in args.set]
        child = subprocess.run(command, capture_output=True, text=True)
        if child.returncode != 0:
            sys.exit(f"size {size:,} failed:\n{child.stderr[-3000:]}")
        rows.append(json.loads(child.stdout.strip().splitlines()[-1]))
        r = rows[-1]
        print(
            f"{r['reviews']:>9,} reviews  {r['tokens'] / 1e6:7.1f} M tokens  tokenize {r['tokenize_seconds']:6.1f} s  "
            f"epoch {r['epoch_seconds']:7.1f} s  peak RSS {r['peak_rss'] / 2**30:5.2f} GiB",
            file=sys.stderr,
        )
    tokens = [r["tokens"] for r in rows]
    slopes = {k: slope(tokens, [r[k] for r in rows]) for k in ("tokenize_seconds", "epoch_seconds", "peak_rss")}
    cpu, isa = cpu_model_and_isa()
    machine = f"{cpu} ({', '.join(isa)}; {kernel_isa(isa)}), {rows[0]['threads']} threads, {rows[0]['precision']}"
    report = {"machine": machine, "model": MODEL, "overrides": args.set, "slopes": slopes, "sizes": rows}
    (out / "scale.json").write_text(json.dumps(report, indent=2) + "\n")
    markdown = f"{table(rows)}\n\nlog-log slopes against tokens: " + ", ".join(
        f"{k} {v:.2f}" for k, v in slopes.items()
    )
    (out / "scale.md").write_text(markdown + f"\n\n{machine}\n")
    plot(rows, slopes, out / "scale.png", f"synthetic IMDB-like corpora, small TextCNN; {machine}")
    print(markdown)


if __name__ == "__main__":
    main()
