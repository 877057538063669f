"""Copying policies from one graph store to another (the embedded store into Neo4j)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from policykg.graph.base import GraphStore, StoreStats

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
