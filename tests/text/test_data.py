from pathlib import Path

import numpy as np
import pytest

from tests.conftest import write_dataset
from textcnn.config import DataConfig
from textcnn.errors import ConfigError, UserError
from textcnn.text.data import load_eval_split, load_splits


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
    from tests.conftest import make_reviews

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
    assert splits.class_names == ["0", "1"]  # an empty cell is blank; the other labels stay as written
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


def test_text_column_and_label_column_must_differ():
    with pytest.raises(ConfigError, match="data.text_column: 'label' is not allowed; expected a column other than"):
        DataConfig(text_column="label")


# ------------------------------------------------------------------------- CSV cells read as written

CASES = {  # what pandas' CSV reader made of each: missing labels, merged classes, empty texts
    "NA class": (["NA", "pos", "neg"], ["review"]),
    "None class": (["None", "pos", "neg"], ["review"]),
    "01, 1 and 10": (["01", "1", "10"], ["review"]),
    "1 and 1.0": (["1", "1.0", "2"], ["review"]),
    "NA and None texts": (["pos", "neg"], ["NA", "None", "null", "plain"]),
}


@pytest.mark.parametrize("layout", ["file", "folder"])
@pytest.mark.parametrize("case", list(CASES))
def test_csv_labels_and_texts_are_the_strings_in_the_file(tmp_path, case, layout):
    classes, words = CASES[case]
    texts = [words[i % len(words)] if len(words) > 1 else f"review {i}" for i in range(36)]
    labels = [classes[i % len(classes)] for i in range(36)]
    table = "text,label\n" + "".join(f"{t},{y}\n" for t, y in zip(texts, labels))
    if layout == "file":
        config = DataConfig(path=write_csv(tmp_path / "odd.csv", table), test_size=0.25, val_size=0.25)
    else:
        (tmp_path / "odd").mkdir()
        write_csv(tmp_path / "odd" / "train.csv", table)
        write_csv(tmp_path / "odd" / "test.csv", table)
        config = DataConfig(path=str(tmp_path / "odd"), val_size=0.25)
    splits = load_splits(config)
    assert splits.class_names == sorted(classes)  # none missing, none merged
    for part in (splits.train, splits.validation, splits.test):
        assert part.texts == [texts[r] for r in part.rows]
        assert [splits.class_names[y] for y in part.labels] == [labels[r] for r in part.rows]


# ----------------------------------------------------------------------------------------- encodings


def latin1_table(suffix: str) -> bytes:
    rows = [{"text": f"un café {i}", "label": "ab"[i % 2]} for i in range(20)]
    if suffix == ".jsonl":
        import json

        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("latin-1")
    return ("text,label\n" + "".join(f"{r['text']},{r['label']}\n" for r in rows)).encode("latin-1")


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_file_in_another_encoding_needs_data_encoding(tmp_path, suffix):
    path = tmp_path / f"latin{suffix}"
    path.write_bytes(latin1_table(suffix))
    byte = path.read_bytes().index(b"\xe9")
    with pytest.raises(UserError, match=f"data.path: .*latin{suffix} is not utf-8 text: byte {byte} \\(0xe9, line "):
        load_splits(DataConfig(path=str(path), test_size=0.25))
    with pytest.raises(UserError, match="does not decode; if the file is text in another encoding, set data.encoding"):
        load_splits(DataConfig(path=str(path), test_size=0.25))
    splits = load_splits(DataConfig(path=str(path), test_size=0.25, encoding="latin-1"))
    assert all(text.startswith("un café ") for text in splits.train.texts)
    with pytest.raises(ConfigError, match="data.encoding: 'utf9' is not allowed"):
        DataConfig(encoding="utf9")


