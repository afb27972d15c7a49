"""Where inference time goes, from raw text to labels: tokenizing, batching, the model, for a trained run.

    HF_HUB_OFFLINE=1 python scripts/profile_inference.py runs/textcnn_imdb --data ../shared/data/imdb

Times each stage alone on the same texts (best of --repeats), in reviews per second, and the whole
``Run.predict_proba`` with the first convolution computed and looked up, and through ONNX Runtime where
the run was exported (``textcnn export RUN --format onnx``). The stage rates say which one bounds the
end-to-end rate: it can never beat the slowest stage.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch


def best_rate(fn, n: int, repeats: int) -> float:
    fn()  # warm-up: kernels, allocator, caches
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return n / best


def main() -> None:
    from textcnn.bench.machine import cpu_model_and_isa
    from textcnn.config import DataConfig
    from textcnn.runs.loaded import Run
    from textcnn.text.batching import eval_batches
    from textcnn.text.data import load_eval_split
    from textcnn.text.tokenizer import encode
    from textcnn.training import predict_logits

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir")
    parser.add_argument("--data", help="dataset whose test split supplies the texts (default: the run's data.path)")
    parser.add_argument("--texts", type=int, default=5000, help="texts timed (default: 5000)")
    parser.add_argument("--batch-size", type=int, default=512, help="texts per model batch (default: 512)")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats per stage; the best counts")
    args = parser.parse_args()

    run = Run.load(args.run_dir, device="cpu", precompute="on")
    data = DataConfig(**{**run.config.data.__dict__, **({"path": args.data} if args.data else {})})
    _, split = load_eval_split(data, None, run.class_names)
    rng = np.random.default_rng(0)
    texts = [split.texts[i] for i in rng.choice(len(split), size=min(args.texts, len(split)), replace=False)]
    n = len(texts)
    settings = run.config.train.__class__(**{**run.config.train.__dict__, "eval_batch_size": args.batch_size})
    ids = encode(run.tokenizer, texts)
    tokens = sum(len(x) for x in ids)
    fast = run.fast_model()  # the looked-up model, built once: the end-to-end "on" timing below reuses it
    cpu, isa = cpu_model_and_isa()
    print(f"{cpu} ({', '.join(isa)}), {torch.get_num_threads()} torch threads; {n} texts, {tokens / n:.0f} tokens each")

    stages = {
        "tokenize (encode)": lambda: encode(run.tokenizer, texts),
        "batch (bucket + pad)": lambda: list(eval_batches(ids, None, settings)),
        "model, convolution (fp32)": lambda: predict_logits(
            run.model, eval_batches(ids, None, settings), run.device, precision="fp32"
        ),
        "model, looked up (fp32)": lambda: predict_logits(
            fast, eval_batches(ids, None, settings), run.device, precision="fp32"
        ),
    }
    for name, fn in stages.items():
        print(f"{name:>28}: {best_rate(fn, n, args.repeats):>9,.0f} reviews/s")
    for mode in ("off", "on"):
        run.precompute = mode
        rate = best_rate(lambda: run.predict_proba(texts, args.batch_size), n, args.repeats)
        print(f"{'end to end, precompute ' + mode:>28}: {rate:>9,.0f} reviews/s")
    from textcnn.export.onnx import LOOKUP_FILE, ONNX_FILE, OnnxModel

    for name in (ONNX_FILE, LOOKUP_FILE):
        if (run.path / name).is_file():
            graph = OnnxModel(run.path / name)
            rate = best_rate(
                lambda graph=graph: predict_logits(graph, eval_batches(ids, None, settings), run.device),
                n,
                args.repeats,
            )
            print(f"{'model, onnx ' + name:>28}: {rate:>9,.0f} reviews/s")
            run.use_onnx(run.path / name)
            rate = best_rate(lambda: run.predict_proba(texts, args.batch_size), n, args.repeats)
            print(f"{'end to end, onnx ' + name:>28}: {rate:>9,.0f} reviews/s")
            run.use_torch()


if __name__ == "__main__":
    main()
