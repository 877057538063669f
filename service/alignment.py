"""Clause alignment: which clauses of a parent document a local one takes up, and what it adds.

Each local clause is paired with its closest parent clause by the two signals a reader uses:
the clauses' embeddings (same matter in other words) and their shared wording (character
bigrams, Dice). A pair sharing most of its wording is ``copied``; a pair about the same matter
is ``adapted``; a local clause close to no parent clause is a ``local`` addition. A parent
clause some local clause copies or adapts is covered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from policykg.ingest.model import Clause, Policy

COPIED_OVERLAP = 0.7
"""Dice overlap of character bigrams at or above which a local clause copies its parent clause."""
ADAPTED_SIMILARITY = 0.94
"""Cosine similarity of the clause embeddings at or above which two clauses treat one matter."""
ADAPTED_OVERLAP = 0.3
"""Bigram overlap that makes two clauses one matter even when their embeddings disagree.

The three thresholds were fitted on the one hand-aligned pair (tests/fixtures/lifecycle/
alignment.json; first run at 0.6 / 0.86 / 0.3: label accuracy 0.458, fitted 0.792), for
multilingual-e5-small passages led by the policy title; another model needs its own."""

_NOISE = re.compile(
    r"[\s，。、；：:,.;（）()《》“”\"'！？!?\d０-９]|第[一二三四五六七八九十百零〇]+[条款项章节]"
)


@dataclass(frozen=True, slots=True)
class AlignedClause:
    """A local clause and the parent clause closest to it.

    Attributes:
        clause: The local clause.
        parent: The closest parent clause, or None for a local addition.
        label: ``copied``, ``adapted`` or ``local``.
        similarity: Cosine similarity of the two embeddings (0 when no vectors were given).
        overlap: Dice overlap of their character bigrams.
    """

    clause: Clause
    parent: Clause | None
    label: str
    similarity: float
    overlap: float


@dataclass(frozen=True, slots=True)
class Alignment:
    """A local document aligned with the parent document it implements.

    Attributes:
        local: The implementing document.
        parent: The document it implements.
        clauses: Every local clause with its closest parent clause, in document order.
        covered: Every parent clause, in order, with whether some local clause copies or adapts it.
    """

    local: Policy
    parent: Policy
    clauses: tuple[AlignedClause, ...]
    covered: tuple[tuple[Clause, bool], ...]

    def count(self, label: str) -> int:
        """Local clauses with ``label``."""
        return sum(a.label == label for a in self.clauses)

    @property
    def uncovered(self) -> list[Clause]:
        """Parent clauses no local clause takes up."""
        return [c for c, taken in self.covered if not taken]


def align(
    local: Policy,
    parent: Policy,
    vectors: Mapping[str, np.ndarray] | None = None,
    *,
    copied: float = COPIED_OVERLAP,
    adapted: float = ADAPTED_SIMILARITY,
    adapted_overlap: float = ADAPTED_OVERLAP,
) -> Alignment:
    """Align ``local`` with ``parent`` clause by clause.

    Args:
        local: The implementing document.
        parent: The document it implements.
        vectors: Clause embeddings by clause id (normalised); without them only wording counts.
        copied: Overlap at or above which a pair is copied.
        adapted: Similarity at or above which a pair is adapted.
        adapted_overlap: Overlap at or above which a pair is adapted whatever the embeddings say.
    """
    vectors = vectors or {}
    parent_clauses = list(parent.clauses)
    parent_grams = [_bigrams(c.text) for c in parent_clauses]
    parent_matrix = _matrix([c.id for c in parent_clauses], vectors)
    aligned = []
    for clause in local.clauses:
        grams = _bigrams(clause.text)
        overlaps = np.array([_dice(grams, g) for g in parent_grams]) if parent_grams else None
        sims = (
            parent_matrix @ vectors[clause.id]
            if parent_matrix is not None and clause.id in vectors
            else np.zeros(len(parent_clauses))
        )
        if overlaps is None:
            aligned.append(AlignedClause(clause, None, "local", 0.0, 0.0))
            continue
        best = int(np.argmax(sims + overlaps))
        sim, overlap = float(sims[best]), float(overlaps[best])
        if overlap >= copied:
            label = "copied"
        elif sim >= adapted or overlap >= adapted_overlap:
            label = "adapted"
        else:
            label = "local"
        match = parent_clauses[best] if label != "local" else None
        aligned.append(AlignedClause(clause, match, label, round(sim, 4), round(overlap, 4)))
    taken = {a.parent.id for a in aligned if a.parent is not None}
    covered = tuple((c, c.id in taken) for c in parent_clauses)
    return Alignment(local, parent, tuple(aligned), covered)


def _matrix(ids: Sequence[str], vectors: Mapping[str, np.ndarray]) -> np.ndarray | None:
    """The parent clauses' vectors as rows (a zero row for a clause without one)."""
    if not vectors or not ids:
        return None
    dim = len(next(iter(vectors.values())))
    return np.stack([np.asarray(vectors.get(i, np.zeros(dim)), dtype=np.float32) for i in ids])


def _bigrams(text: str) -> set[str]:
    """Character bigrams of the text without punctuation, digits and article numbers."""
    plain = _NOISE.sub("", text)
    return {plain[i : i + 2] for i in range(len(plain) - 1)}


def _dice(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0
