"""The clause index inside Neo4j (POLICYKG_INDEX=neo4j), on the real Neo4j: written with the
graph in one transaction, searched like the file index, shared by every process on the database."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from neo4j import Driver

from policykg.graph.neo4j import Neo4jStore
from policykg.ingest.errors import StoreCorruptError
from policykg.search.embeddings.cache import CachedEmbedder, EmbeddingCache
from policykg.search.embeddings.hashing import HashingEmbedder
from policykg.search.hybrid import SearchMode
from policykg.search.neo4j_index import Neo4jClauseIndex, lucene_query
from policykg.service.workspace import Workspace
from tests.conftest import CORPUS, SEED
from tests.helpers import hashing_workspace

pytestmark = pytest.mark.neo4j

QUERIES = ["县商务局 招商引资", "高新区建设用地指标", "合作产业园", "海关特殊监管区"]


def _workspace(data: Path, store: Neo4jStore, dim: int = 128) -> Workspace:
    embedder = CachedEmbedder(HashingEmbedder(dim), EmbeddingCache(data / "cache" / "e.sqlite"))
    return Workspace(
        data, store, embedder=embedder, index_factory=lambda e: Neo4jClauseIndex(store, e)
    )


@pytest.fixture
def store(neo4j_driver: Driver) -> Neo4jStore:
    store = Neo4jStore(neo4j_driver)
    store.clear()
    return store


def test_lucene_query_quotes_every_token() -> None:
    assert lucene_query(["县商务局", 'a"b', "c\\d", "AND"]) == (
        '"县商务局" OR "a\\"b" OR "c\\\\d" OR "AND"'
    )


def test_graph_vectors_and_tokens_are_written_together_and_searched_like_the_file_index(
    tmp_path: Path, store: Neo4jStore
) -> None:
    documents = [SEED, CORPUS / "dev" / "012.txt"]
    workspace = _workspace(tmp_path / "neo4j", store)
    report = workspace.ingest_paths(documents)
    assert len(report.added) == 2
    index = workspace.index
    assert isinstance(index, Neo4jClauseIndex)
    clause_ids = set(workspace.graph_clause_ids())
    # Every clause of the graph carries its vector and tokens: one write, nothing to drift.
    assert index.vectors.clause_ids() == clause_ids == index.bm25.clause_ids()
    check = workspace.check()
    assert check.clean and check.unverified_vectors == 0, check.problems

    files = hashing_workspace(tmp_path / "files")
    files.ingest_paths(documents)
    stored = index.vectors.vectors_of(sorted(clause_ids))
    theirs = files.index.vectors.vectors_of(sorted(clause_ids))
    for clause_id in clause_ids:
        assert np.allclose(stored[clause_id], theirs[clause_id], atol=1e-6)
    assert index.bm25.tokens_of(sorted(clause_ids)) == files.index.bm25.tokens_of(
        sorted(clause_ids)
    )
    for query in QUERIES:
        dense = workspace.search(query, 10, mode=SearchMode.DENSE)
        expected = files.search(query, 10, mode=SearchMode.DENSE)
        assert [f.hit.clause_id for f in dense] == [f.hit.clause_id for f in expected], query
        # Neo4j reports (1 + cos) / 2 in float32: the cosine comes back within 1e-4.
        assert [f.hit.score for f in dense] == pytest.approx(
            [f.hit.score for f in expected], abs=1e-4
        )
        # Lucene's BM25 (k1 1.2) against bm25s (k1 1.5): the same best clause, mostly the same set.
        ours = [f.hit.clause_id for f in workspace.search(query, 5, mode=SearchMode.BM25)]
        bm25s = [f.hit.clause_id for f in files.search(query, 5, mode=SearchMode.BM25)]
        assert ours[0] == bm25s[0] and len(set(ours) & set(bm25s)) >= 3, query
        assert workspace.search(query, 5), query

    # Filters: a policy, and a unit's lead clauses.
    seed_id = report.added[0]
    only = workspace.search("建设", 50, policy_id=seed_id)
    assert only and all(f.record.clause.policy_id == seed_id for f in only)
    unit = store.find_units("县商务局")[0]
    led = workspace.search("开放", 10, unit_ids=[unit.id], role=None)
    assert led and all(
        "县商务局" in f.record.clause.lead_units + f.record.clause.responsible_units for f in led
    )

    # The index drops one policy's vectors and tokens by policy id; a repair restores them.
    seed_clauses = {c for c in clause_ids if c.startswith(f"{seed_id}:")}
    assert index.remove_policies([seed_id]) == len(seed_clauses) > 0
    assert index.vectors.clause_ids() == clause_ids - seed_clauses == index.bm25.clause_ids()
    assert not workspace.check().clean
    assert workspace.repair().repaired and workspace.check().clean

    # A deleted policy takes its vectors and tokens with it.
    assert workspace.delete_policy(seed_id)
    left = set(workspace.graph_clause_ids())
    assert index.vectors.clause_ids() == left == index.bm25.clause_ids()
    assert workspace.check().clean
    workspace.close()
    files.close()


def test_a_second_process_finds_what_the_first_uploaded_at_once(
    tmp_path: Path, store: Neo4jStore, neo4j_driver: Driver
) -> None:
    """Two workspaces with their own data directories (two replicas) on one database."""
    first = _workspace(tmp_path / "a", store)
    second = _workspace(tmp_path / "b", Neo4jStore(neo4j_driver))
    assert second.search("海关特殊监管区", 3) == []
    first.ingest_paths([SEED])
    found = second.search("海关特殊监管区", 3)
    assert found and found[0].record.clause.number == "十九"
    first.close()
    second.close()


def test_another_model_is_refused(tmp_path: Path, store: Neo4jStore, neo4j_driver: Driver) -> None:
    workspace = _workspace(tmp_path / "a", store, dim=128)
    workspace.ingest_paths([SEED])
    other = _workspace(tmp_path / "b", Neo4jStore(neo4j_driver), dim=64)
    with pytest.raises(StoreCorruptError, match="built with hashing"):
        other.search("招商", 3)
    workspace.close()
