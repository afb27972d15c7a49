"""The wide branch: its bag is each text's set of n-grams, its ratios are NBSVM's, its logits their sum."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from textcnn.config import LSTMConfig, TextCNNConfig
from textcnn.models import get_model
from textcnn.models.wide import NgramBag, bag_rows

VOCAB = 10
TEXTS = [[2, 3, 2, 3], [4, 5, 6], [2, 3, 7], [8], [4, 5, 4, 5, 9]]
LABELS = [0, 1, 0, 1, 1]


def padded(texts, width=None):
    width = width or max(map(len, texts))
    ids = torch.zeros(len(texts), width, dtype=torch.long)
    for i, t in enumerate(texts):
        ids[i, : len(t)] = torch.tensor(t)
    return ids, ids > 0


def grams(text, n_max):
    return {tuple(text[i : i + n]) for n in range(1, n_max + 1) for i in range(len(text) - n + 1)}


def test_bag_is_each_texts_distinct_ngrams_whatever_the_padding():
    bag = NgramBag(VOCAB, 2, ngrams=3, buckets=1 << 16)
    ids, mask = padded(TEXTS)
    rows, owners = bag.bag(ids, mask)
    wider_rows, wider_owners = bag.bag(*padded(TEXTS, width=9))
    assert torch.equal(rows, wider_rows) and torch.equal(owners, wider_owners)
    for i, text in enumerate(TEXTS):
        # with 65,536 buckets these few n-grams do not collide: one row per distinct n-gram
        assert int((owners == i).sum()) == len(grams(text, 3))
        unigrams = rows[(owners == i) & (rows < VOCAB)]
        assert sorted(unigrams.tolist()) == sorted(set(text))


def test_spans_of_one_text_hold_the_rows_of_its_bag():
    bag = NgramBag(VOCAB, 2, ngrams=3, buckets=5)  # 5 buckets: n-grams collide
    text = torch.tensor([2, 3, 2, 3, 4, 5])
    rows, spans = bag.spans(text)
    bagged, _ = bag_rows(text[None], torch.ones(1, 6, dtype=torch.bool), 3, VOCAB, 5)
    assert sorted(rows.tolist()) == bagged.tolist()
    assert spans[0] == (0, 0) and (1, 1) in spans  # the unigrams first, each at its first position
    assert all(0 <= first <= last < 6 and last - first < 3 for first, last in spans)


def test_ratios_are_naive_bayes_log_count_ratios():
    bag = NgramBag(VOCAB, 2, ngrams=2, buckets=1 << 16, alpha=0.5)
    ids, mask = padded(TEXTS)
    bag.fit([(ids[:3], mask[:3], torch.tensor(LABELS[:3])), (ids[3:], mask[3:], torch.tensor(LABELS[3:]))])
    # Written out: per class, the texts holding each n-gram seen in training, + alpha, normalised.
    vocabulary = sorted(set().union(*(grams(t, 2) for t in TEXTS)))
    holds = np.array([[g in grams(t, 2) for g in vocabulary] for t in TEXTS], dtype=float)  # (texts, grams)
    labels = np.array(LABELS)
    for c in (0, 1):
        p = holds[labels == c].sum(0) + 0.5
        q = holds[labels != c].sum(0) + 0.5
        expected = np.log(p / p.sum()) - np.log(q / q.sum())
        for g, value in zip(vocabulary, expected):
            row, _ = bag.bag(torch.tensor([list(g)]), torch.ones(1, len(g), dtype=torch.bool))
            row = row[-1] if len(g) == 2 else row[0]  # the bigram's row is past the vocabulary's
            assert float(bag.ratios[row, c]) == pytest.approx(value, abs=1e-6), (g, c)
    unseen = torch.ones(bag.ratios.shape[0], dtype=torch.bool)
    unseen[bag.bag(ids, mask)[0]] = False
    assert torch.all(bag.ratios[unseen] == 0)  # an n-gram never seen in training has no evidence


def test_multi_label_targets_count_one_class_against_the_rest():
    bag = NgramBag(VOCAB, 3, ngrams=1, buckets=1)
    ids, mask = padded(TEXTS[:2])
    bag.fit([(ids, mask, torch.tensor([[1, 0, 1], [0, 1, 1]]))])
    assert float(bag.ratios[2, 0]) > 0 > float(bag.ratios[2, 1])  # token 2 is only in the first text
    assert float(bag.ratios[4, 2]) == pytest.approx(float(bag.ratios[2, 2]))  # class 2 holds both texts


def test_logits_are_the_sum_of_weight_times_ratio_over_the_bag():
    torch.manual_seed(0)
    bag = NgramBag(VOCAB, 2, ngrams=3, buckets=64)
    with torch.no_grad():
        bag.weight.weight.normal_()
        bag.ratios.normal_()
    ids, mask = padded(TEXTS)
    logits = bag(ids, mask)
    for i, text in enumerate(TEXTS):
        rows, _ = bag.spans(torch.tensor(text))
        expected = (bag.weight.weight[rows] * bag.ratios[rows]).sum(0)
        assert torch.allclose(logits[i], expected, atol=1e-5)


@pytest.mark.parametrize("config", [TextCNNConfig(wide_ngrams=2), LSTMConfig(wide_ngrams=2)])
def test_models_add_the_branch_to_their_logits_and_train_it_sparse(config):
    config.sparse_embedding = True
    torch.manual_seed(0)
    model = get_model(config, VOCAB, 2)
    ids, mask = padded(TEXTS)
    model.fit_counts([(ids, mask, torch.tensor(LABELS))])
    groups = {g.name: g for g in model.parameter_groups()}
    assert groups["wide"].sparse and groups["wide"].params == [model.wide.weight.weight]
    model.eval()
    before = model(ids, mask)
    with torch.no_grad():
        model.wide.weight.weight.fill_(1.0)
    after = model(ids, mask)
    assert torch.allclose(after - before, model.wide(ids, mask), atol=1e-5)
    model.train()
    model(ids, mask).sum().backward()
    assert model.wide.weight.weight.grad.is_sparse
