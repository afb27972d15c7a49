"""Why a run predicted what it did: an exact decomposition for the TextCNN, occlusion for other models.

After global max pooling, feature ``f`` of a TextCNN is one number ``h_f``: its filter's ReLU response at
the window where the response peaked. The classifier is linear (dropout is off at inference), so

    logit[c] = bias[c] + sum_f W[c, f] * h_f

exactly. Grouping the filters by the n-gram (window of tokens) that each one picked turns that sum into
one contribution per n-gram and class: the n-grams plus the bias give every class's logit, with nothing
approximated. A wide branch (:mod:`textcnn.models.wide`) adds one term per distinct n-gram of the text,
which joins the contribution of the same tokens' window. Other encoders (the LSTM) have no such form;
they get occlusion (each token deleted in turn, the change in every logit), which is labelled
``exact: false``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ..models import TextClassifier, TextModel, is_textcnn
from ..runs.scoring import label_set, require_finite
from ..text.inputs import check_texts
from ..text.tokenizer import UNK_ID
from ..training import objective_for
from .scores import centre, strongest_class

EXACT_METHOD = "max-pool decomposition"
OCCLUSION_METHOD = "occlusion"


@dataclass
class TokenizedText:
    """A text as the run's tokenizer cuts it: ids and each token's character span in the raw text."""

    text: str
    ids: np.ndarray  # (L,) int64
    offsets: list[tuple[int, int]]  # (start, end) per token, into ``text``

    @classmethod
    def of(cls, tokenizer, text: str) -> TokenizedText:
        encoding = tokenizer.encode(text, add_special_tokens=False)  # truncated as the run's tokenizer says
        if not encoding.ids:  # no tokens at all: one [UNK], as encode() gives every text one real position
            return cls(text, np.array([UNK_ID], dtype=np.int64), [(0, 0)])
        return cls(text, np.asarray(encoding.ids, dtype=np.int64), [tuple(o) for o in encoding.offsets])

    def span(self, first: int, last: int) -> tuple[int, int, str]:
        """Character span and raw text of tokens ``first..last`` (inclusive)."""
        start, end = self.offsets[first][0], self.offsets[last][1]
        return start, end, self.text[start:end]


def _named(values: Sequence[float], class_names: Sequence[str]) -> dict[str, float]:
    return {name: round(float(v), 6) for name, v in zip(class_names, values)}


def _towards(contributions: np.ndarray, class_names: Sequence[str]) -> tuple[str, float]:
    """The class a set of per-class contributions pushes towards, and by how much (see :mod:`.scores`)."""
    best, strength = strongest_class(contributions)
    return class_names[int(best)], float(strength)


def _head(
    text: TokenizedText,
    logits: np.ndarray,
    class_names: Sequence[str],
    multi_label: bool,
    threshold: float,
    temperature: float = 1.0,
):
    objective = objective_for(multi_label, threshold, temperature)  # the run's own probabilities: calibrated
    probs = objective.probabilities(torch.from_numpy(logits)[None])[0].numpy()  # (C,)
    if multi_label:
        head = {"text": text.text, **label_set(probs, list(class_names), threshold)}
    else:
        head = {
            "text": text.text,
            "label": class_names[int(np.argmax(probs))],
            "probabilities": _named(probs, class_names),
        }
    head["logits"] = _named(logits, class_names)
    return head


@dataclass
class _Peaks:
    """One text through a TextCNN: its logits, each filter's pooled value and window, the classifier."""

    logits: np.ndarray  # (C,): the model's own forward, the thing explained
    values: np.ndarray  # (F,): h_f, each filter's max-pooled ReLU response
    positions: np.ndarray  # (F,): where each filter peaked
    firsts: np.ndarray  # (F,): the first token each filter read at its peak
    lasts: np.ndarray  # (F,): the last (n-gram vectors reach further right)
    weight: np.ndarray  # (C, F)
    bias: np.ndarray  # (C,)
    wide_spans: list[tuple[int, int]]  # (W,): the tokens each of the wide branch's n-grams reads
    wide_terms: np.ndarray  # (W, C): each one's term in every class's logit

    @property
    def per_filter(self) -> np.ndarray:
        """(C, F): W[c, f] * h_f, each filter's contribution to each class's logit."""
        return self.weight * self.values[None, :]


