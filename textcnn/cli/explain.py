"""Explain each text's prediction. For a TextCNN the explanation is exact: after max pooling each filter contributes
weight x activation to every class's logit, from the one n-gram where it peaked, so the bias plus the n-grams'
contributions give each logit. Other models (the LSTM) get occlusion, labelled approximate: the drop in each logit
when a token is deleted. json prints one object per text (label, probabilities, logits, bias, ngrams with character
offsets, per-token scores, top filters); text marks the review; html and png write a figure to --output.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..config.commands import ExplainOptions
from ..errors import UserError
from .shared import check_text_inputs, text_source, texts_named_by

NAME = "explain"
HELP = "show which n-grams decided each prediction (exact for the TextCNN)"
OPTIONS = (ExplainOptions,)  # each a dataclass: its fields are the flags
EXAMPLES = (  # shown under --help
    'textcnn explain runs/mine "Not bad at all." --format text',
    'textcnn explain runs/mine "Not bad at all." --format html --output why.html',
)


def run(options: ExplainOptions) -> int:
    from ..analysis.explain import explain_texts
    from ..runs.loaded import Run

    check_text_inputs(options)
    if options.format in ("html", "png") and not options.output:
        raise UserError(f"--format {options.format} needs --output FILE")
    if options.output:
        from ..runs.predictions import check_output

        check_output(options.output, options.file)
    loaded = Run.load(options.run_dir, device=options.device)
    items = list(text_source(options, loaded).items)
    with texts_named_by([row_id for row_id, _ in items]):
        explanations = explain_texts(loaded, [text for _, text in items], top_filters=options.top_filters)
    if options.format == "png":
        _save_pngs(explanations, Path(options.output), options.top_ngrams)
    else:
        _write(_rendered(explanations, options, title=f"textcnn explain: {loaded.path.name}"), options.output)
    return 0


def _rendered(explanations: list[dict], options: ExplainOptions, title: str) -> str:
    """The explanations as --format json, text or html."""
    from ..analysis.views import as_html, as_text

    if options.format == "json":
        return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in explanations)
    if options.format == "text":
        tty = sys.stdout.isatty() and not options.output
        colour = options.colour == "always" or (options.colour == "auto" and tty)
        return "\n\n".join(as_text(e, colour=colour, top=options.top_ngrams) for e in explanations) + "\n"
    return as_html(explanations, title=title, top=options.top_ngrams)


def _save_pngs(explanations: list[dict], out: Path, top: int) -> None:
    """One figure per text: ``out`` itself for one text, else out-1.png, out-2.png, ..."""
    from ..analysis.views import save_png

    for i, explanation in enumerate(explanations, start=1):
        path = out if len(explanations) == 1 else out.with_name(f"{out.stem}-{i}{out.suffix}")
        save_png(explanation, path, top=top)
        print(f"saved {path}", file=sys.stderr)


def _write(lines: str, output: str | None) -> None:
    if output:
        from ..util.files import atomic_write_text

        atomic_write_text(output, lines)
        print(f"saved {output}", file=sys.stderr)
    else:
        sys.stdout.write(lines)
