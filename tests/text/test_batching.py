import numpy as np
import pytest

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


def test_crop_cuts_long_training_texts_to_a_fresh_window_each_epoch():
    rng = np.random.default_rng(0)
    texts = [np.arange(100, 100 + n, dtype=np.int64) for n in rng.integers(1, 40, size=50)]  # consecutive ids
    batches = BucketedBatches(texts, np.zeros(50, dtype=np.int64), 8, shuffle=True, seed=3, crop=10)
    windows = {}
    for epoch in (0, 1):
        batches.set_epoch(epoch)
        seen = 0
        for batch in batches:
            lengths = batch.mask.sum(dim=1)
            assert int(lengths.max()) <= 10
            for row, i in enumerate(batch.index):
                window = batch.ids[row, : lengths[row]].numpy()
                text = texts[i]
                assert len(window) == min(len(text), 10)
                start = int(window[0]) - 100
                np.testing.assert_array_equal(window, text[start : start + len(window)])  # a slice of the text
                windows[epoch, int(i)] = start
                seen += 1
        assert seen == 50
    long = [i for i, t in enumerate(texts) if len(t) > 12]
    assert any(windows[0, i] != windows[1, i] for i in long)  # drawn anew each epoch
    assert all(windows[0, i] == 0 for i, t in enumerate(texts) if len(t) <= 10)
    again = BucketedBatches(texts, np.zeros(50, dtype=np.int64), 8, shuffle=True, seed=3, crop=10)
    again.set_epoch(1)
    np.testing.assert_array_equal(again.window_starts(), batches.window_starts())  # repeatable


def test_crop_is_for_training_batches_only():
    with pytest.raises(ValueError, match="crop applies to training batches"):
        BucketedBatches([np.arange(3)], None, 4, shuffle=False, crop=2)