def _peaks(model: TextClassifier, text: TokenizedText) -> _Peaks:
    encoder = model.encoder
    device = next(model.parameters()).device
    ids = torch.from_numpy(text.ids).unsqueeze(0).to(device)  # (1, L)
    mask = torch.ones_like(ids, dtype=torch.bool)  # (1, L): one text, no padding
    logits = model(ids, mask)[0].double().cpu().numpy()  # (C,)
    values, positions = encoder.peaks(model.embedding(ids, mask), mask)  # (1, F) each
    values, positions = values[0].double().cpu().numpy(), positions[0].cpu().numpy()
    firsts, lasts = encoder.peak_spans(positions, len(text.ids), model.embedding.reach, model.embedding.reach_before)
    linear = model.classifier[-1]
    weight, bias = linear.weight.double().cpu().numpy(), linear.bias.double().cpu().numpy()
    wide_spans, wide_terms = [], np.zeros((0, len(bias)))
    if model.wide is not None:
        rows, wide_spans = model.wide.spans(ids[0])
        wide_terms = model.wide.contributions(rows).double().cpu().numpy()  # (W, C)
    return _Peaks(logits, values, positions, firsts, lasts, weight, bias, wide_spans, wide_terms)


def _ngram_contributions(
    text: TokenizedText, peaks: _Peaks, class_names: Sequence[str]
) -> tuple[list[dict], np.ndarray]:
    """The filters and wide n-grams grouped by the tokens they read, strongest first, and each token's share (L, C)."""
    by_ngram: dict[tuple[int, int], list[int]] = defaultdict(list)
    for f in np.flatnonzero(peaks.values > 0):  # a filter that never fired (h_f = 0) contributes nothing
        by_ngram[(int(peaks.firsts[f]), int(peaks.lasts[f]))].append(int(f))
    wide = {span: peaks.wide_terms[i] for i, span in enumerate(peaks.wide_spans)}  # (C,) each
    per_filter = peaks.per_filter
    ngrams, token_scores = [], np.zeros((len(text.ids), len(class_names)))
    for first, last in sorted(set(by_ngram) | set(wide)):
        filters = by_ngram.get((first, last), [])
        contribution = per_filter[:, filters].sum(axis=1)  # (C,)
        if (first, last) in wide:
            contribution = contribution + wide[(first, last)]
        token_scores[first : last + 1] += contribution / (last - first + 1)
        start, end, raw = text.span(first, last)
        towards, strength = _towards(contribution, class_names)
        gram = {"text": raw, "start": start, "end": end, "tokens": [first, last + 1], "filters": filters}
        if (first, last) in wide:
            gram["wide"] = _named(wide[(first, last)], class_names)
        gram.update(contributions=_named(contribution, class_names), towards=towards, strength=round(strength, 6))
        ngrams.append(gram)
    ngrams.sort(key=lambda g: -abs(g["strength"]))
    return ngrams, token_scores


def _strongest_filters(encoder, text: TokenizedText, peaks: _Peaks, class_names: Sequence[str], top: int) -> list[dict]:
    """The ``top`` filters that fired, by their pull towards the predicted class (centred, as in _towards)."""
    per_filter = peaks.per_filter
    pull = centre(per_filter, axis=0)[int(np.argmax(peaks.logits))]  # (F,)
    strongest = [int(f) for f in np.argsort(-np.abs(pull)) if peaks.values[f] > 0][:top]
    widths = [before + after + 1 for before, after in encoder.filter_windows()]
    filters = []
    for f in strongest:
        start, end, raw = text.span(int(peaks.firsts[f]), int(peaks.lasts[f]))
        filters.append(
            {
                "filter": f,
                "width": widths[f],
                "activation": round(float(peaks.values[f]), 6),
                "position": int(peaks.positions[f]),
                "ngram": raw,
                "start": start,
                "end": end,
                "weights": _named(peaks.weight[:, f], class_names),
                "contributions": _named(per_filter[:, f], class_names),
            }
        )
    return filters


