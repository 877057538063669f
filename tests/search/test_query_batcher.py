"""Questions asked at the same moment share one forward pass (``QueryBatcher``)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from policykg.search.embeddings.base import Vectors
from policykg.search.embeddings.batching import QueryBatcher
from policykg.search.embeddings.cache import CachedEmbedder, EmbeddingCache
from policykg.search.embeddings.hashing import HashingEmbedder
from policykg.service.core import PolicyService
from policykg.service.workspace import Workspace
from tests.conftest import SEED


class Counting(HashingEmbedder):
    """The hashing embedder, counting its forward passes and able to fail on a marked text."""

    def __init__(self) -> None:
        super().__init__(64)
        self.calls: list[int] = []
        self.lock = threading.Lock()

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        if "失败" in texts:
            raise RuntimeError("the model failed")
        with self.lock:
            self.calls.append(len(texts))
        return super().embed_queries(texts)


QUESTIONS = [f"县商务局负责第{i}项任务吗?" for i in range(24)]


def test_concurrent_questions_share_passes_and_get_their_own_vectors() -> None:
    inner = Counting()
    batcher = QueryBatcher(inner, max_wait=0.05, max_batch=8)
    barrier = threading.Barrier(len(QUESTIONS))

    def ask(question: str) -> Vectors:
        barrier.wait()
        return batcher.embed_queries([question])

    with ThreadPoolExecutor(len(QUESTIONS)) as pool:
        vectors = list(pool.map(ask, QUESTIONS))
    expected = HashingEmbedder(64).embed_queries(QUESTIONS)
    for got, want in zip(vectors, expected, strict=True):
        np.testing.assert_array_equal(got[0], want)
    assert sum(inner.calls) == len(QUESTIONS)
    assert max(inner.calls) <= 8  # bounded batch
    assert len(inner.calls) < len(QUESTIONS)  # and shared passes
    assert batcher.passes == len(inner.calls)


def test_a_lone_question_waits_at_most_the_bound_and_several_texts_stay_in_order() -> None:
    inner = Counting()
    batcher = QueryBatcher(inner, max_wait=0.002)
    got = batcher.embed_queries(QUESTIONS[:3])
    np.testing.assert_array_equal(got, HashingEmbedder(64).embed_queries(QUESTIONS[:3]))
    assert inner.calls == [3]


def test_a_failed_pass_fails_its_callers_only_and_the_worker_goes_on() -> None:
    inner = Counting()
    batcher = QueryBatcher(inner, max_wait=0.001)
    with pytest.raises(RuntimeError, match="the model failed"):
        batcher.embed_queries(["失败"])
    assert batcher.embed_queries(["县发改委"]).shape == (1, 64)


def test_no_wait_means_no_batching_and_passages_pass_through() -> None:
    inner = Counting()
    batcher = QueryBatcher(inner, max_wait=0)
    batcher.embed_queries(["一"])
    assert batcher.passes == 0 and inner.calls == [1]
    np.testing.assert_array_equal(
        batcher.embed_passages(["条款"]), HashingEmbedder(64).embed_passages(["条款"])
    )
    assert batcher.name == inner.name and batcher.dim == 64


def test_unit_questions_never_reach_the_model_and_retrieval_questions_do(tmp_path: Path) -> None:
    inner = Counting()
    batcher = QueryBatcher(inner, max_wait=0.001)
    data = tmp_path / "data"
    service = PolicyService(
        Workspace(data, embedder=CachedEmbedder(batcher, EmbeddingCache(data / "e.sqlite")))
    )
    service.workspace.ingest_paths([SEED])
    for question in (
        "县商务局负责什么?",
        "What is the 县商务局 responsible for?",
        "县商务局牵头哪些任务?",
    ):
        assert service.ask(question).clauses, question
    assert inner.calls == []
    service.ask("高新区的用地指标怎么保障?")
    assert inner.calls == [1]
    service.close()


def test_the_cache_says_which_passages_it_lacks_without_loading_them(tmp_path: Path) -> None:
    """``EmbeddingCache.missing`` (the Ray path) agrees with ``get``: an absent or damaged
    (non-finite) row is missing, every other cached one is not."""
    cache = EmbeddingCache(tmp_path / "e.sqlite")
    vectors = np.eye(3, 4, dtype=np.float32)
    vectors[2, 0] = np.inf  # a damaged vector
    cache.put("m", ["a", "b", "c"], vectors)
    asked = ["d", "c", "b", "a", *(f"x{i}" for i in range(600))]  # more than one query's worth
    assert cache.missing("m", asked) == ["d", "c", *asked[4:]]
    assert sorted(cache.get("m", asked)) == ["a", "b"]
    assert cache.missing("other", ["a"]) == ["a"]
