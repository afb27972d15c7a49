"""What each TextCNN filter detects: the n-grams max pooling keeps most strongly across a corpus.

After pooling, a filter is one number per text, taken from one window. Reading those windows over many
texts shows what the filter responds to (Jacovi, Sar Shalom and Goldberg 2018 analyse filters this way);
its classifier weights show which class that pushes towards.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..errors import UserError
from ..models import Ensemble, is_textcnn
from ..text.batching import eval_batches
from ..text.data import load_eval_split
from ..text.tokenizer import encode
from ..util.files import atomic_write, atomic_write_text
from ..util.progress import progress_bar
from .scores import strongest_class

TOP_WINDOWS = 50  # the strongest windows per filter that its n-grams and consistency are read from


@dataclass
class FilterSummary:
    filter: int
    width: int
    weights: dict[str, float]  # classifier weight towards each class
    towards: str  # the class it pushes towards most (weight minus the mean over classes)
    impact: float  # that centred weight times the filter's mean pooled value over the corpus
    fires: float  # share of texts where it responds at all (pooled value > 0)
    ngrams: list[tuple[str, float, int]]  # (n-gram, strongest activation, times among the top windows)
    consistency: float  # share of its top windows that hold its most common word
    common_word: str


@dataclass
class FilterReport:
    run: str
    data: str
    split: str
    num_texts: int
    filters: list[FilterSummary] = field(default_factory=list)

    def markdown(self) -> str:
        classes = list(self.filters[0].weights) if self.filters else []
        head = "| filter | width | " + " | ".join(f"weight {c}" for c in classes)
        head += " | towards | fires | consistency | strongest n-grams (activation, times in its top 50) |"
        lines = [
            f"Filters of {self.run} over {self.num_texts:,} texts of {self.data} ({self.split}), by impact:",
            "",
            head,
            "|" + "---|" * (7 + len(classes) - 1),
        ]
        for s in self.filters:
            grams = "; ".join(f"`{g}` {a:.2f} ({n})" for g, a, n in s.ngrams)
            weights = " | ".join(f"{s.weights[c]:+.3f}" for c in classes)
            lines.append(
                f"| {s.filter} | {s.width} | {weights} | {s.towards} | {s.fires:.0%} | "
                f"{s.consistency:.0%} `{s.common_word}` | {grams} |"
            )
        return "\n".join(lines)

    def save(self, prefix: str | Path) -> None:
        prefix = Path(prefix)
        atomic_write_text(prefix.with_name(prefix.name + ".md"), self.markdown() + "\n")
        atomic_write_text(prefix.with_name(prefix.name + ".json"), json.dumps(dataclasses.asdict(self), indent=2))
        figure = self.figure()
        atomic_write(
            prefix.with_name(prefix.name + ".png"), lambda tmp: figure.savefig(str(tmp), dpi=110, format="png")
        )

    def figure(self, columns: int = 4):
        """One small bar chart per filter: its strongest n-grams, coloured by the class it pushes towards."""
        from ..util.figures import figure as new_figure
        from .views import CLASS_COLOURS

        shown = self.filters[: 2 * columns]
        rows = max(1, -(-len(shown) // columns))
        figure = new_figure(figsize=(4.2 * columns, 2.6 * rows), layout="constrained")
        classes = list(shown[0].weights) if shown else []
        for i, s in enumerate(shown):
            axes = figure.add_subplot(rows, columns, i + 1)
            grams = s.ngrams[::-1]
            colour = CLASS_COLOURS[classes.index(s.towards) % len(CLASS_COLOURS)]
            axes.barh(range(len(grams)), [a for _, a, _ in grams], color=colour)
            axes.set_yticks(range(len(grams)), [g if len(g) <= 28 else g[:27] + "…" for g, _, _ in grams], fontsize=8)
            axes.set_title(
                f"#{s.filter} (width {s.width}) → {s.towards}, {s.consistency:.0%} '{s.common_word}'", fontsize=9
            )
            axes.tick_params(axis="x", labelsize=7)
        figure.suptitle(f"What the strongest filters pick (activation), {self.num_texts:,} texts of {self.split}")
        return figure


def _pooled(run, ids, progress: bool) -> tuple[np.ndarray, np.ndarray]:
    """Every filter max-pooled over every text: (N, F) values and (N, F) positions they came from."""
    model, encoder = run.model, run.model.encoder
    values = np.zeros((len(ids), encoder.out_dim), dtype=np.float32)
    positions = np.zeros((len(ids), encoder.out_dim), dtype=np.int64)
    bar = progress_bar(enabled=progress, total=len(ids), desc="filters", unit="text")
    for batch in eval_batches(ids, None, run.config.train):
        batch = batch.to(run.device)
        peak, where = encoder.peaks(model.embedding(batch.ids, batch.mask), batch.mask)  # (B, F) each
        values[batch.index], positions[batch.index] = peak.float().cpu().numpy(), where.cpu().numpy()
        bar.update(len(batch.index))
    bar.close()
    return values, positions


def _windows(run, ids, spans: tuple[np.ndarray, np.ndarray], values: np.ndarray, f: int, show: int):
    """Filter ``f``'s top windows read as n-grams: the ``show`` strongest, the most common word, its share."""
    firsts, lasts = spans
    strongest = np.argsort(-values[:, f])[:TOP_WINDOWS]
    grams: dict[str, tuple[float, int]] = {}
    words: Counter[str] = Counter()
    for n in strongest:
        tokens = [run.tokenizer.id_to_token(int(i)) for i in ids[n][firsts[n, f] : lasts[n, f] + 1]]
        gram = " ".join(tokens)
        best, count = grams.get(gram, (0.0, 0))
        grams[gram] = (max(best, float(values[n, f])), count + 1)
        words.update(set(tokens))
    common_word, common_count = words.most_common(1)[0] if words else ("", 0)
    ranked = sorted(grams.items(), key=lambda item: -item[1][0])[:show]
    ngrams = [(g, round(a, 3), n) for g, (a, n) in ranked]
    return ngrams, common_word, round(common_count / max(len(strongest), 1), 4)


