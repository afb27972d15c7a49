"""Time one training step of a model from a config, in several variants, and show where the time goes.

    python scripts/profile_step.py --config configs/textcnn_imdb.yaml
    python scripts/profile_step.py --config configs/textcnn_imdb.yaml --variant model.sparse_embedding=true \
        --variant train.precision=bf16 --profile

Each ``--variant`` is one more --set list (comma-separated) timed against the config as it is. With ``--data PATH``
the batches are the first bucketed training batches of that dataset (tokenized as the config says); without it,
random token ids with lengths drawn like IMDB's. Every variant sees the same batches.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from textcnn.config import load_config
from textcnn.models import get_model
from textcnn.text.batching import collate
from textcnn.training import Trainer, seed_everything


def make_batches(n: int, batch_size: int, max_length: int, vocab: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(n):
        # Bucketed batches hold texts of similar length: one length per batch, log-normal like IMDB's.
        length = int(min(max_length, max(8, rng.lognormal(np.log(200), 0.6))))
        seqs = [rng.integers(2, vocab, size=length).astype(np.int32) for _ in range(batch_size)]
        batches.append(collate(seqs, rng.integers(0, 2, size=batch_size), np.arange(batch_size)))
    return batches


def real_batches(config_path: str, data_path: str, n: int):
    """The first ``n`` training batches of the run setup that ``textcnn train`` would build."""
    from textcnn.runs.setup import prepare_run

    config = load_config(config_path, [f"data.path={data_path}"])
    prepared = prepare_run(config)  # the vectors are not read: timing does not need them
    prepared.train.set_epoch(1)
    return [batch for _, batch in zip(range(n), prepared.train)]


def time_variant(config_path: str, overrides: list[str], steps: int, profile: bool, batches: list) -> float:
    config = load_config(config_path, overrides)
    seed_everything(0)
    model = get_model(config.model, config.tokenizer.vocab_size, 2)
    trainer = Trainer(config.train, progress=False)
    trainer.prepare(model, total_steps=steps + 5)
    model.train()
    batches = [b.to(trainer.device) for b in batches]
    for batch in batches[:5]:  # warm-up
        trainer.train_step(model, batch)
    times = []
    for batch in batches[5:]:
        start = time.perf_counter()
        trainer.train_step(model, batch)
        times.append(time.perf_counter() - start)
    tokens = sum(int(b.mask.sum()) for b in batches[5:])
    per_step = statistics.median(times)
    print(
        f"{' '.join(overrides) or '(config as is)':<60} median step {1000 * per_step:7.1f} ms   "
        f"{tokens / sum(times):10,.0f} tokens/s"
    )
    if profile:
        from torch.profiler import profile as torch_profile

        with torch_profile() as prof:
            for batch in batches[5:15]:
                trainer.train_step(model, batch)
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=12))
    return per_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="configs/textcnn_imdb.yaml", help="run config (default: %(default)s)")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        help="comma-separated KEY=VALUE overrides timed as one variant (repeatable)",
    )
    parser.add_argument("--steps", type=int, default=30, help="timed steps per variant (default: %(default)s)")
    parser.add_argument("--profile", action="store_true", help="print a torch.profiler table per variant")
    parser.add_argument("--data", metavar="PATH", help="take real batches from this dataset (default: random ids)")
    args = parser.parse_args()
    if args.data:
        batches = real_batches(args.config, args.data, args.steps + 5)
    else:
        config = load_config(args.config)
        batches = make_batches(
            args.steps + 5, config.train.batch_size, config.data.max_length, config.tokenizer.vocab_size
        )
    base = time_variant(args.config, [], args.steps, args.profile, batches)
    for variant in args.variant:
        overrides = [v for v in variant.split(",") if v]
        step = time_variant(args.config, overrides, args.steps, args.profile, batches)
        print(f"{'':<60} {base / step:.2f}x the config's speed")


if __name__ == "__main__":
    main()
