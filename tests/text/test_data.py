import numpy as np
import pytest

from textcnn.config import DataConfig
from textcnn.errors import UserError
from textcnn.text.data import load_eval_split, load_splits

from ..conftest import write_dataset


def test_validation_is_held_out_of_train_stratified(tiny_data):
    splits = load_splits(DataConfig(path=str(tiny_data), val_size=0.25), seed=3)
    assert (len(splits.train), len(splits.validation), len(splits.test)) == (300, 100, 120)
    assert splits.test_split == "test" and splits.class_names == ["neg", "pos"]
    assert np.bincount(splits.validation.labels).tolist() == [50, 50]
    assert not set(splits.train.texts) & set(splits.validation.texts) or len(set(splits.train.texts)) < 300
    assert "held out" in splits.validation_source
    again = load_splits(DataConfig(path=str(tiny_data), val_size=0.25), seed=3)
    assert again.validation.texts == splits.validation.texts


def test_split_seed_fixes_the_held_out_rows_whatever_the_runs_seed(tiny_data):
    def rows(seed: int, **data) -> dict:
        splits = load_splits(DataConfig(path=str(tiny_data), folds=4, fold=1, **data), seed=seed)
        return {"validation": splits.validation.rows.tolist(), "test": splits.test.rows.tolist()}

    assert rows(3) != rows(4)  # by default the run's seed draws them
    assert rows(3, split_seed=0) == rows(4, split_seed=0) == rows(0)


def test_sst_style_dataset_uses_validation_as_test(tiny_sst):
    splits = load_splits(DataConfig(path=str(tiny_sst), text_column="sentence"))
    assert splits.test_split == "validation" and len(splits.test) == 80
    assert len(splits.train) + len(splits.validation) == 300  # validation held out of train, not the test


def test_sample_limits(tiny_data):
    splits = load_splits(DataConfig(path=str(tiny_data), max_train_samples=50, max_eval_samples=20))
    assert (len(splits.train), len(splits.validation), len(splits.test)) == (50, 20, 20)


def test_errors_name_the_problem(tiny_data, tmp_path):
    with pytest.raises(UserError, match="has no column 'review'"):
        load_splits(DataConfig(path=str(tiny_data), text_column="review"))
    with pytest.raises(UserError, match="cannot load dataset"):
        load_splits(DataConfig(path=str(tmp_path / "nowhere")))
    with pytest.raises(UserError, match="no split 'dev'"):
        load_splits(DataConfig(path=str(tiny_data), test_split="dev"))
    with pytest.raises(UserError, match="is the test split"):
        load_splits(DataConfig(path=str(tiny_data), validation_split="test"))


def test_labels_that_are_not_classes(tmp_path):
    from datasets import ClassLabel, Dataset, Features, Value

    folder = write_dataset(tmp_path / "d", {"train": 20})
    features = Features({"text": Value("string"), "label": ClassLabel(names=["neg", "pos"])})
    Dataset.from_dict({"text": ["a", "b"], "label": [-1, -1]}, features=features).to_parquet(
        str(folder / "test-00000-of-00001.parquet")
    )
    with pytest.raises(UserError, match="2 of 2 rows of split 'test' have no label \\(data rows 1, 2,"):
        load_splits(DataConfig(path=str(folder)))
    with pytest.raises(UserError, match="have no label"):
        load_eval_split(DataConfig(path=str(folder)), None, ["neg", "pos"])


def test_integer_labels_without_a_classlabel_map_by_value(tmp_path):
    from datasets import Dataset

    folder = tmp_path / "plain"
    folder.mkdir()
    for split in ("train", "test"):  # 12 classes: sorted as strings, "10" comes before "2"
        Dataset.from_dict({"text": [f"word{i}" for i in range(24)], "label": [i % 12 for i in range(24)]}).to_parquet(
            str(folder / f"{split}-00000-of-00001.parquet")
        )
    splits = load_splits(DataConfig(path=str(folder), val_size=0.5))
    names = [splits.class_names[i] for i in splits.test.labels]
    assert names == [str(i % 12) for i in range(24)]


# --------------------------------------------------------------------------------- your own files