def _strongest_wide(text: TokenizedText, peaks: _Peaks, class_names: Sequence[str], top: int) -> list[dict]:
    """The wide branch's ``top`` n-grams by their pull towards the predicted class (centred, as in _towards)."""
    pull = centre(peaks.wide_terms.T, axis=0)[int(np.argmax(peaks.logits))] if len(peaks.wide_spans) else []
    out = []
    for i in np.argsort(-np.abs(pull))[:top]:
        first, last = peaks.wide_spans[int(i)]
        start, end, raw = text.span(first, last)
        towards, strength = _towards(peaks.wide_terms[int(i)], class_names)
        out.append(
            {
                "ngram": raw,
                "n": last - first + 1,
                "start": start,
                "end": end,
                "contributions": _named(peaks.wide_terms[int(i)], class_names),
                "towards": towards,
                "strength": round(strength, 6),
            }
        )
    return out


@torch.no_grad()
def explain_cnn(
    model: TextClassifier,
    text: TokenizedText,
    class_names: Sequence[str],
    *,
    multi_label: bool = False,
    threshold: float = 0.5,
    temperature: float = 1.0,
    top_filters: int = 10,
) -> dict:
    """The exact decomposition of one text's logits into n-gram contributions (see the module docstring).

    Returns ``label`` (or ``labels``), ``probabilities``, ``logits``, ``bias``, ``ngrams`` (each with its
    character span, the filters that picked it and its contribution to every class), ``tokens`` (each
    n-gram's contribution spread evenly over its tokens) and the ``top_filters`` that pushed hardest
    towards the predicted class. With a wide branch, an n-gram's contribution also holds its term of
    the branch (``wide``), and ``wide`` lists the branch's strongest n-grams. For every class,
    ``bias + sum(ngram contributions) == logit``.
    """
    assert is_textcnn(model)
    peaks = _peaks(model, text)
    ngrams, token_scores = _ngram_contributions(text, peaks, class_names)
    return {
        **_head(text, peaks.logits, class_names, multi_label, threshold, temperature),
        "method": EXACT_METHOD,
        "exact": True,
        "bias": _named(peaks.bias, class_names),
        "ngrams": ngrams,
        "tokens": _token_list(text, token_scores, class_names),
        "filters": _strongest_filters(model.encoder, text, peaks, class_names, top_filters),
        **({"wide": _strongest_wide(text, peaks, class_names, top_filters)} if model.wide is not None else {}),
    }


def _token_list(text: TokenizedText, scores: np.ndarray, class_names: Sequence[str]) -> list[dict]:
    return [
        {"text": text.text[start:end], "start": start, "end": end, "scores": _named(row, class_names)}
        for (start, end), row in zip(text.offsets, scores)
    ]


@torch.no_grad()
def explain_by_occlusion(
    model: TextModel,
    text: TokenizedText,
    class_names: Sequence[str],
    *,
    multi_label: bool = False,
    threshold: float = 0.5,
    temperature: float = 1.0,
    batch_size: int = 64,
) -> dict:
    """Any model: each token's score is how much every logit drops when that token is deleted.

    An approximation (``exact: false``): deleting a word also moves its neighbours together, and the
    scores need not add up to the logits. ``ngrams`` are the single tokens, strongest first.
    """
    device = next(model.parameters()).device
    ids = torch.from_numpy(text.ids).to(device)  # (L,)
    length = len(ids)
    full = model(ids.unsqueeze(0), torch.ones(1, length, dtype=torch.bool, device=device))[0]  # (C,)
    drops = []
    if length > 1:
        keep = ~torch.eye(length, dtype=torch.bool, device=device)  # row i: every token but i
        for rows in torch.split(torch.arange(length, device=device), batch_size):
            without = ids.unsqueeze(0).expand(len(rows), -1)[keep[rows]].view(len(rows), length - 1)  # (b, L-1)
            mask = torch.ones_like(without, dtype=torch.bool)
            drops.append(full.unsqueeze(0) - model(without, mask))  # (b, C)
    scores = torch.cat(drops).double().cpu().numpy() if drops else np.zeros((length, len(class_names)))
    logits = full.double().cpu().numpy()
    tokens = _token_list(text, scores, class_names)
    ngrams = []
    for i, token in enumerate(tokens):
        towards, strength = _towards(scores[i], class_names)
        ngrams.append(
            {
                "text": token["text"],
                "start": token["start"],
                "end": token["end"],
                "tokens": [i, i + 1],
                "contributions": token["scores"],
                "towards": towards,
                "strength": round(strength, 6),
            }
        )
    ngrams.sort(key=lambda g: -abs(g["strength"]))
    return {
        **_head(text, logits, class_names, multi_label, threshold, temperature),
        "method": OCCLUSION_METHOD,
        "exact": False,
        "ngrams": ngrams,
        "tokens": tokens,
    }


