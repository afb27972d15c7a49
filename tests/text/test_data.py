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
    with pytest.raises(UserError, match="label -1 is not one of the 2 classes"):
        load_splits(DataConfig(path=str(folder)))
    with pytest.raises(UserError, match="label -1 is not one of"):
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
