"""The looked-up first convolution gives the TextCNN's own logits."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from textcnn.config import LSTMConfig, TextCNNConfig
from textcnn.errors import RunFolderError
from textcnn.models import get_model
from textcnn.models.precomputed import PrecomputedTextCNN, fast_inference_model, table_bytes


def _model(mode: str, kernel_sizes=(3, 4, 5), vocab: int = 50, wide_ngrams: int = 0):
    torch.manual_seed(0)
    config = TextCNNConfig(
        embedding_dim=12,
        embedding_mode=mode,
        vectors=None if mode == "rand" else "unused.bin",
        num_filters=7,
        kernel_sizes=list(kernel_sizes),
        wide_ngrams=wide_ngrams,
        wide_buckets=64,
    )
    model = get_model(config, vocab, 3).eval()
    if model.wide is not None:  # a trained branch: nonzero weights and ratios
        with torch.no_grad():
            model.wide.weight.weight.normal_()
            model.wide.ratios.normal_()
    return model


@pytest.mark.parametrize("mode", ["rand", "static", "non-static", "multichannel"])
@pytest.mark.parametrize("kernel_sizes", [(3, 4, 5), (1, 2, 6), (7,)])
@pytest.mark.parametrize("wide_ngrams", [0, 3])
def test_precomputed_equals_the_convolution(mode, kernel_sizes, wide_ngrams):
    model = _model(mode, kernel_sizes, wide_ngrams=wide_ngrams)
    fast = PrecomputedTextCNN(model).eval()
    generator = torch.Generator().manual_seed(1)
    lengths = torch.tensor([1, 2, 5, 17, 30])  # texts shorter than the widest filter included
    ids = torch.randint(1, 50, (5, 32), generator=generator)
    mask = torch.arange(32)[None] < lengths[:, None]
    ids = torch.where(mask, ids, 0)  # padding id 0 after each text
    with torch.no_grad():
        expected, got = model(ids, mask), fast(ids, mask)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)
    # Padding holding junk ids (not 0) changes nothing: the mask decides what is real.
    junk = torch.where(mask, ids, 7)
    with torch.no_grad():
        torch.testing.assert_close(fast(junk, mask), expected, atol=1e-5, rtol=0)


def test_precomputed_computes_in_fp32_under_autocast():
    """Callers pass their own precision; the lookup tables' fp32 sums must not be rounded to bf16."""
    fast = PrecomputedTextCNN(_model("rand")).eval()
    ids = torch.randint(1, 50, (4, 20), generator=torch.Generator().manual_seed(2))
    mask = torch.ones(4, 20, dtype=torch.bool)
    with torch.no_grad():
        plain = fast(ids, mask)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            under_autocast = fast(ids, mask)
    assert under_autocast.dtype == torch.float32
    torch.testing.assert_close(under_autocast, plain, atol=0, rtol=0)


def test_table_size_is_vocabulary_by_taps_by_filters():
    model = _model("rand", (3, 4, 5), vocab=50)
    assert table_bytes(model, 50) == 4 * 50 * (3 + 4 + 5) * 7
    fast = PrecomputedTextCNN(model)
    assert sum(t.numel() for t in fast.tables) == (50 + 2) * (3 + 4 + 5) * 7  # + the zero and the pad row per tap


def test_auto_uses_it_on_cpu_within_the_memory_cap_only():
    model = _model("rand")
    cpu = torch.device("cpu")
    assert isinstance(fast_inference_model(model, 50, cpu, "auto"), PrecomputedTextCNN)
    assert fast_inference_model(model, 50, cpu, "off") is None
    assert fast_inference_model(model, 50, torch.device("meta"), "auto") is None  # not a CPU: the conv is faster
    lstm = get_model(LSTMConfig(embedding_dim=8, hidden_size=4), 50, 3)
    assert fast_inference_model(lstm, 50, cpu, "auto") is None
    with pytest.raises(RunFolderError, match="only the first convolution of a TextCNN"):
        fast_inference_model(lstm, 50, cpu, "on")
    # n-gram vectors make a position's input depend on its neighbours: no per-token table exists
    torch.manual_seed(0)
    bigrams = get_model(TextCNNConfig(embedding_dim=8, num_filters=4, ngrams=2, ngram_buckets=64), 50, 3)
    assert fast_inference_model(bigrams, 50, cpu, "auto") is None
    with pytest.raises(RunFolderError, match=r"without n-gram vectors \(model.ngrams: 1\)"):
        fast_inference_model(bigrams, 50, cpu, "on")


def test_a_loaded_run_predicts_the_same_either_way(tiny_run):
    from textcnn.runs.loaded import Run

    texts = ["a superb, moving film", "dull", "", "the worst plot " * 30]
    fast = Run.load(tiny_run, device="cpu", precompute="on")
    slow = Run.load(tiny_run, device="cpu", precompute="off")
    # The tables hold fp32 sums; compare with the convolution in fp32 too (precision auto may pick bf16).
    slow.config = dataclasses.replace(slow.config, train=dataclasses.replace(slow.config.train, precision="fp32"))
    assert isinstance(fast.fast_model(), PrecomputedTextCNN) and slow.fast_model() is None
    assert fast.fast_model() is fast.fast_model()  # built once
    torch.testing.assert_close(
        torch.from_numpy(fast.predict_proba(texts)), torch.from_numpy(slow.predict_proba(texts)), atol=1e-5, rtol=0
    )
