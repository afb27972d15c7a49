import pytest
import torch

from textcnn.config import load_config
from textcnn.errors import UserError
from textcnn.models import Ensemble, TextClassifier, get_model
from textcnn.training.objectives import MultiLabel, SingleLabel


def build(name: str, members: int, *overrides: str):
    config = load_config(
        None, [f"model.name={name}", "model.embedding_dim=8", f"model.members={members}", "model.dropout=0", *overrides]
    )
    torch.manual_seed(0)
    return get_model(config.model, 50, 3)


def batch():
    ids = torch.randint(2, 50, (5, 9))
    ids[1, 3:] = 0
    return ids, ids != 0


@pytest.mark.parametrize("name", ["textcnn", "lstm"])
def test_members_give_one_row_of_logits_each_in_training_and_their_mean_in_eval(name):
    model = build(name, 3)
    assert isinstance(model, Ensemble) and len(model.members) == 3
    assert all(isinstance(member, TextClassifier) for member in model.members)
    first = [p for p in model.members[0].parameters()]
    second = [p for p in model.members[1].parameters()]
    assert any(not torch.equal(a, b) for a, b in zip(first, second))  # initialised apart
    ids, mask = batch()
    per_member = model.train()(ids, mask)
    assert per_member.shape == (5, 3, 3)  # (B, M, C)
    model.eval()
    mean = torch.stack([member(ids, mask) for member in model.members], dim=1).mean(dim=1)
    torch.testing.assert_close(model(ids, mask), mean)  # (B, C)


def test_one_member_is_the_plain_model():
    assert isinstance(build("textcnn", 1), TextClassifier)
    with pytest.raises(UserError, match="model.members: 0 is not allowed; expected >= 1"):
        build("textcnn", 0)
    with pytest.raises(ValueError, match="at least 2 members"):
        Ensemble([build("textcnn", 1)])


@pytest.mark.parametrize("objective", [SingleLabel(), MultiLabel()], ids=["single-label", "multi-label"])
def test_each_member_gets_the_gradient_it_would_get_alone(objective):
    model = build("textcnn", 2).train()
    ids, mask = batch()
    labels = torch.tensor([0, 1, 2, 0, 1])
    if isinstance(objective, MultiLabel):
        labels = torch.nn.functional.one_hot(labels, 3).float()
    objective.loss(model(ids, mask), labels).backward()
    for member in model.members:
        weights = dict(member.named_parameters())
        grads = torch.autograd.grad(objective.loss(member(ids, mask), labels), list(weights.values()))
        alone = dict(zip(weights, grads))
        for name, p in weights.items():
            torch.testing.assert_close(p.grad, alone[name], msg=name)


def test_the_objectives_score_the_ensemble_by_its_mean_logits():
    logits = torch.tensor([[[2.0, 0.0], [-1.0, 0.0]], [[0.0, 1.0], [0.0, 3.0]]])  # (B=2, M=2, C=2)
    labels = torch.tensor([0, 1])
    single = SingleLabel()
    # row 0: mean (0.5, 0) -> class 0, right; row 1: mean (0, 2) -> class 1, right
    assert single.correct(logits, labels) == 2
    expected = sum(torch.nn.functional.cross_entropy(logits[:, m], labels) for m in range(2))
    torch.testing.assert_close(single.loss(logits, labels), expected)
    torch.testing.assert_close(single.probabilities(logits), torch.softmax(logits.mean(dim=1), dim=1))
    torch.testing.assert_close(MultiLabel().probabilities(logits), torch.sigmoid(logits.mean(dim=1)))


def test_parameter_groups_and_constraints_cover_every_member():
    model = build("textcnn", 3, "model.sparse_embedding=true", "model.max_norm=1.0")
    groups = model.parameter_groups()
    assert [g.name for g in groups if g.sparse] == ["member0.embedding", "member1.embedding", "member2.embedding"]
    grouped = {id(p) for g in groups for p in g.params}
    assert grouped == {id(p) for p in model.parameters() if p.requires_grad}
    with torch.no_grad():
        for member in model.members:
            member.classifier[-1].weight.mul_(100)
    model.apply_constraints()
    for member in model.members:
        assert torch.all(member.classifier[-1].weight.norm(dim=1) <= 1.0 + 1e-5)
    vectors = torch.randn(50, 8)
    static = build("textcnn", 2, "model.embedding_mode=static", "model.vectors=unused.bin")
    static.load_vectors(vectors)
    for member in static.members:
        torch.testing.assert_close(member.embedding.frozen.weight[1:], vectors[1:])  # row 0 is the zero padding
