"""Hybrid retrieval: BM25 and dense rankings fused by reciprocal rank fusion, with filters."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from policykg.search.bm25 import BM25Index
from policykg.search.embeddings.base import Embedder
from policykg.search.glossary import chinese_terms
from policykg.search.vectors import VectorIndex

RRF_K = 60
"""The reciprocal-rank-fusion constant (Cormack et al. 2009)."""
EXPANSION_WEIGHT = 0.5
"""Weight of BM25 over glossary terms for an English question (dense keeps weight 1)."""


_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def lexical_weight(query: str) -> float:
    """How much BM25 votes in the fusion: the Chinese share of the query.

    BM25 matches tokens of the Chinese text, so an English question gets nothing useful from it
    (its few matches are noise that would push the dense ranking down); a Chinese question gets
    full weight, a mixed one (``What is the 县商务局 responsible for?``) a share.
    """
    chinese = len(_CJK.findall(query))
    latin = len(_LATIN_WORD.findall(query))
    if chinese + latin == 0:
        return 1.0
    return chinese / (chinese + 2 * latin)


class SearchMode(StrEnum):
    """Which rankings to use."""

    HYBRID = "hybrid"
    BM25 = "bm25"
    DENSE = "dense"


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A clause found by search, with what each ranking said of it.

    Attributes:
        clause_id: The clause.
        score: Fused score (RRF) in hybrid mode, else the single ranking's score.
        bm25_rank: 1-based rank in the BM25 list, or None when BM25 did not return it.
        bm25_score: BM25 score, or None.
        dense_rank: 1-based rank in the dense list, or None.
        dense_score: Cosine similarity, or None.
    """

    clause_id: str
    score: float
    bm25_rank: int | None = None
    bm25_score: float | None = None
    dense_rank: int | None = None
    dense_score: float | None = None


class HybridSearcher:
    """Searches clauses by BM25, by dense vectors, or both fused.

    Args:
        embedder: Embeds queries (the model the vector index was built with).
        vectors: The FAISS index.
        bm25: The BM25 index.
        depth: How many candidates each ranking contributes to the fusion.
        rrf_k: The RRF constant.
    """

    def __init__(
        self,
        embedder: Embedder,
        vectors: VectorIndex,
        bm25: BM25Index,
        *,
        depth: int = 100,
        rrf_k: int = RRF_K,
    ) -> None:
        self.embedder = embedder
        self.vectors = vectors
        self.bm25 = bm25
        self.depth = depth
        self.rrf_k = rrf_k
        self._modes: dict[SearchMode, Callable[[str, int, set[str] | None], list[SearchHit]]] = {
            SearchMode.HYBRID: self._hybrid,
            SearchMode.BM25: self._lexical,
            SearchMode.DENSE: self._dense,
        }

    def search(
        self,
        query: str,
        k: int = 10,
        allowed: set[str] | None = None,
        mode: SearchMode = SearchMode.HYBRID,
    ) -> list[SearchHit]:
        """The ``k`` best clauses for ``query``.

        Args:
            query: The question or keywords, Chinese or English.
            k: How many hits.
            allowed: Only these clause ids (a policy, unit, role or jurisdiction filter
                resolved by the caller); None for all.
            mode: Hybrid, BM25 only or dense only.
        """
        if not query.strip() or k <= 0:
            return []
        return self._modes[mode](query, k, allowed)

    def _dense(self, query: str, k: int, allowed: set[str] | None) -> list[SearchHit]:
        vector = self.embedder.embed_queries([query])[0]
        return [
            SearchHit(h.clause_id, h.score, dense_rank=i, dense_score=h.score)
            for i, h in enumerate(self.vectors.search(vector, k, allowed), start=1)
        ]

    def _lexical(self, query: str, k: int, allowed: set[str] | None) -> list[SearchHit]:
        return [
            SearchHit(h.clause_id, h.score, bm25_rank=i, bm25_score=h.score)
            for i, h in enumerate(self.bm25.search(query, k, allowed), start=1)
        ]

    def _hybrid(self, query: str, k: int, allowed: set[str] | None) -> list[SearchHit]:
        depth = max(self.depth, k)
        weight = lexical_weight(query)
        lexical_query = query
        if weight < 0.5:
            # Mostly English: BM25 cannot match English words in Chinese text, so it searches
            # the Chinese terms the glossary gives for them instead, at a lower weight.
            lexical_query = " ".join(chinese_terms(query))
            weight = EXPANSION_WEIGHT if lexical_query else 0.0
        lexical = (
            {h.clause_id: h for h in self._lexical(lexical_query, depth, allowed)}
            if lexical_query
            else {}
        )
        dense = {h.clause_id: h for h in self._dense(query, depth, allowed)}
        fused: list[SearchHit] = []
        for clause_id in lexical.keys() | dense.keys():
            b, d = lexical.get(clause_id), dense.get(clause_id)
            score = 0.0
            if b is not None and b.bm25_rank is not None:
                score += weight / (self.rrf_k + b.bm25_rank)
            if d is not None and d.dense_rank is not None:
                score += 1.0 / (self.rrf_k + d.dense_rank)
            fused.append(
                SearchHit(
                    clause_id,
                    score,
                    bm25_rank=b.bm25_rank if b else None,
                    bm25_score=b.bm25_score if b else None,
                    dense_rank=d.dense_rank if d else None,
                    dense_score=d.dense_score if d else None,
                )
            )
        fused.sort(key=lambda h: (-h.score, h.dense_rank or 10**9, h.clause_id))
        return fused[:k]