def explain_texts(run, texts: Sequence[str], *, top_filters: int = 10) -> list[dict]:
    """One explanation per text from a loaded :class:`~textcnn.runs.loaded.Run`: exact for a TextCNN."""
    model = run.model
    exact = is_textcnn(model)
    options = {"multi_label": run.multi_label, "threshold": run.threshold, "temperature": run.temperature}
    out = []
    for raw in check_texts(texts):
        text = TokenizedText.of(run.tokenizer, raw)
        if exact:
            out.append(explain_cnn(model, text, run.class_names, top_filters=top_filters, **options))
        else:
            out.append(explain_by_occlusion(model, text, run.class_names, **options))
    if out:
        require_finite(np.array([list(e["probabilities"].values()) for e in out], dtype=np.float64))
    return out


@torch.no_grad()
def slide(run, raw: str, filter_index: int | None = None, *, max_tokens: int = 60) -> dict:
    """One filter sliding over one text, every number of it: for the page's step-through.

    ``filter_index`` defaults to the filter that pushed hardest towards the predicted class. Returns the
    tokens (the first ``max_tokens``), the text's embedding matrix ``(L, D)``, the filter's weights
    ``(k, D)`` and bias, and per position the window, each tap's dot product with its word's vector,
    the sum with the bias, the ReLU response, and where max pooling takes it.
    """
    model = run.model
    if not is_textcnn(model):
        raise ValueError("the step-through needs a TextCNN run")
    (raw,) = check_texts([raw])
    text = TokenizedText.of(run.tokenizer, raw)
    text = TokenizedText(text.text, text.ids[:max_tokens], text.offsets[:max_tokens])
    if filter_index is None:
        filter_index = explain_cnn(model, text, run.class_names, top_filters=1)["filters"][0]["filter"]
    encoder = model.encoder
    if not 0 <= filter_index < encoder.out_dim:
        raise ValueError(f"filter must be between 0 and {encoder.out_dim - 1}")
    device = next(model.parameters()).device
    ids = torch.from_numpy(text.ids).unsqueeze(0).to(device)  # (1, L)
    mask = torch.ones_like(ids, dtype=torch.bool)
    vectors = model.embedding(ids, mask)[0].double().cpu()  # (L, D)
    branch, within = divmod(filter_index, encoder.out_dim // len(encoder.convs.kernel_sizes))
    conv = encoder.convs.convs[branch]
    kernel = conv.weight[within].double().cpu().T  # (C_in, k) -> (k, D): one row of weights per tap
    bias = float(conv.bias[within]) if conv.bias is not None else 0.0
    before, after = encoder.filter_windows()[filter_index]
    length = len(text.ids)
    steps = []
    for p in range(length):
        taps = []
        for t, row in enumerate(kernel):
            i = p - before + t  # the token under tap t; outside the text the input is zeros
            taps.append(
                {"token": i if 0 <= i < length else None, "dot": float(row @ vectors[i]) if 0 <= i < length else 0.0}
            )
        total = bias + sum(tap["dot"] for tap in taps)
        steps.append({"position": p, "taps": taps, "sum": total, "response": max(total, 0.0)})
    peak = int(np.argmax([s["response"] for s in steps]))
    linear = model.classifier[-1]
    return {
        "filter": filter_index,
        "width": before + after + 1,
        "tokens": _token_list(text, np.zeros((length, 0)), []),
        "embeddings": vectors.numpy().round(4).tolist(),
        "weights": kernel.numpy().round(4).tolist(),
        "bias": bias,
        "steps": steps,
        "peak": peak,
        "class_weights": _named(linear.weight[:, filter_index].double().cpu().numpy(), run.class_names),
    }
