import numpy as np
import pytest
import torch

from tests.conftest import TINY_OVERRIDES
from textcnn.config import TrainConfig, load_config
from textcnn.errors import TrainingDiverged, UserError
from textcnn.models import get_model
from textcnn.text.batching import BucketedBatches
from textcnn.text.data import load_splits
from textcnn.text.tokenizer import encode, train_tokenizer
from textcnn.training import (
    ParameterGroup,
    Trainer,
    WeightAverage,
    build_optimizers,
    clip_gradients,
    lr_factor,
    resolve_precision,
)


def _setup(tiny_data, name: str, seed: int = 0, *extra: str):
    config = load_config(None, [f"data.path={tiny_data}", f"model.name={name}", *TINY_OVERRIDES, *extra])
    splits = load_splits(config.data, seed)
    tok = train_tokenizer(splits.train.texts, vocab_size=200, min_frequency=1)
    train = BucketedBatches(encode(tok, splits.train.texts), splits.train.labels, 16, shuffle=True, seed=seed)
    val = BucketedBatches(encode(tok, splits.validation.texts), splits.validation.labels, 64, shuffle=False)
    torch.manual_seed(seed)
    model = get_model(config.model, tok.get_vocab_size(), 2)
    return config, model, train, val


@pytest.mark.parametrize("name", ["textcnn", "lstm"])
def test_models_learn_tiny_data_well_above_chance(tiny_data, name):
    config, model, train, val = _setup(tiny_data, name)
    result = Trainer(config.train, progress=False).fit(model, train, val)
    assert result.best_val_accuracy >= 0.9
    assert result.history[-1].train_loss < result.history[0].train_loss


def test_same_seed_same_metrics_on_cpu(tiny_data):
    runs = []
    for _ in range(2):
        config, model, train, val = _setup(tiny_data, "textcnn", 0, "train.epochs=2")
        result = Trainer(config.train, progress=False).fit(model, train, val)
        runs.append([(r.train_loss, r.val_accuracy) for r in result.history])
    assert runs[0] == runs[1]


def test_interrupt_keeps_best_epoch(tiny_data):
    config, model, train, val = _setup(tiny_data, "textcnn", 0, "train.epochs=5")

    class InterruptAtEpoch3(BucketedBatches):
        def __iter__(self):
            for i, batch in enumerate(super().__iter__()):
                if self.epoch == 3 and i == 2:
                    raise KeyboardInterrupt
                yield batch

    train.__class__ = InterruptAtEpoch3
    result = Trainer(config.train, progress=False).fit(model, train, val)
    assert result.interrupted and len(result.history) == 2 and result.best_epoch in (1, 2)


def _poison_weights_at(train: BucketedBatches, model, epoch: int, step: int) -> None:
    """Make ``train`` set the model's output weights to NaN just before it yields batch ``step`` of ``epoch``."""

    class Poisoning(BucketedBatches):
        def __iter__(self):
            for i, batch in enumerate(super().__iter__(), start=1):
                if self.epoch == epoch and i == step:
                    with torch.no_grad():
                        model.classifier[-1].weight.fill_(float("nan"))
                yield batch

    train.__class__ = Poisoning


def test_a_non_finite_loss_stops_training_naming_the_step(tiny_data):
    config, model, train, val = _setup(tiny_data, "textcnn", 0, "train.epochs=4")
    _poison_weights_at(train, model, epoch=2, step=3)
    saved = []
    trainer = Trainer(config.train, progress=False)
    message = r"training loss is nan at epoch 2 step 3; lower train\.lr \(now 0\.01\)"
    with pytest.raises(TrainingDiverged, match=message):
        trainer.fit(model, train, val, on_improve=lambda m, r: saved.append(r.epoch))
    assert saved == [1]  # the one validation point before it; nothing after the NaN is saved


def test_a_non_finite_loss_is_caught_at_the_validation_point_when_steps_are_not_read(tiny_data, monkeypatch):
    """Where each step's loss is not read (a GPU, several processes), the summed loss stops training."""
    monkeypatch.setattr(Trainer, "_check_every_step", False)
    config, model, train, val = _setup(tiny_data, "textcnn", 0, "train.epochs=4")
    _poison_weights_at(train, model, epoch=2, step=3)
    checkpoints = []
    trainer = Trainer(config.train, progress=False)
    with pytest.raises(TrainingDiverged, match=f"training loss is nan in the steps up to epoch 2 step {len(train)}"):
        trainer.fit(model, train, val, on_checkpoint=checkpoints.append)
    assert len(checkpoints) == 1 and all(torch.isfinite(v).all() for v in checkpoints[0]["model"].values())


