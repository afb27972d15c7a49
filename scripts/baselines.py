"""A classical baseline on a run config's data: TF-IDF or NBSVM n-grams + logistic regression, or fastText.

    HF_HUB_OFFLINE=1 python scripts/baselines.py --config configs/textcnn_imdb.yaml --set data.path=../shared/data/imdb
    python scripts/baselines.py --config configs/textcnn_chnsenticorp.yaml --analyzer char --folds 5
    python scripts/baselines.py --config configs/textcnn_subj.yaml --model nbsvm --folds 10

Uses the run config's splits (the same validation set held out of train) and no truncation.
``--analyzer word``: word n-grams cut by scikit-learn's own regular expression, as its users run it.
``--analyzer char``: character 1-3 grams of the text cleaned as the run's tokenizer cleans it, for text
without spaces between words. ``--model tfidf``: TF-IDF word 1-2 grams; several classes fit a multinomial
model, label sets one-vs-rest, scored by micro-F1. ``--model nbsvm``: NBSVM (binary n-grams scaled by their
naive-Bayes log-count ratio, one-vs-rest beyond two classes), word 1-2 or 1-3 grams chosen on validation.
``--model fasttext``: fastText supervised on text prepared as its tutorial prepares it (the bench's peer;
word n-grams and epochs chosen on validation; single-label data); with ``--analyzer char`` each character
is one of its words.
The regularisation strength C is chosen on validation accuracy (micro-F1 for label sets); the test split
is scored once, with the chosen settings. With ``--folds K`` it does so on each of the K folds that
``textcnn cv`` uses (the same test folds and validation parts) and reports their mean. Prints one JSON
line per fold and a final summary.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np


def score(model, x, labels: np.ndarray) -> float:
    """Accuracy; for label sets (``labels`` (N, C)) micro-F1 at the threshold chosen on these labels."""
    from textcnn.runs.scoring import choose_threshold, multi_label_scores

    if labels.ndim == 2:
        probs = model.predict_proba(x)
        return multi_label_scores(probs, labels, choose_threshold(probs, labels), [])["micro_f1"]
    return float(np.mean(model.predict(x) == labels))


def _vectorizers(model: str, analyzer: str, data, min_df: int):
    """(label, vectorizer) pairs to choose among on validation."""
    from sklearn.feature_extraction.text import CountVectorizer

    from textcnn.bench.peers import cleaned_text, tfidf_vectorizer

    if model == "tfidf":
        return [({}, tfidf_vectorizer(analyzer, data, min_df))]
    if analyzer == "char":
        chars = CountVectorizer(analyzer="char", ngram_range=(1, 3), preprocessor=cleaned_text(data), binary=True)
        return [({"ngrams": 3}, chars)]
    return [({"ngrams": n}, CountVectorizer(ngram_range=(1, n), lowercase=data.lowercase, binary=True)) for n in (2, 3)]


def _classifier(model: str, c: float, splits):
    from textcnn.bench.nbsvm import NBLogisticRegression
    from textcnn.bench.peers import logistic_regression

    if model == "nbsvm":
        return NBLogisticRegression(C=c)
    return logistic_regression(c, len(splits.class_names), splits.multi_label)


def fit_and_score(splits, data, model_name: str, analyzer: str, cs: list[float], min_df: int) -> dict:
    """Fit on train, choose the n-grams and C on validation, score the test split once (multi-label: micro-F1)."""
    best, tried = None, []
    for chosen, vectorizer in _vectorizers(model_name, analyzer, data, min_df):
        x_train = vectorizer.fit_transform(splits.train.texts)  # vocabulary (and idf) from the training texts only
        x_val = vectorizer.transform(splits.validation.texts)
        for c in cs:
            model = _classifier(model_name, c, splits).fit(x_train, splits.train.labels)
            val_accuracy = score(model, x_val, splits.validation.labels)
            tried.append({**chosen, "C": c, "val_accuracy": round(val_accuracy, 4)})
            if best is None or val_accuracy > best[0]:
                best = (val_accuracy, c, model, vectorizer, x_train.shape[1], chosen)
    val_accuracy, c, model, vectorizer, features, chosen = best
    x_val, x_test = vectorizer.transform(splits.validation.texts), vectorizer.transform(splits.test.texts)
    if splits.multi_label:  # as the multi-label TextCNN: the threshold from validation, then test once
        from textcnn.runs.scoring import choose_threshold, multi_label_scores

        threshold = choose_threshold(model.predict_proba(x_val), splits.validation.labels)
        scores = multi_label_scores(model.predict_proba(x_test), splits.test.labels, threshold, splits.class_names)
        return {
            "tried": tried,
            "C": c,
            "threshold": threshold,
            "val_micro_f1": round(val_accuracy, 4),
            "test_micro_f1": round(scores["micro_f1"], 5),
            "test_macro_f1": round(scores["macro_f1"], 5),
            "test_accuracy": round(scores["exact_match"], 5),  # exact match, as in a multi-label metrics.json
            "test_split": splits.test_split,
        }
    return {
        "tried": tried,
        "features": features,
        **chosen,
        "C": c,
        "val_accuracy": round(val_accuracy, 4),
        "test_accuracy": round(score(model, x_test, splits.test.labels), 5),
        "test_split": splits.test_split,
    }


def fasttext_fit_and_score(splits, data, analyzer: str) -> dict:
    """fastText, as the bench's peer runs it: its settings chosen on validation, the test split scored once."""
    from textcnn.bench.peers import bench_fasttext

    result = bench_fasttext(splits, data, splits.test.texts[:2000], characters=analyzer == "char")
    return {
        "tried": result.tried,
        **result.chosen,
        "val_accuracy": round(result.val_accuracy, 4),
        "test_accuracy": round(result.test_accuracy, 5),
        "reviews_per_second": round(result.reviews_per_second),
        "test_split": splits.test_split,
    }


