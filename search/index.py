"""The clause index: vectors and BM25 kept in step, fed with policies, searched together."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from policykg.graph.base import WriteResult
from policykg.ingest.model import Clause, Policy
from policykg.ingest.storage import fault_point, gc_paused
from policykg.search.bm25 import BM25Index
from policykg.search.embeddings.base import Embedder, Vectors
from policykg.search.hybrid import HybridSearcher, SearchHit, SearchMode
from policykg.search.vectors import VectorIndex

logger = logging.getLogger(__name__)


def passage_text(policy: Policy, clause: Clause) -> str:
    """What is embedded and indexed for a clause: its text, led by the policy title for context."""
    return f"{policy.title}\n{clause.text}"


@dataclass(frozen=True, slots=True)
class PreparedClauses:
    """Clauses embedded and tokenised, ready to be added to the indexes."""

    clause_ids: tuple[str, ...]
    vectors: Vectors
    tokens: tuple[list[str], ...]


@dataclass(frozen=True, slots=True)
class IndexDrift:
    """Clause ids on which the graph and the indexes disagree."""

    missing_vectors: frozenset[str]
    extra_vectors: frozenset[str]
    missing_bm25: frozenset[str]
    extra_bm25: frozenset[str]

    @property
    def clean(self) -> bool:
        """True when graph, vectors and BM25 hold the same clauses."""
        return not (
            self.missing_vectors or self.extra_vectors or self.missing_bm25 or self.extra_bm25
        )


class ClauseIndex:
    """Vectors (FAISS) and BM25 over the clauses of stored policies.

    Args:
        directory: The data directory's ``index`` folder (None: memory only).
        embedder: Embeds passages and queries (cache it: see :class:`~search.embeddings.cache.CachedEmbedder`).
        approximate_above: Vector count above which FAISS switches to IVF.
    """

    def __init__(
        self, directory: Path | None, embedder: Embedder, *, approximate_above: int | None = None
    ) -> None:
        self.embedder = embedder
        options = {} if approximate_above is None else {"approximate_above": approximate_above}
        with gc_paused():
            self.vectors = VectorIndex(
                directory / "vectors" if directory else None, embedder.name, embedder.dim, **options
            )
            self.bm25 = BM25Index(directory / "bm25" if directory else None)
        self.searcher = HybridSearcher(embedder, self.vectors, self.bm25)
        self._lock = threading.RLock()

    writes_with_graph = False
    """Whether the index is written in the graph's own transactions (see
    :meth:`write_with_graph`); the file index is written beside the graph."""

    def write_with_graph(
        self, policies: Sequence[Policy], prepared: PreparedClauses
    ) -> list[WriteResult]:
        """Write policies with their clauses' vectors and tokens in one transaction (an index
        inside the graph's database only).

        Raises:
            NotImplementedError: This index lives beside the graph.
        """
        raise NotImplementedError("the file index is written beside the graph")

    def add_words(self, words: Iterable[str]) -> None:
        """Keep these (unit names) as single BM25 tokens."""
        self.bm25.tokenizer.add_words(words)

    def prepare(self, policies: Sequence[Policy], progress: bool = False) -> PreparedClauses:
        """Embed and tokenise the clauses of ``policies`` without touching the indexes.

        This is the slow part of indexing; do it outside any lock readers wait on.
        """
        ids: list[str] = []
        texts: list[str] = []
        tokens: list[list[str]] = []
        for policy in policies:
            names = [u.name for u in policy.units]
            self.add_words(names)
            for clause in policy.clauses:
                ids.append(clause.id)
                texts.append(passage_text(policy, clause))
                tokens.append(self.bm25.tokenizer(texts[-1], names))
        vectors = self.embedder.embed_passages(texts, progress=progress)
        return PreparedClauses(tuple(ids), vectors, tuple(tokens))

    def apply(self, prepared: PreparedClauses) -> int:
        """Add prepared clauses to both indexes (quick); returns how many."""
        if not prepared.clause_ids:
            return 0
        with self._lock:
            self.vectors.add(prepared.clause_ids, prepared.vectors)
            self.bm25.add_tokens(prepared.clause_ids, list(prepared.tokens))
        return len(prepared.clause_ids)

    def add_policies(self, policies: Sequence[Policy], progress: bool = False) -> int:
        """Index every clause of ``policies``; returns the number of clauses indexed."""
        return self.apply(self.prepare(policies, progress))

    def remove_policies(self, policy_ids: Iterable[str]) -> int:
        """Drop every clause of these policies; returns how many vectors were removed."""
        prefixes = tuple(f"{p}:" for p in policy_ids)
        if not prefixes:
            return 0
        with self._lock:
            doomed = [
                c
                for c in self.vectors.clause_ids() | self.bm25.clause_ids()
                if c.startswith(prefixes)
            ]
            removed = self.vectors.remove(doomed)
            self.bm25.remove(doomed)
        return removed

    def commit(self, *, merge: bool | None = None) -> None:
        """Persist both indexes (each atomically); ``merge`` as in :meth:`BM25Index.commit`."""
        with self._lock:
            self.vectors.commit()
            fault_point("vectors-committed")
            self.bm25.commit(merge=merge)

    def search(
        self,
        query: str,
        k: int = 10,
        allowed: set[str] | None = None,
        mode: SearchMode = SearchMode.HYBRID,
    ) -> list[SearchHit]:
        """Search clauses; see :class:`~search.hybrid.HybridSearcher`."""
        return self.searcher.search(query, k, allowed, mode)

    def close(self) -> None:
        """Release the files the index holds open."""
        self.bm25.close()

    def drift(self, graph_clause_ids: set[str]) -> IndexDrift:
        """Compare the indexes with the clause ids the graph holds."""
        vectors = self.vectors.clause_ids()
        bm25 = self.bm25.clause_ids()
        return IndexDrift(
            missing_vectors=frozenset(graph_clause_ids - vectors),
            extra_vectors=frozenset(vectors - graph_clause_ids),
            missing_bm25=frozenset(graph_clause_ids - bm25),
            extra_bm25=frozenset(bm25 - graph_clause_ids),
        )
