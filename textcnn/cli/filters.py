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


def run(options: FiltersOptions) -> int:
    from ..analysis.filters import filter_report
    from ..runs.loaded import Run

    loaded = Run.load(options.run_dir, device=options.device)
    chosen = ("data", "split", "max_texts", "top", "show", "progress")
    report = filter_report(loaded, **{key: getattr(options, key) for key in chosen})
    print(report.markdown())
    if options.output:
        report.save(options.output)
        print(f"saved {options.output}.md, {options.output}.json and {options.output}.png", file=sys.stderr)
    return 0
