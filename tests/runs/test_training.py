import hashlib
import json
import logging
import shutil

import numpy as np
import pytest
import torch
import yaml
from safetensors.torch import load_file

from tests.conftest import TINY_OVERRIDES, _train_tiny
from textcnn.analysis.explain import explain_texts
from textcnn.config import load_config
from textcnn.errors import TextInputError, TrainingDiverged, UserError
from textcnn.runs.folder import RunFolder
from textcnn.runs.loaded import Run
from textcnn.runs.training import train_run
from textcnn.training import SingleLabel, Trainer

RUN_FILES = ["config.yaml", "tokenizer.json", "model.safetensors", "metrics.json", "history.csv", "curves.png"]


def test_run_folder_contents(tiny_run):
    for name in RUN_FILES:
        assert (tiny_run / name).is_file(), name
    metrics = json.loads((tiny_run / "metrics.json").read_text())
    for key in ("val_accuracy", "test_accuracy", "test_split", "epoch_seconds", "train_seconds", "num_parameters"):
        assert key in metrics
    assert metrics["test_split"] == "test" and len(metrics["epoch_seconds"]) == metrics["epochs_run"]
    assert metrics["test_accuracy"] > 0.8  # the cues are easy: well above chance
    assert (tiny_run / "history.csv").read_text().count("\n") == metrics["epochs_run"] + 1


def test_save_load_predict_identical(tiny_run, tiny_data):
    run = Run.load(tiny_run, device="cpu")
    texts = ["A wonderful, brilliant film.", "Boring and awful.", "", "x"]
    first = run.predict_proba(texts)
    second = Run.load(tiny_run, device="cpu").predict_proba(texts)
    np.testing.assert_array_equal(first, second)
    # Prediction order does not depend on batching or on the other texts in the batch.
    np.testing.assert_allclose(run.predict_proba(texts[::-1], batch_size=1)[::-1], first, atol=1e-6)
    labels = [p["label"] for p in run.predict(texts[:2])]
    assert labels == ["pos", "neg"]
    assert run.evaluate(split="test")["accuracy"] == pytest.approx(
        json.loads((tiny_run / "metrics.json").read_text())["test_accuracy"]
    )


def test_bad_texts_still_predict(tiny_run):
    run = Run.load(tiny_run, device="cpu")
    texts = ["", "   \t ", "qwxz zzkj", "great", "great movie " * 60_000]  # the last is ~720 KB
    out = run.predict(texts)
    assert len(out) == 5 and all(0.5 <= p["probability"] <= 1.0 for p in out)
    assert run.predict([]) == []


def test_evaluate_metrics(tiny_run, tiny_data):
    metrics = Run.load(tiny_run, device="cpu").evaluate(str(tiny_data), "test")
    assert metrics["num_examples"] == 120
    matrix = np.array(metrics["confusion_matrix"]["rows_true_columns_predicted"])
    assert matrix.sum() == 120 and np.trace(matrix) / 120 == pytest.approx(metrics["accuracy"])
    assert set(metrics["per_class"]) == {"neg", "pos"}


def test_broken_run_folders(tiny_run, tmp_path):
    with pytest.raises(UserError, match="run folder not found"):
        Run.load(tmp_path / "none")
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copy(tiny_run / "config.yaml", partial)
    shutil.copy(tiny_run / "run.json", partial)
    with pytest.raises(UserError, match="missing tokenizer.json, model.safetensors"):
        Run.load(partial)

    corrupt = tmp_path / "corrupt"
    shutil.copytree(tiny_run, corrupt)
    (corrupt / "model.safetensors").write_bytes(b"\x00garbage")
    with pytest.raises(UserError, match="does not match the sha256 recorded in run.json"):
        Run.load(corrupt)
    RunFolder(corrupt).save_weights({}, {})  # garbage-free but not a textcnn checkpoint, with a matching digest
    (corrupt / "model.safetensors").write_bytes(b"\x00garbage")
    manifest = json.loads((corrupt / "run.json").read_text())
    manifest["weights_sha256"] = hashlib.sha256(b"\x00garbage").hexdigest()
    (corrupt / "run.json").write_text(json.dumps(manifest))
    with pytest.raises(UserError, match="not a valid textcnn checkpoint"):
        Run.load(corrupt)

    mismatch = tmp_path / "mismatch"
    shutil.copytree(tiny_run, mismatch)
    config = yaml.safe_load((mismatch / "config.yaml").read_text())
    config["model"]["num_filters"] = 5
    (mismatch / "config.yaml").write_text(yaml.safe_dump(config))
    with pytest.raises(UserError, match="checkpoint does not match config.yaml"):
        Run.load(mismatch)

    missing_key = tmp_path / "missing_key"
    shutil.copytree(tiny_run, missing_key)
    state = load_file(str(missing_key / "model.safetensors"))
    state.pop("classifier.1.bias")
    RunFolder(missing_key).save_weights(state, {"class_names": '["neg", "pos"]'})  # records the new digest
    with pytest.raises(UserError, match="classifier.1.bias: missing"):
        Run.load(missing_key)


