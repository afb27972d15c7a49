"""``textcnn predict`` and ``textcnn evaluate`` in pipelines: tables, streaming, top-k, --output, | head."""

import csv
import json
import subprocess
import sys

import pandas as pd
import pytest

from textcnn.cli.main import main
from textcnn.runs import predictions as prediction


def predict_cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "textcnn", "predict", *args], capture_output=True, text=True, **kwargs)


def test_options_after_the_texts_top_k_and_all(tiny_run, capsys):
    assert (
        main(["predict", str(tiny_run), "superb and brilliant", "--batch-size", "8", "awful, boring", "--top-k", "5"])
        == 0
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [x["id"] for x in lines] == ["1", "2"] and [x["label"] for x in lines] == ["pos", "neg"]
    assert [len(x["top_k"]) for x in lines] == [2, 2]  # capped at the number of classes
    assert lines[0]["top_k"][0] == {"label": "pos", "probability": lines[0]["probability"]}
    assert main(["predict", str(tiny_run), "--all", "dull"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert set(record["probabilities"]) == {"neg", "pos"}
    assert sum(record["probabilities"].values()) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_tables_with_a_text_and_an_id_column(tiny_run, tmp_path, suffix, capsys):
    table = pd.DataFrame({"ticket": ["a-1", "b-2", "c-3"], "body": ["superb, loved it", "dull and awful", None]})
    path = tmp_path / f"tickets{suffix}"
    {".csv": lambda: table.to_csv(path, index=False),
     ".jsonl": lambda: table.to_json(path, orient="records", lines=True),
     ".parquet": lambda: table.to_parquet(path)}[suffix]()  # fmt: skip
    assert main(["predict", str(tiny_run), "--file", str(path), "--text-column", "body", "--id-column", "ticket"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [x["id"] for x in lines] == ["a-1", "b-2", "c-3"]  # no header line predicted as a text
    assert [x["label"] for x in lines[:2]] == ["pos", "neg"]
    assert main(["predict", str(tiny_run), "--file", str(path), "--text-column", "text"]) == 2
    assert "--text-column: " in capsys.readouterr().err


def test_output_files(tiny_run, tmp_path):
    texts = tmp_path / "texts.txt"
    texts.write_text("superb\nawful\nbrilliant\n")
    out = tmp_path / "out.csv"
    assert main(["predict", str(tiny_run), "--file", str(texts), "--output", str(out), "--top-k", "1", "--all"]) == 0
    with open(out) as f:
        rows = list(csv.DictReader(f))
    assert [r["id"] for r in rows] == ["1", "2", "3"] and [r["label"] for r in rows] == ["pos", "neg", "pos"]
    assert set(rows[0]) == {"id", "label", "probability", "label_1", "probability_1", "p_neg", "p_pos"}
    out = tmp_path / "out.jsonl"
    assert main(["predict", str(tiny_run), "--file", str(texts), "--output", str(out)]) == 0
    assert len(out.read_text().splitlines()) == 3
    assert main(["predict", str(tiny_run), "x", "--output", str(tmp_path / "out.txt")]) == 2


def test_results_stream_out_before_the_input_ends(tiny_run):
    process = subprocess.Popen(
        [sys.executable, "-m", "textcnn", "predict", str(tiny_run), "--chunk-size", "1"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    process.stdin.write("superb film\n")
    process.stdin.flush()
    first = json.loads(process.stdout.readline())  # answered while standard input is still open
    assert first["label"] == "pos"
    process.stdin.write("awful film\n")
    process.stdin.close()
    assert json.loads(process.stdout.readline())["label"] == "neg"
    assert process.wait(timeout=60) == 0


def test_a_closed_pipe_ends_quietly(tiny_run, tmp_path):
    texts = tmp_path / "many.txt"
    texts.write_text("superb film\n" * 20_000)
    shell = f"{sys.executable} -m textcnn predict {tiny_run} --file {texts} --chunk-size 512 | head -2"
    result = subprocess.run(["bash", "-c", f"set -o pipefail; {shell}"], capture_output=True, text=True)
    assert len(result.stdout.splitlines()) == 2
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
    assert result.returncode in (0, 141)  # 141: head's SIGPIPE reaching bash, never a Python error


def test_bad_device_is_one_line(tiny_run):
    result = predict_cli(str(tiny_run), "--device", "tpu", "hi")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["error: device 'tpu' is not a device; use auto, cpu, cuda or cuda:N"]


def test_evaluate_takes_data_overrides(tiny_run, tiny_data, tmp_path, capsys):
    renamed = tmp_path / "renamed.csv"
    table = pd.read_parquet(next(tiny_data.glob("test-*.parquet")))
    table.assign(label=table.label.map({0: "neg", 1: "pos"})).rename(columns={"text": "review"}).to_csv(
        renamed, index=False
    )
    argv = ["evaluate", str(tiny_run), "--set", f"data.path={renamed}", "--split", "train"]
    assert main(argv) == 2
    assert "data.text_column: split 'train' has no column 'text'" in capsys.readouterr().err
    assert main([*argv, "--set", "data.text_column=review"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["num_examples"] == 120 and report["accuracy"] > 0.8 and set(report["per_class"]) == {"neg", "pos"}
    assert main(["evaluate", str(tiny_run), "--set", "train.lr=1"]) == 2
    assert "changes only the data section" in capsys.readouterr().err


# ------------------------------------------------------------------------ --file: as training reads files


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_a_csv_file_is_read_as_written_whatever_its_delimiter(tiny_run, tmp_path, delimiter, capsys):
    rows = [("007", "superb, loved it"), ("NA", "NA"), ("1.0", "dull, awful"), ("None", "None")]
    path = tmp_path / "tickets.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=delimiter).writerows([("ticket", "body"), *rows])  # quotes "superb, loved it" for ','
    assert main(["predict", str(tiny_run), "--file", str(path), "--text-column", "body", "--id-column", "ticket"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [x["id"] for x in lines] == ["007", "NA", "1.0", "None"]  # ids as written: not 7, missing or 1
    assert [lines[0]["label"], lines[2]["label"]] == ["pos", "neg"]
    table = prediction.from_file(path, "body", "ticket")
    assert list(table.items) == rows  # texts as written too: "NA" is not an empty text


@pytest.mark.parametrize("suffix", [".txt", ".csv"])
def test_a_file_in_another_encoding_needs_encoding(tiny_run, tmp_path, suffix, capsys):
    path = tmp_path / f"latin{suffix}"
    path.write_bytes("text\nsuperb café\nawful thé\n".encode("latin-1"))
    assert main(["predict", str(tiny_run), "--file", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"error: --file: {path} is not utf-8 text: byte 15 (0xe9, line 2) does not decode; "
        "if the file is text in another encoding, set --encoding (e.g. latin-1 or cp1252)"
    )
    assert main(["predict", str(tiny_run), "--file", str(path), "--encoding", "latin-1"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == (3 if suffix == ".txt" else 2)
    texts = [text for _, text in prediction.from_file(path, "text", encoding="latin-1").items]
    assert texts[-2:] == ["superb café", "awful thé"]  # decoded, not U+FFFD


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("empty.csv", b"", "is empty"),
        ("empty.jsonl", b"", "is empty"),
        ("junk.csv", b"ab\x00\x01" * 100, "is not a text file (it holds NUL bytes, from byte 2)"),
        ("junk.txt", b"ab\x00\x01" * 100, "is not a text file (it holds NUL bytes, from byte 2)"),
        ("junk.parquet", b"ab\x00\x01" * 100, "is not a Parquet file (it does not start with PAR1)"),
    ],
)
def test_empty_and_binary_files_say_what_is_wrong(tiny_run, tmp_path, name, content, message, capsys):
    path = tmp_path / name
    path.write_bytes(content)
    assert main(["predict", str(tiny_run), "--file", str(path)]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"error: --file: {path} {message}"]
