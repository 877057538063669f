"""Copying policies from one graph store to another (the embedded store into Neo4j), and the
clause index with them (the file index into the one in Neo4j)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from policykg.graph.base import GraphStore, StoreStats
from policykg.ingest.errors import InvalidRequestError
from policykg.search.embeddings.base import model_family
from policykg.search.index import ClauseIndex

BATCH = 50
"""Policies written per transaction."""


@dataclass(frozen=True, slots=True)
class CopyReport:
    """What a copy did.

    Attributes:
        policies: Policies the source holds.
        written: Policies written to the target (new, or replacing an earlier version).
        unchanged: Policies the target already held as they are.
        target: The target's counts afterwards.
    """

    policies: int
    written: int
    unchanged: int
    target: StoreStats


def copy_policies(
    source: GraphStore, target: GraphStore, on_batch: Callable[[int], None] | None = None
) -> CopyReport:
    """Write every policy of ``source`` into ``target``; idempotent (unchanged ones are left).

    Args:
        source: The store to read.
        target: The store to write.
        on_batch: Called with the number of policies after each batch (for a progress bar).
    """
    ids = sorted(source.policy_ids())
    written = unchanged = 0
    for start in range(0, len(ids), BATCH):
        batch = [p for i in ids[start : start + BATCH] if (p := source.get_policy(i)) is not None]
        for result in target.write_policies(batch):
            unchanged += result.unchanged
            written += not result.unchanged
        if on_batch is not None:
            on_batch(len(batch))
    return CopyReport(len(ids), written, unchanged, target.stats())


INDEX_BATCH = 2_000
"""Clauses whose vectors and tokens are moved per transaction."""


def copy_index(
    source: ClauseIndex, target: ClauseIndex, on_batch: Callable[[int], None] | None = None
) -> int:
    """Copy the vectors and BM25 tokens ``source`` holds into ``target`` (the file index into
    the one in Neo4j), for clauses the target's graph holds; nothing is embedded again.
    Idempotent. Returns how many clauses got both.

    Raises:
        InvalidRequestError: The two indexes are for different models.
    """
    source_model, target_model = source.vectors.model, target.vectors.model
    if model_family(source_model) != model_family(target_model):
        raise InvalidRequestError(
            f"the file index holds vectors of {source_model}, the target expects "
            f"{target_model}: set POLICYKG_EMBED_MODEL to the model of the file index"
        )
    ids = sorted(source.vectors.clause_ids() & source.bm25.clause_ids())
    copied = 0
    for start in range(0, len(ids), INDEX_BATCH):
        batch = ids[start : start + INDEX_BATCH]
        vectors = source.vectors.vectors_of(batch)
        tokens = source.bm25.tokens_of(batch)
        both = [c for c in batch if c in vectors and c in tokens]
        if both:
            target.vectors.add(both, np.stack([vectors[c] for c in both]))
            target.bm25.add_tokens(both, [tokens[c] for c in both])
        copied += len(both)
        if on_batch is not None:
            on_batch(len(batch))
    return copied