def test_the_api_refuses_a_single_string_and_names_a_bad_text(tiny_run):
    run = Run.load(tiny_run, device="cpu")
    for call in (run.predict, run.predict_proba):
        with pytest.raises(TypeError, match=r"got a single str; wrap it in a list"):
            call("good film")  # not one prediction per character
    with pytest.raises(TextInputError, match="text 1 is None, not a string"):
        run.predict(["good", None])
    with pytest.raises(TextInputError, match="text 0 is an int"):
        run.predict_proba([3])
    with pytest.raises(ValueError, match="text 2 is not valid Unicode"):
        run.predict(["a", "b", "bad \udcff byte"])  # what Python makes of a non-UTF-8 byte in argv
    assert len(run.predict(("a tuple", "of texts"))) == 2


def test_weights_holding_nan_are_refused_on_load(tiny_run, tmp_path):
    broken = tmp_path / "nan"
    shutil.copytree(tiny_run, broken)
    state = load_file(str(broken / "model.safetensors"))
    state["classifier.1.weight"][0, 0] = float("nan")
    RunFolder(broken).save_weights(state, {"class_names": '["neg", "pos"]'})
    with pytest.raises(UserError, match=r"classifier.1.weight holds NaN or infinite values .* lower train.lr"):
        Run.load(broken)


def test_training_that_diverges_after_a_good_point_keeps_it_and_is_marked_failed(
    tiny_data, tmp_path, monkeypatch, log_lines
):
    config = load_config(None, [f"data.path={tiny_data}", *TINY_OVERRIDES, "train.epochs=3", "model.num_filters=8"])
    step = Trainer.train_step
    calls = []

    def diverges_in_epoch_2(self, model, batch, share=1.0):
        loss, logits = step(self, model, batch, share)
        calls.append(1)
        return (torch.tensor(float("nan")) if len(calls) > 30 else loss), logits  # 23 steps an epoch

    monkeypatch.setattr(Trainer, "train_step", diverges_in_epoch_2)
    out = tmp_path / "run"
    with pytest.raises(TrainingDiverged, match=r"at epoch 2 step 8; .* marked failed and keeps the best validation"):
        train_run(config, out, progress=False)
    manifest = RunFolder.open(out).manifest()
    assert manifest.status == "failed" and "epoch 2 step 8" in manifest.error
    run = Run.load(out, device="cpu")  # the epoch-1 weights, verified
    assert "failed run" in log_lines(logging.WARNING)[0] and np.isfinite(run.predict_proba(["a great film"])).all()
    with pytest.raises(UserError, match="failed .* resuming would repeat it"):
        RunFolder.resume(out)


def test_train_refuses_to_overwrite_and_pretrained_modes_need_vectors(tiny_run, tiny_data):
    config = load_config(tiny_run / "config.yaml")
    with pytest.raises(UserError, match="already holds a run; choose another --out, or continue it with --resume"):
        train_run(config, tiny_run, progress=False)
    with pytest.raises(UserError, match="model.vectors: embedding_mode 'static' needs a word vectors file"):
        load_config(tiny_run / "config.yaml", ["model.embedding_mode=static"])
    missing = load_config(tiny_run / "config.yaml", ["model.embedding_mode=static", "model.vectors=/no/such.bin"])
    with pytest.raises(UserError, match="word vectors file not found: /no/such.bin"):
        train_run(missing, tiny_run.parent / "static", progress=False)


def test_lstm_run_round_trip(tiny_data, tmp_path):
    config = load_config(
        None,
        [
            f"data.path={tiny_data}",
            "model.name=lstm",
            "model.embedding_dim=16",
            "model.hidden_size=16",
            "tokenizer.vocab_size=200",
            "tokenizer.min_frequency=1",
            "train.epochs=3",
            "train.batch_size=16",
            "train.lr=0.01",
            "train.device=cpu",
        ],
    )
    metrics = train_run(config, tmp_path / "lstm", progress=False)
    assert metrics.model == "lstm" and metrics.test_accuracy > 0.7
    run = Run.load(tmp_path / "lstm", device="cpu")
    torch.testing.assert_close(
        torch.from_numpy(run.predict_proba(["superb and moving", "dull"])),
        torch.from_numpy(run.predict_proba(["superb and moving", "dull"], batch_size=1)),
    )


