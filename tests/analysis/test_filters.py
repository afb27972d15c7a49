"""`textcnn filters`: every filter's pooled n-grams over a corpus, and the explain command's outputs."""

from __future__ import annotations

import json

import pytest

from textcnn.analysis.filters import filter_report
from textcnn.cli.main import main
from textcnn.runs.loaded import Run


def test_filter_report_reads_the_windows_max_pooling_kept(tiny_run, tiny_data):
    run = Run.load(tiny_run, device="cpu")
    report = filter_report(run, data=str(tiny_data), max_texts=50, top=5, show=3, progress=False)
    assert report.num_texts == 50 and len(report.filters) == 5
    impacts = [s.impact for s in report.filters]
    assert impacts == sorted(impacts, reverse=True)
    weight = run.model.classifier[-1].weight.detach().numpy()
    for s in report.filters:
        assert s.width in (3, 4, 5) and 1 <= len(s.ngrams) <= 3
        assert s.weights["pos"] == pytest.approx(float(weight[1, s.filter]), abs=1e-4)
        assert all(1 <= len(g.split()) <= s.width for g, _, _ in s.ngrams)
        activations = [a for _, a, _ in s.ngrams]
        assert activations == sorted(activations, reverse=True)
        assert 0 < s.consistency <= 1 and s.common_word


def test_filters_command_writes_table_json_and_figure(tiny_run, tiny_data, tmp_path, capsys):
    prefix = tmp_path / "filters"
    code = main(
        [
            "filters",
            str(tiny_run),
            "--data",
            str(tiny_data),
            "--max-texts",
            "40",
            "--top-filters",
            "4",
            "--output",
            str(prefix),
            "--no-progress",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "| filter | width | weight neg | weight pos | towards |" in out and out.count("\n| ") >= 5
    saved = json.loads((tmp_path / "filters.json").read_text())
    assert len(saved["filters"]) == 4 and saved["num_texts"] == 40
    assert (tmp_path / "filters.png").stat().st_size > 5000 and (tmp_path / "filters.md").is_file()


def test_filters_refuses_a_model_without_filters(tiny_data, tmp_path, capsys):
    from tests.conftest import TINY_OVERRIDES
    from textcnn.config import load_config
    from textcnn.runs.training import train_run

    config = load_config(
        "configs/lstm_imdb.yaml", [f"data.path={tiny_data}", *TINY_OVERRIDES, "train.epochs=1", "model.hidden_size=8"]
    )
    out = tmp_path / "lstm"
    train_run(config, out, progress=False)
    assert main(["filters", str(out), "--no-progress"]) == 2
    assert "is not a TextCNN run" in capsys.readouterr().err
    # explain still works for it, through occlusion, and says so.
    assert main(["explain", str(out), "a superb film"]) == 0
    assert json.loads(capsys.readouterr().out)["exact"] is False


@pytest.mark.parametrize("form", ["json", "text", "html", "png"])
def test_explain_command_in_every_format(tiny_run, tmp_path, capsys, form):
    texts = ["a superb and moving film", "the worst, most boring plot"]
    output = tmp_path / f"explain.{form}"
    argv = ["explain", str(tiny_run), *texts, "--format", form, "--top-ngrams", "3", "--top-filters", "3"]
    if form in ("html", "png"):
        argv += ["--output", str(output)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    if form == "json":
        rows = [json.loads(line) for line in out.splitlines()]
        assert [r["text"] for r in rows] == texts and all(r["exact"] for r in rows)
        assert all(len(r["filters"]) == 3 for r in rows)
    elif form == "text":
        assert "exact: each logit = bias + the n-grams' contributions" in out
        assert "](pos)" in out or "](neg)" in out  # no terminal: marks in brackets, no escape codes
        assert "\033[" not in out
    elif form == "html":
        page = output.read_text()
        assert page.count("<h2>") == 2 and "<span style='background:" in page
    else:
        assert (tmp_path / "explain-1.png").stat().st_size > 5000 and (tmp_path / "explain-2.png").is_file()


def test_explain_reads_files_and_takes_options_after_texts(tiny_run, tmp_path, capsys):
    table = tmp_path / "reviews.csv"
    table.write_text('review,stars\n"a superb film",5\n"dull, awful",1\n')
    assert main(["explain", str(tiny_run), "--file", str(table), "--text-column", "review"]) == 0
    assert [json.loads(x)["text"] for x in capsys.readouterr().out.splitlines()] == ["a superb film", "dull, awful"]
    argv = ["explain", str(tiny_run), "a superb film", "--top-ngrams", "1", "--format", "text", "--colour", "always"]
    assert main(argv) == 0
    assert "\033[1;" in capsys.readouterr().out
    assert main(["explain", str(tiny_run), "a film", "--format", "png"]) == 2
    assert "--format png needs --output FILE" in capsys.readouterr().err
