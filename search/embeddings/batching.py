"""Questions that arrive together share one forward pass of the embedding model.

A served process answers many questions at once, each needing one query vector. A forward pass of
one short question costs almost as much as one of a dozen (the matrices are read once either
way), so :class:`QueryBatcher` collects the questions that arrive within a few milliseconds of
the first (bounded wait, bounded batch) and embeds them together. Passages (ingest) are already
embedded in large batches and pass straight through.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from policykg.search.embeddings.base import Embedder, Vectors


@dataclass(slots=True)
class _Request:
    texts: Sequence[str]
    done: Future[Vectors] = field(default_factory=Future)


class QueryBatcher:
    """An embedder whose query vectors are computed in micro-batches by one worker thread.

    Args:
        inner: The embedder that computes the vectors.
        max_wait: Seconds the first question of a batch waits for others (0: no batching).
        max_batch: Most questions in one forward pass.
    """

    def __init__(self, inner: Embedder, *, max_wait: float = 0.004, max_batch: int = 32) -> None:
        self.inner = inner
        self.max_wait = max_wait
        self.max_batch = max(1, max_batch)
        self._queue: queue.SimpleQueue[_Request] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.passes = 0
        """Forward passes run for queries (for the benchmarks: questions / passes = batch size)."""

    @property
    def name(self) -> str:
        """The inner embedder's name."""
        return self.inner.name

    @property
    def dim(self) -> int:
        """The inner embedder's dimension."""
        return self.inner.dim

    def embed_passages(self, texts: Sequence[str], progress: bool = False) -> Vectors:
        """Passages go straight to the inner embedder (ingest batches them itself)."""
        return self.inner.embed_passages(texts, progress)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Query vectors, computed together with those of questions asked at the same moment."""
        if self.max_wait <= 0 or not texts:
            return self.inner.embed_queries(texts)
        self._ensure_worker()
        request = _Request(list(texts))
        self._queue.put(request)
        return request.done.result()

    def _ensure_worker(self) -> None:
        if self._worker is not None and self._worker.is_alive():
            return
        with self._start_lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(
                    target=self._run, name="policykg-query-batcher", daemon=True
                )
                self._worker.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            size = len(batch[0].texts)
            deadline = time.monotonic() + self.max_wait
            while size < self.max_batch:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    request = self._queue.get(timeout=remaining)
                except queue.Empty:
                    break
                batch.append(request)
                size += len(request.texts)
            self._embed(batch)

    def _embed(self, batch: list[_Request]) -> None:
        texts = [text for request in batch for text in request.texts]
        try:
            vectors = self.inner.embed_queries(texts)
        except Exception as e:  # noqa: BLE001 - each waiting caller raises it; the worker lives on
            for request in batch:
                request.done.set_exception(e)
            return
        self.passes += 1
        start = 0
        for request in batch:
            request.done.set_result(vectors[start : start + len(request.texts)])
            start += len(request.texts)
