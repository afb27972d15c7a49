"""Where ``textcnn predict`` and ``textcnn explain`` read their texts: ``-`` for standard input, --encoding
and --delimiter for files and standard input, and their defaults from the run's data section."""

import argparse
import io
import json
from types import SimpleNamespace

import pytest

from textcnn.cli.main import main
from textcnn.cli.shared import check_text_inputs as _check_text_inputs
from textcnn.cli.shared import text_source as _text_source
from textcnn.config import DataConfig
from textcnn.errors import UserError


def stdin_of(data: bytes) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")


@pytest.mark.parametrize("dash", [["-"], ["--file", "-"]])
def test_a_lone_dash_reads_standard_input(tiny_run, monkeypatch, capsys, dash):
    monkeypatch.setattr("sys.stdin", stdin_of(b"superb film\nawful film\n"))
    assert main(["predict", str(tiny_run), *dash]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(x["id"], x["label"]) for x in lines] == [("1", "pos"), ("2", "neg")]  # two lines, not the text "-"


def test_a_dash_among_texts_is_refused(capsys):
    assert main(["predict", "no/such/run", "superb", "-"]) == 2  # before the run is loaded
    assert capsys.readouterr().err.strip() == (
        "error: '-' reads the texts from standard input; give it alone, without other texts"
    )


def test_standard_input_is_decoded_strictly_in_encoding(tiny_run, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", stdin_of("superb café\nawful thé\n".encode("latin-1")))
    assert main(["predict", str(tiny_run)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: standard input is not utf-8 text: byte 0xe9 in line 1")
    assert "set --encoding" in err[0]
    monkeypatch.setattr("sys.stdin", stdin_of("superb café\nawful thé\n".encode("latin-1")))
    assert main(["predict", str(tiny_run), "--encoding", "latin-1"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_an_unknown_encoding_is_refused_before_the_run_loads(capsys):
    assert main(["predict", "no/such/run", "--encoding", "utf9", "hi"]) == 2
    assert capsys.readouterr().err.strip().startswith("error: --encoding: 'utf9' is not a text encoding Python knows")


def inputs(**given) -> argparse.Namespace:
    defaults = {"text": [], "file": None, "text_column": None, "encoding": None, "delimiter": None}
    return argparse.Namespace(**{**defaults, **given})


def test_files_default_to_the_runs_encoding_and_delimiter(tmp_path):
    path = tmp_path / "texts.csv"
    path.write_bytes("body|n\nun café, enfin|1\n".encode("latin-1"))  # '|': a delimiter no line shows alone
    run = SimpleNamespace(config=SimpleNamespace(data=DataConfig(text_column="body", encoding="latin-1")))
    assert list(_text_source(inputs(file=str(path)), run).items) == [("1", "un café, enfin")]
    run.config.data = DataConfig(text_column="body")  # utf-8: --encoding decides
    assert list(_text_source(inputs(file=str(path), encoding="latin-1"), run).items) == [("1", "un café, enfin")]


def test_delimiter_option(tmp_path):
    args = inputs(delimiter="\\t")
    _check_text_inputs(args)
    assert args.delimiter == "\t"  # typed as \t in a shell
    with pytest.raises(UserError, match="--delimiter: ';;' is not allowed; expected one character"):
        _check_text_inputs(inputs(delimiter=";;"))
    path = tmp_path / "semicolons.csv"
    path.write_text("body;n\nsuperb, loved it;1\n")
    run = SimpleNamespace(config=SimpleNamespace(data=DataConfig(text_column="body")))
    assert [t for _, t in _text_source(inputs(file=str(path)), run).items] == ["superb, loved it"]  # ';' found
    with pytest.raises(UserError, match="has 2 fields where its header has 1 \\(split by ','\\); .* set --delimiter"):
        _text_source(inputs(file=str(path), delimiter=","), run)
