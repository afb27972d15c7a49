import json

import pytest
from PIL import Image

from tests.conftest import TINY_OVERRIDES
from textcnn.bench.machine import PeakMemory
from textcnn.bench.records import BenchReport, Spread
from textcnn.bench.report import markdown_table, time_to_accuracy
from textcnn.bench.run import BenchOptions, run_bench
from textcnn.cli.main import main
from textcnn.errors import RunFolderError
from textcnn.runs.records import read_record
from textcnn.text import learned_vectors


def test_bench_quick_end_to_end(tiny_data, tiny_vectors, tmp_path, capsys):
    out = tmp_path / "bench"
    overrides = [
        f"data.path={tiny_data}",
        "data.max_length=64",
        *[o for o in TINY_OVERRIDES if not o.startswith(("train.epochs", "model.embedding_dim"))],
        "model.embedding_dim=12",
        f"model.vectors={tiny_vectors}",  # the TextCNN side is CNN-non-static; the LSTM's rand mode ignores it
    ]
    argv = [
        "bench",
        "--quick",
        "--out",
        str(out),
        "--no-progress",
        "--infer-texts",
        "50",
        "--latency-texts",
        "10",
        "--evals-per-epoch",
        "2",
        "--config",
        "configs/textcnn_imdb_nonstatic.yaml",
        "--config",
        "configs/lstm_imdb.yaml",
        "--peers",
        "tfidf,nbsvm,fasttext",
    ]
    for o in overrides:
        argv += ["--set", o]
    assert main(argv) == 0
    report = BenchReport.load(out / "bench.json")
    assert set(report.models) == {"textcnn", "lstm"}
    assert report.models["textcnn"].model["embedding_mode"] == "non-static"
    assert report.machine.cpu and report.machine.threads >= 1 and report.machine.torch and report.machine.device
    assert report.machine.precisions and set(report.machine.precisions) <= {"fp32", "bf16"}
    assert 0 < report.target_accuracy <= 1
    for entry in report.models.values():
        assert entry.epoch_seconds.n == 2 and entry.epoch_seconds.median > 0
        assert entry.samples_per_second > 0 and entry.tokens_per_second > entry.samples_per_second
        assert len(entry.runs[0].curve) == 4  # 2 epochs x 2 validations
        inference = entry.inference
        assert inference.reviews_per_second_large_batch.median > 0
        assert inference.reviews_per_second_batch_1 > 0 and inference.latency_ms_batch_1.median > 0
        assert entry.peak_rss_mib_train > 0 and inference.peak_rss_mib > 0
        assert len(entry.seconds_to_accuracy) == 3
    for entry in report.models.values():  # the quality-against-time fields
        assert 0 <= entry.test_accuracy <= 1 and entry.train_seconds_total > report.prep_seconds > 0
    textcnn = report.models["textcnn"]
    assert textcnn.vectors_seconds is None and "missing" in textcnn.vectors_seconds_from  # tiny_vectors: no record
    assert textcnn.inference_precomputed.reviews_per_second_large_batch.median > 0  # on CPU, a TextCNN gets both
    assert report.models["lstm"].inference_precomputed is None and report.models["lstm"].vectors_seconds is None
    assert textcnn.inference_onnx.reviews_per_second_large_batch.median > 0  # the onnx extra is in dev
    assert report.models["lstm"].inference_onnx is None  # the LSTM does not export
    tfidf = report.peers["tfidf"]
    assert 0.5 <= tfidf.test_accuracy <= 1 and tfidf.train_seconds_total > 0 and tfidf.reviews_per_second > 0
    assert tfidf.chosen["C"] in [t["C"] for t in tfidf.tried] and tfidf.peak_rss_mib > 0
    assert tfidf.val_accuracy == pytest.approx(max(t["val_accuracy"] for t in tfidf.tried), abs=1e-4)
    nbsvm = report.peers["nbsvm"]
    assert 0.5 <= nbsvm.test_accuracy <= 1 and nbsvm.train_seconds_total > 0 and nbsvm.reviews_per_second > 0
    assert len(nbsvm.tried) == 6 and (nbsvm.chosen["ngrams"], nbsvm.chosen["C"]) in [
        (t["ngrams"], t["C"]) for t in nbsvm.tried
    ]
    assert nbsvm.val_accuracy == pytest.approx(max(t["val_accuracy"] for t in nbsvm.tried), abs=1e-4)
    assert "| nbsvm (NBSVM" in (out / "bench.md").read_text()
    assert "textcnn inference through ONNX Runtime: " in (out / "bench.md").read_text()
    if "fasttext" in report.peers:  # installed with the dev extras; skipped with a note where it is missing
        fasttext = report.peers["fasttext"]
        assert fasttext.test_accuracy > 0 and fasttext.reviews_per_second > 0 and len(fasttext.tried) == 3
        valid = [t["val_accuracy"] for t in fasttext.tried if t["val_accuracy"] is not None]
        assert fasttext.val_accuracy == pytest.approx(max(valid), abs=1e-4)  # a diverged one is recorded, not chosen
    else:
        assert "not installed" in report.skipped_peers["fasttext"]
    assert "textcnn_vs_lstm" in report.speedups or "lstm_vs_textcnn" in report.speedups
    raw = json.loads((out / "bench.json").read_text())  # the JSON keeps the names the README's figures use
    assert raw["models"]["textcnn"]["inference"]["reviews_per_second_large_batch"]["median"] > 0
    table = (out / "bench.md").read_text()
    assert "| textcnn |" in table and "| lstm |" in table and "Machine:" in table
    with Image.open(out / "bench.png") as image:
        assert image.size[0] > 500
    with Image.open(out / "pareto.png") as image:
        assert image.size[0] > 500
    assert "| tfidf (TF-IDF word 1-2 grams" in table and "test acc | total train s" in table
    assert "| textcnn |" in capsys.readouterr().out


