"""The workspace: one data directory, its graph store and its clause index, kept in step.

The graph (networkx or Neo4j) is the source of truth for which clauses exist; the clause index
(FAISS vectors and BM25) follows it. Every write takes the data directory's writer lock and a
read-write lock inside the process, so a reader in this process never sees the graph and the
index disagree. A process killed between the graph commit and the index commit leaves drift that
:meth:`Workspace.check` reports and :meth:`Workspace.repair` removes (cheaply: vectors are cached).
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from policykg.graph.base import ClauseRecord, GraphStore, WriteResult
from policykg.graph.memory import MemoryGraphStore
from policykg.ingest.errors import IngestError, NotFoundError, StoreCorruptError, StoreError
from policykg.ingest.model import Policy, Role, RoleSource
from policykg.ingest.parser import KnownUnits
from policykg.ingest.pipeline import (
    FoundDocuments,
    Limits,
    ParseResult,
    parse_paths,
    parse_upload,
    scan_documents,
)
from policykg.ingest.report import DocumentReport, document_report
from policykg.ingest.serialize import policy_to_dict
from policykg.ingest.storage import atomic_write_json, fault_point, writable_dir
from policykg.search.embeddings.base import Embedder
from policykg.search.embeddings.cache import CachedEmbedder, EmbeddingCache
from policykg.search.hybrid import SearchHit, SearchMode
from policykg.search.index import ClauseIndex, PreparedClauses, passage_text
from policykg.service.alignment import Alignment, align
from policykg.service.integrity import CheckReport, compare_contents
from policykg.service.lifecycle import Lifecycle
from policykg.service.store_log import StoreLog

logger = logging.getLogger(__name__)

WRITE_BATCH = 100
"""Policies written per batch during a bulk ingest; each batch is committed whole."""


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
        parsed: Per file parsed, what the parser made of it: clauses, roles by source,
            units, attachments, the share of its text kept, warnings.
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
    parsed: dict[str, DocumentReport] = field(default_factory=dict)

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

    def reading_here(self) -> bool:
        """True when this thread holds the read side."""
        return getattr(self._held, "depth", 0) > 0

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


class Workspace:
    """A data directory with its graph store and clause index, kept in step across processes.

    Every process sees the store as committed (see :mod:`api.store_log`): a writer finishes a
    batch a dead writer left and reloads what other processes committed before it writes; a
    reader reloads a newer generation before it answers. Each batch of an ingest is committed
    whole: graph, vectors and BM25 together.

    Args:
        data_dir: The data directory (created on first write).
        graph: The graph store; by default the embedded networkx store in ``data_dir/graph``.
        embedder: The embedder, or a function making it (so commands that only read the graph
            never load a model).
        limits: How large one document may be (bytes, characters, clauses).
        approximate_above: Vector count above which FAISS switches to IVF.
        write_batch: Policies per committed batch during an ingest.
        index_factory: Makes the clause index from the embedder; by default the file index
            (FAISS and BM25) in ``data_dir/index``; the Neo4j index keeps it in the graph's
            database (``search.neo4j_index``).
    """

    def __init__(
        self,
        data_dir: Path,
        graph: GraphStore | None = None,
        *,
        embedder: Embedder | Callable[[], Embedder] | None = None,
        limits: Limits | None = None,
        approximate_above: int | None = None,
        write_batch: int = WRITE_BATCH,
        index_factory: Callable[[Embedder], ClauseIndex] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self._index_factory = index_factory
        self.graph: GraphStore = (
            graph if graph is not None else MemoryGraphStore(data_dir / "graph")
        )
        self.limits = limits or Limits()
        self.write_batch = write_batch
        self._embedder_source = embedder
        self._embedder: Embedder | None = None
        self._approximate_above = approximate_above
        self._index: ClauseIndex | None = None
        self._index_lock = threading.Lock()
        self._rw = _ReadWriteLock()
        self._log = StoreLog(data_dir)
        self._loaded: int | None = None  # the committed generation graph and index belong to
        self._graph_version: int | None = None  # the shared graph's version (Neo4j), last seen
        self.generation = 0
        """Bumped by every change this process sees (caches keyed on it refresh)."""
        self._lifecycle: tuple[int, Lifecycle] | None = None

    # -- components ----------------------------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        """The embedding model (loaded on first use)."""
        if self._embedder is None:
            source = self._embedder_source
            if source is None:
                raise NotFoundError("this workspace has no embedder configured")
            self._embedder = source if isinstance(source, Embedder) else source()
        return self._embedder

    @property
    def index(self) -> ClauseIndex:
        """The clause index (loads the embedding model on first use).

        Raises:
            StoreCorruptError: A file of the index is damaged (``check --repair`` rebuilds it).
        """
        if self._index is None:
            with self._index_lock:
                if self._index is None:
                    with self._log.reading():
                        index = (
                            self._index_factory(self.embedder)
                            if self._index_factory is not None
                            else ClauseIndex(
                                self.data_dir / "index",
                                self.embedder,
                                approximate_above=self._approximate_above,
                            )
                        )
                    index.add_words(s.unit.name for s in self.graph.units(0, 10**9).items)
                    self._index = index
        return self._index

    @property
    def cache(self) -> EmbeddingCache | None:
        """The embedding cache behind the embedder, if it has one."""
        embedder = self.embedder
        return embedder.cache if isinstance(embedder, CachedEmbedder) else None

    def known_units(self) -> KnownUnits:
        """Unit names already stored, per jurisdiction, to repair typos in new documents."""
        known = KnownUnits()
        for summary in self.graph.units(0, 10**9).items:
            known.add(summary.unit.jurisdiction, [summary.unit.name] * max(1, summary.tasks))
        return known

    # -- keeping up with the store --------------------------------------------------------------

    def sync(self) -> None:
        """See the store as committed now: finish a batch a dead writer left (when this process
        may write), and reload when another process committed since this one loaded."""
        if self._rw.reading_here():
            return  # an answer in progress keeps the state it started with
        if self._log.writer_died() and writable_dir(self.data_dir):
            with self._log.writer():
                self._finish_interrupted()
        version = self.graph.version()
        if version is not None and version != self._graph_version:
            self._graph_version = version
            self.generation += 1  # another client wrote the shared graph: caches refresh
        if self._log.generation() != self._loaded:
            self._catch_up()

    def _catch_up(self) -> None:
        """Reload graph and index when the committed generation is not the one held.

        Lock order, everywhere: the commit lock (a file lock) before the in-process write side,
        so a thread waiting for one never holds the other that its holder waits for.
        """
        with self._log.reading(), self._rw.write():
            generation = self._log.generation()
            if generation == self._loaded:
                return
            if self._loaded is not None:
                logger.info(
                    "store changed (generation %s -> %s): reloading", self._loaded, generation
                )
                self.graph.reload()
                self._drop_index()
            else:
                self.graph.stats()  # load it now, under the commit lock
            self._loaded = generation  # -1 (an unreadable commit record): reloaded once, not always
            self.generation += 1

    def _drop_index(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None

    def _begin_write(self) -> None:
        """Before a write (holding the writer lock): finish what a dead writer left, catch up
        with other processes, and clear leftovers of interrupted writes."""
        if self._log.journal() is not None:
            self._finish_interrupted()
        self._catch_up()
        self.graph.repair_storage()
        self._remove_stale_temporaries()

    def _remove_stale_temporaries(self) -> None:
        """Delete the temporary files and folders of killed writes (``.NAME.XXXX.tmp``): under
        the writer lock nobody is writing one."""
        if not self.data_dir.exists():
            return
        for path in sorted(self.data_dir.rglob(".*.tmp"), reverse=True):
            logger.info("removing %s, left by an interrupted write", path)
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

    def _finish_interrupted(self) -> None:
        """Finish the batch of a writer that died in its commit window (holding the writer lock):
        the graph as it was left is kept, the index is brought in line with it."""
        journal = self._log.journal()
        if journal is None:
            return
        logger.warning("finishing a write that was interrupted (generation %s)", journal.generation)
        with self._writing(), self._log.repairing() as generation, self._rw.write():
            self.graph.reload()
            self.graph.repair_storage()
            self._drop_index()
            self._bring_index_in_line(CheckReport())
            self._loaded = generation
            self.generation += 1

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

        Each batch of :data:`WRITE_BATCH` policies is committed whole (graph, vectors, BM25), so
        a run killed at any point loses at most the batch in flight, and running it again
        finishes the work.

        Args:
            paths: Files and folders.
            jurisdiction: Jurisdiction for the whole batch, overriding what documents say.
            on_file: Called after each file is parsed (for progress display).
            on_stage: Called with a short description of slow steps (embedding a batch).
            progress: Show the embedding progress bar.
        """
        found = scan_documents(paths)
        report = IngestReport(skipped=[(str(p), reason) for p, reason in found.skipped])
        batch: list[tuple[Policy, Path | None]] = []
        with self._log.writer():
            self._begin_write()
            for result in self._parse(found, jurisdiction):
                if on_file is not None:
                    on_file(result)
                if result.policy is None:
                    assert result.error is not None
                    report.failed.append((result.source, result.error))
                    continue
                if result.coverage is not None:
                    name = result.policy.source or result.source
                    report.parsed[name] = document_report(name, result.policy, result.coverage)
                batch.append((result.policy, Path(result.source)))
                if len(batch) >= self.write_batch:
                    self._write(batch, report, progress, on_stage)
                    batch = []
            if batch:
                self._write(batch, report, progress, on_stage)
        return report

    def ingest_upload(
        self, data: bytes, filename: str, *, jurisdiction: str | None = None
    ) -> tuple[Policy, IngestReport]:
        """Parse and store one uploaded document.

        Raises:
            IngestError: When it cannot be read or parsed (nothing is stored then).
        """
        with self._log.writer():
            self._begin_write()
            result = parse_upload(
                data,
                filename,
                jurisdiction=jurisdiction,
                known_units=self.known_units(),
                limits=self.limits,
            )
            policy = result.policy
            assert policy is not None and result.coverage is not None
            report = IngestReport()
            report.parsed[filename] = document_report(filename, policy, result.coverage)
            self._write([(policy, None)], report, progress=False)
        return policy, report

    def _parse(self, found: FoundDocuments, jurisdiction: str | None) -> Iterator[ParseResult]:
        """Parse the files found, with the store's units for typo repair and its limits."""
        return parse_paths(
            found.files,
            jurisdiction=jurisdiction,
            known_units=self.known_units(),
            limits=self.limits,
            roots=found.roots,
        )

    def passages_to_embed(
        self, paths: Iterable[Path], *, jurisdiction: str | None = None
    ) -> Iterator[str]:
        """The passages an ingest of ``paths`` would embed, without storing anything.

        Documents already stored unchanged are left out (their vectors exist); a file that
        cannot be read is skipped here and reported by the ingest itself. Used to embed a large
        batch elsewhere first (``policykg ingest --ray``), into the cache the ingest then reads.
        """
        for result in self._parse(scan_documents(paths), jurisdiction):
            policy = result.policy
            if policy is None or self.graph.get_policy(policy.id) is not None:
                continue
            for clause in policy.clauses:
                yield passage_text(policy, clause)

    def _write(
        self,
        batch: list[tuple[Policy, Path | None]],
        report: IngestReport,
        progress: bool,
        on_stage: Callable[[str], None] | None = None,
    ) -> None:
        """Store one batch and commit it whole (the caller holds the writer lock)."""
        policies = [policy for policy, _ in batch]
        fresh = [p for p in policies if self.graph.get_policy(p.id) is None]
        if on_stage is not None and fresh:
            on_stage(f"embedding {sum(len(p.clauses) for p in fresh):,} clauses")
        misses_before = getattr(self.index.embedder, "misses", 0)
        prepared = self.index.prepare(fresh, progress)  # slow; touches nothing shared
        if fresh:
            self._ensure_space(fresh, prepared)
            with self._writing(), self._log.commit([p.id for p in fresh], []) as generation:
                with self._rw.write():
                    results: list[WriteResult]
                    if self.index.writes_with_graph:  # one transaction: graph, vectors, tokens
                        results = self.index.write_with_graph(policies, prepared)
                        replaced = [old for r in results for old in r.replaced]
                    else:
                        results = self.graph.write_policies(policies)
                        fault_point("graph-committed")
                        replaced = [old for r in results for old in r.replaced]
                        self.index.remove_policies(replaced)
                        self.index.apply(prepared)
                    self.generation += 1
                self.index.commit()
                self._remember_sources(batch, replaced)
                self.graph.repair_storage()  # files of replaced versions: no reader loads now
                self._loaded = generation  # before the window closes: no reload of our own write
        else:
            results = [WriteResult(p.id, unchanged=True) for p in policies]
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

    def _ensure_space(self, policies: Sequence[Policy], prepared: PreparedClauses) -> None:
        """Refuse a batch the disk cannot hold before anything of it is written.

        The estimate is generous: the new policy files, a new copy of the FAISS index (it is
        rewritten whole), the manifests, and the BM25 tokens with their journal.
        """
        try:
            free = shutil.disk_usage(
                self.data_dir if self.data_dir.exists() else self.data_dir.parent
            ).free
        except OSError:
            return
        index_dir = self.data_dir / "index"
        current = (
            sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file())
            if index_dir.exists()
            else 0
        )
        policies_bytes = sum(
            len(json.dumps(policy_to_dict(p), ensure_ascii=False).encode()) for p in policies
        )
        vectors = int(prepared.vectors.nbytes * 1.2)
        tokens = 3 * sum(len(json.dumps(t, ensure_ascii=False).encode()) for t in prepared.tokens)
        needed = policies_bytes + current + vectors + tokens + 1_000_000
        if needed > free:
            raise StoreError(
                f"not enough disk space in {self.data_dir}: this batch needs about "
                f"{needed / 1e6:.0f} MB, {free / 1e6:.0f} MB are free; nothing of it was stored"
            )

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Turn a failing write (a full disk) into one clear error; the journal stays, so the
        next command finishes the batch once there is room."""
        try:
            yield
        except OSError as e:
            raise StoreError(
                f"cannot write to {self.data_dir}: {e.strerror or e}; the store keeps its last "
                "committed state and the next command finishes this batch once it can write"
            ) from e

    def _sources_path(self) -> Path:
        return self.data_dir / "sources.json"

    def _sources(self) -> dict[str, str]:
        """Policy id -> the absolute path it was ingested from (never shown to users)."""
        try:
            data = json.loads(self._sources_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _remember_sources(
        self, batch: list[tuple[Policy, Path | None]], replaced: Sequence[str]
    ) -> None:
        sources = self._sources()
        for policy_id in replaced:
            sources.pop(policy_id, None)
        for policy, path in batch:
            if path is not None:
                sources[policy.id] = str(path.resolve())
        atomic_write_json(self._sources_path(), sources)

    def delete_policy(self, policy_id: str) -> bool:
        """Delete a stored policy and its clauses from the graph and the index."""
        with self._log.writer():
            self._begin_write()
            known = policy_id in self.graph.policy_ids() or policy_id in self.graph.damaged()
            if not known:
                return False
            with self._writing(), self._log.commit([], [policy_id]) as generation:
                with self._rw.write():
                    self.graph.delete_policy(policy_id)
                    fault_point("graph-committed")
                    self.generation += 1
                    self.index.remove_policies([policy_id])  # BM25 masks them until its merge
                self.index.commit()
                self.graph.repair_storage()
                self._loaded = generation
            return True

    # -- consistency --------------------------------------------------------------------------

    def graph_clause_ids(self) -> dict[str, str]:
        """Clause id -> policy id, for every clause in the graph."""
        ids = self.graph.clause_ids_of(sorted(self.graph.policy_ids()))
        return {clause_id: clause_id.split(":", 1)[0] for clause_id in ids}

    def check(self, *, contents: bool = True) -> CheckReport:
        """Compare graph, vectors and BM25: the same clauses, and (``contents``) the same texts.

        Never raises for damage: what cannot be loaded is reported.
        """
        report = CheckReport()
        if self._log.generation() < 0:
            report.record_problem = f"{self.data_dir / 'store.json'} is unreadable"
        try:
            self.sync()
            report.damaged_policies = self.graph.damaged()
        except StoreCorruptError as e:
            report.graph_problem = str(e)
            return report
        report.unfinished_batch = self._log.journal() is not None
        try:
            index = self.index  # loaded outside the read side: loading takes the commit lock
        except StoreCorruptError as e:
            report.index_problem = str(e)
            report.clauses_in_graph = len(self.graph_clause_ids())
            return report
        with self._rw.read():
            clause_ids = set(self.graph_clause_ids())
            report.clauses_in_graph = len(clause_ids)
            report.vectors, report.bm25 = len(index.vectors), len(index.bm25)
            report.drift = index.drift(clause_ids)
            cache = self.cache
            if contents:
                policies = [
                    p
                    for pid in sorted(self.graph.policy_ids())
                    if (p := self.graph.get_policy(pid))
                ]
                try:
                    wrong, unverified, tokens = compare_contents(
                        index, policies, cache, index.embedder.name
                    )
                except StoreCorruptError as e:
                    report.index_problem = str(e)
                    return report
                report.wrong_vectors, report.unverified_vectors, report.wrong_tokens = (
                    wrong,
                    unverified,
                    tokens,
                )
            report.cache_problem = cache.verify() if cache is not None else None
        return report

    def repair(self) -> CheckReport:
        """Repair everything ``check`` can find; returns the findings and what was done.

        Damaged policy files are restored from their source document when it is still where it
        was ingested from (and unchanged), else dropped; a damaged index or cache is rebuilt from
        the graph (vectors from the cache, embedding only what it lacks).
        """
        with self._log.writer():
            if self._log.journal() is not None:
                self._finish_interrupted()
            done = self.graph.repair_storage()  # a lost graph manifest first: all else needs it
        found = self.check()
        found.repaired += done
        with self._log.writer():
            if self._log.journal() is not None:
                self._finish_interrupted()
                found.repaired.append("finished an interrupted write")
            with self._writing(), self._log.repairing() as generation:
                found.repaired += self._repair_policies(found.damaged_policies)
                cache = self.cache
                if cache is not None and found.cache_problem is not None:
                    cache.reset()
                    found.repaired.append("replaced the damaged embedding cache with a new one")
                with self._rw.write():
                    self._bring_index_in_line(found)
                self._loaded = generation
                self.generation += 1
            if found.record_problem:
                found.repaired.append("wrote a new commit record")
        return found

    def _repair_policies(self, damaged: dict[str, str]) -> list[str]:
        done = []
        sources = self._sources()
        for policy_id in sorted(damaged):
            source = sources.get(policy_id)
            restored = None
            if source is not None and Path(source).is_file():
                with contextlib.suppress(IngestError):
                    (result,) = parse_paths(
                        [Path(source)], known_units=self.known_units(), limits=self.limits
                    )
                    if result.policy is not None and result.policy.id == policy_id:
                        restored = result.policy
            if restored is not None:
                self.graph.write_policies([restored])
                done.append(f"restored policy {policy_id} from {Path(source or '').name}")
            else:
                self.graph.delete_policy(policy_id)
                why = "its source is gone or changed" if source else "no source is known"
                done.append(f"dropped damaged policy {policy_id} ({why}; ingest it again)")
        return done

    def _bring_index_in_line(self, found: CheckReport) -> None:
        """Make the index hold exactly the graph's clauses with the right contents (holding the
        write side); an index that cannot be loaded is rebuilt from scratch."""
        try:
            index = self.index
            if found.index_problem:
                raise StoreCorruptError(found.index_problem)
        except StoreCorruptError as e:
            logger.warning("rebuilding the clause index: %s", e)
            shutil.rmtree(self.data_dir / "index", ignore_errors=True)
            self._drop_index()
            index = self.index
            found.repaired.append("rebuilt the clause index from the graph")
        clause_policies = self.graph_clause_ids()
        drift = index.drift(set(clause_policies))
        extra = drift.extra_vectors | drift.extra_bm25
        index.vectors.remove(extra)
        index.bm25.remove(extra)
        wrong = found.wrong_vectors | found.wrong_tokens
        stale_clauses = drift.missing_vectors | drift.missing_bm25 | wrong
        stale = {clause_policies[c] for c in stale_clauses if c in clause_policies}
        policies = [p for pid in sorted(stale) if (p := self.graph.get_policy(pid)) is not None]
        index.remove_policies(stale)
        index.add_policies(policies)
        index.commit()
        if extra or stale_clauses:
            found.repaired.append(
                f"index: removed {len(extra)} clauses the graph does not hold, indexed "
                f"{sum(len(p.clauses) for p in policies)} clauses again"
            )

    def reindex(self) -> int:
        """Embed and index every clause again with the configured model; returns how many."""
        with self._log.writer():
            self._begin_write()
            with self._writing(), self._log.repairing() as generation, self._rw.write():
                shutil.rmtree(self.data_dir / "index", ignore_errors=True)
                self._drop_index()
                policies = [
                    p
                    for pid in sorted(self.graph.policy_ids())
                    if (p := self.graph.get_policy(pid))
                ]
                count = self.index.add_policies(policies)
                self.index.commit()
                self._loaded = generation
                self.generation += 1
        return count

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
        role_source: RoleSource | None = None,
        in_force_on: str | None = None,
    ) -> list[Found]:
        """Hybrid (or BM25 / dense) search over clauses with filters.

        Args:
            query: Question or keywords.
            k: Hits wanted.
            mode: Which rankings to use.
            policy_id: Only clauses of this policy.
            unit_ids: Only clauses where one of these units has ``role`` (lead or responsible
                when ``role`` is None).
            role: The role the units must have; with no ``unit_ids``, only clauses where some
                unit has it.
            jurisdiction: Only clauses of policies of this jurisdiction.
            role_source: Only clauses where the role (of one of ``unit_ids``, else of any unit)
                was read from this form (annotation only, say).
            in_force_on: Only clauses of policies in force on this day (``YYYY-MM-DD``).
        """
        self.sync()
        index = self.index  # loaded outside the read side: loading takes the commit lock
        with self._rw.read():
            allowed = self._allowed(policy_id, unit_ids, role, jurisdiction, role_source)
            if in_force_on is not None:
                in_force = self.graph.clause_ids_of(
                    sorted(self.lifecycle().in_force_ids(in_force_on))
                )
                allowed = in_force if allowed is None else allowed & in_force
            hits = index.search(query, k, allowed, mode)
            records = {r.clause.id: r for r in self.graph.clauses([h.clause_id for h in hits])}
        return [Found(h, records[h.clause_id]) for h in hits if h.clause_id in records]

    def _allowed(
        self,
        policy_id: str | None,
        unit_ids: Sequence[str],
        role: Role | None,
        jurisdiction: str | None,
        role_source: RoleSource | None = None,
    ) -> set[str] | None:
        allowed: set[str] | None = None

        def narrow(ids: set[str]) -> None:
            nonlocal allowed
            allowed = ids if allowed is None else allowed & ids

        if policy_id is not None:
            narrow(self.graph.clause_ids_of([policy_id]))
        if unit_ids or role is not None or role_source is not None:
            # The units named, else every unit: clauses where one has the role (from the form).
            # A unit's name is looked up only to compare the form its role was read from.
            if not unit_ids:
                named = [(s.unit.id, s.unit.name) for s in self.graph.units(0, 10**9).items]
            elif role_source is None:
                named = [(u, "") for u in unit_ids]
            else:
                named = [(s.unit.id, s.unit.name) for u in unit_ids if (s := self.graph.unit(u))]
            narrow(
                {
                    r.clause.id
                    for unit_id, name in named
                    for r in self.graph.unit_clauses(unit_id, role)
                    if role_source is None or r.clause.source_of(name) == role_source
                }
            )
        if jurisdiction is not None:
            page = self.graph.policies(0, 10**9, jurisdiction=jurisdiction)
            narrow(self.graph.clause_ids_of([s.id for s in page.items]))
        return allowed

    def lifecycle(self) -> Lifecycle:
        """Validity, typed relations and chains of the stored policies (built once per store
        generation; call while reading)."""
        held = self._lifecycle
        if held is None or held[0] != self.generation:
            held = (self.generation, Lifecycle.of(self.graph))
            self._lifecycle = held
        return held[1]

    def parent_of(self, policy_id: str) -> str | None:
        """The stored document ``policy_id`` implements (else the first it rests on), or None."""
        lifecycle = self.lifecycle()
        for kind in ("implements", "basis"):
            for link in lifecycle.acted_on(policy_id, kind):
                if not link.target.stub and link.target.id != policy_id:
                    return link.target.id
        return None

    def alignment(self, policy_id: str, parent_id: str | None = None) -> Alignment | None:
        """``policy_id`` aligned clause by clause with ``parent_id`` (by default the document it
        implements, :meth:`parent_of`), or None when either is not stored. Call while reading."""
        parent_id = parent_id or self.parent_of(policy_id)
        local = self.graph.get_policy(policy_id)
        parent = self.graph.get_policy(parent_id) if parent_id else None
        if local is None or parent is None:
            return None
        ids = [c.id for c in (*local.clauses, *parent.clauses)]
        return align(local, parent, self.index.vectors.vectors_of(ids))

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Hold the read lock while answering from the graph (no write lands meanwhile); the
        store is brought up to date first."""
        self.sync()
        with self._rw.read():
            yield

    def warm(self) -> None:
        """Load the graph, the index and the embedding model now rather than on first use.

        A server calls this before it reports ready, so no request pays for the loading.
        """
        self.sync()
        self.graph.stats()
        if self._embedder_source is not None:
            self.index.embedder.embed_queries(["warm-up"])

    def close(self) -> None:
        """Close the stores."""
        self.graph.close()