def _texts(run, data: str | None, split: str | None, max_texts: int, seed: int):
    """The data config, the split's name and its texts: a seeded sample of ``max_texts`` of them at most."""
    data_config = run.config.data if data is None else dataclasses.replace(run.config.data, path=data)
    split, texts = load_eval_split(data_config, split, run.class_names)
    if len(texts) > max_texts:  # a random sample: split files are often sorted by label
        texts = texts.subset(np.sort(np.random.default_rng(seed).choice(len(texts), max_texts, replace=False)))
    return data_config, split, texts


@torch.no_grad()
def filter_report(
    run,
    *,
    data: str | None = None,
    split: str | None = None,
    max_texts: int = 5000,
    top: int = 12,
    show: int = 5,
    seed: int = 0,
    progress: bool = True,
) -> FilterReport:
    """Pool every filter over (a seeded sample of ``max_texts`` of) a split and summarise the ``top`` filters."""
    model = run.model
    if not is_textcnn(model):
        kind = f"an ensemble of {len(model.members)} models" if isinstance(model, Ensemble) else "not a TextCNN run"
        raise UserError(f"{run.path} is {kind}: only a single TextCNN has filters to read")
    data_config, split, texts = _texts(run, data, split, max_texts, seed)
    ids = encode(run.tokenizer, texts.texts)
    encoder = model.encoder
    values, positions = _pooled(run, ids, progress)

    weight = model.classifier[-1].weight.double().cpu().numpy()  # (C, F)
    towards, push = strongest_class(weight, axis=0)  # (F,) each: softmax sees only differences
    impact = push * values.mean(axis=0)  # (F,)
    # (N, F) each: the tokens each filter read
    spans = encoder.peak_spans(positions, ids.lengths[:, None], model.embedding.reach, model.embedding.reach_before)
    widths = [before + after + 1 for before, after in encoder.filter_windows()]
    report = FilterReport(str(run.path), data_config.path, split, len(ids))
    for f in np.argsort(-impact)[:top]:
        f = int(f)
        ngrams, common_word, consistency = _windows(run, ids, spans, values, f, show)
        report.filters.append(
            FilterSummary(
                filter=f,
                width=widths[f],
                weights={c: round(float(weight[i, f]), 4) for i, c in enumerate(run.class_names)},
                towards=run.class_names[int(towards[f])],
                impact=round(float(impact[f]), 4),
                fires=round(float((values[:, f] > 0).mean()), 4),
                ngrams=ngrams,
                consistency=consistency,
                common_word=common_word,
            )
        )
    return report
