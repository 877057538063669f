"""A small real embedder for tests: hashed character n-grams, no model, deterministic.

Texts that share many character bigrams and trigrams get similar vectors, which is enough for
tests of indexing, persistence and fusion without loading a neural model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from policykg.search.embeddings.base import Vectors, normalise


class HashingEmbedder:
    """Character n-gram feature hashing into ``dim`` buckets."""

    def __init__(self, dim: int = 256, ngrams: tuple[int, ...] = (1, 2, 3)) -> None:
        self._dim = dim
        self._ngrams = ngrams

    @property
    def name(self) -> str:
        """Identifies the feature space."""
        return f"hashing:{self._dim}:{'-'.join(map(str, self._ngrams))}"

    @property
    def dim(self) -> int:
        """Vector dimension."""
        return self._dim

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self._dim, dtype=np.float32)
        compact = "".join(text.split())
        for n in self._ngrams:
            for i in range(len(compact) - n + 1):
                digest = hashlib.blake2b(compact[i : i + n].encode("utf-8"), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self._dim
                sign = 1.0 if digest[4] & 1 else -1.0
                vector[bucket] += sign * (1.0 + 0.5 * (n - 1))
        return vector

    def embed_passages(self, texts: Sequence[str], progress: bool = False) -> Vectors:
        """Vectors of passages."""
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        return normalise(np.stack([self._vector(t) for t in texts]))

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Vectors of queries (same space as passages)."""
        return self.embed_passages(texts)
