"""Run a TextCNN over a corpus and record, for every filter, the n-gram that max pooling keeps in each text and how
strongly. Prints a Markdown table of the filters that weigh most on the classes: each with its width, its weight
towards each class, its strongest n-grams, and how consistent they are (the share of its top n-grams that hold its
most common word). --output also writes .md, .json and a .png figure.
"""

from __future__ import annotations

import sys

from ..config.commands import FiltersOptions

NAME = "filters"
HELP = "list the n-grams each TextCNN filter picks most strongly over a corpus"
OPTIONS = (FiltersOptions,)  # each a dataclass: its fields are the flags
EXAMPLES = (  # shown under --help
    "textcnn filters runs/mine --top-filters 8 --output runs/mine/filters",
)


def run(options: FiltersOptions) -> int:
    from ..analysis.filters import filter_report
    from ..runs.loaded import Run

    loaded = Run.load(options.run_dir, device=options.device)
    chosen = {"data": "data", "split": "split", "max_texts": "max_texts", "top": "top_filters", "show": "top_ngrams"}
    kwargs = {parameter: getattr(options, field) for parameter, field in chosen.items()}
    report = filter_report(loaded, **kwargs, progress=options.progress)
    print(report.markdown())
    if options.output:
        report.save(options.output)
        print(f"saved {options.output}.md, {options.output}.json and {options.output}.png", file=sys.stderr)
    return 0
