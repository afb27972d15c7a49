"""The digits CNN's accuracy over seeds, thread counts and CPU kernels: the spread a test floor must allow for.

    python scripts/digits_spread.py                       # seeds 0-5, 1 and 2 threads, default and AVX2 kernels
    python scripts/digits_spread.py --seeds 3 --epochs 5  # quicker

Each (kernels, threads) setting runs in its own process, since the kernels are chosen when torch starts
(``ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2`` holds a newer CPU to the AVX2 ones). Prints one JSON
line per training and the lowest and highest test accuracy.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

KERNELS = {"default": {}, "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"}}


def train_all(seeds: int, threads: int, epochs: int) -> None:
    """In this process: one training per seed, one JSON line each."""
    import torch

    from textcnn.image import train_digits_cnn

    torch.set_num_threads(threads)
    for seed in range(seeds):
        result = train_digits_cnn(seed=seed, epochs=epochs)
        print(json.dumps({"seed": seed, "test": round(result.test_accuracy, 4), "val": round(result.val_accuracy, 4)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=6, help="seeds 0..N-1 (default: 6)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="torch thread counts (default: 1 2)")
    parser.add_argument("--kernels", nargs="+", choices=sorted(KERNELS), default=sorted(KERNELS), help="CPU kernels")
    parser.add_argument("--epochs", type=int, default=25, help="epochs per training (default: 25, the test's)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return train_all(args.seeds, args.threads[0], args.epochs)
    tests = []
    for kernels in args.kernels:
        for threads in args.threads:
            argv = [sys.executable, __file__, "--worker", "--seeds", str(args.seeds), "--epochs", str(args.epochs)]
            argv += ["--threads", str(threads)]
            env = {**os.environ, **KERNELS[kernels]}
            out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
            for line in out.stdout.splitlines():
                row = {"kernels": kernels, "threads": threads, **json.loads(line)}
                tests.append(row["test"])
                print(json.dumps(row), flush=True)
    print(f"test accuracy over {len(tests)} trainings: {min(tests):.4f} to {max(tests):.4f}")


if __name__ == "__main__":
    main()
