"""Clause vectors in FAISS: exact inner product, or IVF above a size threshold.

Ids are 63-bit hashes of clause ids, so adding and removing a policy's clauses never renumbers
the others. On disk (``<directory>/``): ``index-<generation>.faiss`` and
``ids-<generation>.json`` (clause ids in index order of addition), then ``manifest.json`` naming
them, written last, so a killed commit leaves the previous generation loadable.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from policykg.ingest.errors import StoreCorruptError, StoreError
from policykg.ingest.storage import (
    atomic_write_json,
    atomic_write_with,
    file_sha256,
    remove_quietly,
)
from policykg.search.embeddings.base import Vectors, model_family

if TYPE_CHECKING:
    import faiss  # imported where used: a command that never searches does not pay for it

logger = logging.getLogger(__name__)

APPROXIMATE_ABOVE = 200_000
"""Vector count above which the exact index is replaced by an IVF index."""


@contextmanager
def _every_core() -> Iterator[None]:
    """Let FAISS use every core inside the block (IVF training), then one thread again."""
    import faiss

    faiss.omp_set_num_threads(os.cpu_count() or 1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(1)


def vector_id(clause_id: str) -> int:
    """The FAISS id of a clause: 63 bits of the SHA-256 of its id."""
    return int.from_bytes(hashlib.sha256(clause_id.encode("utf-8")).digest()[:8], "little") & (
        2**63 - 1
    )


@dataclass(frozen=True, slots=True)
class VectorHit:
    """A clause found by vector similarity."""

    clause_id: str
    score: float


class VectorIndex:
    """FAISS index of clause vectors for one embedding model.

    Args:
        directory: Where the index persists; None keeps it in memory only.
        model: Name of the embedding model (an index never mixes models).
        dim: Vector dimension.
        approximate_above: Switch to IVF when the index grows past this many vectors.
        nprobe: IVF lists searched per query. 64 of 1,024 lists keeps recall@10 against exact
            search at 0.955 on the bulk store's real vectors (32: 0.923) for under 1 ms a query
            (``python -m benchmarks.ivf_recall``).
    """

    def __init__(
        self,
        directory: Path | None,
        model: str,
        dim: int,
        *,
        approximate_above: int = APPROXIMATE_ABOVE,
        nprobe: int = 64,
    ) -> None:

        self._directory = directory
        self.model = model
        self.dim = dim
        self.approximate_above = approximate_above
        self.nprobe = nprobe
        self._lock = threading.RLock()
        self._index: faiss.Index = _flat(dim)
        self._clause_ids: dict[int, str] = {}
        self._generation = 0
        self._dirty = False
        self._mapped = False
        if directory is not None and (directory / "manifest.json").exists():
            self._load()

    # -- persistence ----------------------------------------------------------------------------

    def _load(self) -> None:
        import faiss

        assert self._directory is not None
        manifest_path = self._directory / "manifest.json"
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            same_model = model_family(manifest["model"]) == model_family(self.model)
            if not same_model or manifest["dim"] != self.dim:
                raise StoreError(
                    f"the vector index in {self._directory} was built with {manifest['model']} "
                    f"({manifest['dim']} dimensions), not {self.model} ({self.dim}); run "
                    "`policykg reindex` to embed the clauses again with the configured model"
                )
            self._generation = int(manifest["generation"])
            for key in ("index", "ids"):
                expected = manifest.get("sha256", {}).get(key)
                if (
                    expected is not None
                    and file_sha256(self._directory / manifest[key]) != expected
                ):
                    raise StoreCorruptError(
                        f"{self._directory / manifest[key]} does not match its checksum"
                    )
            # A flat index is mapped, not read: processes serving one store share its pages, and
            # the first change in a process copies it (see _owned).
            mapped = manifest.get("kind") == "flat"
            flags = faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY if mapped else 0
            self._index = faiss.read_index(str(self._directory / manifest["index"]), flags)
            self._mapped = mapped
            clause_ids = json.loads((self._directory / manifest["ids"]).read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError, RuntimeError, StoreCorruptError) as e:
            raise StoreCorruptError(
                f"cannot load the vector index in {self._directory}: {e}; run "
                "`policykg check --repair` to rebuild it from the graph"
            ) from e
        self._clause_ids = {vector_id(c): c for c in clause_ids}
        if self._index.ntotal != len(self._clause_ids):
            raise StoreCorruptError(
                f"vector index in {self._directory} holds {self._index.ntotal} vectors for "
                f"{len(self._clause_ids)} clause ids"
            )
        self._tune()

    def commit(self) -> None:
        """Write the index if it changed (new generation files, then the manifest)."""
        import faiss

        with self._lock:
            if self._directory is None or not self._dirty:
                return
            self._maybe_go_approximate()
            generation = self._generation + 1
            index_name, ids_name = f"index-{generation}.faiss", f"ids-{generation}.json"
            try:
                atomic_write_with(
                    self._directory / index_name,
                    lambda tmp: faiss.write_index(self._index, str(tmp)),
                )
            except RuntimeError as e:  # FAISS reports a failed write (a full disk) this way
                raise StoreError(f"cannot write the vector index in {self._directory}: {e}") from e
            atomic_write_json(self._directory / ids_name, list(self._clause_ids.values()))
            atomic_write_json(
                self._directory / "manifest.json",
                {
                    "generation": generation,
                    "model": self.model,
                    "dim": self.dim,
                    "kind": self.kind,
                    "count": len(self._clause_ids),
                    "index": index_name,
                    "ids": ids_name,
                    "sha256": {
                        "index": file_sha256(self._directory / index_name),
                        "ids": file_sha256(self._directory / ids_name),
                    },
                },
            )
            # Keep the previous generation for readers that loaded its manifest a moment ago.
            for old in (self._generation - 1,):
                remove_quietly(self._directory / f"index-{old}.faiss")
                remove_quietly(self._directory / f"ids-{old}.json")
            self._generation = generation
            self._dirty = False

    # -- updates ----------------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        """``flat`` (exact) or ``ivf`` (approximate)."""
        import faiss

        return "ivf" if isinstance(faiss.downcast_index(self._index), faiss.IndexIVF) else "flat"

    def add(self, clause_ids: Sequence[str], vectors: Vectors) -> None:
        """Add (or replace) the vectors of ``clause_ids``."""
        if len(clause_ids) != len(vectors):
            raise ValueError("one vector per clause id")
        if not clause_ids:
            return
        if vectors.shape[1] != self.dim:
            raise StoreError(f"vectors have {vectors.shape[1]} dimensions, the index {self.dim}")
        with self._lock:
            self.remove(clause_ids)
            self._owned()
            ids = np.array([vector_id(c) for c in clause_ids], dtype=np.int64)
            self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
            self._clause_ids.update(zip(ids.tolist(), clause_ids, strict=True))
            self._dirty = True

    def remove(self, clause_ids: Iterable[str]) -> int:
        """Remove the vectors of ``clause_ids`` (unknown ids are ignored); returns how many."""
        with self._lock:
            ids = [i for i in (vector_id(c) for c in clause_ids) if i in self._clause_ids]
            if not ids:
                return 0
            self._owned()
            removed = int(self._index.remove_ids(np.array(ids, dtype=np.int64)))  # type: ignore[arg-type]
            for i in ids:
                del self._clause_ids[i]
            self._dirty = True
            return removed

    def _owned(self) -> None:
        """Copy a mapped index into memory before its first change (FAISS cannot grow or shrink
        a mapped one: it aborts the process; ``clone_index`` would keep the mapping)."""
        if self._mapped:
            vectors, ids = _flat_contents(self._index, self.dim)
            owned = _flat(self.dim)
            owned.add_with_ids(vectors, ids)
            self._index = owned
            self._mapped = False

    def _maybe_go_approximate(self) -> None:
        if self.kind == "ivf" or len(self._clause_ids) <= self.approximate_above:
            return
        vectors, ids = _flat_contents(self._index, self.dim)
        with _every_core():
            self._index = build_ivf(vectors, ids)
        self._tune()
        logger.info("vector index switched to IVF at %d vectors", len(ids))

    def _tune(self) -> None:
        import faiss

        inner = faiss.downcast_index(self._index)
        if isinstance(inner, faiss.IndexIVF):
            inner.nprobe = self.nprobe
            inner.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]

    # -- queries ------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._clause_ids)

    def clause_ids(self) -> set[str]:
        """Every clause id with a vector."""
        return set(self._clause_ids.values())

    def vectors_of(self, clause_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of these clauses (those without one are absent)."""
        with self._lock:
            known = [c for c in clause_ids if vector_id(c) in self._clause_ids]
            if not known:
                return {}
            ids = np.array([vector_id(c) for c in known], dtype=np.int64)
            vectors = self._index.reconstruct_batch(ids)
        return dict(zip(known, np.asarray(vectors, dtype=np.float32), strict=True))

    def search(self, query: Vectors, k: int, allowed: set[str] | None = None) -> list[VectorHit]:
        """The ``k`` clauses most similar to ``query``, optionally only among ``allowed``."""
        import faiss

        # One query is searched on one thread: FAISS's OpenMP threads, spinning between calls,
        # fight the embedding model's own threads, and a served process answers several queries at
        # once anyway. The setting is per thread (a server's worker threads each need it).
        # Measured on the bulk store (118k vectors, 2 cores): flat search p50 16 ms with two
        # threads, 10 ms with one; hybrid p50 53 -> 25 ms. IVF training uses every core.
        faiss.omp_set_num_threads(1)
        with self._lock:
            if not self._clause_ids or k <= 0 or (allowed is not None and not allowed):
                return []
            params = None
            if allowed is not None:
                selector = faiss.IDSelectorBatch(
                    np.array([vector_id(c) for c in allowed], dtype=np.int64)
                )
                params = (
                    faiss.SearchParametersIVF(sel=selector, nprobe=self.nprobe)  # type: ignore[call-arg]
                    if self.kind == "ivf"
                    else faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
                )
            scores, ids = self._index.search(
                np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32),
                min(k, len(self._clause_ids)),
                params=params,
            )
        hits = [
            VectorHit(self._clause_ids[int(i)], float(s))
            for s, i in zip(scores[0], ids[0], strict=True)
            if i >= 0 and int(i) in self._clause_ids
        ]
        if any(abs(h.score) > 1.01 for h in hits):  # unit vectors: a cosine beyond 1 is damage
            raise StoreCorruptError(
                f"the vector index in {self._directory} holds damaged vectors (similarity "
                f"{max(abs(h.score) for h in hits):.3g}); run `policykg check --repair`"
            )
        hits.sort(key=lambda h: (-h.score, h.clause_id))  # equal scores: a stable order
        return hits


