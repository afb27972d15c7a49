import pytest
import torch

from textcnn.config import load_config
from textcnn.errors import UserError
from textcnn.models import EMBEDDING_MODES, WordEmbedding, get_model, list_models, model_config_class, register_model


def build(name: str, *overrides: str, vocab: int = 50):
    config = load_config(None, [f"model.name={name}", "model.embedding_dim=8", *overrides])
    torch.manual_seed(0)
    return get_model(config.model, vocab, 3).eval()


def test_registry():
    assert {"textcnn", "lstm"} <= set(list_models())
    assert model_config_class("lstm").__name__ == "LSTMConfig"
    with pytest.raises(UserError, match="unknown model 'gru'"):
        model_config_class("gru")
    with pytest.raises(ValueError, match="already registered"):
        register_model("textcnn")(lambda *a: None)


@pytest.mark.parametrize("name", ["textcnn", "lstm"])
def test_contract_shapes(name):
    model = build(name)
    ids = torch.randint(2, 50, (4, 11))
    mask = torch.ones(4, 11, dtype=torch.bool)
    assert model(ids, mask).shape == (4, 3)
    assert model.forward_features(ids, mask).shape == (4, model.encoder.out_dim)
    x = torch.randn(4, 11, model.embedding.out_dim)
    assert model.encoder(x, mask).shape == (4, model.encoder.out_dim)  # (B, L, D) -> (B, F)


@pytest.mark.parametrize(
    "name,extra",
    [("textcnn", []), ("textcnn", ["model.ngrams=3"]), ("lstm", []), ("lstm", ["model.pooling=last"])],
)
def test_padding_does_not_change_predictions(name, extra):
    model = build(name, *extra)
    lengths = [7, 3, 1]
    ids = torch.zeros(3, 7, dtype=torch.long)
    for row, n in enumerate(lengths):
        ids[row, :n] = torch.randint(2, 50, (n,))
    mask = ids != 0
    alone = torch.cat([model(ids[r : r + 1, :n], mask[r : r + 1, :n]) for r, n in enumerate(lengths)])
    # Pad further, with random ids at padded positions to show they are never read.
    wide = torch.randint(2, 50, (3, 20))
    wide[:, :7] = torch.where(mask, ids, wide[:, :7])
    wide_mask = torch.zeros(3, 20, dtype=torch.bool)
    wide_mask[:, :7] = mask
    torch.testing.assert_close(model(ids, mask), alone, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(model(wide, wide_mask), alone, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", ["textcnn", "lstm"])
def test_text_shorter_than_widest_filter(name):
    model = build(name, "model.kernel_sizes=[3, 4, 5]" if name == "textcnn" else "model.pooling=max")
    out = model(torch.tensor([[7]]), torch.tensor([[True]]))
    assert out.shape == (1, 3) and torch.isfinite(out).all()


@pytest.mark.parametrize("mode", ["rand", "multichannel"])
def test_winners_backward_trains_like_the_dense_one(mode):
    """The TextCNN's two pool backwards: same outputs and gradients, so the same training steps."""
    ids = torch.randint(2, 50, (6, 13))
    ids[1, 4:] = 0
    ids[2, 1:] = 0  # one word: shorter than the widest filter
    mask = ids != 0
    labels = torch.tensor([0, 1, 2, 0, 1, 2])
    results = []
    for backward in ("dense", "winners"):
        vectors = [] if mode == "rand" else ["model.vectors=unused.bin"]  # the table stays random here
        model = build("textcnn", f"model.embedding_mode={mode}", *vectors, f"model.pool_backward={backward}").train()
        assert model.encoder.pool_backward == backward
        torch.manual_seed(1)  # the same dropout masks
        logits = model(ids, mask)
        torch.nn.functional.cross_entropy(logits, labels).backward()
        results.append((logits, {n: p.grad for n, p in model.named_parameters() if p.requires_grad}))
    (dense_logits, dense_grads), (logits, grads) = results
    torch.testing.assert_close(logits, dense_logits)
    assert grads.keys() == dense_grads.keys()
    for name, grad in grads.items():
        torch.testing.assert_close(grad, dense_grads[name], atol=1e-6, rtol=1e-5, msg=name)


def test_embedding_modes_train_what_they_promise():
    expected = {"rand": (1, 0), "static": (0, 1), "non-static": (1, 0), "multichannel": (1, 1)}
    for mode in EMBEDDING_MODES:
        emb = WordEmbedding(30, 4, mode)
        tables = [t for t in (emb.trained, emb.frozen) if t is not None]
        trained = sum(t.weight.requires_grad for t in tables)
        assert (trained, len(tables) - trained) == expected[mode], mode
        assert emb.out_dim == (8 if mode == "multichannel" else 4)
    emb = WordEmbedding(30, 4, "multichannel")
    vectors = torch.randn(30, 4)
    emb.load_vectors(vectors)
    out = emb(torch.tensor([[3, 0]]), torch.tensor([[True, False]]))
    torch.testing.assert_close(out[0, 0], torch.cat([vectors[3], vectors[3]]))
    assert out[0, 1].abs().sum() == 0  # padding is zero
    out.sum().backward()
    assert emb.trained.weight.grad is not None and emb.frozen.weight.grad is None


def test_max_norm_constraint_caps_each_class_vector():
    model = build("textcnn", "model.max_norm=3.0")
    with torch.no_grad():
        model.classifier[-1].weight.mul_(100)
    model.apply_constraints()
    norms = model.classifier[-1].weight.norm(dim=1)
    assert torch.all(norms <= 3.0 + 1e-5) and torch.allclose(norms, torch.full_like(norms, 3.0))


def test_lstm_dense_path_equals_packed_path():
    """The reversal trick gives the outputs pack_padded_sequence gives, for every pooling and 2 layers."""
    for pooling in ("max", "avg", "last"):
        dense = build("lstm", f"model.pooling={pooling}", "model.num_layers=2")
        packed = build("lstm", f"model.pooling={pooling}", "model.num_layers=2", "model.packed=true")
        packed.load_state_dict(dense.state_dict())
        ids = torch.randint(2, 50, (4, 9))
        mask = torch.arange(9).unsqueeze(0) < torch.tensor([[9], [4], [1], [6]])
        torch.testing.assert_close(dense(ids, mask), packed(ids, mask), atol=1e-5, rtol=1e-5)


def test_reverse_within_lengths():
    from textcnn.models.lstm import reverse_within_lengths

    x = torch.arange(8.0).view(2, 4, 1)
    out = reverse_within_lengths(x, torch.tensor([3, 1]))
    assert out[..., 0].tolist() == [[2.0, 1.0, 0.0, 3.0], [4.0, 5.0, 6.0, 7.0]]
    torch.testing.assert_close(reverse_within_lengths(out, torch.tensor([3, 1])), x)
