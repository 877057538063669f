"""A persistent cache of passage vectors keyed by model and clause-text hash.

Re-ingesting or replacing a document never re-embeds a clause whose text did not change, and a
killed ingest keeps every vector computed before it died (SQLite commits each batch).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from policykg.ingest.errors import StoreError
from policykg.ingest.ids import text_hash
from policykg.ingest.storage import writable_dir
from policykg.search.embeddings.base import Embedder, Vectors

logger = logging.getLogger(__name__)


class EmbeddingCache:
    """SQLite table of float16 vectors by (model, SHA-256 of the text).

    The cache only saves work: everything in it can be computed again. So a cache that cannot be
    read (damaged, or on a read-only directory without a database yet) answers "not cached" and
    says so once in the log, and on a read-only directory nothing is written.

    Args:
        path: The database file (created on first write when the directory is writable).
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._local = threading.local()
        self._problem: str | None = None
        self._opened: list[sqlite3.Connection] = []  # every thread's, so reset() closes them all

    @property
    def read_only(self) -> bool:
        """True when the cache's directory cannot be written (a read-only store)."""
        return not writable_dir(self._path.parent)

    def _connection(self) -> sqlite3.Connection | None:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None or self._problem is not None:
            return db
        try:
            if self.read_only:
                if not self._path.exists():
                    return None
                db = sqlite3.connect(f"{self._path.as_uri()}?mode=ro&immutable=1", uri=True)
            else:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self._path, timeout=30)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute(
                    "CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, hash TEXT NOT NULL,"
                    " dim INTEGER NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, hash))"
                )
        except sqlite3.Error as e:
            self._damaged(e)
            return None
        self._local.db = db
        self._opened.append(db)
        return db

    def _damaged(self, error: sqlite3.Error) -> None:
        if self._problem is None:
            self._problem = str(error)
            logger.warning(
                "the embedding cache %s cannot be used (%s): clauses are embedded again; "
                "`policykg check --repair` makes a new one",
                self._path,
                error,
            )

    @property
    def problem(self) -> str | None:
        """Why the cache cannot be used, or None while it works."""
        self._connection()
        return self._problem

    def get(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached vectors for ``hashes`` (missing ones are absent from the result)."""
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(hashes), 500):
            rows = self._rows(model, hashes[start : start + 500])
            if rows is None:
                return {}
            for key, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
                if np.isfinite(vector).all():  # a damaged row is simply not cached
                    found[key] = vector
        return found

    def missing(self, model: str, hashes: Sequence[str]) -> list[str]:
        """Those of ``hashes`` with no usable cached vector, in order (without holding the
        vectors: a batch embedder asks this of a million passages)."""
        cached: set[str] = set()
        for start in range(0, len(hashes), 500):
            rows = self._rows(model, hashes[start : start + 500])
            if rows is None:
                return list(hashes)
            cached.update(key for key, blob in rows if _finite(blob))
        return [h for h in hashes if h not in cached]

    def _rows(self, model: str, hashes: Sequence[str]) -> list[tuple[str, bytes]] | None:
        """(hash, vector blob) of those of ``hashes`` (500 at most) that are cached; None when
        the cache cannot be read."""
        db = self._connection()
        if db is None:
            return None
        marks = ",".join("?" * len(hashes))
        try:
            return db.execute(
                f"SELECT hash, vector FROM vectors WHERE model = ? AND hash IN ({marks})",
                [model, *hashes],
            ).fetchall()
        except sqlite3.DatabaseError as e:
            self._damaged(e)
            return None

    def models(self) -> list[str]:
        """The model names the cache holds vectors of (empty when it cannot be read)."""
        db = self._connection()
        if db is None:
            return []
        try:
            return sorted(row[0] for row in db.execute("SELECT DISTINCT model FROM vectors"))
        except sqlite3.DatabaseError as e:
            self._damaged(e)
            return []

    def put(self, model: str, hashes: Sequence[str], vectors: Vectors) -> None:
        """Store vectors (as float16: a quarter of the space, no measurable retrieval change).

        Raises:
            StoreError: The database cannot be written (a full disk).
        """
        db = self._connection()
        if db is None:
            return  # read-only or unusable: nothing to save into
        rows = [
            (model, key, int(vector.shape[0]), vector.astype(np.float16).tobytes())
            for key, vector in zip(hashes, vectors, strict=True)
        ]
        try:
            with db:
                db.executemany(
                    "INSERT OR REPLACE INTO vectors (model, hash, dim, vector) VALUES (?, ?, ?, ?)",
                    rows,
                )
        except sqlite3.DatabaseError as e:
            if "full" in str(e):
                raise StoreError(f"cannot write the embedding cache {self._path}: {e}") from e
            self._damaged(e)

    def verify(self) -> str | None:
        """Read the whole database (SQLite's quick check); why it cannot be used, or None."""
        db = self._connection()
        if db is not None:
            try:
                result = db.execute("PRAGMA quick_check").fetchone()[0]
            except sqlite3.DatabaseError as e:
                self._damaged(e)
            else:
                if result != "ok":
                    self._damaged(sqlite3.DatabaseError(str(result)))
        return self._problem

    def reset(self) -> None:
        """Delete the database and start an empty one (for a damaged cache)."""
        for db in self._opened:
            db.close()
        self._opened.clear()
        self._local = threading.local()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self._path}{suffix}").unlink(missing_ok=True)
        self._problem = None

    def count(self, model: str | None = None) -> int:
        """Vectors cached (for one model, or all)."""
        db = self._connection()
        if db is None:
            return 0
        try:
            if model is None:
                return int(db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])
            return int(
                db.execute("SELECT COUNT(*) FROM vectors WHERE model = ?", [model]).fetchone()[0]
            )
        except sqlite3.DatabaseError as e:
            self._damaged(e)
            return 0


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


def _finite(blob: bytes) -> bool:
    """Whether a stored float16 vector holds only finite numbers (a damaged row does not)."""
    return bool(np.isfinite(np.frombuffer(blob, dtype=np.float16)).all())
