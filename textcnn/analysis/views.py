"""Explanations (from :mod:`textcnn.analysis.explain`) for people: coloured text, an HTML page, a PNG bar chart."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..util.files import atomic_write
from .scores import strongest_class

# One colour per class, in class order (matplotlib's tab10 without its grey): red first, so a binary
# sentiment run shows its negative class red and its positive class blue.
CLASS_COLOURS = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf"]
ANSI = ["31", "34", "32", "33", "35", "36", "91", "94", "92"]  # terminal colours in the same order


def _classes(explanation: dict) -> list[str]:
    return list(explanation["probabilities"])


def token_pushes(explanation: dict) -> list[tuple[int, float]]:
    """Per token: the class its score pushes towards (an index) and by how much (centred: see :mod:`.scores`)."""
    out = []
    for token in explanation["tokens"]:
        best, strength = strongest_class(np.array(list(token["scores"].values())))
        out.append((int(best), float(strength)))
    return out


def _verdict(explanation: dict) -> str:
    probabilities = explanation["probabilities"]
    if "labels" in explanation:
        names = explanation["labels"] or ["(no label)"]
        return ", ".join(f"{n} {probabilities.get(n, 0):.3f}" for n in names)
    return f"{explanation['label']} {probabilities[explanation['label']]:.3f}"


def _method(explanation: dict) -> str:
    if explanation["exact"]:
        return "exact: each logit = bias + the n-grams' contributions"
    return f"approximate ({explanation['method']}: the logit drop when each token is deleted)"


def as_text(explanation: dict, *, colour: bool = False, top: int = 8) -> str:
    """The text with its strongest tokens marked by the class they push towards, then the top n-grams and filters.

    With ``colour`` the marks are terminal colours; without, ``[words]`` followed by ``(class)``.
    """
    classes = _classes(explanation)
    pushes = token_pushes(explanation)
    strongest = max((abs(s) for _, s in pushes), default=0.0)
    marked = [strongest > 0 and s >= 0.25 * strongest for _, s in pushes]  # the top quarter of the scale
    text, pieces, cursor, i = explanation["text"], [], 0, 0
    tokens = explanation["tokens"]
    while i < len(tokens):
        if not marked[i]:
            i += 1
            continue
        j, towards = i, pushes[i][0]
        while j + 1 < len(tokens) and marked[j + 1] and pushes[j + 1][0] == towards:
            j += 1  # a run of marked tokens pushing the same way reads as one phrase
        start, end = tokens[i]["start"], tokens[j]["end"]
        pieces.append(text[cursor:start])
        phrase = text[start:end]
        if colour:
            pieces.append(f"\033[1;{ANSI[towards % len(ANSI)]}m{phrase}\033[0m")
        else:
            pieces.append(f"[{phrase}]({classes[towards]})")
        cursor, i = end, j + 1
    pieces.append(text[cursor:])
    lines = [f"{_verdict(explanation)}  ({_method(explanation)})", "".join(pieces).strip(), "", "n-grams:"]
    for gram in explanation["ngrams"][:top]:
        lines.append(f"  {gram['strength']:+8.3f} {gram['towards']:<10} {gram['text']!r}")
    if explanation.get("wide"):
        lines.append("wide branch (NB-weighted n-grams):")
        for gram in explanation["wide"][:top]:
            lines.append(f"  {gram['strength']:+8.3f} {gram['towards']:<10} {gram['ngram']!r}")
    if explanation.get("filters"):
        lines.append("filters:")
        for item in explanation["filters"][:top]:
            weights = " ".join(f"{name} {w:+.3f}" for name, w in item["weights"].items())
            lines.append(
                f"  #{item['filter']:<5} width {item['width']}  h={item['activation']:.3f}  "
                f"{item['ngram']!r}  weights: {weights}"
            )
    return "\n".join(lines)


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha:.2f})"


def _html_row(strength: float, towards: str, text: str, classes: Sequence[str]) -> str:
    colour = CLASS_COLOURS[list(classes).index(towards) % 9]
    return (
        f"<tr><td>{strength:+.3f}</td><td style='color:{colour}'>{html.escape(towards)}</td>"
        f"<td>{html.escape(text)}</td></tr>"
    )


def as_html(explanations: Sequence[dict], *, title: str = "textcnn explain", top: int = 10) -> str:
    """A self-contained HTML page: each text with its tokens shaded by class, and its top n-grams."""
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;line-height:1.7}"
        ".text{font-size:1.1rem}.text span{border-radius:3px;padding:0 1px}"
        "table{border-collapse:collapse}td{padding:2px 8px}.note{color:#555}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for explanation in explanations:
        classes = _classes(explanation)
        legend = " ".join(
            f"<span style='background:{_rgba(CLASS_COLOURS[i % 9], 0.6)};padding:0 6px'>{html.escape(c)}</span>"
            for i, c in enumerate(classes)
        )
        pushes = token_pushes(explanation)
        strongest = max((abs(s) for _, s in pushes), default=0.0) or 1.0
        text, cursor, shaded = explanation["text"], 0, []
        for token, (towards, strength) in zip(explanation["tokens"], pushes):
            shaded.append(html.escape(text[cursor : token["start"]]))
            colour = _rgba(CLASS_COLOURS[towards % 9], 0.75 * max(strength, 0.0) / strongest)
            tip = html.escape(f"{classes[towards]} {strength:+.3f}")
            piece = html.escape(text[token["start"] : token["end"]])
            shaded.append(f"<span style='background:{colour}' title='{tip}'>{piece}</span>")
            cursor = token["end"]
        shaded.append(html.escape(text[cursor:]))
        rows = "".join(_html_row(g["strength"], g["towards"], g["text"], classes) for g in explanation["ngrams"][:top])
        parts += [
            f"<h2>{html.escape(_verdict(explanation))}</h2>",
            f"<p class='note'>{html.escape(_method(explanation))}. Classes: {legend}</p>",
            f"<p class='text'>{''.join(shaded)}</p>",
            f"<table><tr><th>strength</th><th>towards</th><th>n-gram</th></tr>{rows}</table>",
        ]
        if explanation.get("wide"):
            wide_rows = "".join(
                _html_row(g["strength"], g["towards"], g["ngram"], classes) for g in explanation["wide"][:top]
            )
            parts.append(
                "<h3>wide branch: its NB-weighted n-grams</h3>"
                f"<table><tr><th>strength</th><th>towards</th><th>n-gram</th></tr>{wide_rows}</table>"
            )
        parts.append("<hr>")
    parts.append("</body></html>")
    return "\n".join(parts)


def save_png(explanation: dict, path: str | Path, *, top: int = 15) -> None:
    """A bar chart of the strongest n-grams, each coloured by the class it pushes towards."""
    from ..util.figures import figure as new_figure

    classes = _classes(explanation)
    grams = explanation["ngrams"][:top][::-1]  # strongest at the top
    figure = new_figure(figsize=(8, 0.35 * max(len(grams), 4) + 1.2), layout="constrained")
    axes = figure.add_subplot()
    colours = [CLASS_COLOURS[classes.index(g["towards"]) % 9] for g in grams]
    labels = [g["text"] if len(g["text"]) <= 40 else g["text"][:39] + "…" for g in grams]
    axes.barh(range(len(grams)), [g["strength"] for g in grams], color=colours)
    axes.set_yticks(range(len(grams)), labels)
    axes.set_xlabel("push towards the class (its contribution minus the mean over classes)")
    axes.set_title(
        f"{_verdict(explanation)}: {'exact' if explanation['exact'] else 'approximate'} n-gram contributions"
    )
    handles = [axes.bar(0, 0, color=CLASS_COLOURS[i % 9], label=c) for i, c in enumerate(classes)]
    axes.legend(handles=handles, loc="lower right")
    atomic_write(path, lambda tmp: figure.savefig(str(tmp), dpi=120, format="png"))
