"""Label new texts with a trained run. Texts come from the arguments, else from --file, else from standard input (one
per line). --file reads .csv, .tsv, .jsonl, .json and .parquet tables (the column --text-column names) and any other
file as plain lines. Prints one JSON object per text as soon as its chunk is computed: {"id": ..., "label": ...,
"probability": ...}, the id being the argument, line or row number (or --id-column), the probability that of the
predicted label. Options may come before or after the texts.
"""

from __future__ import annotations

import sys

from ..config.commands import PredictOptions
from ..errors import UserError
from .shared import check_text_inputs, text_source, texts_named_by

NAME = "predict"
HELP = "label new texts with a trained run"
OPTIONS = (PredictOptions,)  # each a dataclass: its fields are the flags
EXAMPLES = (  # shown under --help
    'textcnn predict runs/mine "A moving, beautifully shot film." "Dull."',
    "textcnn predict runs/mine --file reviews.csv --text-column review --output labels.csv",
    "cat texts.txt | textcnn predict runs/mine -",
)


def run(options: PredictOptions) -> int:
    from ..runs import predictions as prediction
    from ..runs.loaded import Run
    from ..util.progress import progress_bar

    check_text_inputs(options)
    if options.top_k is not None and options.top_k < 1:
        raise UserError(f"--top-k: {options.top_k} is not allowed; expected >= 1")
    loaded = Run.load(options.run_dir, device=options.device, backend=options.backend)
    source = text_source(options, loaded, id_column=options.id_column)
    writer = prediction.Writer(options.output, loaded.class_names, reading=options.file)
    top_k = None if options.top_k is None else min(options.top_k, len(loaded.class_names))
    threshold = loaded.threshold if loaded.multi_label else None
    # A bar for many texts: from --file, or piped in (typed at a terminal, the texts need no bar)
    many = options.file is not None or (not options.text and not sys.stdin.isatty())
    many = many and options.progress
    bar = progress_bar(enabled=many, total=source.total, desc="predict", unit="text")
    try:
        for chunk in prediction.chunked(source.items, options.chunk_size):  # written as computed: streams
            ids, texts = zip(*chunk)
            with texts_named_by(ids):
                probs = loaded.predict_proba(texts, options.batch_size)
            writer.write(
                prediction.records(
                    ids, probs, loaded.class_names, top_k=top_k, all_classes=options.all, threshold=threshold
                )
            )
            bar.update(len(chunk))
    finally:
        bar.close()
        writer.close()
    return 0
