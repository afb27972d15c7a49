"""The flat token store holds exactly what the per-text arrays held, and batches the same way."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import make_reviews
from textcnn.text.batching import BucketedBatches
from textcnn.text.token_store import TokenStore, TokenStoreBuilder, id_dtype
from textcnn.text.tokenizer import UNK_ID, encode, train_tokenizer


def old_encode(tokenizer, texts):
    """The list-of-arrays path the store replaces: one array per text, [UNK] for a text with no tokens."""
    encodings = tokenizer.encode_batch_fast(list(texts), add_special_tokens=False)
    return [np.asarray(e.ids or [UNK_ID], dtype=np.int32) for e in encodings]


@pytest.fixture(scope="module")
def corpus():
    texts, labels = make_reviews(300, seed=5)
    texts += ["", "   ", "<br />", "这部电影非常好看"]  # texts with no tokens become one [UNK]
    labels += [0, 1, 0, 1]
    tokenizer = train_tokenizer(texts, vocab_size=200, min_frequency=1, max_length=20)
    return tokenizer, texts, np.array(labels)


def test_encode_gives_the_same_ids_as_the_old_path(corpus):
    tokenizer, texts, _ = corpus
    store = encode(tokenizer, texts, chunk=7)  # several chunks, concatenated
    old = old_encode(tokenizer, texts)
    assert isinstance(store, TokenStore) and len(store) == len(old)
    for i, ids in enumerate(old):
        np.testing.assert_array_equal(store[i], ids)
    assert store[-1].tolist() == old[-1].tolist()
    np.testing.assert_array_equal(store.lengths, [len(x) for x in old])
    # 200 words: 2-byte ids
    assert store.ids.dtype == np.uint16 and store.nbytes == 2 * store.lengths.sum() + 8 * (len(store) + 1)


def test_bucketed_batches_from_the_store_equal_the_old_ones(corpus):
    tokenizer, texts, labels = corpus
    store, old = encode(tokenizer, texts), old_encode(tokenizer, texts)
    for shuffle, max_tokens in ((True, None), (False, None), (False, 64)):
        new_batches = BucketedBatches(store, labels, 16, shuffle=shuffle, seed=3, pad_multiple=8, max_tokens=max_tokens)
        old_batches = BucketedBatches(old, labels, 16, shuffle=shuffle, seed=3, pad_multiple=8, max_tokens=max_tokens)
        for epoch in (0, 1):
            new_batches.set_epoch(epoch)
            old_batches.set_epoch(epoch)
            pairs = list(zip(new_batches, old_batches, strict=True))
            assert len(pairs) == len(old_batches)
            for a, b in pairs:
                assert np.array_equal(a.index, b.index) and a.ids.equal(b.ids) and a.mask.equal(b.mask)
                assert a.labels.equal(b.labels)


def test_subsets_slices_and_errors():
    store = TokenStore.from_sequences([[1, 2, 3], [4], [], [5, 6]])
    assert [x.tolist() for x in store.subset(np.array([3, 0, 2]))] == [[5, 6], [1, 2, 3], []]
    assert [x.tolist() for x in store[1:3]] == [[4], []]
    assert np.shares_memory(store[0], store.ids)  # indexing a text gives a view
    with pytest.raises(IndexError):
        store[4]
    with pytest.raises(ValueError, match="offsets"):
        TokenStore(np.array([1, 2]), np.array([0, 3]))


@pytest.mark.parametrize("capacity", [1, 5, 1 << 12])
def test_builder_grows_in_place_and_equals_the_store_of_all_texts(capacity):
    rng = np.random.default_rng(0)
    texts = [rng.integers(0, 100, size=rng.integers(1, 30)).tolist() for _ in range(200)]
    builder = TokenStoreBuilder(capacity)
    for start in range(0, len(texts), 13):  # chunks of 13 texts; the buffer grows several times when small
        builder.extend(texts[start : start + 13])
    store, expected = builder.build(), TokenStore.from_sequences(texts)
    np.testing.assert_array_equal(store.ids, expected.ids)
    np.testing.assert_array_equal(store.offsets, expected.offsets)
    assert store.ids.dtype == np.int32 and len(store.ids) == store.offsets[-1]  # no spare capacity kept


def test_builder_of_nothing_is_an_empty_store():
    store = TokenStoreBuilder().build()
    assert len(store) == 0 and store.nbytes == 8


def test_ids_take_two_bytes_up_to_65536_words_and_four_beyond():
    assert id_dtype(30_000) is np.uint16 and id_dtype(65_536) is np.uint16 and id_dtype(65_537) is np.int32
    big = [[0, 65_535], [65_536, 1_000_000], [7]]
    builder = TokenStoreBuilder(capacity=1, dtype=id_dtype(1_000_001))
    builder.extend(big)
    store = builder.build()
    assert store.ids.dtype == np.int32 and [s.tolist() for s in store] == big
    assert TokenStore.from_sequences([[1, 2]], dtype=np.uint16).ids.dtype == np.uint16
