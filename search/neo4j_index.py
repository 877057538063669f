"""The clause index inside Neo4j (``POLICYKG_INDEX=neo4j``): the store holds graph, vectors and
BM25 tokens together, so any number of processes on one database search the same clauses.

Each Clause node gets ``embedding`` (the model's vector; a Neo4j **vector index**, cosine) and
``tokens`` (the clause's BM25 tokens from the same jieba tokenizer as the file index, joined by
spaces; a **full-text index** with the whitespace analyzer, so Lucene's BM25 scores the tokens
bm25s scores). A new policy's graph, vectors and tokens are written in one transaction
(:meth:`Neo4jClauseIndex.write_with_graph`), so graph and index cannot drift. Hybrid search fuses
the two rankings exactly as the file index does (:class:`~search.hybrid.HybridSearcher`).

Scores: Neo4j reports cosine similarity as ``(1 + cos) / 2``; it is turned back into the cosine
the FAISS index reports. Lucene's BM25 uses k1 = 1.2 where bm25s uses 1.5, so lexical scores
differ in scale; only ranks enter the fusion.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from policykg.graph import cypher
from policykg.graph.cypher import INDEX_STATE
from policykg.graph.schema import CLAUSE
from policykg.ingest.errors import StoreCorruptError
from policykg.ingest.model import Policy
from policykg.search.bm25 import BM25Hit, ChineseTokenizer
from policykg.search.embeddings.base import Embedder, Vectors, model_family
from policykg.search.hybrid import HybridSearcher
from policykg.search.index import ClauseIndex, PreparedClauses
from policykg.search.vectors import VectorHit

if TYPE_CHECKING:
    from policykg.graph.base import WriteResult
    from policykg.graph.neo4j.connection import Connection, Tx
    from policykg.graph.neo4j.store import Neo4jStore

VECTOR_INDEX = "policykg_clause_embedding"
TEXT_INDEX = "policykg_clause_tokens"
EXACT_BELOW = 50_000
"""A filter allowing fewer clauses than this is searched exactly (cosine of each), not through
the approximate vector index, which would return the nearest clauses of the whole store."""

CANDIDATES = 100
"""Neighbours asked of the vector index at least (its search list; see _nearest)."""

_LUCENE_SPECIAL = re.compile(r'([\\"])')


def lucene_query(tokens: Sequence[str]) -> str:
    """A full-text query matching any of ``tokens`` (each quoted, so no token is read as Lucene
    syntax; a repeated token counts again, as in bm25s)."""
    quoted = (_LUCENE_SPECIAL.sub(r"\\\1", t) for t in tokens)
    return " OR ".join(f'"{t}"' for t in quoted)


def _record_model(tx: Tx, dim: int, model: str) -> bool:
    """Record the model the index holds vectors of; True if this created the record (a new or
    cleared store). Raises StoreCorruptError for a store indexed with another model."""
    rows = tx.rows(
        f"MATCH (m:{INDEX_STATE} {{name: 'clauses'}}) RETURN m.model AS model, m.dim AS dim"
    )
    if rows:
        if model_family(rows[0]["model"]) != model_family(model) or rows[0]["dim"] != dim:
            raise StoreCorruptError(
                f"the Neo4j clause index was built with {rows[0]['model']} "
                f"({rows[0]['dim']} dimensions), not {model} ({dim}); run `policykg reindex`"
            )
        return False
    tx.run(
        f"CREATE (:{INDEX_STATE} {{name: 'clauses', model: $model, dim: $dim}})",
        model=model,
        dim=dim,
    )
    return True


def _vector_dimensions(tx: Tx) -> int | None:
    rows = tx.rows(
        "SHOW INDEXES YIELD name, options WHERE name = $name RETURN options", name=VECTOR_INDEX
    )
    if not rows:
        return None
    return int(rows[0]["options"]["indexConfig"]["vector.dimensions"])


class Neo4jVectors:
    """Clause vectors on Clause nodes under a Neo4j vector index (the FAISS index's face)."""

    kind = "neo4j"

    def __init__(self, db: Connection, model: str, dim: int) -> None:
        self._db = db
        self.model = model
        self.dim = dim

    def __len__(self) -> int:
        return int(self._db.read(_count, "embedding"))

    def clause_ids(self) -> set[str]:
        """Clauses that have a vector."""
        return set(self._db.read(_ids_with, "embedding"))

    def vectors_of(self, clause_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of these clauses (those without one are absent)."""
        rows = self._db.read(_values, list(clause_ids), "embedding")
        return {r["id"]: np.asarray(r["value"], dtype=np.float32) for r in rows}

    def add(self, clause_ids: Sequence[str], vectors: Vectors) -> None:
        """Set the vectors of these clauses (their nodes must exist)."""
        rows = [
            {"id": clause_id, "vector": vector.tolist()}
            for clause_id, vector in zip(
                clause_ids, np.asarray(vectors, dtype=np.float32), strict=True
            )
        ]
        self._db.write(_set_vectors, rows)

    def remove(self, clause_ids: Iterable[str]) -> int:
        """Drop the vectors of these clauses; how many there were."""
        return int(self._db.write(_unset, list(clause_ids), "embedding"))

    def commit(self) -> None:
        """Every change is committed by its own transaction."""

    def search(self, query: Vectors, k: int, allowed: set[str] | None = None) -> list[VectorHit]:
        """The ``k`` clauses most similar to ``query`` (cosine), optionally only among ``allowed``."""
        if k <= 0 or (allowed is not None and not allowed):
            return []
        vector = [float(x) for x in np.asarray(query, dtype=np.float32).reshape(-1)]
        if allowed is not None and len(allowed) < EXACT_BELOW:
            rows = self._db.read(_exact_nearest, sorted(allowed), vector, k)
        else:
            rows = self._db.read(_nearest, vector, k, sorted(allowed) if allowed else None)
        return [VectorHit(r["id"], 2 * float(r["score"]) - 1) for r in rows]


class Neo4jTokens:
    """Clause tokens on Clause nodes under a full-text index (the BM25 index's face)."""

    def __init__(self, db: Connection) -> None:
        self._db = db
        self.tokenizer = ChineseTokenizer()

    def __len__(self) -> int:
        return int(self._db.read(_count, "tokens"))

    def clause_ids(self) -> set[str]:
        """Clauses that have tokens."""
        return set(self._db.read(_ids_with, "tokens"))

    def tokens_of(self, clause_ids: Iterable[str]) -> dict[str, list[str]]:
        """The stored tokens of these clauses."""
        rows = self._db.read(_values, list(clause_ids), "tokens")
        return {r["id"]: str(r["value"]).split() for r in rows}

    def add_tokens(self, clause_ids: Sequence[str], tokens: Sequence[list[str]]) -> None:
        """Set the tokens of these clauses (their nodes must exist)."""
        self._db.write(_set, list(clause_ids), "tokens", [" ".join(t) for t in tokens])

    def remove(self, clause_ids: Iterable[str]) -> int:
        """Drop the tokens of these clauses; how many there were."""
        return int(self._db.write(_unset, list(clause_ids), "tokens"))

    def commit(self, merge: bool | None = None) -> None:
        """Every change is committed by its own transaction (Lucene merges by itself)."""

    def close(self) -> None:
        """The connection belongs to the graph store."""

    def search(self, query: str, k: int, allowed: set[str] | None = None) -> list[BM25Hit]:
        """The ``k`` best clauses for ``query`` by Lucene's BM25 over the same tokens."""
        tokens = self.tokenizer(query)
        if not tokens or k <= 0 or (allowed is not None and not allowed):
            return []
        rows = self._db.read(
            _full_text, lucene_query(tokens), k, sorted(allowed) if allowed is not None else None
        )
        return [BM25Hit(r["id"], float(r["score"])) for r in rows]


class Neo4jClauseIndex(ClauseIndex):
    """The clause index in the Neo4j store that holds the graph.

    Args:
        store: The graph store (its connection carries the index too).
        embedder: Embeds passages and queries.

    Raises:
        StoreCorruptError: The database's index was built with another model.
    """

    writes_with_graph = True

    def __init__(self, store: Neo4jStore, embedder: Embedder) -> None:
        db = store.connection
        created = db.write(_record_model, embedder.dim, embedder.name)
        dimensions = db.read(_vector_dimensions)
        if created and dimensions is not None and dimensions != embedder.dim:
            # A cleared store, indexed before with a model of another size: a new vector index.
            db.ensure_indexes(f"DROP INDEX {VECTOR_INDEX} IF EXISTS")
        db.ensure_indexes(
            f"CREATE VECTOR INDEX {VECTOR_INDEX} IF NOT EXISTS FOR (c:{CLAUSE}) ON (c.embedding) "
            f"OPTIONS {{indexConfig: {{`vector.dimensions`: {int(embedder.dim)}, "
            "`vector.similarity_function`: 'cosine', `vector.quantization.enabled`: false}}",
            f"CREATE FULLTEXT INDEX {TEXT_INDEX} IF NOT EXISTS FOR (c:{CLAUSE}) ON EACH "
            "[c.tokens] OPTIONS {indexConfig: {`fulltext.analyzer`: 'whitespace'}}",
        )
        self._store = store
        self._db = db
        self.embedder = embedder
        self.vectors = Neo4jVectors(db, embedder.name, embedder.dim)  # type: ignore[assignment]
        self.bm25 = Neo4jTokens(db)  # type: ignore[assignment]
        self.searcher = HybridSearcher(embedder, self.vectors, self.bm25)
        self._lock = threading.RLock()

    def remove_policies(self, policy_ids: Iterable[str]) -> int:
        """Drop the vectors and tokens of these policies' clauses (one query by ``policy_id``,
        not a scan of every indexed clause id); returns how many clauses had a vector."""
        ids = list(policy_ids)
        return int(self._db.write(_unset_policies, ids)) if ids else 0

    def write_with_graph(
        self, policies: Sequence[Policy], prepared: PreparedClauses
    ) -> list[WriteResult]:
        """Write ``policies`` to the graph with the vectors and tokens of their clauses, in the
        transactions of the graph write (replaced versions leave with their clauses)."""
        vectors = np.asarray(prepared.vectors, dtype=np.float32)
        extra: dict[str, dict[str, Any]] = {
            clause_id: {
                "embedding": vectors[i],  # stored as 32-bit floats (cypher.SET_CLAUSE_VECTORS)
                "tokens": " ".join(prepared.tokens[i]),
            }
            for i, clause_id in enumerate(prepared.clause_ids)
        }
        return self._store.write_policies(policies, clause_extra=extra)


# -- transaction functions --------------------------------------------------------------------


def _count(tx: Tx, key: str) -> int:
    return int(
        tx.rows(f"MATCH (c:{CLAUSE}) WHERE c.{key} IS NOT NULL RETURN count(c) AS n")[0]["n"]
    )


def _ids_with(tx: Tx, key: str) -> list[str]:
    return [
        r["id"] for r in tx.rows(f"MATCH (c:{CLAUSE}) WHERE c.{key} IS NOT NULL RETURN c.id AS id")
    ]


def _values(tx: Tx, ids: list[str], key: str) -> list[Any]:
    return tx.rows(
        f"UNWIND $ids AS id MATCH (c:{CLAUSE} {{id: id}}) WHERE c.{key} IS NOT NULL "
        f"RETURN id, c.{key} AS value",
        ids=ids,
    )


def _set(tx: Tx, ids: list[str], key: str, values: list[Any]) -> None:
    tx.run(
        f"UNWIND range(0, size($ids) - 1) AS i MATCH (c:{CLAUSE} {{id: $ids[i]}}) "
        f"SET c.{key} = $values[i]",
        ids=ids,
        values=values,
    )


def _set_vectors(tx: Tx, rows: list[dict[str, Any]]) -> None:
    tx.run(cypher.SET_CLAUSE_VECTORS, key="embedding", rows=rows)


def _unset(tx: Tx, ids: list[str], key: str) -> int:
    rows = tx.rows(
        f"UNWIND $ids AS id MATCH (c:{CLAUSE} {{id: id}}) WHERE c.{key} IS NOT NULL "
        f"REMOVE c.{key} RETURN count(c) AS n",
        ids=ids,
    )
    return int(rows[0]["n"]) if rows else 0


def _unset_policies(tx: Tx, policy_ids: list[str]) -> int:
    rows = tx.rows(
        f"MATCH (c:{CLAUSE}) WHERE c.policy_id IN $ids "
        "AND (c.embedding IS NOT NULL OR c.tokens IS NOT NULL) "
        "WITH c, c.embedding IS NOT NULL AS had "
        "REMOVE c.embedding, c.tokens RETURN count(CASE WHEN had THEN 1 END) AS n",
        ids=policy_ids,
    )
    return int(rows[0]["n"]) if rows else 0


def _nearest(tx: Tx, vector: list[float], k: int, allowed: list[str] | None) -> list[Any]:
    if allowed is None:
        # The index's HNSW search finds the nearest of the neighbours it is asked for; asking for
        # at least 100 (the depth of a hybrid search) keeps its recall of the best k near 1.
        return tx.rows(
            "CALL db.index.vector.queryNodes($index, $depth, $vector) YIELD node, score "
            "RETURN node.id AS id, score LIMIT $k",
            index=VECTOR_INDEX,
            depth=max(k, CANDIDATES),
            k=k,
            vector=vector,
        )
    # A large filter: ask the index for more neighbours than wanted and keep the allowed ones.
    return tx.rows(
        "CALL db.index.vector.queryNodes($index, $depth, $vector) YIELD node, score "
        "WITH node, score WHERE node.id IN $allowed RETURN node.id AS id, score LIMIT $k",
        index=VECTOR_INDEX,
        depth=min(10 * max(k, CANDIDATES), 10_000),
        k=k,
        vector=vector,
        allowed=allowed,
    )


def _exact_nearest(tx: Tx, allowed: list[str], vector: list[float], k: int) -> list[Any]:
    return tx.rows(
        f"UNWIND $ids AS id MATCH (c:{CLAUSE} {{id: id}}) WHERE c.embedding IS NOT NULL "
        "WITH c, vector.similarity.cosine(c.embedding, $vector) AS score "
        "RETURN c.id AS id, score ORDER BY score DESC, id LIMIT $k",
        ids=allowed,
        vector=vector,
        k=k,
    )


def _full_text(tx: Tx, query: str, k: int, allowed: list[str] | None) -> list[Any]:
    if allowed is None:
        return tx.rows(
            "CALL db.index.fulltext.queryNodes($index, $text, {limit: $k}) YIELD node, score "
            "RETURN node.id AS id, score",
            index=TEXT_INDEX,
            text=query,
            k=k,
        )
    return tx.rows(
        "CALL db.index.fulltext.queryNodes($index, $text) YIELD node, score "
        "WITH node, score WHERE node.id IN $allowed RETURN node.id AS id, score LIMIT $k",
        index=TEXT_INDEX,
        text=query,
        k=k,
        allowed=allowed,
    )