def test_early_stopping_and_best_weights(tiny_data):
    config, model, train, val = _setup(tiny_data, "textcnn", 0, "train.epochs=30", "train.patience=2")
    trainer = Trainer(config.train, progress=False)
    result = trainer.fit(model, train, val)
    assert result.stopped_early and len(result.history) < 30
    assert len(result.history) - result.best_epoch == 2
    _, accuracy = trainer.evaluate(model, val)
    assert accuracy == pytest.approx(result.best_val_accuracy)  # the model holds the best epoch's weights


def test_schedules():
    cfg = TrainConfig(schedule="linear", warmup_steps=10)
    assert lr_factor(0, 110, cfg) == pytest.approx(0.1) and lr_factor(9, 110, cfg) == pytest.approx(1.0)
    assert lr_factor(60, 110, cfg) == pytest.approx(0.5) and lr_factor(110, 110, cfg) == 0.0
    cos = TrainConfig(schedule="cosine")
    assert lr_factor(0, 100, cos) == pytest.approx(1.0) and lr_factor(50, 100, cos) == pytest.approx(0.5)
    assert lr_factor(70, 100, TrainConfig()) == 1.0
    assert np.isclose(lr_factor(100, 100, cos), 0.0)


def test_sparse_embeddings_bf16_and_clipping_still_learn(tiny_data):
    config, model, train, val = _setup(
        tiny_data, "textcnn", 0, "model.sparse_embedding=true", "train.precision=bf16", "train.grad_clip=1.0"
    )
    trainer = Trainer(config.train, progress=False)
    result = trainer.fit(model, train, val)
    assert model.embedding.trained.sparse
    assert [type(o).__name__ for o in trainer._optimizers] == ["Adam", "SparseAdam"]
    assert result.best_val_accuracy >= 0.9


def test_clip_gradients_counts_sparse_gradients():
    dense = torch.nn.Parameter(torch.zeros(3))
    table = torch.nn.Embedding(5, 2, sparse=True)
    dense.grad = torch.tensor([3.0, 0.0, 0.0])
    table(torch.tensor([1, 1])).sum().backward()  # uncoalesced: row 1 twice -> gradient (2, 2)
    clip_gradients([dense, table.weight], max_norm=1.0)
    total = dense.grad.square().sum() + table.weight.grad.coalesce().values().square().sum()
    assert total.sqrt().item() == pytest.approx(1.0, rel=1e-4)
    ratio = table.weight.grad.coalesce().values()[0, 0] / dense.grad[0]
    assert ratio.item() == pytest.approx(2.0 / 3.0, rel=1e-4)  # direction kept


def test_sparse_embeddings_need_adam():
    table = torch.nn.Embedding(5, 2, sparse=True)
    with pytest.raises(UserError, match="sparse embeddings need train.optimizer adam or adamw"):
        build_optimizers([ParameterGroup("embedding", [table.weight], sparse=True)], TrainConfig(optimizer="sgd"))


def test_auto_precision_resolves():
    assert resolve_precision("fp32", torch.device("cpu")) == "fp32"
    assert resolve_precision("auto", torch.device("cpu")) in ("fp32", "bf16")


def test_weight_average_tracks_and_swaps():
    param = torch.nn.Parameter(torch.zeros(2))
    average = WeightAverage([param], decay=0.5)
    with torch.no_grad():
        param.fill_(1.0)
    for _ in range(30):
        average.update()
    assert torch.allclose(average.shadow[0], torch.ones(2), atol=1e-3)
    with torch.no_grad():
        param.fill_(5.0)
    with average.applied():
        assert torch.allclose(param, average.shadow[0])
    assert param.tolist() == [5.0, 5.0]


def test_training_with_weight_average_saves_averaged_weights(tiny_data):
    config, model, train, val = _setup(tiny_data, "textcnn", 0, "train.weight_average=0.9", "train.epochs=3")
    trainer = Trainer(config.train, progress=False)
    result = trainer.fit(model, train, val)
    assert result.best_val_accuracy >= 0.9
    _, accuracy = trainer.evaluate(model, val)
    assert accuracy == pytest.approx(result.best_val_accuracy)  # the model holds the averaged best weights
