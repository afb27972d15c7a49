"""The n-gram decomposition is exact, the occlusion scores are what they claim, the step-through matches the conv."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from tests.conftest import make_reviews
from textcnn.analysis.explain import TokenizedText, explain_by_occlusion, explain_cnn, explain_texts, slide
from textcnn.config import LSTMConfig, TextCNNConfig
from textcnn.models import get_model
from textcnn.text.tokenizer import train_tokenizer

CLASSES = ["neg", "pos", "mixed"]
TEXTS = [
    "Great.",  # one token after lowercasing ... shorter than every filter
    "",  # no tokens at all: one [UNK]
    "not good",
    "The film was a <br />wonderful, moving story; the ending was dull and painful.",
    "这部电影非常好看，我很喜欢！",
]


@pytest.fixture(scope="module")
def tokenizer():
    texts, _ = make_reviews(200, seed=3)
    return train_tokenizer(texts + ["这部电影非常好看"], vocab_size=300, min_frequency=1, max_length=40)


def cnn(
    mode: str, kernel_sizes=(3, 4, 5), vocab_size: int = 300, ngrams: int = 1, wide_ngrams: int = 0, region_dim: int = 0
):
    torch.manual_seed(0)
    vectors = None if mode == "rand" else "unused.bin"  # the pretrained modes start random until loaded
    config = TextCNNConfig(
        embedding_dim=8,
        embedding_mode=mode,
        vectors=vectors,
        num_filters=6,
        kernel_sizes=list(kernel_sizes),
        ngrams=ngrams,
        ngram_buckets=97,
        wide_ngrams=wide_ngrams,
        wide_buckets=31,  # few rows: a text's n-grams collide, which must still add up
        region_dim=region_dim,
        region_size=4,  # reads 1 token before and 2 after
    )
    model = get_model(config, vocab_size, len(CLASSES)).eval()
    with torch.no_grad():  # a trained-looking head: the default init gives logits near 0
        model.classifier[-1].weight.normal_(std=1.0)
        model.classifier[-1].bias.normal_(std=1.0)
        if model.wide is not None:  # a fitted, trained-looking branch: its weights start at 0
            model.wide.weight.weight.normal_(std=1.0)
            model.wide.ratios.normal_(std=1.0)
        if model.embedding.regions is not None:  # as if learned on unlabeled text
            model.load_regions(torch.randn(vocab_size, region_dim), torch.randn(region_dim) * 0.1)
    return model


@pytest.mark.parametrize("mode", ["rand", "static", "non-static", "multichannel"])
@pytest.mark.parametrize("kernel_sizes,ngrams", [((3, 4, 5), 1), ((1, 2, 7), 1), ((1, 2, 3), 2), ((2, 3), 3)])
@pytest.mark.parametrize("wide_ngrams,region_dim", [(0, 0), (1, 0), (3, 0), (0, 5)])
def test_bias_plus_ngram_contributions_is_every_logit(tokenizer, mode, kernel_sizes, ngrams, wide_ngrams, region_dim):
    model = cnn(mode, kernel_sizes, ngrams=ngrams, wide_ngrams=wide_ngrams, region_dim=region_dim)
    for raw in TEXTS:
        text = TokenizedText.of(tokenizer, raw)
        result = explain_cnn(model, text, CLASSES)
        ids = torch.from_numpy(text.ids).unsqueeze(0)
        with torch.no_grad():
            logits = model(ids, torch.ones_like(ids, dtype=torch.bool))[0]
        assert result["exact"] is True
        for i, name in enumerate(CLASSES):
            total = result["bias"][name] + sum(g["contributions"][name] for g in result["ngrams"])
            assert total == pytest.approx(float(logits[i]), abs=1e-4), (raw, name)
            assert result["logits"][name] == pytest.approx(float(logits[i]), abs=1e-5)
            # The token scores spread the same contributions: they add up to the same logit.
            token_total = result["bias"][name] + sum(t["scores"][name] for t in result["tokens"])
            assert token_total == pytest.approx(float(logits[i]), abs=1e-4)
        assert result["label"] == CLASSES[int(logits.argmax())]


@pytest.mark.parametrize("ngrams", [1, 2])
def test_ngram_spans_point_into_the_raw_text(tokenizer, ngrams):
    text = TokenizedText.of(tokenizer, TEXTS[3])
    result = explain_cnn(cnn("rand", ngrams=ngrams), text, CLASSES)
    assert result["ngrams"], "a random model still fires some filters"
    widths = set()
    for gram in result["ngrams"]:
        assert gram["text"] == TEXTS[3][gram["start"] : gram["end"]]
        first, stop = gram["tokens"]
        widths.add(stop - first)
        assert 1 <= stop - first <= 5 + ngrams - 1  # the widest filter, and the tokens its last vector's n-gram reads
    if ngrams == 2:
        assert 6 in widths  # a width-5 window reads 6 tokens where its last input's pair fits in the text
        assert all(0 <= f < 18 for f in gram["filters"])
    # Each firing filter picked exactly one n-gram.
    filters = [f for g in result["ngrams"] for f in g["filters"]]
    assert len(filters) == len(set(filters))
    strengths = [abs(g["strength"]) for g in result["ngrams"]]
    assert strengths == sorted(strengths, reverse=True)


def test_wide_ngrams_are_the_branchs_terms_at_their_first_tokens(tokenizer):
    model = cnn("rand", wide_ngrams=2)
    raw = "not good, not good at all"
    text = TokenizedText.of(tokenizer, raw)
    result = explain_cnn(model, text, CLASSES, top_filters=50)
    ids = torch.from_numpy(text.ids).unsqueeze(0)
    with torch.no_grad():
        branch = model.wide(ids, torch.ones_like(ids, dtype=torch.bool))[0]  # (C,): the branch's own logits
    listed = {(w["start"], w["end"]): w for w in result["wide"]}
    for c, name in enumerate(CLASSES):
        assert sum(w["contributions"][name] for w in result["wide"]) == pytest.approx(float(branch[c]), abs=1e-4)
        assert sum(g.get("wide", {}).get(name, 0.0) for g in result["ngrams"]) == pytest.approx(
            float(branch[c]), abs=1e-4
        )
    texts = [w["ngram"] for w in result["wide"]]
    assert texts.count("not good") <= 1  # a repeated n-gram is one binary feature, listed once
    assert all(raw[s:e] == w["ngram"] for (s, e), w in listed.items())
    assert {w["n"] for w in result["wide"]} == {1, 2}


def test_top_filters_hold_their_own_contributions(tokenizer):
    model = cnn("rand")
    text = TokenizedText.of(tokenizer, TEXTS[3])
    result = explain_cnn(model, text, CLASSES, top_filters=4)
    assert len(result["filters"]) == 4
    weight = model.classifier[-1].weight.detach()
    for item in result["filters"]:
        f = item["filter"]
        for c, name in enumerate(CLASSES):
            assert item["weights"][name] == pytest.approx(float(weight[c, f]), abs=1e-6)
            assert item["contributions"][name] == pytest.approx(float(weight[c, f]) * item["activation"], abs=1e-5)
        assert item["ngram"] == TEXTS[3][item["start"] : item["end"]]


def test_occlusion_scores_are_the_logit_drop_when_a_token_is_deleted(tokenizer):
    torch.manual_seed(0)
    model = get_model(LSTMConfig(embedding_dim=8, hidden_size=6), 300, len(CLASSES)).eval()
    text = TokenizedText.of(tokenizer, "the film was wonderful and moving")
    result = explain_by_occlusion(model, text, CLASSES, batch_size=2)  # several batches
    assert result["exact"] is False and result["method"] == "occlusion"
    ids = torch.from_numpy(text.ids)
    i = 3
    without = torch.cat([ids[:i], ids[i + 1 :]]).unsqueeze(0)
    with torch.no_grad():
        full = model(ids.unsqueeze(0), torch.ones(1, len(ids), dtype=torch.bool))[0]
        dropped = full - model(without, torch.ones_like(without, dtype=torch.bool))[0]
    for c, name in enumerate(CLASSES):
        assert result["tokens"][i]["scores"][name] == pytest.approx(float(dropped[c]), abs=1e-5)
    assert result["tokens"][i]["text"] == "wonderful"
    # A single token: nothing to delete it against, every score 0.
    one = explain_by_occlusion(model, TokenizedText.of(tokenizer, "great"), CLASSES)
    assert [t["scores"] for t in one["tokens"]] == [dict.fromkeys(CLASSES, 0.0)]


def _loaded(tokenizer, model, multi_label: bool = False) -> SimpleNamespace:
    """What explain_texts reads of a loaded run."""
    return SimpleNamespace(
        tokenizer=tokenizer, class_names=CLASSES, multi_label=multi_label, threshold=0.5, temperature=1.0, model=model
    )


def test_explain_texts_picks_the_method_by_encoder(tokenizer):
    run = _loaded(tokenizer, cnn("rand"))
    assert explain_texts(run, ["a good film"])[0]["exact"] is True
    run.model = get_model(LSTMConfig(embedding_dim=8, hidden_size=6), 300, len(CLASSES)).eval()
    assert explain_texts(run, ["a good film"])[0]["exact"] is False


def test_multi_label_explanations_name_every_label_over_the_threshold(tokenizer):
    run = _loaded(tokenizer, cnn("rand"), multi_label=True)
    result = explain_texts(run, [TEXTS[3]])[0]
    probabilities = result["probabilities"]
    assert result["labels"] == [name for name in CLASSES if probabilities[name] >= 0.5]
    assert all(p == pytest.approx(1 / (1 + np.exp(-result["logits"][n])), abs=1e-5) for n, p in probabilities.items())


@pytest.mark.parametrize("mode", ["rand", "multichannel"])
def test_step_through_reproduces_the_filters_feature_map(tokenizer, mode):
    model = cnn(mode)
    run = SimpleNamespace(tokenizer=tokenizer, class_names=CLASSES, multi_label=False, threshold=0.5, model=model)
    raw = TEXTS[3]
    ids = torch.from_numpy(TokenizedText.of(tokenizer, raw).ids).unsqueeze(0)
    with torch.no_grad():
        maps = model.encoder.feature_maps(model.embedding(ids, torch.ones_like(ids, dtype=torch.bool)))[0]  # (F, L)
    for f in (0, 7, 17):  # one filter from each width
        steps = slide(run, raw, f)
        assert steps["width"] == (3, 4, 5)[f // 6]
        responses = [s["response"] for s in steps["steps"]]
        np.testing.assert_allclose(responses, maps[f].double().numpy(), atol=1e-5)
        assert steps["peak"] == int(np.argmax(responses))
        assert len(steps["weights"]) == steps["width"] and len(steps["embeddings"]) == len(steps["tokens"])
    default = slide(run, raw)
    assert default["filter"] == explain_cnn(model, TokenizedText.of(tokenizer, raw), CLASSES)["filters"][0]["filter"]
    with pytest.raises(ValueError, match="filter must be between"):
        slide(run, raw, 18)


@pytest.mark.parametrize("ngrams,region_dim", [(1, 0), (3, 0), (1, 5), (2, 5)])
def test_a_filters_span_holds_every_token_its_peak_read(tokenizer, ngrams, region_dim):
    """Changing a token outside a filter's span cannot lower its pooled value: its peak did not read it."""
    model = cnn("rand", (2, 3), ngrams=ngrams, region_dim=region_dim)
    text = TokenizedText.of(tokenizer, TEXTS[3])
    ids = torch.from_numpy(text.ids).unsqueeze(0)  # (1, L)
    mask = torch.ones_like(ids, dtype=torch.bool)
    with torch.no_grad():
        values, positions = model.encoder.peaks(model.embedding(ids, mask), mask)  # (1, F) each
    firsts, lasts = model.encoder.peak_spans(
        positions[0].numpy(), ids.shape[1], model.embedding.reach, model.embedding.reach_before
    )
    for t in range(ids.shape[1]):
        changed = ids.clone()
        changed[0, t] = (int(ids[0, t]) + 7) % 300 or 1
        with torch.no_grad():
            new_values, _ = model.encoder.peaks(model.embedding(changed, mask), mask)
        outside = (t < firsts) | (t > lasts)  # (F,): the filters whose span leaves token t out
        assert (new_values[0].numpy()[outside] >= values[0].numpy()[outside] - 1e-5).all(), t