def test_an_ensemble_run_trains_saves_predicts_and_explains(tiny_data, tmp_path):
    from textcnn.analysis.explain import explain_texts
    from textcnn.analysis.filters import filter_report
    from textcnn.models import Ensemble

    config = load_config(
        None, [f"data.path={tiny_data}", "model.members=3", "model.num_filters=8", "train.device=cpu", *TINY_OVERRIDES]
    )
    metrics = train_run(config, tmp_path / "ensemble", progress=False)
    assert metrics.test_accuracy > 0.8
    run = Run.load(tmp_path / "ensemble", device="cpu")
    assert isinstance(run.model, Ensemble) and len(run.model.members) == 3 and run.fast_model() is None
    texts = ["superb and moving", "dull", "a superb film, dull in parts"]
    probs = run.predict_proba(texts)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(probs, run.predict_proba(texts, batch_size=1), rtol=1e-5, atol=1e-6)
    (explanation,) = explain_texts(run, ["superb and moving"])
    assert not explanation["exact"] and explanation["tokens"]  # occlusion: a sum of filters spans three models
    with pytest.raises(UserError, match="is an ensemble of 3 models: only a single TextCNN has filters to read"):
        filter_report(run, progress=False)


@pytest.mark.parametrize("mode", ["static", "non-static", "multichannel"])
def test_pretrained_modes_train_save_and_predict_without_the_vectors_file(
    mode, tiny_data, tiny_vectors, tmp_path, log_lines
):
    from textcnn.text.vectors import load_vectors, vectors_for_vocab

    vectors_file = tmp_path / "own.bin"
    shutil.copy(tiny_vectors, vectors_file)
    config = load_config(
        None,
        [
            f"data.path={tiny_data}",
            "model.num_filters=8",
            f"model.embedding_mode={mode}",
            f"model.vectors={vectors_file}",
            *[o for o in TINY_OVERRIDES if not o.startswith("model.embedding_dim")],
            "model.embedding_dim=12",
            "train.epochs=3",
        ],
    )
    metrics = train_run(config, tmp_path / "run", progress=False)
    coverage = metrics.vectors_coverage
    assert metrics.embedding_mode == mode and coverage["found"] == coverage["vocabulary"] > 0
    assert any(line.startswith("vectors: ") for line in log_lines())
    assert metrics.test_accuracy > 0.7

    vectors_file.unlink()  # a run holds its vectors in its weights
    run = Run.load(tmp_path / "run", device="cpu")
    assert [p["label"] for p in run.predict(["superb, loved it", "dull and painful"])] == ["pos", "neg"]
    start, _ = vectors_for_vocab(load_vectors(tiny_vectors), run.tokenizer.get_vocab(), seed=config.seed)
    embedding = run.model.embedding
    if mode in ("static", "multichannel"):  # the frozen channel is exactly the pretrained vectors
        torch.testing.assert_close(embedding.frozen.weight, start)
    if mode in ("non-static", "multichannel"):  # the fine-tuned channel started there and moved
        assert not torch.allclose(embedding.trained.weight, start)
        assert torch.nn.functional.cosine_similarity(embedding.trained.weight[2:], start[2:]).mean() > 0.5


def test_vectors_must_match_the_embedding_size(tiny_data, tiny_vectors, tmp_path):
    config = load_config(
        None, [f"data.path={tiny_data}", "model.embedding_mode=non-static", f"model.vectors={tiny_vectors}"]
    )
    with pytest.raises(UserError, match="model.embedding_dim is 128 but .*tiny.bin holds 12-dim vectors"):
        train_run(config, tmp_path / "run", progress=False)
    assert not (tmp_path / "run").exists()


def write_hotel_reviews(path):
    """400 unspaced Chinese hotel reviews, half positive, in one CSV file with columns label, review."""
    rng = np.random.default_rng(0)
    filler = ["酒店", "房间", "早餐", "服务", "位置", "前台", "我们", "这次", "入住", "感觉", "环境", "价格"]
    cues = {1: ["很好", "干净", "满意", "舒服", "推荐"], 0: ["很差", "脏乱", "失望", "吵闹", "后悔"]}
    rows = ["label,review"]
    for i in range(400):
        words = list(rng.choice(filler, 6)) + list(rng.choice(cues[i % 2], 2))
        rng.shuffle(words)
        rows.append(f"{i % 2},{''.join(words)}。")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


