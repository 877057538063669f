"""The workspace: one data directory with its graph store, and the ingest that fills it.

It picks the graph backend once (networkx, or Neo4j when a URI is set), takes the writer lock of
the data directory for every write, and reports what each ingest did.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from api.settings import Settings
from graph.base import GraphStore, WriteResult
from graph.memory import MemoryGraphStore
from ingest.errors import IngestError
from ingest.model import Policy
from ingest.parser import KnownUnits
from ingest.pipeline import ParseResult, find_documents, parse_paths
from ingest.storage import exclusive_lock

logger = logging.getLogger(__name__)

WRITE_BATCH = 100
"""Policies written to the graph per commit during a bulk ingest."""


@dataclass(slots=True)
class IngestReport:
    """What an ingest run did.

    Attributes:
        added: Ids of policies stored for the first time.
        replaced: Ids of earlier versions that new versions replaced.
        unchanged: Ids of policies that were already stored as they are.
        failed: The files that could not be ingested, with their errors.
        undetermined: Titles of documents whose jurisdiction could not be told.
        clauses: Clauses in the policies added.
    """

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, IngestError]] = field(default_factory=list)
    undetermined: list[str] = field(default_factory=list)
    clauses: int = 0
    jurisdictions: Counter[str] = field(default_factory=Counter)

    @property
    def documents(self) -> int:
        """Documents that parsed."""
        return len(self.added) + len(self.unchanged)


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


def open_workspace(settings: Settings) -> Workspace:
    """The workspace the settings describe (backends chosen once, here)."""
    return Workspace(
        settings.data_dir, graph_store_for(settings), max_file_bytes=settings.max_file_bytes
    )


class Workspace:
    """A data directory and the stores in it.

    Args:
        data_dir: The data directory (created on first write).
        graph: The graph store; by default the embedded networkx store in ``data_dir/graph``.
        max_file_bytes: Largest file ingested.
    """

    def __init__(
        self,
        data_dir: Path,
        graph: GraphStore | None = None,
        *,
        max_file_bytes: int = 50 * 1024 * 1024,
    ) -> None:
        self.data_dir = data_dir
        self.graph: GraphStore = (
            graph if graph is not None else MemoryGraphStore(data_dir / "graph")
        )
        self.max_file_bytes = max_file_bytes

    def known_units(self) -> KnownUnits:
        """Unit names already stored, per jurisdiction, to repair typos in new documents."""
        known = KnownUnits()
        page = self.graph.units(0, 10**9)
        for summary in page.items:
            known.add(summary.unit.jurisdiction, [summary.unit.name] * max(1, summary.tasks))
        return known

    def ingest_paths(
        self,
        paths: Iterable[Path],
        *,
        jurisdiction: str | None = None,
        on_file: Callable[[ParseResult], None] | None = None,
    ) -> IngestReport:
        """Parse every document under ``paths`` and store the policies.

        Args:
            paths: Files and folders.
            jurisdiction: Jurisdiction for the whole batch, overriding what documents say.
            on_file: Called after each file is parsed (for progress display).
        """
        files = find_documents(paths)
        report = IngestReport()
        batch: list[Policy] = []
        with exclusive_lock(self.data_dir / ".writer.lock"):
            known = self.known_units()
            for result in parse_paths(
                files, jurisdiction=jurisdiction, known_units=known, max_bytes=self.max_file_bytes
            ):
                if on_file is not None:
                    on_file(result)
                if result.policy is None:
                    assert result.error is not None
                    report.failed.append((result.source, result.error))
                    continue
                batch.append(result.policy)
                if len(batch) >= WRITE_BATCH:
                    self._write(batch, report)
                    batch = []
            if batch:
                self._write(batch, report)
        return report

    def ingest_policies(self, policies: Sequence[Policy]) -> IngestReport:
        """Store already-parsed policies (uploads); same report as :meth:`ingest_paths`."""
        report = IngestReport()
        with exclusive_lock(self.data_dir / ".writer.lock"):
            self._write(list(policies), report)
        return report

    def _write(self, policies: list[Policy], report: IngestReport) -> None:
        results: list[WriteResult] = self.graph.write_policies(policies)
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
        """Delete a stored policy; False when it is not stored."""
        with exclusive_lock(self.data_dir / ".writer.lock"):
            return self.graph.delete_policy(policy_id)

    def close(self) -> None:
        """Close the stores."""
        self.graph.close()
