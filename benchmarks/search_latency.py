"""Hybrid search latency on an existing store (the bulk store), query embedding included.

    python -m benchmarks.search_latency DATA_DIR [--queries 1000] [--no-write]
    POLICYKG_NEO4J_URI=bolt://… POLICYKG_INDEX=neo4j python -m benchmarks.search_latency DATA_DIR

With the Neo4j settings the store searched is the one in Neo4j (graph, vectors and tokens, moved
there by ``policykg neo4j-sync --index``); DATA_DIR then only lends its embedding cache.

The query set is the one `benchmarks/scale.py` uses: the dev retrieval questions, then clause
titles of the store (6+ characters, seeded sample). Each query is embedded by the model the
settings choose (automatic backend), never from the embedding cache, and searched by hybrid
search (k=10) over the store's FAISS and BM25 files as a server maps them. Reports p50/p95/p99
and the share of the time each part takes (embedding, vectors, BM25).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks._results import update_section
from benchmarks.scale import percentiles
from policykg.api.factory import embedding_description, open_workspace
from policykg.api.settings import Settings
from policykg.search.embeddings.cache import CachedEmbedder
from policykg.search.hybrid import HybridSearcher

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True)
class Latency:
    """What :func:`measure` found on one store."""

    latencies: list[float]
    parts: str
    where: str

    @property
    def row(self) -> str:
        """p50 | p95 | p99 in ms, as a table's cells."""
        return percentiles(self.latencies)


def measure(settings: Settings, count: int, data_dir: Path) -> Latency:
    """Hybrid search latency (k=10, query embedded, never cached) over ``count`` queries."""
    workspace = open_workspace(settings)
    workspace.warm()
    index = workspace.index
    model = index.embedder
    if isinstance(model, CachedEmbedder):  # every query embedded, as a new question is
        model = model.inner
    searcher = HybridSearcher(model, index.vectors, index.bm25)

    questions = json.loads(
        (ROOT / "tests" / "fixtures" / "questions" / "retrieval.json").read_text(encoding="utf-8")
    )
    queries = [q["question"] for q in questions["questions"]]
    records = workspace.graph.clauses(sorted(index.bm25.clause_ids()))
    titles = sorted({r.clause.title for r in records if len(r.clause.title) >= 6})
    queries += random.Random(42).sample(titles, max(0, count - len(queries)))
    queries = queries[:count]
    searcher.search("热身", 10)

    parts = {"embedding": 0.0, "vectors": 0.0, "bm25": 0.0}
    latencies = []
    for query in queries:
        started = time.perf_counter()
        searcher.search(query, 10)
        latencies.append(time.perf_counter() - started)
    timed = queries[:200]
    for query in timed:  # the parts, timed apart on (at most) a fifth of the queries
        started = time.perf_counter()
        vector = model.embed_queries([query])[0]
        parts["embedding"] += time.perf_counter() - started
        started = time.perf_counter()
        index.vectors.search(vector, 50)
        parts["vectors"] += time.perf_counter() - started
        started = time.perf_counter()
        index.bm25.search(query, 50)
        parts["bm25"] += time.perf_counter() - started
    share = ", ".join(f"{name} {1000 * s / len(timed):.1f} ms" for name, s in parts.items())
    stats = workspace.graph.stats()
    where = (
        f"Store `{data_dir}`: {stats.policies:,} policies, {len(index.vectors):,} vectors "
        f"(FAISS {index.vectors.kind}, memory-mapped), BM25 (bm25s) over {len(index.bm25):,} "
        "clauses"
        if settings.index == "files"
        else f"Store in Neo4j at {settings.neo4j_uri} (over Bolt on loopback): {stats.policies:,} "
        f"policies, {len(index.vectors):,} vectors under its vector index (HNSW), "
        f"{len(index.bm25):,} clauses under its full-text index (Lucene BM25)"
    )
    workspace.close()
    return Latency(latencies, share, where)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    settings = Settings(data_dir=args.data_dir)
    found = measure(settings, args.queries, args.data_dir)
    body = "\n".join(
        [
            f"{found.where}. Model: {embedding_description(settings)}; queries embedded one at a "
            "time, never from the cache.",
            "",
            "| search (hybrid, k=10, query embedding included) | p50 ms | p95 ms | p99 ms |",
            "|---|---|---|---|",
            f"| {len(found.latencies)} queries (dev questions, then clause titles) | {found.row} |",
            "",
            f"Mean per query, timed apart (200 queries, top 50 each): {found.parts}.",
        ]
    )
    print(body)
    if not args.no_write:
        name, title = (
            ("search-bulk", "Hybrid search latency on the bulk store")
            if settings.index == "files"
            else ("search-bulk-neo4j", "Hybrid search latency on the bulk store in Neo4j")
        )
        update_section(name, title, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