CHARACTER_VECTORS = ["model.embedding_mode=non-static", "model.vectors_from_train=true"]


@pytest.mark.parametrize(
    "extra", [[], CHARACTER_VECTORS, ["model.ngrams=2"]], ids=["rand", "vectors_from_train", "character_pairs"]
)
def test_a_tiny_chinese_dataset_is_learned(tmp_path, extra):
    """Unspaced Chinese reviews in one CSV file, with a held-out test split: far above chance, with
    random vectors and with character vectors word2vec learned from the training split."""
    path = write_hotel_reviews(tmp_path / "hotel.csv")
    config = load_config(
        None,
        [
            f"data.path={path}",
            "data.text_column=review",
            "data.test_size=0.25",
            "model.num_filters=16",
            *extra,
            *TINY_OVERRIDES,
        ],
    )
    metrics = train_run(config, tmp_path / "run", progress=False)
    assert metrics.test_split == "25% of 'train'" and metrics.num_test == 100
    assert metrics.test_accuracy >= 0.9


def test_a_bpe_run_trains_and_predicts(tiny_data, tmp_path):
    config = load_config(None, [f"data.path={tiny_data}", "tokenizer.kind=bpe", "model.num_filters=8", *TINY_OVERRIDES])
    metrics = train_run(config, tmp_path / "bpe", progress=False)
    assert metrics.test_accuracy > 0.8
    run = Run.load(tmp_path / "bpe", device="cpu")
    assert [p["label"] for p in run.predict(["superbly brilliant", "awfully dull"])] == ["pos", "neg"]


def test_vectors_from_train_learns_the_tokenizers_own_tokens(tiny_data, tmp_path, log_lines):
    """model.vectors_from_train: word2vec on the training split's tokens (here BPE pieces, which no
    vectors file could match), the same vectors on every run, and a run that predicts."""
    overrides = [
        f"data.path={tiny_data}",
        "tokenizer.kind=bpe",
        "model.embedding_mode=static",  # frozen: the table after training is word2vec's
        "model.vectors_from_train=true",
        "word2vec.cache=false",  # learned twice: the second run must learn the same vectors, not read them
        "model.embedding_dim=12",
        "model.num_filters=8",
        *TINY_OVERRIDES,
    ]
    metrics = train_run(load_config(None, overrides), tmp_path / "a", progress=False)
    assert any("model.vectors_from_train" in line for line in log_lines())
    coverage = metrics.vectors_coverage
    # Every token the training texts hold has a vector (BPE's vocabulary also holds merge steps that no
    # encoded text keeps: those start random).
    assert coverage["token_coverage"] > 0.99 and coverage["found"] > 0
    train_run(load_config(None, overrides), tmp_path / "b", progress=False)
    assert Run.load(tmp_path / "a", device="cpu").predict(["superbly brilliant"])[0]["label"] in ("pos", "neg")
    first, second = (Run.load(tmp_path / name, device="cpu").model.embedding for name in ("a", "b"))
    assert first.state_dict().keys() == second.state_dict().keys()
    for key, value in first.state_dict().items():
        assert torch.equal(value, second.state_dict()[key]), key  # one word2vec thread: repeatable


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["model.vectors_from_train=true"], "embedding_mode 'rand' starts from random vectors"),
        (
            ["model.embedding_mode=static", "model.vectors_from_train=true", "model.vectors=v.bin"],
            "from model.vectors or from train, not both",
        ),
        (["model.embedding_mode=static"], "set model.vectors_from_train: true"),
        (["model.embedding_mode=static", "model.vectors=v.bin", "tokenizer.kind=bpe"], "model.vectors_from_train"),
    ],
)
def test_vectors_from_train_config_errors(overrides, message):
    with pytest.raises(UserError, match=message):
        load_config(None, overrides)


def test_crop_length_trains_on_windows_and_scores_whole_texts(tiny_data, tmp_path):
    overrides = [f"data.path={tiny_data}", "model.num_filters=8", "train.crop_length=6", *TINY_OVERRIDES]
    metrics = train_run(load_config(None, overrides), tmp_path / "crop", progress=False)
    assert metrics.test_accuracy > 0.8
    assert metrics.num_test > 0 and load_config(tmp_path / "crop" / "config.yaml").train.crop_length == 6


