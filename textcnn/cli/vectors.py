"""Train word2vec (gensim) on the text of a dataset's splits, cut into words exactly as a run's tokenizer cuts them,
and save the vectors for model.vectors (embedding modes static, non-static and multichannel). By default every split
but the held-out ones: for IMDB, train plus the 50,000 unlabeled reviews; the test split is refused. Labels are
never read. With more than one worker thread the vectors differ slightly from run to run (word2vec's threads update
shared weights without locks).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..config import DataConfig, Word2VecOptions
from ..config.commands import VectorsOptions

NAME = "vectors"
HELP = "train word2vec on a dataset's own text (for the pretrained embedding modes)"
OPTIONS = (VectorsOptions, Word2VecOptions)  # dataclasses: their fields are the flags
EXAMPLES = (  # shown under --help
    "textcnn vectors --data path/to/imdb --out vectors/imdb-word2vec-300d.bin",
)


def run(given: VectorsOptions, options: Word2VecOptions) -> int:
    import time

    from ..text.data import load_corpus
    from ..text.vectors import save_vectors, train_word2vec, words_of, write_vectors_info

    data = DataConfig(
        path=given.data,
        name=given.name,
        text_column=given.text_column,
        lowercase=not given.cased,
        strip_html=not given.keep_html,
    )
    out = Path(given.out or f"vectors/{Path(given.data).name}-word2vec-{options.dim}d.bin")
    started = time.perf_counter()
    texts, splits = load_corpus(data, given.splits)
    print(f"training word vectors on {given.data} splits {', '.join(splits)}")
    sentences = words_of(texts, lowercase=data.lowercase, strip_html=data.strip_html)
    vectors, stats = train_word2vec(sentences, options, num_sentences=len(texts), progress=given.progress)
    fmt = save_vectors(vectors, out, given.format)
    info = {
        "data": given.data,
        "splits": splits,
        "text_column": given.text_column,
        "lowercase": data.lowercase,
        "strip_html": data.strip_html,
        "format": fmt,
        "options": dataclasses.asdict(options),
        **stats,
        # Reading and cutting the text plus training and saving: what a run using these vectors costs on top.
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    write_vectors_info(out, info)
    print(
        f"{stats['vocabulary']:,} words x {options.dim} dims from {stats['words']:,} words of text "
        f"in {stats['train_seconds']:.0f} s; saved to {out} ({fmt}) with {out.name}.json"
    )
    return 0
