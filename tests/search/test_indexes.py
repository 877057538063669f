"""FAISS vectors, BM25 and hybrid fusion, with the hashing embedder (a real, small embedder)."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policykg.ingest.model import Policy
from policykg.search.bm25 import BM25Index, ChineseTokenizer, top_positive
from policykg.search.embeddings.hashing import HashingEmbedder
from policykg.search.hybrid import HybridSearcher, SearchMode, lexical_weight
from policykg.search.index import ClauseIndex
from policykg.search.vectors import VectorIndex, vector_id


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
    from policykg.ingest.errors import StoreError

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


def test_query_names_found_by_scanning_match_counting_every_name() -> None:
    """A query is scanned for the added names by place and length; the tokens are those of
    counting every added name in it (the explicit ``words`` path), overlaps and repeats too."""
    tokenizer = ChineseTokenizer()
    names = ["县商务局", "商务局", "县发改局", "县科技局", "县人民政府", "人民政府", "aa", "Bureau"]
    tokenizer.add_words(names)
    for text in [
        "县商务局和县发改局负责什么？县商务局牵头",
        "县人民政府办公室",
        "aaa aaaa",
        "What is the Commerce bureau (县商务局) responsible for?",
        "",
        "无关的问题",
    ]:
        assert tokenizer(text) == tokenizer(text, words=names), text


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([0.0, 0.0, 0.0, 0.5, 1.0, 1.25, 2.0, 3.5]), min_size=1, max_size=60),
    st.integers(min_value=1, max_value=70),
)
def test_top_positive_is_the_best_positive_scores_in_order(scores: list[float], k: int) -> None:
    array = np.array(scores, dtype=np.float32)
    top = top_positive(array, k)
    expected = sorted((s for s in scores if s > 0), reverse=True)[:k]
    assert [float(array[i]) for i in top] == expected
    assert len(set(top.tolist())) == len(top)


def test_bm25_search_ranks_as_bm25s_retrieve(tmp_path: Path) -> None:
    """The main segment's top-k (ours, over positive scores) returns what bm25s's own
    retrieve returns, scores included."""
    texts = [
        "县商务局负责招商引资工作",
        "优先保障高新区建设用地指标",
        "县发改局牵头优化产业布局",
        "县商务局牵头建设电子商务公共服务平台",
        "县自然资源和规划局保障项目建设用地",
        "县科技局建设创新平台，支持企业研发",
    ] * 5
    ids = [f"c{i}" for i in range(len(texts))]
    index = BM25Index(tmp_path)
    index.add(ids, texts)
    index.commit()
    retriever = index._main.retriever
    assert isinstance(retriever, bm25s.BM25)
    for query in ["县商务局 建设平台", "建设用地", "招商", "产业布局 研发"]:
        tokens = [t for t in index.tokenizer(query) if t in retriever.vocab_dict]
        documents, scores = retriever.retrieve([tokens], k=8, show_progress=False)
        theirs = sorted(
            (-round(float(s), 4), index._main.ids[int(d)])
            for d, s in zip(documents[0], scores[0], strict=True)
            if s > 0
        )
        ours = sorted((-round(h.score, 4), h.clause_id) for h in index.search(query, 8))
        assert [score for score, _ in ours] == [score for score, _ in theirs], query
        # The same clauses above the last score (ties at the cut may be either).
        assert {c for s, c in ours if s < ours[-1][0]} == {
            c for s, c in theirs if s < theirs[-1][0]
        }, query


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


def test_bm25_changes_show_at_once_and_survive_a_reload(tmp_path: Path) -> None:
    index = BM25Index(tmp_path)
    index.add(["a", "b"], ["县商务局负责招商引资工作", "优先保障高新区建设用地指标"])
    index.commit()  # the first commit builds the main segment
    assert index.delta_size == 0
    index.remove(["a"])  # masked at once
    index.add(["c"], ["县科技局建设创新平台"])  # in the delta at once
    assert index.search("招商", 3) == [] and index.clause_ids() == {"b", "c"}
    assert [h.clause_id for h in index.search("创新平台", 3)] == ["c"]
    index.commit(merge=False)
    again = BM25Index(tmp_path)
    assert again.delta_size == 2 and again.clause_ids() == {"b", "c"}
    assert [h.clause_id for h in again.search("创新平台", 3)] == ["c"]
    assert again.search("招商", 3) == []
    again.commit(merge=True)
    merged = BM25Index(tmp_path)
    assert merged.delta_size == 0 and merged.clause_ids() == {"b", "c"}
    assert [h.clause_id for h in merged.search("创新平台", 3)] == ["c"]
    # The previous main segment stays for readers that loaded its manifest a moment ago; older
    # ones are gone.
    assert sorted(p.name for p in tmp_path.glob("index-*")) == ["index-1", "index-2"]
    merged.add(["d"], ["县农业农村局推进高标准农田建设"])
    merged.commit(merge=True)
    assert sorted(p.name for p in tmp_path.glob("index-*")) == ["index-2", "index-3"]


def test_bm25_delta_scores_as_the_merged_index_would(tmp_path: Path) -> None:
    texts = {
        "a": "县商务局负责招商引资工作",
        "b": "优先保障高新区建设用地指标",
        "c": "县科技局建设创新平台，支持企业研发",
        "d": "县商务局牵头建设电子商务公共服务平台",
        "e": "县自然资源和规划局保障项目建设用地",
    }
    split = BM25Index(tmp_path / "split")
    split.add(["a", "b", "c"], [texts[c] for c in "abc"])
    split.commit()
    split.add(["d", "e"], [texts[c] for c in "de"])
    assert split.delta_size == 2
    whole = BM25Index(tmp_path / "whole")
    whole.add(list(texts), list(texts.values()))
    whole.commit()
    for query in ["县商务局 建设平台", "建设用地", "商务 招商 平台"]:
        delta = {h.clause_id: h.score for h in split.search(query, 5) if h.clause_id in "de"}
        full = {h.clause_id: h.score for h in whole.search(query, 5) if h.clause_id in "de"}
        assert delta.keys() == full.keys() and delta, query
        for clause_id, score in full.items():
            assert delta[clause_id] == pytest.approx(score, rel=1e-5), (query, clause_id)


def test_bm25_merge_keeps_changes_made_while_it_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import policykg.search.bm25 as bm25

    index = BM25Index(tmp_path)
    index.add(["a", "b"], ["县商务局负责招商引资工作", "优先保障高新区建设用地指标"])
    build = bm25._build

    def build_while_writing(tokens: dict[str, list[str]]) -> bm25.Segment:
        segment = build(tokens)
        index.add(["c"], ["县科技局建设创新平台"])  # another thread's write, mid-merge
        index.remove(["b"])
        return segment

    monkeypatch.setattr(bm25, "_build", build_while_writing)
    index.commit(merge=True)
    assert index.clause_ids() == {"a", "c"}
    assert index.search("用地指标", 3) == []
    assert [h.clause_id for h in index.search("创新平台", 3)] == ["c"]
    monkeypatch.setattr(bm25, "_build", build)
    index.commit(merge=False)
    assert BM25Index(tmp_path).clause_ids() == {"a", "c"}


def test_bm25_loads_after_a_crash_between_a_removal_and_its_commit(tmp_path: Path) -> None:
    index = BM25Index(tmp_path)
    index.add(["a", "b"], ["县商务局负责招商引资工作", "优先保障高新区建设用地指标"])
    index.commit()
    index.add(["c"], ["县科技局建设创新平台"])
    index.commit(merge=False)  # "c" is in the saved delta
    index.remove(["c"])  # its tokens are gone at once; the process dies before commit()
    again = BM25Index(tmp_path)
    assert again.clause_ids() == {"a", "b"}
    assert again.search("创新平台", 3) == []
    again.commit()
    assert BM25Index(tmp_path).clause_ids() == {"a", "b"}


def test_bm25_masked_clauses_do_not_hide_the_delta(tmp_path: Path) -> None:
    index = BM25Index(tmp_path)
    ids = [f"m{i}" for i in range(10)]
    index.add(ids, ["县商务局负责招商引资工作"] * 10)
    index.commit()
    index.remove(ids)  # every main clause with the word is masked
    index.add(["d"], ["县商务局负责招商引资工作"])  # replaced: the same text in the delta
    assert [h.clause_id for h in index.search("招商引资", 3)] == ["d"]