MAX_LISTS = 1024


def _flat_contents(index: faiss.Index, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """All vectors and ids of an ``IndexIDMap2(IndexFlat)``, read in bulk (no per-id calls)."""
    import faiss

    # faiss's stubs type downcast_index as Index; it returns the concrete class.
    mapped: Any = faiss.downcast_index(index)
    flat: Any = faiss.downcast_index(mapped.index)
    vectors = faiss.vector_to_array(flat.codes).view(np.float32).reshape(-1, dim)
    ids = faiss.vector_to_array(mapped.id_map).astype(np.int64)
    return np.ascontiguousarray(vectors), ids


def _flat(dim: int) -> faiss.Index:
    import faiss

    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def build_ivf(vectors: Vectors, ids: np.ndarray, nlist: int | None = None) -> faiss.Index:
    """An IVF-Flat inner-product index trained on (a sample of) ``vectors``."""
    import faiss

    count, dim = vectors.shape
    # 4·√n lists, capped so training stays in minutes on 2 cores; 50 training points per list.
    lists = nlist or min(MAX_LISTS, max(16, int(4 * math.sqrt(count))))
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, lists, faiss.METRIC_INNER_PRODUCT)
    sample = vectors
    if count > lists * 50:
        rng = np.random.default_rng(0)
        sample = vectors[rng.choice(count, lists * 50, replace=False)]
    index.train(sample)
    # A hashtable direct map allows both reconstruct() and remove_ids().
    index.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]
    index.add_with_ids(vectors, ids)
    return index