def test_evaluate_scores_the_rows_the_runs_test_score_used(tiny_data, tmp_path):
    """max_eval_samples cut the test split to 50 rows for the run's test score: evaluate uses them, and says so."""
    overrides = [f"data.path={tiny_data}", *TINY_OVERRIDES, "train.epochs=2", "data.max_eval_samples=50"]
    config = load_config(None, overrides)
    out = tmp_path / "run"
    metrics = train_run(config, out, progress=False)
    run = Run.load(out, device="cpu")
    report = run.evaluate()
    assert report["split"] == "the 50 test rows of 'test' the run scored (splits.json)"
    assert report["num_examples"] == metrics.num_test == 50
    assert report["accuracy"] == pytest.approx(metrics.test_accuracy)
    whole = run.evaluate(split="test")  # asked for by name: every row of it
    assert whole["split"] == "test" and whole["num_examples"] == 120


def test_a_run_with_a_wide_branch_keeps_its_ratios_and_explains_exactly(tiny_wide_run):
    from textcnn.analysis.explain import explain_texts

    run = Run.load(tiny_wide_run, device="cpu")
    assert run.model.wide.ratios.abs().sum() > 0  # the counted ratios were saved with the weights, not rebuilt
    texts = ["A wonderful, brilliant film.", "Boring and awful, not good."]
    np.testing.assert_array_equal(run.predict_proba(texts), Run.load(tiny_wide_run, device="cpu").predict_proba(texts))
    for result, text in zip(explain_texts(run, texts), texts):
        for name, logit in result["logits"].items():
            total = result["bias"][name] + sum(g["contributions"][name] for g in result["ngrams"])
            assert total == pytest.approx(logit, abs=1e-4)
        assert result["wide"] and all(w["ngram"].lower() in text.lower() for w in result["wide"])


def test_a_single_label_run_is_calibrated_on_validation_and_predicts_the_scaled_probabilities(tiny_run):
    from safetensors import safe_open

    from textcnn.text.batching import eval_batches
    from textcnn.text.tokenizer import encode
    from textcnn.training import predict_logits, resolve_precision

    calibration = json.loads((tiny_run / "metrics.json").read_text())["calibration"]
    assert calibration["temperature"] > 0 and calibration["ece_after"] <= calibration["ece_before"] + 1e-9
    assert 0 <= calibration["test_ece"] <= 1 and (tiny_run / "reliability.png").is_file()
    with safe_open(str(tiny_run / "model.safetensors"), "pt") as f:
        assert float(f.metadata()["temperature"]) == calibration["temperature"]
    run = Run.load(tiny_run, device="cpu", precompute="off")
    assert run.temperature == calibration["temperature"]
    texts = ["A wonderful, brilliant film.", "Boring and awful.", "an ordinary film"]
    batches = eval_batches(encode(run.tokenizer, texts), None, run.config.train)
    precision = resolve_precision(run.config.train.precision, run.device)
    logits = predict_logits(run.model, batches, run.device, precision=precision)
    expected = torch.softmax(logits.double() / run.temperature, dim=1).numpy()
    np.testing.assert_allclose(run.predict_proba(texts), expected, atol=1e-5)
    explained = explain_texts(run, texts[:1])[0]["probabilities"]
    assert list(explained.values()) == pytest.approx(list(expected[0]), abs=1e-5)


def test_calibrate_false_keeps_the_softmax(tiny_data, tmp_path):
    folder = _train_tiny(tiny_data, tmp_path / "plain", "train.calibrate=false", "train.epochs=1")
    assert json.loads((folder / "metrics.json").read_text())["calibration"] is None
    assert not (folder / "reliability.png").exists() and Run.load(folder, device="cpu").temperature == 1.0


def test_class_weights_reach_the_loss(tiny_data, tmp_path, log_lines, monkeypatch):
    seen = []
    loss = SingleLabel.loss
    monkeypatch.setattr(SingleLabel, "loss", lambda self, *args: seen.append(self.class_weights) or loss(self, *args))
    _train_tiny(tiny_data, tmp_path / "weighted", "train.class_weight={pos: 3}", "train.epochs=1")
    assert any("class weights in the loss: neg 1, pos 3" in line for line in log_lines())
    assert seen and set(seen) == {(1.0, 3.0)}


def test_predictions_are_the_same_when_tokenizing_runs_beside_the_model(tiny_run, monkeypatch):
    import textcnn.runs.loaded as loaded

    run = Run.load(tiny_run, device="cpu")
    texts = [f"{word} film, {i} times" for i, word in enumerate(["superb", "awful", "dull", "moving"] * 5)]
    whole = run.predict_proba(texts)
    monkeypatch.setattr(loaded, "PIPELINE_CHUNK", 3)  # seven chunks, each tokenized while the one before runs
    np.testing.assert_allclose(run.predict_proba(texts), whole, atol=1e-6)