def test_run_bench_returns_the_report_it_writes(tiny_data, tmp_path):
    out = tmp_path / "bench"
    overrides = [
        f"data.path={tiny_data}",
        "data.max_length=64",
        *[o for o in TINY_OVERRIDES if not o.startswith("train.epochs")],
        "train.epochs=1",
    ]
    options = BenchOptions(
        configs=["configs/textcnn_imdb.yaml", "configs/lstm_imdb.yaml"],
        overrides=overrides,
        out=out,
        quick=True,
        evals_per_epoch=1,
        infer_texts=20,
        latency_texts=5,
        repeats=2,
        progress=False,
    )
    report = run_bench(options)
    assert isinstance(report, BenchReport)
    loaded = BenchReport.load(out / "bench.json")
    assert loaded == report  # nested dataclasses, curves as tuples: the round trip is exact
    assert loaded.models["textcnn"].inference.reviews_per_second_large_batch.median > 0
    assert isinstance(loaded.models["lstm"].runs[1].curve[0], tuple) and len(loaded.models["lstm"].runs) == 2
    seeds = [r.seed for r in loaded.models["textcnn"].runs]
    assert seeds == [seeds[0], seeds[0] + 1]
    assert markdown_table(loaded) == (out / "bench.md").read_text()
    older = json.loads((out / "bench.json").read_text())
    older["retired_key"] = 1  # keys a later version dropped are skipped; a missing optional one takes its default
    del older["machine"]["gpu"]
    assert read_record(BenchReport, older) == report


def test_bench_report_refuses_a_broken_file(tmp_path):
    assert Spread.of([3.0, 1.0, 2.0]) == Spread(median=2.0, min=1.0, max=3.0, n=3)
    path = tmp_path / "bench.json"
    path.write_text('{"machine": [1, 2]}')
    with pytest.raises(RunFolderError, match="cannot read"):
        BenchReport.load(path)
    path.write_text("{not json")
    with pytest.raises(RunFolderError, match="cannot read"):
        BenchReport.load(path)


