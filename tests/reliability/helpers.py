"""Running PolicyKG as a user would (its CLI in a process of its own), and reading back exactly
what a data directory holds, so two stores can be compared value for value."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from policykg.search.embeddings.cache import CachedEmbedder, EmbeddingCache
from policykg.search.embeddings.hashing import HashingEmbedder
from policykg.service.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
MODEL = "hashing:64"


def env(**extra: str) -> dict[str, str]:
    """The environment of a CLI process: the hashing embedder, small batches, no Neo4j."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("POLICYKG_")}
    return {
        **base,
        "POLICYKG_EMBED_MODEL": MODEL,
        "POLICYKG_INGEST_BATCH": "4",
        "COLUMNS": "200",
        **extra,
    }


def cli(*args: str, timeout: float = 300, **extra: str) -> subprocess.CompletedProcess[str]:
    """Run ``policykg ARGS`` in a new process and wait for it."""
    return subprocess.run(
        [sys.executable, "-m", "policykg.api.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=ROOT,
        env=env(**extra),
    )


def workspace(data: Path) -> Workspace:
    """The store in ``data`` opened in this process, with the same embedder as :func:`cli`."""
    embedder = CachedEmbedder(
        HashingEmbedder(64), EmbeddingCache(data / "cache" / "embeddings.sqlite")
    )
    return Workspace(data, embedder=embedder)


@dataclass(frozen=True)
class Contents:
    """Everything a store answers from, as plain values."""

    policies: frozenset[str]
    clauses: frozenset[str]
    vectors: dict[str, bytes]
    tokens: dict[str, tuple[str, ...]]


def contents(data: Path) -> Contents:
    """Read back the graph, every vector and every BM25 entry of the store in ``data``."""
    space = workspace(data)
    clauses = set(space.graph_clause_ids())
    index = space.index
    all_ids = sorted(index.vectors.clause_ids() | index.bm25.clause_ids() | clauses)
    vectors = {k: np.round(v, 6).tobytes() for k, v in index.vectors.vectors_of(all_ids).items()}
    tokens = {k: tuple(v) for k, v in index.bm25.tokens_of(all_ids).items()}
    result = Contents(frozenset(space.graph.policy_ids()), frozenset(clauses), vectors, tokens)
    space.close()
    return result


def same_contents(left: Contents, right: Contents) -> list[str]:
    """What differs between two stores (empty when they hold the same)."""
    differences = []
    for name in ("policies", "clauses"):
        if getattr(left, name) != getattr(right, name):
            differences.append(f"{name}: {len(getattr(left, name))} vs {len(getattr(right, name))}")
    if left.vectors != right.vectors:
        differing = {
            k
            for k in left.vectors.keys() | right.vectors.keys()
            if left.vectors.get(k) != right.vectors.get(k)
        }
        differences.append(f"vectors differ for {len(differing)} clauses")
    if left.tokens != right.tokens:
        differing = {
            k
            for k in left.tokens.keys() | right.tokens.keys()
            if left.tokens.get(k) != right.tokens.get(k)
        }
        differences.append(f"BM25 tokens differ for {len(differing)} clauses")
    return differences
