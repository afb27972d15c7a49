import numpy as np

from textcnn.text.batching import BucketedBatches, collate


def _sequences(n=500, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(2, 50, size=rng.integers(1, 200)).astype(np.int32) for _ in range(n)]


def test_collate_pads_and_masks():
    batch = collate([np.array([5, 6, 7]), np.array([8])], np.array([1, 0]), np.array([3, 9]))
    assert batch.ids.tolist() == [[5, 6, 7], [8, 0, 0]]
    assert batch.mask.tolist() == [[True, True, True], [True, False, False]]
    assert batch.labels.tolist() == [1, 0] and batch.index.tolist() == [3, 9]


def test_every_text_once_per_epoch_and_repeatable():
    seqs = _sequences()
    batches = BucketedBatches(seqs, np.arange(len(seqs)) % 2, 32, shuffle=True, chunk=4, seed=1)
    first = np.concatenate(batches.order())
    assert sorted(first.tolist()) == list(range(len(seqs)))
    assert len(batches.order()) == len(batches) == 16
    assert np.array_equal(np.concatenate(batches.order()), first)  # same epoch, same order
    batches.set_epoch(1)
    assert not np.array_equal(np.concatenate(batches.order()), first)  # a new epoch reshuffles


def test_bucketing_keeps_padding_small():
    seqs = _sequences(2000)
    lengths = np.array([len(s) for s in seqs])

    def padding_fraction(order):
        padded = sum(lengths[b].max() * len(b) for b in order)
        return 1 - lengths.sum() / padded

    bucketed = BucketedBatches(seqs, None, 32, shuffle=True, chunk=20).order()
    rng = np.random.default_rng(0)
    perm = rng.permutation(len(seqs))
    random_order = [perm[i : i + 32] for i in range(0, len(perm), 32)]
    assert padding_fraction(bucketed) < 0.1 < padding_fraction(random_order)


def test_evaluation_order_is_sorted_by_length():
    seqs = _sequences(100)
    order = np.concatenate(BucketedBatches(seqs, None, 16, shuffle=False).order())
    lengths = [len(seqs[i]) for i in order]
    assert lengths == sorted(lengths)
    for batch in BucketedBatches(seqs, None, 16, shuffle=False):
        assert batch.labels is None
        assert batch.mask.sum(dim=1).tolist() == [len(seqs[i]) for i in batch.index]


def test_token_budget_for_evaluation_batches():
    seqs = _sequences(300)
    batches = BucketedBatches(seqs, None, 64, shuffle=False, pad_multiple=16, max_tokens=2048)
    order = batches.order()
    assert sorted(np.concatenate(order).tolist()) == list(range(300)) and len(batches) == len(order)
    for index in order:
        width = -(-max(len(seqs[i]) for i in index) // 16) * 16
        assert len(index) <= 64 and (len(index) == 1 or len(index) * width <= 2048)
    assert len(order[0]) > 4 * len(order[-1])  # short texts travel in big batches, long ones in small
    for batch in batches:
        assert batch.ids.shape[1] % 16 == 0
