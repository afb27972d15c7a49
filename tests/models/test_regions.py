"""Region embeddings: window sums, padding, the learner finding a planted co-occurrence, the model's use."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from textcnn.config import TextCNNConfig
from textcnn.models import get_model
from textcnn.models.precomputed import can_precompute
from textcnn.models.regions import RegionEmbedding, RegionOptions, learn_regions, region_sums
from textcnn.text.token_store import TokenStore


def test_region_sums_are_the_window_sums_written_out():
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(3, 9, 4, generator=generator)
    mask = torch.arange(9)[None] < torch.tensor([9, 5, 1])[:, None]
    got = region_sums(x, mask, before=2, after=1)
    for b in range(3):
        for p in range(9):
            expected = sum((x[b, q] for q in range(p - 2, p + 2) if 0 <= q < 9 and mask[b, q]), torch.zeros(4))
            torch.testing.assert_close(got[b, p], expected, atol=1e-5, rtol=0)


def test_region_embedding_ignores_padding_and_junk_there():
    regions = RegionEmbedding(20, 6, size=5)
    regions.load(torch.randn(20, 6), torch.randn(6))
    ids = torch.tensor([[3, 4, 5, 0, 0, 0], [3, 4, 5, 9, 9, 9]])
    mask = torch.tensor([[True] * 3 + [False] * 3] * 2)
    out = regions(ids, mask)
    torch.testing.assert_close(out[0], out[1])
    assert (out[:, 3:] == 0).all()
    torch.testing.assert_close(out[0, :3], regions(ids[:1, :3], mask[:1, :3])[0])


def _planted_corpus(texts: int = 1500, seed: int = 0) -> TokenStore:
    """Two topics of context words (ids 10-29, 30-49); each text carries one of its topic's two cue words.

    Cue words 2 and 3 belong to topic 0, 4 and 5 to topic 1. Two cues of one topic never share a text,
    so only their neighbours tie them together.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(texts):
        topic = int(rng.integers(2))
        words = list(rng.integers(10 + 20 * topic, 30 + 20 * topic, size=12))
        for at in rng.choice(12, size=3, replace=False):
            words[at] = 2 + 2 * topic + int(rng.integers(2))
        rows.append(np.array(words))
    return TokenStore.from_sequences(rows, dtype=np.uint16)


def _cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(torch.nn.functional.cosine_similarity(a, b, dim=0))


def test_the_learner_ties_words_that_share_their_neighbours():
    options = RegionOptions(
        size=3, dim=16, epochs=4, negatives=5, lr=0.02, batch_size=512, stride=1, sample=1.0, seed=0
    )
    table, bias = learn_regions([_planted_corpus()], 50, options)
    assert table.shape == (50, 16) and bias.shape == (16,)
    same = [_cosine(table[2], table[3]), _cosine(table[4], table[5])]
    across = [_cosine(table[2], table[4]), _cosine(table[2], table[5]), _cosine(table[3], table[4])]
    assert min(same) > max(across) + 0.3, (same, across)


def test_learning_is_seeded():
    options = RegionOptions(
        size=3, dim=8, epochs=1, negatives=3, lr=0.01, batch_size=256, stride=2, sample=1e-3, seed=1
    )
    corpus = [_planted_corpus(200)]
    first, _ = learn_regions(corpus, 50, options)
    second, _ = learn_regions(corpus, 50, options)
    torch.testing.assert_close(first, second, atol=0, rtol=0)


def test_a_textcnn_with_regions_reads_them_beside_its_words():
    config = TextCNNConfig(embedding_dim=8, num_filters=4, kernel_sizes=[2, 3], region_dim=5, region_size=5)
    model = get_model(config, 50, 2).eval()
    assert model.embedding.out_dim == 13 and model.embedding.reach == 2 and model.embedding.reach_before == 2
    assert not can_precompute(model)  # a position's vector depends on its neighbours
    assert "embedding.regions.table" in model.state_dict()  # saved with the weights
    trainable = {id(p) for g in model.parameter_groups() for p in g.params}
    assert id(model.embedding.regions.table) not in trainable  # frozen: a buffer
    ids = torch.randint(1, 50, (2, 7))
    mask = torch.ones_like(ids, dtype=torch.bool)
    with torch.no_grad():
        before = model(ids, mask)
        model.load_regions(torch.randn(50, 5), torch.zeros(5))
        after = model(ids, mask)
    assert not torch.allclose(before, after)  # the learned table reaches the logits


def test_a_model_without_regions_refuses_them():
    model = get_model(TextCNNConfig(embedding_dim=8, num_filters=4), 50, 2)
    with pytest.raises(ValueError, match="region_dim"):
        model.load_regions(torch.zeros(50, 5), torch.zeros(5))
