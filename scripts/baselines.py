"""A classical baseline on a run config's data: TF-IDF over word 1-2 grams + logistic regression.

    HF_HUB_OFFLINE=1 python scripts/baselines.py --config configs/textcnn_imdb.yaml --set data.path=../shared/data/imdb

Uses the run config's splits (the same validation set held out of train), words cut as the run's
tokenizer cuts them, and no truncation. The regularisation strength C is chosen on validation
accuracy; the test split is scored once, with the chosen C. Prints one JSON line per C tried and a
final one with the test accuracy.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def main() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from textcnn.config import load_config
    from textcnn.text.data import load_splits
    from textcnn.text.vectors import words_of

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="a run config: its data section picks data and splits")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="config override")
    parser.add_argument(
        "--C", type=float, nargs="+", default=[1.0, 4.0, 16.0, 64.0], help="inverse regularisation strengths to try"
    )
    parser.add_argument("--min-df", type=int, default=2, help="drop n-grams in fewer texts than this (default: 2)")
    args = parser.parse_args()

    config = load_config(args.config, args.set)
    started = time.perf_counter()
    splits = load_splits(config.data, config.seed)
    data = config.data

    def words(texts: list[str]) -> list[list[str]]:
        return list(words_of(texts, lowercase=data.lowercase, strip_html=data.strip_html))

    train, validation, test = words(splits.train.texts), words(splits.validation.texts), words(splits.test.texts)
    vectorizer = TfidfVectorizer(
        analyzer=lambda tokens: tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])],
        min_df=args.min_df,
        sublinear_tf=True,
    )
    x_train = vectorizer.fit_transform(train)  # vocabulary and idf from the training texts only
    x_val, x_test = vectorizer.transform(validation), vectorizer.transform(test)
    best = None
    for c in args.C:
        model = LogisticRegression(C=c, max_iter=2000, solver="liblinear").fit(x_train, splits.train.labels)
        val_accuracy = float(np.mean(model.predict(x_val) == splits.validation.labels))
        print(json.dumps({"C": c, "val_accuracy": round(val_accuracy, 4)}), flush=True)
        if best is None or val_accuracy > best[0]:
            best = (val_accuracy, c, model)
    val_accuracy, c, model = best
    test_accuracy = float(np.mean(model.predict(x_test) == splits.test.labels))
    result = {
        "model": "tfidf-1-2gram-logreg",
        "features": x_train.shape[1],
        "C": c,
        "val_accuracy": round(val_accuracy, 4),
        "test_accuracy": round(test_accuracy, 5),
        "test_split": splits.test_split,
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
