"""What ``policykg check`` finds: whether graph, vectors and BM25 hold the same clauses, and the
same contents, and every stored file is whole.

The graph is the source of truth for which clauses exist and what they say. A clause's vector must
be the cached vector of its text (cache and index store the same float16-rounded values), and its
BM25 tokens must be what the tokenizer makes of its text today. A check that finds nothing wrong
has compared all of that, not only the ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from policykg.ingest.ids import text_hash
from policykg.ingest.model import Policy
from policykg.search.embeddings.base import model_family
from policykg.search.embeddings.cache import EmbeddingCache
from policykg.search.index import ClauseIndex, IndexDrift, passage_text

_CHUNK = 2_000


@dataclass(slots=True)
class CheckReport:
    """The findings of one check.

    Attributes:
        clauses_in_graph: Clauses the graph holds.
        vectors: Vectors in FAISS (None when the index cannot be loaded).
        bm25: Clauses in BM25 (None when the index cannot be loaded).
        drift: Clause ids on which graph and indexes disagree (None when not loaded).
        damaged_policies: Stored policy files that cannot be read back: id -> problem.
        index_problem: Why the clause index cannot be loaded, or None.
        cache_problem: Why the embedding cache cannot be used, or None.
        wrong_vectors: Clauses whose vector is not the cached vector of their text.
        unverified_vectors: Clauses whose text has no cached vector to compare with.
        wrong_tokens: Clauses whose BM25 tokens are not those of their text.
        unfinished_batch: A writer died in its commit window (the next write finishes it).
        graph_problem: Why the graph cannot be loaded at all, or None.
        record_problem: Why the commit record (``store.json``) cannot be read, or None.
        repaired: What a repair did, one line each.
    """

    clauses_in_graph: int = 0
    vectors: int | None = None
    bm25: int | None = None
    drift: IndexDrift | None = None
    damaged_policies: dict[str, str] = field(default_factory=dict)
    index_problem: str | None = None
    cache_problem: str | None = None
    wrong_vectors: set[str] = field(default_factory=set)
    unverified_vectors: int = 0
    wrong_tokens: set[str] = field(default_factory=set)
    unfinished_batch: bool = False
    graph_problem: str | None = None
    record_problem: str | None = None
    repaired: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """True when every comparison agreed and every file was whole."""
        return not (
            self.damaged_policies
            or self.index_problem
            or self.cache_problem
            or (self.drift is not None and not self.drift.clean)
            or self.wrong_vectors
            or self.wrong_tokens
            or self.unfinished_batch
            or self.graph_problem
            or self.record_problem
        )

    def problems(self) -> list[str]:
        """One line per problem, each saying what to run."""
        lines = [f"graph: {self.graph_problem}"] if self.graph_problem else []
        lines += [
            f"policy {pid}: {problem}" for pid, problem in sorted(self.damaged_policies.items())
        ]
        if self.record_problem:
            lines.append(f"commit record: {self.record_problem}")
        if self.index_problem:
            lines.append(f"clause index: {self.index_problem}")
        if self.cache_problem:
            lines.append(f"embedding cache: {self.cache_problem}")
        if self.drift is not None and not self.drift.clean:
            d = self.drift
            lines.append(
                f"vectors: {len(d.missing_vectors)} missing, {len(d.extra_vectors)} extra; "
                f"BM25: {len(d.missing_bm25)} missing, {len(d.extra_bm25)} extra"
            )
        if self.wrong_vectors:
            lines.append(f"{len(self.wrong_vectors)} vectors differ from their clause's text")
        if self.wrong_tokens:
            lines.append(f"{len(self.wrong_tokens)} BM25 entries differ from their clause's text")
        if self.unfinished_batch:
            lines.append("a write was interrupted in its commit (the next command finishes it)")
        if lines:
            lines.append("run `policykg check --repair` to fix this")
        return lines


def _chunks(
    items: Sequence[tuple[Policy, str, str]],
) -> Iterator[Sequence[tuple[Policy, str, str]]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def compare_contents(
    index: ClauseIndex, policies: Iterable[Policy], cache: EmbeddingCache | None, model: str
) -> tuple[set[str], int, set[str]]:
    """Compare every clause's vector and tokens with what its text gives.

    A vector is right when it is the cached vector of its text under ``model`` or under another
    backend of the same model (an index may hold vectors of several, see ``model_family``).

    Returns:
        (clauses with a wrong vector, clauses whose vector could not be verified for want of a
        cached one, clauses with wrong tokens).
    """
    items = [
        (policy, clause.id, passage_text(policy, clause))
        for policy in policies
        for clause in policy.clauses
    ]
    wrong_vectors: set[str] = set()
    wrong_tokens: set[str] = set()
    unverified = 0
    in_bm25 = index.bm25.clause_ids()
    family = model_family(model)
    names = [m for m in cache.models() if model_family(m) == family] if cache else []
    for chunk in _chunks(items):
        ids = [clause_id for _, clause_id, _ in chunk]
        stored = index.vectors.vectors_of(ids)
        hashes = [text_hash(text) for _, _, text in chunk]
        expected = [cache.get(name, hashes) for name in names] if cache else []
        tokens = index.bm25.tokens_of(ids)
        for (policy, clause_id, text), key in zip(chunk, hashes, strict=True):
            vector = stored.get(clause_id)
            if vector is not None:
                references = [e[key] for e in expected if key in e]
                if not references:
                    unverified += 1
                    if abs(float(np.linalg.norm(vector)) - 1.0) > 1e-2:
                        wrong_vectors.add(clause_id)  # not a unit vector: damaged whatever it was
                elif not any(np.allclose(vector, r, atol=1e-6) for r in references):
                    wrong_vectors.add(clause_id)
            held = tokens.get(clause_id)
            unit_names = [u.name for u in policy.units]
            if held is None:
                if clause_id in in_bm25:
                    wrong_tokens.add(clause_id)  # indexed, but its tokens are gone
            elif held != index.bm25.tokenizer(text, unit_names):
                wrong_tokens.add(clause_id)
    return wrong_vectors, unverified, wrong_tokens
