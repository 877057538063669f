"""FAISS vectors, BM25 and hybrid fusion, with the hashing embedder (a real, small embedder)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.model import Policy
from search.bm25 import BM25Index, ChineseTokenizer
from search.embeddings.hashing import HashingEmbedder
from search.hybrid import HybridSearcher, SearchMode, lexical_weight
from search.index import ClauseIndex
from search.vectors import VectorIndex, vector_id


def unit_vectors(n: int, dim: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.mark.parametrize("approximate_above", [10**9, 500], ids=["flat", "ivf"])
def test_vectors_add_remove_search_and_persist(tmp_path: Path, approximate_above: int) -> None:
    vectors = unit_vectors(2000, 32)
    ids = [f"p1:{i}" for i in range(2000)]
    index = VectorIndex(tmp_path, "m", 32, approximate_above=approximate_above, nprobe=64)
    index.add(ids, vectors)
    index.commit()
    assert index.kind == ("flat" if approximate_above > 2000 else "ivf")
    assert index.search(vectors[7], 1)[0].clause_id == "p1:7"
    assert index.remove(["p1:7", "nope"]) == 1
    assert all(h.clause_id != "p1:7" for h in index.search(vectors[7], 5))
    allowed = {"p1:3", "p1:9"}
    assert {h.clause_id for h in index.search(vectors[9], 10, allowed)} <= allowed
    index.commit()
    again = VectorIndex(tmp_path, "m", 32)
    assert len(again) == 1999 and again.kind == index.kind
    assert again.search(vectors[9], 1)[0].clause_id == "p1:9"


def test_vector_index_refuses_another_model(tmp_path: Path) -> None:
    index = VectorIndex(tmp_path, "model-a", 8)
    index.add(["c"], unit_vectors(1, 8))
    index.commit()
    from ingest.errors import StoreError

    with pytest.raises(StoreError, match="reindex"):
        VectorIndex(tmp_path, "model-b", 8)


def test_vector_ids_are_stable_and_distinct() -> None:
    assert vector_id("p1:一/十五") == vector_id("p1:一/十五")
    assert len({vector_id(f"p:{i}") for i in range(10000)}) == 10000


def test_tokenizer_keeps_unit_names_whole() -> None:
    tokenizer = ChineseTokenizer()
    tokenizer.add_words(["县商务局"])
    tokens = tokenizer("县商务局负责招商引资工作。")
    assert "县商务局" in tokens and "招商" in tokens and "招商引资" in tokens
    assert "的" not in tokenizer("的") and "。" not in tokens


def test_bm25_ranks_persists_and_filters(tmp_path: Path) -> None:
    index = BM25Index(tmp_path)
    index.add(
        ["a", "b", "c"],
        ["县商务局负责招商引资工作", "优先保障高新区建设用地指标", "县发改局牵头优化产业布局"],
    )
    index.commit()
    assert [h.clause_id for h in index.search("招商", 3)] == ["a"]
    assert index.search("用地", 3, allowed={"a"}) == []
    again = BM25Index(tmp_path)
    assert [h.clause_id for h in again.search("产业布局", 3)] == ["c"]
    again.remove(["c"])
    again.commit()
    assert again.search("产业布局", 3) == [] and len(again) == 2


def test_lexical_weight_follows_the_language_of_the_question() -> None:
    assert lexical_weight("县商务局负责什么？") == 1.0
    assert lexical_weight("How are land quotas guaranteed?") == 0.0
    assert 0 < lexical_weight("What is the 县商务局 responsible for?") < 1


def test_hybrid_fuses_both_rankings(seed_policy: Policy) -> None:
    index = ClauseIndex(None, HashingEmbedder(256))
    index.add_policies([seed_policy])
    index.commit()
    searcher: HybridSearcher = index.searcher
    hybrid = searcher.search("高新区项目建设用地优先保障", 5)
    assert hybrid[0].clause_id.endswith("/六")
    assert hybrid[0].bm25_rank is not None and hybrid[0].dense_rank is not None
    assert searcher.search("招商", 3, mode=SearchMode.BM25)[0].clause_id.endswith("/十五")
    dense = searcher.search("招商引资", 3, mode=SearchMode.DENSE)
    assert all(h.bm25_rank is None and h.dense_rank for h in dense)
    only = {seed_policy.clauses[0].id}
    assert [h.clause_id for h in searcher.search("用地", 5, allowed=only)] == [
        seed_policy.clauses[0].id
    ]
    assert searcher.search("   ", 5) == []


def test_index_drift_is_reported(seed_policy: Policy) -> None:
    index = ClauseIndex(None, HashingEmbedder(64))
    index.add_policies([seed_policy])
    index.commit()
    ids = {c.id for c in seed_policy.clauses}
    assert index.drift(ids).clean
    index.vectors.remove([seed_policy.clauses[0].id])
    drift = index.drift(ids | {"p9:extra"})
    assert drift.missing_vectors == {seed_policy.clauses[0].id, "p9:extra"}
    assert drift.missing_bm25 == {"p9:extra"}
    assert index.remove_policies([seed_policy.id]) == 18


def test_bm25_removals_and_staged_additions_need_no_rebuild_to_show(tmp_path: Path) -> None:
    index = BM25Index(tmp_path)
    index.add(["a", "b"], ["县商务局负责招商引资工作", "优先保障高新区建设用地指标"])
    index.commit()
    index.remove(["a"])  # masked at once, rebuilt later
    assert index.search("招商", 3) == [] and index.clause_ids() == {"b"}
    tokens = [index.tokenizer("县科技局建设创新平台")]
    staged = index.stage(["c"], tokens)
    assert index.search("创新平台", 3) == []  # staging does not touch the live index
    index.add_tokens(["c"], tokens)
    index.install(staged)
    assert [h.clause_id for h in index.search("创新平台", 3)] == ["c"]
    assert index.search("招商", 3) == []  # still removed
    index.commit()
    again = BM25Index(tmp_path)
    assert again.clause_ids() == {"b", "c"}
    assert [h.clause_id for h in again.search("创新平台", 3)] == ["c"]
