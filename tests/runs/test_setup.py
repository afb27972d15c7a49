"""The run setup (textcnn.runs.setup): here, the word vectors a run learns from its own text."""

import pytest

import textcnn.runs.setup as setup
from tests.conftest import TINY_OVERRIDES, write_dataset
from textcnn.config import load_config
from textcnn.errors import UserError
from textcnn.runs.training import train_run


@pytest.fixture(scope="module")
def with_unlabeled(tmp_path_factory):
    """train 300, test 100, and 200 unlabeled reviews (labels present but never read), as IMDB is laid out."""
    folder = write_dataset(tmp_path_factory.mktemp("unlabeled"), {"train": 300, "test": 100, "unsupervised": 200})
    # A split name other than train / validation / test is found through the card's data_files, as on the hub.
    files = "".join(f"  - split: {name}\n    path: {name}-*\n" for name in ("train", "test", "unsupervised"))
    (folder / "README.md").write_text(f"---\nconfigs:\n- config_name: default\n  data_files:\n{files}---\n")
    return folder


def _overrides(data, *extra):
    return [
        f"data.path={data}",
        "model.embedding_mode=non-static",
        "model.vectors_from_train=true",
        "model.embedding_dim=12",
        "model.num_filters=8",
        *TINY_OVERRIDES,
        *extra,
    ]


@pytest.fixture
def learned_from(monkeypatch):
    """The number of texts each source held, for every learn_vectors call the setup makes."""
    calls = []
    real = setup.learn_vectors

    def spy(tokenizer, texts, options, **kwargs):
        calls.append([len(store) for store in texts])
        return real(tokenizer, texts, options, **kwargs)

    monkeypatch.setattr(setup, "learn_vectors", spy)
    return calls


def test_vectors_come_from_the_training_texts_and_the_unlabeled_split(
    with_unlabeled, tmp_path, learned_from, log_lines
):
    metrics = train_run(load_config(None, _overrides(with_unlabeled)), tmp_path / "a", progress=False)
    # 300 train less the 10% held out for validation (never read), then the 200 unlabeled; no test text.
    assert learned_from == [[270, 200]]
    assert metrics.num_validation == 30 and metrics.num_test == 100
    assert any("270 training texts + split 'unsupervised'" in line for line in log_lines())
    assert metrics.vectors_coverage["found"] > 0


def test_a_rerun_reads_the_vectors_back_from_the_cache(with_unlabeled, tmp_path, log_lines):
    overrides = _overrides(with_unlabeled, "word2vec.epochs=2")
    first = train_run(load_config(None, overrides), tmp_path / "a", progress=False)
    second = train_run(load_config(None, overrides), tmp_path / "b", progress=False)
    assert sum("vectors: read from the cache" in line for line in log_lines()) == 1
    assert first.test_accuracy == second.test_accuracy and first.vectors_coverage == second.vectors_coverage


def test_no_unlabeled_split_leaves_the_training_texts(with_unlabeled, tmp_path, learned_from):
    train_run(load_config(None, _overrides(with_unlabeled, "word2vec.splits=[]")), tmp_path / "a", progress=False)
    assert learned_from == [[270]]


@pytest.mark.parametrize(
    ("splits", "message"),
    [
        ("[test]", "split 'test' is held out for evaluation; word vectors never see it"),
        ("[train]", "split 'train' is the training split, which the run reads already"),
        ("[extra]", "the dataset has no split 'extra'"),
    ],
)
def test_splits_word2vec_may_not_read_are_one_line_errors(with_unlabeled, tmp_path, splits, message):
    config = load_config(None, _overrides(with_unlabeled, f"word2vec.splits={splits}"))
    with pytest.raises(UserError, match=message):
        train_run(config, tmp_path / "a", progress=False)


def test_a_quick_run_reads_no_more_unlabeled_texts_than_training_ones(with_unlabeled, tmp_path, learned_from):
    train_run(
        load_config(None, _overrides(with_unlabeled, "data.max_train_samples=100")), tmp_path / "a", progress=False
    )
    assert learned_from == [[100, 100]]  # the 100 training texts (validation is held out first); 100 of 200 unlabeled


def _region_overrides(data, *extra):
    return [
        f"data.path={data}",
        "model.region_dim=6",
        "model.region_size=3",
        "model.embedding_dim=12",
        "model.num_filters=8",
        "regions.batch_size=512",
        *TINY_OVERRIDES,
        *extra,
    ]


def test_region_embeddings_are_learned_from_the_same_text_cached_and_relearned_for_new_text(
    with_unlabeled, tmp_path, log_lines, monkeypatch
):
    from textcnn.runs import regions

    calls = []
    real = regions.learn_regions
    monkeypatch.setattr(
        regions, "learn_regions", lambda texts, *a, **k: calls.append([len(s) for s in texts]) or real(texts, *a, **k)
    )
    first = train_run(load_config(None, _region_overrides(with_unlabeled)), tmp_path / "a", progress=False)
    assert calls == [[270, 200]]  # the training texts and the unlabeled split; never validation or test
    second = train_run(load_config(None, _region_overrides(with_unlabeled)), tmp_path / "b", progress=False)
    assert calls == [[270, 200]] and sum("regions: read from the cache" in line for line in log_lines()) == 1
    assert first.test_accuracy == second.test_accuracy
    train_run(
        load_config(None, _region_overrides(with_unlabeled, "data.max_train_samples=100")),
        tmp_path / "c",
        progress=False,
    )
    assert calls == [[270, 200], [100, 100]]  # other text: another key, learned again
    from textcnn.runs.loaded import Run

    run = Run.load(tmp_path / "a", device="cpu")
    assert run.model.embedding.regions.table.abs().sum() > 0  # saved with the weights
    assert run.fast_model() is None  # no looked-up first layer: positions read their neighbours
