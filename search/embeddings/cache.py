"""A persistent cache of passage vectors keyed by model and clause-text hash.

Re-ingesting or replacing a document never re-embeds a clause whose text did not change, and a
killed ingest keeps every vector computed before it died (SQLite commits each batch).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ingest.errors import StoreError
from ingest.ids import text_hash
from search.embeddings.base import Embedder, Vectors


class EmbeddingCache:
    """SQLite table of float16 vectors by (model, SHA-256 of the text).

    Args:
        path: The database file (created if missing).
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._local = threading.local()
        with self._connection() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS vectors ("
                " model TEXT NOT NULL, hash TEXT NOT NULL, dim INTEGER NOT NULL, vector BLOB NOT NULL,"
                " PRIMARY KEY (model, hash))"
            )

    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            try:
                db = sqlite3.connect(self._path, timeout=30)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
            except sqlite3.Error as e:
                raise StoreError(f"cannot open the embedding cache {self._path}: {e}") from e
            self._local.db = db
        return db

    def get(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached vectors for ``hashes`` (missing ones are absent from the result)."""
        found: dict[str, np.ndarray] = {}
        db = self._connection()
        for start in range(0, len(hashes), 500):
            chunk = list(hashes[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = db.execute(
                f"SELECT hash, vector FROM vectors WHERE model = ? AND hash IN ({marks})",
                [model, *chunk],
            )
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
        return found

    def put(self, model: str, hashes: Sequence[str], vectors: Vectors) -> None:
        """Store vectors (as float16: a quarter of the space, no measurable retrieval change)."""
        db = self._connection()
        with db:
            db.executemany(
                "INSERT OR REPLACE INTO vectors (model, hash, dim, vector) VALUES (?, ?, ?, ?)",
                [
                    (model, key, int(vector.shape[0]), vector.astype(np.float16).tobytes())
                    for key, vector in zip(hashes, vectors, strict=True)
                ],
            )

    def count(self, model: str | None = None) -> int:
        """Vectors cached (for one model, or all)."""
        db = self._connection()
        if model is None:
            return int(db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])
        return int(
            db.execute("SELECT COUNT(*) FROM vectors WHERE model = ?", [model]).fetchone()[0]
        )


class CachedEmbedder:
    """An embedder whose passage vectors go through an :class:`EmbeddingCache`.

    Attributes:
        hits: Passages served from the cache so far.
        misses: Passages embedded so far.
    """

    def __init__(self, embedder: Embedder, cache: EmbeddingCache) -> None:
        self.inner = embedder
        self.cache = cache
        self.hits = 0
        self.misses = 0

    @property
    def name(self) -> str:
        """The wrapped model's name."""
        return self.inner.name

    @property
    def dim(self) -> int:
        """The wrapped model's dimension."""
        return self.inner.dim

    def embed_passages(self, texts: Sequence[str], progress: bool = False) -> Vectors:
        """Vectors of passages, computing only those not cached."""
        hashes = [text_hash(t) for t in texts]
        cached = self.cache.get(self.name, sorted(set(hashes)))
        missing = sorted(
            {h: t for h, t in zip(hashes, texts, strict=True) if h not in cached}.items()
        )
        if missing:
            fresh = self.inner.embed_passages([t for _, t in missing], progress=progress)
            # Use the vectors as the cache stores them (float16), so results never depend on
            # whether a clause was embedded just now or earlier.
            fresh = fresh.astype(np.float16).astype(np.float32)
            self.cache.put(self.name, [h for h, _ in missing], fresh)
            cached.update({h: v for (h, _), v in zip(missing, fresh, strict=True)})
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([cached[h] for h in hashes]).astype(np.float32)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Query vectors are not cached (questions rarely repeat exactly)."""
        return self.inner.embed_queries(texts)
