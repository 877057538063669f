"""The Neo4j store: the :class:`~graph.base.GraphStore` face over the connection, the reads and
the writes of this package."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
from neo4j import Driver

from policykg.graph import cypher
from policykg.graph.base import (
    CitationLink,
    ClauseRecord,
    CollaborationEdge,
    JurisdictionSummary,
    Page,
    PolicySummary,
    StoreStats,
    Subgraph,
    UnitSummary,
    WriteResult,
)
from policykg.graph.neo4j import reads, writes
from policykg.graph.neo4j.connection import Connection, open_driver
from policykg.ingest.model import Policy, Role, Unit

logger = logging.getLogger(__name__)


def connect(
    uri: str, user: str, password: str, database: str | None = None, timeout: float = 10.0
) -> Neo4jStore:
    """Connect to Neo4j and check that the server, the credentials and the database answer.

    Args:
        uri: Bolt URI, e.g. ``bolt://localhost:7687`` or ``neo4j://host``.
        user: User name; with ``password`` empty too, no authentication is sent.
        password: Password.
        database: Database name; None uses the server's default database.
        timeout: Seconds allowed for connecting, acquiring a connection and retrying a
            transaction; a server that is down or silent fails within about this long.

    Returns:
        A store that owns the driver (``close()`` closes it).

    Raises:
        StoreUnavailableError: The URI is malformed, the server cannot be reached, it refuses
            the credentials, or it has no such database.
    """
    driver = open_driver(uri, user, password, database, timeout)
    return Neo4jStore(driver, database, owns_driver=True)


class Neo4jStore:
    """A :class:`~graph.base.GraphStore` in a Neo4j 5 database (Community is enough, no APOC).

    Constraints and indexes are created on first use.

    Args:
        driver: A connected driver (see :func:`connect`).
        database: Database name; None uses the server's default database.
        owns_driver: Whether :meth:`close` closes the driver.
        batch_size: Policies written per transaction.
    """

    def __init__(
        self,
        driver: Driver,
        database: str | None = None,
        *,
        owns_driver: bool = False,
        batch_size: int = 100,
    ) -> None:
        self._db = Connection(driver, database, owns_driver=owns_driver)
        self._batch_size = max(1, batch_size)

    # -- writes -------------------------------------------------------------------------------

    @property
    def connection(self) -> Connection:
        """The database connection (the clause index in Neo4j shares it)."""
        return self._db

    def write_policies(
        self,
        policies: Sequence[Policy],
        clause_extra: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> list[WriteResult]:
        """Store policies, replacing earlier versions; see :class:`~graph.base.GraphStore`.

        Args:
            policies: The policies.
            clause_extra: Properties to store on clauses beside their own, by clause id, in the
                same transaction (the clause index's vectors and tokens).
        """
        results: list[WriteResult] = []
        for start in range(0, len(policies), self._batch_size):
            batch = policies[start : start + self._batch_size]
            results.extend(self._db.write(writes.write_batch, batch, clause_extra))
        written = sum(not r.unchanged for r in results)
        logger.info("wrote %d of %d policies to Neo4j", written, len(results))
        return results

    def delete_policy(self, policy_id: str) -> bool:
        """Remove a stored policy and what only it named."""
        return self._db.write(writes.delete, policy_id)

    # -- queries ------------------------------------------------------------------------------

    def get_policy(self, policy_id: str) -> Policy | None:
        """The stored policy, exactly as written, or None."""
        return self._db.read(reads.get_policy, policy_id)

    def policy_ids(self) -> set[str]:
        """Ids of stored policies."""
        return self._db.read(reads.policy_ids)

    def policies(
        self, offset: int = 0, limit: int = 50, jurisdiction: str | None = None
    ) -> Page[PolicySummary]:
        """Stored policies, paged."""
        return self._db.read(reads.policies, offset, limit, jurisdiction)

    def clause_ids_of(self, policy_ids: Sequence[str]) -> set[str]:
        """Ids of the clauses of these policies (one indexed query)."""
        if not policy_ids:
            return set()
        return self._db.read(reads.clause_ids_of, list(policy_ids))

    def clauses(self, clause_ids: Sequence[str]) -> list[ClauseRecord]:
        """Clause records for ids, in order."""
        if not clause_ids:
            return []
        return self._db.read(reads.clauses, clause_ids)

    def find_units(self, name: str, jurisdiction: str | None = None) -> list[Unit]:
        """Units called ``name`` (canonical or alias)."""
        return self._db.read(reads.find_units, name, jurisdiction)

    def unit(self, unit_id: str) -> UnitSummary | None:
        """One unit with counts, or None."""
        return self._db.read(reads.unit_with_counts, unit_id)

    def units(
        self,
        offset: int = 0,
        limit: int = 50,
        jurisdiction: str | None = None,
        name_contains: str | None = None,
    ) -> Page[UnitSummary]:
        """Units ranked by tasks, paged."""
        window = slice(offset, offset + limit)
        items, total = self._db.read(reads.ranked_units, window, jurisdiction, name_contains, False)
        return Page(tuple(items), total, offset, limit)

    def unit_clauses(self, unit_id: str, role: Role | None = None) -> list[ClauseRecord]:
        """Clauses of a unit by role (one round trip, from the unit's relationships)."""
        return self._db.read(reads.unit_clauses, unit_id, role)

    def shared_clauses(self, unit_ids: Sequence[str]) -> list[ClauseRecord]:
        """Clauses every unit leads or shares."""
        distinct = list(dict.fromkeys(unit_ids))
        if not distinct:
            return []
        return self._db.read(reads.shared_clauses, distinct)

    def dated_clauses(self, jurisdiction: str | None = None) -> list[ClauseRecord]:
        """Clauses that state a time limit (one query over the clauses' deadline property)."""
        return self._db.read(reads.dated_clauses, jurisdiction)

    def lead_units(self, clause_id: str) -> list[Unit]:
        """Lead units of a clause in annotation order."""
        return self._db.read(reads.lead_units, clause_id)

    def citations(self, policy_id: str) -> list[PolicySummary]:
        """What a policy cites, in order."""
        return self._db.read(reads.citations, policy_id)

    def cited_by(self, policy_id: str) -> list[PolicySummary]:
        """Stored policies citing ``policy_id``."""
        return self._db.read(reads.cited_by, policy_id)

    def citation_links(self) -> list[CitationLink]:
        """Every CITES relationship with its kind, by citing policy id, then citation order."""
        return self._db.read(reads.citation_links)

    def workload(
        self, jurisdiction: str | None = None, limit: int | None = None
    ) -> list[UnitSummary]:
        """Units ranked by tasks, placeholders and units without tasks excluded."""
        items, _ = self._db.read(reads.ranked_units, slice(limit), jurisdiction, None, True)
        return items

    def collaboration(
        self,
        jurisdiction: str | None = None,
        unit_id: str | None = None,
        min_weight: int = 1,
        limit: int | None = None,
    ) -> list[CollaborationEdge]:
        """Unit pairs sharing clauses."""
        return self._db.read(reads.collaboration, jurisdiction, unit_id, min_weight, limit)

    def neighborhood(self, node_id: str, depth: int = 1, limit: int = 300) -> Subgraph:
        """Nodes within ``depth`` hops of ``node_id`` (breadth first, as the networkx store)."""
        return self._db.read(reads.neighborhood, node_id, depth, limit)

    def jurisdictions(self) -> list[JurisdictionSummary]:
        """Jurisdictions holding policies."""
        return self._db.read(reads.jurisdictions)

    def stats(self) -> StoreStats:
        """Counts of nodes and relationships."""
        return self._db.read(reads.stats)

    def to_networkx(self) -> nx.MultiDiGraph:
        """The whole graph as networkx, with the networkx store's node and edge attributes."""
        return self._db.read(reads.export)

    def clear(self) -> None:
        """Delete every PolicyKG node and relationship in the database (tests, benchmarks)."""
        self._db.run_auto_commit(cypher.CLEAR, "clearing the graph")

    def reload(self) -> None:
        """Nothing is cached in this process: every read asks the server."""

    def version(self) -> int | None:
        """The graph's version in the database, bumped by every write of any client."""
        return self._db.version()

    def damaged(self) -> dict[str, str]:
        """Neo4j keeps its own data whole (transactions, checksums of its own); none here."""
        return {}

    def repair_storage(self) -> list[str]:
        """Nothing to repair on this side of the server."""
        return []

    def close(self) -> None:
        """Close the driver when this store owns it (it does when made by :func:`connect`)."""
        self._db.close()