def reviews_table(n: int = 60, seed: int = 0) -> dict[str, list]:
    from ..conftest import make_reviews

    texts, labels = make_reviews(n, seed)
    return {"review": texts, "sentiment": [["bad", "good"][y] for y in labels]}


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".json", ".parquet"])
def test_a_single_file_of_any_shape(tmp_path, suffix):
    import pandas as pd

    table = pd.DataFrame(reviews_table())
    path = tmp_path / f"reviews{suffix}"
    if suffix == ".csv":
        table.to_csv(path, index=False)
    elif suffix == ".tsv":
        table.to_csv(path, sep="\t", index=False)
    elif suffix == ".jsonl":
        table.to_json(path, orient="records", lines=True, force_ascii=False)
    elif suffix == ".json":
        table.to_json(path, orient="records", force_ascii=False)
    else:
        table.to_parquet(path)
    config = DataConfig(path=str(path), text_column="review", label_column="sentiment", test_size=0.2)
    splits = load_splits(config, seed=1)
    assert splits.class_names == ["bad", "good"]
    assert (len(splits.train), len(splits.validation), len(splits.test)) == (43, 5, 12)
    assert splits.test_split == "20% of 'train'"
    # Every row lands in exactly one part, and the recorded rows are the test rows.
    rows = np.concatenate([splits.train.rows, splits.validation.rows, splits.test.rows])
    assert sorted(rows.tolist()) == list(range(60))
    assert splits.held_out["test"]["rows"] == splits.test.rows.tolist()
    assert [table.review[r] for r in splits.test.rows] == splits.test.texts
    again = load_splits(config, seed=1)
    assert again.test.texts == splits.test.texts  # seeded: a rerun holds out the same rows


def test_a_folder_of_split_csv_files(tmp_path):
    import pandas as pd

    (tmp_path / "data").mkdir()
    pd.DataFrame(reviews_table(40, 0)).to_csv(tmp_path / "data" / "train.csv", index=False)
    pd.DataFrame(reviews_table(20, 1)).to_csv(tmp_path / "data" / "test.csv", index=False)
    splits = load_splits(DataConfig(path=str(tmp_path / "data"), text_column="review", label_column="sentiment"))
    assert (len(splits.train) + len(splits.validation), len(splits.test), splits.test_split) == (40, 20, "test")


def test_file_errors(tmp_path):
    with pytest.raises(UserError, match="data.path: file not found: .*reviews.csv"):
        load_splits(DataConfig(path=str(tmp_path / "reviews.csv")))
    (tmp_path / "reviews.xlsx").write_bytes(b"PK")
    with pytest.raises(UserError, match="is a .xlsx file; textcnn reads .csv, .tsv, .jsonl, .json, .parquet files"):
        load_splits(DataConfig(path=str(tmp_path / "reviews.xlsx")))
    import pandas as pd

    pd.DataFrame(reviews_table()).to_csv(tmp_path / "only_train.csv", index=False)
    config = DataConfig(path=str(tmp_path / "only_train.csv"), text_column="review", label_column="sentiment")
    with pytest.raises(UserError, match="no test split \\(splits: train\\); set data.test_size .* 'textcnn cv'"):
        load_splits(config)


def write_csv(path, rows: str) -> str:
    path.write_text(rows, encoding="utf-8")
    return str(path)


def test_blank_labels_are_an_error_or_dropped(tmp_path):
    lines = ["text,label"] + [f"review number {i} {'great' if i % 2 else 'awful'},{i % 2}" for i in range(40)]
    lines[5] = "a review with no label,"
    lines[9] = "another one,"
    path = write_csv(tmp_path / "blank.csv", "\n".join(lines) + "\n")
    with pytest.raises(UserError, match="2 of 40 rows of split 'train' have no label \\(data rows 5, 9, counting"):
        load_splits(DataConfig(path=path, test_size=0.25))
    splits = load_splits(DataConfig(path=path, test_size=0.25, drop_unlabeled=True))
    assert splits.class_names == ["0", "1"]  # integer labels read as 0.0 / 1.0 around the blanks: still 0 and 1
    assert len(splits.train) + len(splits.validation) + len(splits.test) == 38
    assert splits.dropped_unlabeled == {"train": 2}


def test_a_class_too_small_to_split(tmp_path):
    lines = ["text,label"] + [f"text {i},{'a' if i % 2 else 'b'}" for i in range(30)] + ["lonely text,c"]
    path = write_csv(tmp_path / "rare.csv", "\n".join(lines) + "\n")
    with pytest.raises(UserError, match="class 'c' has 1 example\\(s\\) where a held-out test split needs at least 2"):
        load_splits(DataConfig(path=path, test_size=0.2))


def test_a_dataset_too_small_for_its_splits(tmp_path):
    path = write_csv(tmp_path / "four.csv", "text,label\ngood,pos\nbad,neg\nfine,pos\nawful,neg\n")
    with pytest.raises(UserError, match="data.test_size: 0.2 of 4 rows holds out 1 and keeps 3, but"):
        load_splits(DataConfig(path=path, test_size=0.2))


def test_a_text_column_given_as_the_label(tmp_path):
    lines = ["text,label"] + [f"review {i},{i % 2}" for i in range(30)]
    path = write_csv(tmp_path / "swapped.csv", "\n".join(lines) + "\n")
    with pytest.raises(UserError, match="'text' has 30 distinct values in 30 rows: it looks like text"):
        load_splits(DataConfig(path=path, text_column="label", label_column="text", test_size=0.2))