def main() -> None:
    from textcnn.config import load_config
    from textcnn.config.options import add_set_option
    from textcnn.runs.cv import fold_config
    from textcnn.text.data import load_splits

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="a run config: its data section picks data and splits")
    add_set_option(parser)
    parser.add_argument(
        "--model",
        choices=("tfidf", "nbsvm", "fasttext"),
        default="tfidf",
        help="TF-IDF or NBSVM features with logistic regression, or fastText (default: tfidf)",
    )
    parser.add_argument(
        "--analyzer", choices=("word", "char"), default="word", help="word n-grams or character 1-3 grams"
    )
    parser.add_argument(
        "--C",
        type=float,
        nargs="+",
        help="inverse regularisation strengths to try (default: 1 4 16 64 for tfidf, 0.1 0.3 1 for nbsvm)",
    )
    parser.add_argument("--min-df", type=int, default=2, help="drop n-grams in fewer texts than this (default: 2)")
    parser.add_argument("--folds", type=int, help="cross-validate on the K folds 'textcnn cv --folds K' uses")
    args = parser.parse_args()

    cs = args.C or ([0.1, 0.3, 1.0] if args.model == "nbsvm" else [1.0, 4.0, 16.0, 64.0])
    config = load_config(args.config, args.set)
    started = time.perf_counter()
    configs = [config] if args.folds is None else [fold_config(config, args.folds, f) for f in range(args.folds)]
    results = []
    for fold, setup in enumerate(configs, start=1):
        splits = load_splits(setup.data, setup.seed)
        if splits.multi_label and args.model != "tfidf":
            parser.error(f"--model {args.model}: label sets are not supported; use --model tfidf")
        if args.model == "fasttext":
            result = fasttext_fit_and_score(splits, setup.data, args.analyzer)
        else:
            result = fit_and_score(splits, setup.data, args.model, args.analyzer, cs, args.min_df)
        results.append(result)
        print(json.dumps({"fold": fold, **result} if args.folds else result), flush=True)
    grams = "char-1-3" if args.analyzer == "char" else ("word-1-2" if args.model == "tfidf" else "word-n")
    name = "fasttext-supervised" if args.model == "fasttext" else f"{args.model}-{grams}gram-logreg"
    accuracies = [r["test_accuracy"] for r in results]
    summary = {"model": name, "test_accuracy": round(statistics.mean(accuracies), 5)}
    for key in ("test_micro_f1", "test_macro_f1"):
        if key in results[0]:
            summary[key] = round(statistics.mean(r[key] for r in results), 5)
    if args.folds:
        summary.update(folds=args.folds, std=round(statistics.stdev(accuracies), 5))
    summary["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