def test_decoding_errors_name_the_byte_across_chunks(tmp_path):
    from textcnn.text.reading import Reading, check_text_file

    # "é" is two bytes in UTF-8: put one across the 1 MiB chunk boundary, then a Latin-1 byte after it.
    head = b"text,label\n" + b"x" * ((1 << 20) - 12) + "é".encode() + b",a\nbad \xe9,b\n"
    path = tmp_path / "big.csv"
    path.write_bytes(head)
    bad = head.index(b"\xe9")
    assert bad > 1 << 20
    with pytest.raises(UserError, match=f"byte {bad} \\(0xe9, line 3\\)"):
        check_text_file(path, Reading())
    path.write_bytes(head.replace(b"\xe9", b"e"))
    assert check_text_file(path, Reading()) == 3  # lines, for a progress bar


# ---------------------------------------------------------------------------------------- delimiters


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_the_delimiter_of_a_csv_file_is_found(tmp_path, delimiter):
    lines = [f"text{delimiter}label"] + [f"review, number {i}{delimiter}{'ab'[i % 2]}" for i in range(20)]
    path = write_csv(tmp_path / "other.csv", "\n".join(lines) + "\n")
    splits = load_splits(DataConfig(path=path, test_size=0.25))
    assert splits.class_names == ["a", "b"]
    assert all(text.startswith("review, number ") for text in splits.train.texts)


def test_data_delimiter_is_obeyed_and_named(tmp_path):
    lines = ["text;label"] + [f"review {i};{'ab'[i % 2]}" for i in range(20)]
    path = write_csv(tmp_path / "semicolons.csv", "\n".join(lines) + "\n")
    assert load_splits(DataConfig(path=path, test_size=0.25, delimiter=";")).class_names == ["a", "b"]
    # The same file with another delimiter is read anew, not taken from the datasets cache.
    with pytest.raises(UserError, match=r"\(columns: text;label\); is the file separated by ';'\? set data.delimiter"):
        load_splits(DataConfig(path=path, test_size=0.25, delimiter=","))
    shifted = write_csv(tmp_path / "shifted.csv", "text,label\nsuperb, loved it,a\nfine,b\n")
    with pytest.raises(UserError, match=r"first row of .* has 3 fields where its header has 2 \(split by ','\); quote"):
        load_splits(DataConfig(path=shifted, test_size=0.25))  # pandas would take 'superb' for an index
    ragged = write_csv(tmp_path / "ragged.csv", "text,label\na,b\nc,d\ne,f,g\n")
    with pytest.raises(UserError, match="Expected 2 fields in line 4, saw 3 \\(split by ','; set data.delimiter"):
        load_splits(DataConfig(path=ragged, test_size=0.25))
    with pytest.raises(ConfigError, match="data.delimiter: ';;' is not allowed"):
        DataConfig(delimiter=";;")


# ------------------------------------------------------------------------------ empty and binary files


@pytest.mark.parametrize("layout", ["file", "folder"])
def test_empty_and_binary_files_say_what_is_wrong(tmp_path, layout):
    def load(name: str, content: bytes):
        if layout == "file":
            (tmp_path / name).write_bytes(content)
            return load_splits(DataConfig(path=str(tmp_path / name), test_size=0.25))
        folder = tmp_path / name.replace(".", "_")
        folder.mkdir()
        (folder / f"train{Path(name).suffix}").write_bytes(content)
        return load_splits(DataConfig(path=str(folder), test_size=0.25))

    with pytest.raises(UserError, match=r"data.path: .*\.csv is empty$"):
        load("empty.csv", b"")
    with pytest.raises(UserError, match=r"data.path: .*\.jsonl is empty \(blank lines only\)"):
        load("blank.jsonl", b"\n\n")
    with pytest.raises(UserError, match=r"data.path: .*\.csv is not a text file \(it holds NUL bytes, from byte 3\)"):
        load("junk.csv", b"abc\x00\x01\x02\xff" * 50)
    if layout == "file":  # a folder of junk .parquet files is datasets' to read
        with pytest.raises(UserError, match=r"data.path: .*\.parquet is not a Parquet file"):
            load("junk.parquet", b"\x89PNG\r\n")