def test_bench_refuses_configs_that_are_not_comparable(capsys):
    argv = ["bench", "--quick", "--set", "data.path=unused"]  # the shipped configs differ in nothing shared...
    argv += ["--config", "configs/textcnn_imdb.yaml", "--config", "configs/textcnn_sst2.yaml"]  # ...these do
    assert main(argv) == 2
    assert "configs differ in data" in capsys.readouterr().err


def test_bench_stops_early_on_a_missing_vectors_file(capsys):
    argv = ["bench", "--quick", "--set", "data.path=unused", "--set", "model.vectors=/no/such.bin"]
    argv += ["--config", "configs/textcnn_imdb_static.yaml", "--config", "configs/lstm_imdb.yaml"]
    assert main(argv) == 2
    assert "word vectors file not found: /no/such.bin" in capsys.readouterr().err


def test_vectors_learned_in_the_run_are_learned_once_timed_and_counted(tiny_data, tmp_path, log_lines):
    overrides = [
        f"data.path={tiny_data}",
        "data.max_length=64",
        *[o for o in TINY_OVERRIDES if not o.startswith(("train.epochs", "model.embedding_dim"))],
        "train.epochs=1",
        "model.embedding_dim=12",
        "model.vectors=null",
        "model.vectors_from_train=true",
    ]
    options = BenchOptions(
        configs=["configs/textcnn_imdb_nonstatic.yaml", "configs/lstm_imdb_nonstatic.yaml"],
        overrides=overrides,
        out=tmp_path / "bench",
        quick=True,
        evals_per_epoch=1,
        infer_texts=20,
        latency_texts=5,
        progress=False,
    )
    cache = learned_vectors.cache_folder()
    before = sorted(cache.glob("*.bin")) if cache.is_dir() else []
    report = run_bench(options)
    assert sum("(model.vectors_from_train)" in line for line in log_lines()) == 1  # the same settings: shared
    for entry in report.models.values():
        assert entry.vectors_seconds > 0 and entry.vectors_seconds_from == "learned in this bench (word2vec)"
        assert entry.train_seconds_total > report.prep_seconds + entry.vectors_seconds
    assert (sorted(cache.glob("*.bin")) if cache.is_dir() else []) == before  # timed, so never read from the cache


def test_bench_checks_each_config_against_the_vectors_it_shares(tiny_vectors, capsys):
    argv = ["bench", "--quick", "--set", "data.path=unused", "--set", f"model.vectors={tiny_vectors}"]
    argv += ["--config", "configs/textcnn_imdb_static.yaml", "--config", "configs/lstm_imdb_nonstatic.yaml"]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert "model.embedding_dim is 300 but" in error and "holds 12-dim vectors" in error


def test_time_to_accuracy_and_peak_memory():
    curve = [(10.0, 0.80), (20.0, 0.86), (30.0, 0.85), (40.0, 0.90)]
    assert time_to_accuracy(curve, 0.86) == 20.0
    assert time_to_accuracy(curve, 0.95) is None
    with PeakMemory() as memory:
        block = bytearray(64 * 2**20)  # 64 MiB touched while watched
        block[::4096] = b"x" * len(block[::4096])
    assert memory.peak_bytes - memory.start_bytes >= 32 * 2**20


def test_figures_name_the_cpu_its_instruction_sets_and_the_precision(monkeypatch, tmp_path):
    import textcnn.bench.machine as bench
    from textcnn.bench.records import MachineInfo

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor : 0\nmodel name : Test CPU 9000\nflags : fpu avx2 fma avx512f amx_tile\n")
    real_path = bench.Path
    monkeypatch.setattr(bench, "Path", lambda p: real_path(cpuinfo) if p == "/proc/cpuinfo" else real_path(p))
    assert bench.cpu_model_and_isa() == ("Test CPU 9000", ["avx2", "avx512", "amx"])
    machine = MachineInfo("Test CPU 9000", 2, 2, "2.13.0", "cpu", "3.11", "0.2.0", None, ["avx2"], ["fp32"])
    assert machine.describe().startswith("Test CPU 9000 (avx2), 2 cores, 2 torch threads, fp32, torch 2.13.0")
