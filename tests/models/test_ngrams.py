import pytest
import torch

from textcnn.config import load_config
from textcnn.errors import UserError
from textcnn.models import WordEmbedding, get_model
from textcnn.models.ngrams import NgramEmbedding, ngram_rows


def test_rows_name_each_ngram_by_its_tokens_whatever_the_padding():
    ids = torch.tensor([[5, 6, 7, 0, 0], [5, 6, 9, 9, 3]])
    mask = torch.tensor([[True, True, True, False, False], [True] * 5])
    rows = ngram_rows(ids, mask, ngrams=3, buckets=1000)
    assert rows.shape == (2, 2, 5)  # (ngrams - 1, B, L)
    assert ((rows >= 0) & (rows < 1000)).all()
    assert rows[0, 0, 0] == rows[0, 1, 0]  # the pair (5, 6) in both texts
    assert rows[1, 0, 0] != rows[1, 1, 0]  # (5, 6, 7) against (5, 6, 9)
    # Past the end a text reads padding, whatever ids the batch holds there.
    noisy = ids.clone()
    noisy[0, 3:] = torch.tensor([8, 4])
    assert torch.equal(ngram_rows(noisy, mask, 3, 1000)[:, 0, :3], rows[:, 0, :3])
    assert rows[0, 0, 2] != rows[0, 1, 2]  # (7, end) against (9, 9)
    one = ngram_rows(torch.tensor([[4]]), torch.tensor([[True]]), 3, 1000)  # a text shorter than the n-gram
    assert one.shape == (2, 1, 1)


def test_a_positions_vector_reads_the_tokens_its_ngrams_span_and_no_others():
    torch.manual_seed(0)
    embedding = WordEmbedding(30, 4, ngrams=2, ngram_buckets=101)
    assert embedding.reach == 1 and embedding.ngrams.table.weight.shape == (101, 4)
    ids = torch.tensor([[3, 4, 5, 6]])
    mask = torch.ones_like(ids, dtype=torch.bool)
    base = embedding(ids, mask)
    changed = embedding(torch.tensor([[3, 4, 9, 6]]), mask)
    moved = (base - changed).abs().sum(dim=2)[0] > 0  # (L,): which positions' vectors moved
    assert moved.tolist() == [False, True, True, False]  # the token itself, and the pair ending on it
    plain = WordEmbedding(30, 4)
    assert plain.reach == 0 and plain.ngrams is None


def test_ngram_tables_train_with_the_embedding_and_are_sparse_with_it():
    embedding = WordEmbedding(30, 4, "multichannel", ngrams=3, ngram_buckets=50, sparse=True)
    groups = {g.name: g for g in embedding.parameter_groups()}
    assert set(groups) == {"embedding", "ngrams"} and groups["ngrams"].sparse
    assert embedding.ngrams.table.weight.shape == (50, 8)  # as wide as both channels
    ids = torch.tensor([[3, 4, 5]])
    embedding(ids, torch.ones_like(ids, dtype=torch.bool)).sum().backward()
    assert embedding.ngrams.table.weight.grad.is_sparse
    with pytest.raises(ValueError, match="ngrams must be >= 2"):
        NgramEmbedding(1, 10, 4)


@pytest.mark.parametrize("name", ["textcnn", "lstm"])
def test_models_take_ngram_vectors_from_the_config(name):
    config = load_config(
        None, [f"model.name={name}", "model.embedding_dim=8", "model.ngrams=2", "model.ngram_buckets=64"]
    )
    model = get_model(config.model, 50, 3)
    assert model.embedding.reach == 1 and model.embedding.ngrams.buckets == 64
    with pytest.raises(UserError, match=r"model.ngrams: 0 is not allowed; expected >= 1 \(1: tokens alone\)"):
        load_config(None, ["model.ngrams=0"])
    with pytest.raises(UserError, match="model.ngram_buckets: 0 is not allowed"):
        load_config(None, ["model.ngram_buckets=0"])
