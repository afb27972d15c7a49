"""ONNX export: the graphs give the torch model's logits, and predict / serve run them."""

import json
import shutil

import numpy as np
import onnxruntime
import pytest
import torch
from fastapi.testclient import TestClient

from tests.conftest import TINY_OVERRIDES
from textcnn.cli.main import main
from textcnn.config import load_config
from textcnn.errors import RunFolderError, UserError
from textcnn.export.onnx import LABELS_FILE, LOOKUP_FILE, ONNX_FILE, export_onnx
from textcnn.runs.loaded import Run
from textcnn.runs.training import train_run
from textcnn.serve.app import create_app
from textcnn.text.batching import eval_batches
from textcnn.text.tokenizer import encode

TEXTS = ["A wonderful, brilliant film.", "Boring.", "", "awful " * 70, "an ordinary film with a plot and actors"]


@pytest.fixture(scope="module", params=["plain", "wide"])
def exported(request, tiny_run, tiny_wide_run, tmp_path_factory):
    folder = tmp_path_factory.mktemp("exported") / request.param
    shutil.copytree(tiny_run if request.param == "plain" else tiny_wide_run, folder)
    assert main(["export", str(folder), "--format", "onnx"]) == 0
    return folder


def test_export_writes_both_graphs_and_the_labels(exported):
    assert (exported / ONNX_FILE).is_file() and (exported / LOOKUP_FILE).is_file()
    labels = json.loads((exported / LABELS_FILE).read_text())
    run = Run.load(exported, device="cpu")
    assert labels["class_names"] == run.class_names and labels["temperature"] == run.temperature


@pytest.mark.parametrize("graph", [ONNX_FILE, LOOKUP_FILE])
def test_onnxruntime_gives_the_torch_logits_on_padded_batches_of_varied_lengths(exported, graph):
    run = Run.load(exported, device="cpu", precompute="off")
    session = onnxruntime.InferenceSession(str(exported / graph), providers=["CPUExecutionProvider"])
    for batch in eval_batches(encode(run.tokenizer, TEXTS), None, run.config.train):
        ids, mask = batch.inputs
        assert not bool(mask.all())  # padding is part of what is checked
        got = session.run(["logits"], {"ids": ids.numpy(), "mask": mask.numpy()})[0]
        with torch.inference_mode():
            want = run.model(ids, mask).numpy()
        np.testing.assert_allclose(got, want, atol=1e-4)


def test_predict_and_serve_with_the_onnx_backend(exported, capsys):
    torch_probs = Run.load(exported, device="cpu").predict_proba(TEXTS)
    onnx_run = Run.load(exported, device="cpu", backend="onnx")
    np.testing.assert_allclose(onnx_run.predict_proba(TEXTS), torch_probs, atol=1e-4)
    assert main(["predict", str(exported), "--backend", "onnx", TEXTS[0]]) == 0
    assert json.loads(capsys.readouterr().out)["label"] == "pos"
    with TestClient(create_app(onnx_run)) as client:
        answer = client.post("/predict", json={"texts": TEXTS[:2]})
    assert answer.status_code == 200 and [p["label"] for p in answer.json()["predictions"]] == ["pos", "neg"]


def test_the_onnx_backend_without_an_export_and_an_lstm_export_are_one_line_errors(tiny_run, tiny_data, tmp_path):
    with pytest.raises(RunFolderError, match="has no model.onnx: run 'textcnn export"):
        Run.load(tiny_run, device="cpu", backend="onnx").predict(["a text"])
    config = load_config(None, [f"data.path={tiny_data}", "model.name=lstm", "model.hidden_size=8", *TINY_OVERRIDES])
    train_run(config, tmp_path / "lstm", progress=False)
    with pytest.raises(UserError, match="export: only a TextCNN exports"):
        export_onnx(Run.load(tmp_path / "lstm", device="cpu"), tmp_path / "out")
    assert not (tmp_path / "out").exists()
