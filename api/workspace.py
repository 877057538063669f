"""The workspace: one data directory, its graph store and its clause index, kept in step.

The graph (networkx or Neo4j) is the source of truth for which clauses exist; the clause index
(FAISS vectors and BM25) follows it. Every write takes the data directory's writer lock and a
read-write lock inside the process, so a reader in this process never sees the graph and the
index disagree. A process killed between the graph commit and the index commit leaves drift that
:meth:`Workspace.check` reports and :meth:`Workspace.repair` removes (cheaply: vectors are cached).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from api.settings import Settings
from graph.base import ClauseRecord, GraphStore, WriteResult
from graph.memory import MemoryGraphStore
from ingest.errors import IngestError, NotFoundError
from ingest.model import Policy, Role
from ingest.parser import KnownUnits
from ingest.pipeline import ParseResult, parse_paths, parse_upload, scan_documents
from ingest.storage import exclusive_lock
from search.embeddings import load_embedder
from search.embeddings.base import Embedder
from search.embeddings.cache import CachedEmbedder, EmbeddingCache
from search.hybrid import SearchHit, SearchMode
from search.index import ClauseIndex, IndexDrift

logger = logging.getLogger(__name__)

WRITE_BATCH = 100
"""Policies written to the graph (and indexed) per step during a bulk ingest."""
COMMIT_EVERY = 20
"""Batches between index commits during a long ingest."""


@dataclass(slots=True)
class IngestReport:
    """What an ingest run did.

    Attributes:
        added: Ids of policies stored for the first time or as new versions.
        replaced: Ids of earlier versions that new versions replaced.
        unchanged: Ids of policies that were already stored as they are.
        failed: The files that could not be ingested, with their errors.
        undetermined: Titles of documents whose jurisdiction could not be told.
        clauses: Clauses in the policies added.
        jurisdictions: Policies added per jurisdiction.
        embedded: Clauses embedded now (cache misses); cached clauses are not counted.
        skipped: Files found in the folders that are not documents PolicyKG reads, with why.
    """

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, IngestError]] = field(default_factory=list)
    undetermined: list[str] = field(default_factory=list)
    clauses: int = 0
    jurisdictions: Counter[str] = field(default_factory=Counter)
    embedded: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def documents(self) -> int:
        """Documents that parsed."""
        return len(self.added) + len(self.unchanged)


@dataclass(frozen=True, slots=True)
class Found:
    """A search hit with the clause it points to."""

    hit: SearchHit
    record: ClauseRecord


class _ReadWriteLock:
    """Many readers or one writer; a waiting writer goes before readers that arrive after it.

    Without the writer preference, a steady stream of readers (a loaded API) would starve an
    upload forever. A thread that already reads may read again at once (an answer holds the lock
    and searches inside it): were it to wait for the waiting writer, which waits for it, neither
    would ever go on.
    """

    def __init__(self) -> None:
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0
        self._condition = threading.Condition()
        self._held = threading.local()  # this thread's read depth

    @contextmanager
    def read(self) -> Iterator[None]:
        depth = getattr(self._held, "depth", 0)
        if depth == 0:
            with self._condition:
                self._condition.wait_for(lambda: not self._writer and self._writers_waiting == 0)
                self._readers += 1
        self._held.depth = depth + 1
        try:
            yield
        finally:
            self._held.depth = depth
            if depth == 0:
                with self._condition:
                    self._readers -= 1
                    self._condition.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._condition:
            self._writers_waiting += 1
            self._condition.wait_for(lambda: not self._writer and self._readers == 0)
            self._writers_waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._condition:
                self._writer = False
                self._condition.notify_all()


def graph_store_for(settings: Settings) -> GraphStore:
    """The graph backend the settings choose: Neo4j when a URI is set, else the embedded store.

    Raises:
        StoreUnavailableError: When Neo4j is configured but cannot be reached.
    """
    if settings.neo4j_uri:
        from graph.neo4j import connect

        return connect(
            settings.neo4j_uri,
            settings.neo4j_user,
            settings.neo4j_password.get_secret_value(),
            database=settings.neo4j_database,
            timeout=settings.neo4j_timeout,
        )
    return MemoryGraphStore(settings.data_dir / "graph")


def embedder_for(settings: Settings, progress: Callable[[str], None] | None = None) -> Embedder:
    """The embedding model the settings name, with its vectors cached in the data directory.

    Args:
        settings: The settings.
        progress: Shown lines while the default model is built (once per user).
    """
    options: dict[str, object] = {}
    if not settings.embed_model.startswith(("use:", "hashing:")):
        options = {
            "device": settings.embed_device,
            "batch_size": settings.embed_batch_size,
            "backend": settings.embed_backend,
            "max_seq_length": settings.embed_max_tokens,
        }
    embedder = load_embedder(
        settings.embed_model,
        settings.cache_dir,
        legacy_dirs=(settings.data_dir / "cache",),
        progress=progress,
        **options,
    )
    return CachedEmbedder(
        embedder, EmbeddingCache(settings.data_dir / "cache" / "embeddings.sqlite")
    )


def open_workspace(settings: Settings, progress: Callable[[str], None] | None = None) -> Workspace:
    """The workspace the settings describe (backends chosen once, here).

    Args:
        settings: The settings.
        progress: Shown lines while the default model is built (once per user).
    """
    return Workspace(
        settings.data_dir,
        graph_store_for(settings),
        embedder=lambda: embedder_for(settings, progress),
        max_file_bytes=settings.max_file_bytes,
        approximate_above=settings.vector_approximate_above,
    )


class Workspace:
    """A data directory with its graph store and clause index.

    Args:
        data_dir: The data directory (created on first write).
        graph: The graph store; by default the embedded networkx store in ``data_dir/graph``.
        embedder: The embedder, or a function making it (so commands that only read the graph
            never load a model).
        max_file_bytes: Largest file ingested.
        approximate_above: Vector count above which FAISS switches to IVF.
    """

    def __init__(
        self,
        data_dir: Path,
        graph: GraphStore | None = None,
        *,
        embedder: Embedder | Callable[[], Embedder] | None = None,
        max_file_bytes: int = 50 * 1024 * 1024,
        approximate_above: int | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.graph: GraphStore = (
            graph if graph is not None else MemoryGraphStore(data_dir / "graph")
        )
        self.max_file_bytes = max_file_bytes
        self._embedder_source = embedder
        self._approximate_above = approximate_above
        self._index: ClauseIndex | None = None
        self._index_lock = threading.Lock()
        self._rw = _ReadWriteLock()
        self.generation = 0
        """Bumped by every write in this process (caches keyed on it refresh)."""

    # -- components ----------------------------------------------------------------------------

    @property
    def index(self) -> ClauseIndex:
        """The clause index (loads the embedding model on first use)."""
        if self._index is None:
            with self._index_lock:
                if self._index is None:
                    source = self._embedder_source
                    if source is None:
                        raise NotFoundError("this workspace has no embedder configured")
                    embedder = source if isinstance(source, Embedder) else source()
                    index = ClauseIndex(
                        self.data_dir / "index", embedder, approximate_above=self._approximate_above
                    )
                    index.add_words(s.unit.name for s in self.graph.units(0, 10**9).items)
                    self._index = index
        return self._index

    def known_units(self) -> KnownUnits:
        """Unit names already stored, per jurisdiction, to repair typos in new documents."""
        known = KnownUnits()
        for summary in self.graph.units(0, 10**9).items:
            known.add(summary.unit.jurisdiction, [summary.unit.name] * max(1, summary.tasks))
        return known

    # -- writes -------------------------------------------------------------------------------

    def ingest_paths(
        self,
        paths: Iterable[Path],
        *,
        jurisdiction: str | None = None,
        on_file: Callable[[ParseResult], None] | None = None,
        on_stage: Callable[[str], None] | None = None,
        progress: bool = False,
    ) -> IngestReport:
        """Parse every document under ``paths``, store the policies and index their clauses.

        Args:
            paths: Files and folders.
            jurisdiction: Jurisdiction for the whole batch, overriding what documents say.
            on_file: Called after each file is parsed (for progress display).
            on_stage: Called with a short description of slow steps (embedding a batch).
            progress: Show the embedding progress bar.
        """
        found = scan_documents(paths)
        report = IngestReport(skipped=[(str(p), reason) for p, reason in found.skipped])
        batch: list[Policy] = []
        batches = 0
        with exclusive_lock(self.data_dir / ".writer.lock"):
            known = self.known_units()
            for result in parse_paths(
                found.files,
                jurisdiction=jurisdiction,
                known_units=known,
                max_bytes=self.max_file_bytes,
                roots=found.roots,
            ):
                if on_file is not None:
                    on_file(result)
                if result.policy is None:
                    assert result.error is not None
                    report.failed.append((result.source, result.error))
                    continue
                batch.append(result.policy)
                if len(batch) >= WRITE_BATCH:
                    self._write(batch, report, progress, on_stage)
                    batch = []
                    batches += 1
                    if batches % COMMIT_EVERY == 0:
                        self.index.commit()
            if batch:
                self._write(batch, report, progress, on_stage)
            if report.added or report.replaced:
                self.index.commit()  # a BM25 merge, if due, builds while readers go on
        return report

    def ingest_upload(
        self, data: bytes, filename: str, *, jurisdiction: str | None = None
    ) -> tuple[Policy, IngestReport]:
        """Parse and store one uploaded document.

        Raises:
            IngestError: When it cannot be read or parsed (nothing is stored then).
        """
        with exclusive_lock(self.data_dir / ".writer.lock"):
            policy = parse_upload(
                data,
                filename,
                jurisdiction=jurisdiction,
                known_units=self.known_units(),
                max_bytes=self.max_file_bytes,
            )
            report = IngestReport()
            self._write([policy], report, progress=False)
            self.index.commit()  # persists; searches already see the new clauses
        return policy, report

    def _write(
        self,
        policies: list[Policy],
        report: IngestReport,
        progress: bool,
        on_stage: Callable[[str], None] | None = None,
    ) -> None:
        # Embedding is slow and touches nothing shared: do it before taking the write lock.
        fresh = [p for p in policies if self.graph.get_policy(p.id) is None]
        if on_stage is not None and fresh:
            on_stage(f"embedding {sum(len(p.clauses) for p in fresh):,} clauses")
        misses_before = getattr(self.index.embedder, "misses", 0)
        prepared = self.index.prepare(fresh, progress)
        with self._rw.write():
            results: list[WriteResult] = self.graph.write_policies(policies)
            replaced = [old for r in results for old in r.replaced]
            self.index.remove_policies(replaced)
            self.index.apply(prepared)
            self.generation += 1
        report.embedded += getattr(self.index.embedder, "misses", 0) - misses_before
        for policy, result in zip(policies, results, strict=True):
            if result.unchanged:
                report.unchanged.append(policy.id)
                continue
            report.added.append(policy.id)
            report.replaced.extend(result.replaced)
            report.clauses += len(policy.clauses)
            report.jurisdictions[policy.jurisdiction.name] += 1
            if not policy.jurisdiction.determined:
                report.undetermined.append(policy.title)

    def delete_policy(self, policy_id: str) -> bool:
        """Delete a stored policy and its clauses from the graph and the index."""
        with exclusive_lock(self.data_dir / ".writer.lock"):
            with self._rw.write():
                if not self.graph.delete_policy(policy_id):
                    return False
                self.generation += 1
                self.index.remove_policies([policy_id])  # BM25 masks them until its next merge
            self.index.commit()
            return True

    # -- consistency --------------------------------------------------------------------------

    def graph_clause_ids(self) -> dict[str, str]:
        """Clause id -> policy id, for every clause in the graph."""
        ids = self.graph.clause_ids_of(sorted(self.graph.policy_ids()))
        return {clause_id: clause_id.split(":", 1)[0] for clause_id in ids}

    def check(self) -> IndexDrift:
        """Compare graph, vectors and BM25 (the three must hold the same clauses)."""
        with self._rw.read():
            return self.index.drift(set(self.graph_clause_ids()))

    def repair(self) -> IndexDrift:
        """Bring the index in line with the graph; returns the drift that was repaired."""
        with exclusive_lock(self.data_dir / ".writer.lock"), self._rw.write():
            clause_policies = self.graph_clause_ids()
            drift = self.index.drift(set(clause_policies))
            extra = drift.extra_vectors | drift.extra_bm25
            self.index.vectors.remove(extra)
            self.index.bm25.remove(extra)
            stale = {clause_policies[c] for c in drift.missing_vectors | drift.missing_bm25}
            policies = [p for pid in sorted(stale) if (p := self.graph.get_policy(pid)) is not None]
            self.index.remove_policies(stale)
            self.index.add_policies(policies)
            self.index.commit()
            return drift

    # -- reads --------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        k: int = 10,
        *,
        mode: SearchMode = SearchMode.HYBRID,
        policy_id: str | None = None,
        unit_ids: Sequence[str] = (),
        role: Role | None = None,
        jurisdiction: str | None = None,
    ) -> list[Found]:
        """Hybrid (or BM25 / dense) search over clauses with filters.

        Args:
            query: Question or keywords.
            k: Hits wanted.
            mode: Which rankings to use.
            policy_id: Only clauses of this policy.
            unit_ids: Only clauses where one of these units has ``role`` (lead or responsible
                when ``role`` is None).
            role: The role the units must have.
            jurisdiction: Only clauses of policies of this jurisdiction.
        """
        with self._rw.read():
            allowed = self._allowed(policy_id, unit_ids, role, jurisdiction)
            hits = self.index.search(query, k, allowed, mode)
            records = {r.clause.id: r for r in self.graph.clauses([h.clause_id for h in hits])}
        return [Found(h, records[h.clause_id]) for h in hits if h.clause_id in records]

    def _allowed(
        self,
        policy_id: str | None,
        unit_ids: Sequence[str],
        role: Role | None,
        jurisdiction: str | None,
    ) -> set[str] | None:
        allowed: set[str] | None = None

        def narrow(ids: set[str]) -> None:
            nonlocal allowed
            allowed = ids if allowed is None else allowed & ids

        if policy_id is not None:
            narrow(self.graph.clause_ids_of([policy_id]))
        if unit_ids:
            narrow({r.clause.id for u in unit_ids for r in self.graph.unit_clauses(u, role)})
        if jurisdiction is not None:
            page = self.graph.policies(0, 10**9, jurisdiction=jurisdiction)
            narrow(self.graph.clause_ids_of([s.id for s in page.items]))
        return allowed

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Hold the read lock while answering from the graph (no write lands meanwhile)."""
        with self._rw.read():
            yield

    def warm(self) -> None:
        """Load the graph, the index and the embedding model now rather than on first use.

        A server calls this before it reports ready, so no request pays for the loading.
        """
        self.graph.stats()
        if self._embedder_source is not None:
            self.index.embedder.embed_queries(["warm-up"])

    def close(self) -> None:
        """Close the stores."""
        self.graph.close()
