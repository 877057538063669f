"""The Neo4j graph store: the networkx store's graph and answers, in a Neo4j 5 database.

Nodes and relationships are those of :mod:`graph.schema`, with the properties of
:mod:`graph.views`; relationships carry ``order`` (HAS_SECTION, HAS_CLAUSE, CITES) and
``aliases`` (NAMES). Jurisdiction nodes are keyed by name and appear in views as ``J:<name>``,
as in the networkx store. A Policy node also keeps the policy as written (``json``) and what its
citations name (see :mod:`graph.cypher`); views leave those out.

Writes follow the networkx store's algorithm step for step (replace versions, add, resolve
citations, adopt stubs; on removal, drop orphan units, stubs and jurisdictions), each batch of
policies in one transaction. Queries fetch with parameterised Cypher and order in Python with the
sort keys of :mod:`graph.views`, so both stores answer identically.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import urlsplit

import networkx as nx
from neo4j import (
    Driver,
    GraphDatabase,
    ManagedTransaction,
    NotificationDisabledClassification,
    Record,
    Session,
)
from neo4j.exceptions import (
    AuthError,
    ClientError,
    ConfigurationError,
    ConnectionAcquisitionTimeoutError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from policykg.graph import cypher, schema
from policykg.graph.base import (
    ClauseRecord,
    CollaborationEdge,
    GraphEdge,
    GraphNode,
    JurisdictionSummary,
    Page,
    PolicySummary,
    StoreStats,
    Subgraph,
    UnitSummary,
    WriteResult,
)
from policykg.graph.views import (
    JURISDICTION_PREFIX,
    clause_from_properties,
    clause_properties,
    clause_sort_key,
    collaboration_pairs,
    display_name,
    graph_node,
    jurisdiction_chain,
    jurisdiction_from_properties,
    jurisdiction_node_id,
    jurisdiction_properties,
    node_sort_key,
    policy_properties,
    policy_sort_key,
    section_properties,
    stub_properties,
    unit_properties,
    unit_sort_key,
)
from policykg.ingest.errors import StoreCorruptError, StoreError, StoreUnavailableError
from policykg.ingest.ids import stub_policy_id, unit_id
from policykg.ingest.model import (
    Citation,
    Clause,
    Jurisdiction,
    Level,
    Policy,
    Role,
    Section,
    Unit,
    UnitKind,
)
from policykg.ingest.serialize import policy_from_dict, policy_to_dict

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

_BOLT_SCHEMES = {"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"}
_DATABASE_NOT_FOUND = "Neo.ClientError.Database.DatabaseNotFound"
_UNAVAILABLE = (ServiceUnavailable, SessionExpired, ConnectionAcquisitionTimeoutError)
_INDEX_WAIT_SECONDS = 120
# "Property key does not exist" (an empty database) and "constraint already exists" are noise.
_QUIET_NOTIFICATIONS = [
    NotificationDisabledClassification.UNRECOGNIZED,
    NotificationDisabledClassification.SCHEMA,
]
_NEIGHBOUR_CHUNK = 100  # frontier nodes whose neighbours one query fetches
_TEXT_INDEX_MAX_BYTES = 32_766  # the longest value a TEXT index takes
_UNIT_CLAUSES_BY_ROLE: dict[Role | None, str] = {
    None: cypher.UNIT_CLAUSES["any"],
    **{role: cypher.UNIT_CLAUSES[rel] for role, rel in schema.ROLE_RELATIONSHIP.items()},
}


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
    _check_uri(uri)
    auth = (user, password) if user or password else None
    try:
        driver = GraphDatabase.driver(
            uri,
            auth=auth,
            connection_timeout=timeout,
            connection_acquisition_timeout=timeout,
            max_transaction_retry_time=timeout,
        )
    except (ConfigurationError, ValueError) as e:
        raise StoreUnavailableError(f"invalid Neo4j URI {uri!r}: {_one_line(e)}") from e
    try:
        _check_connection(driver, uri, user, database)
    except BaseException:
        driver.close()
        raise
    logger.info("connected to Neo4j at %s (database %s)", uri, database or "default")
    return Neo4jStore(driver, database, owns_driver=True)


def _check_uri(uri: str) -> None:
    """Refuse what is not a Bolt URI before the driver tries to resolve it."""
    try:
        parts = urlsplit(uri)
        port = parts.port  # a port that is not a number raises ValueError
    except ValueError as e:
        raise StoreUnavailableError(f"invalid Neo4j URI {uri!r}: {e}") from e
    if parts.scheme not in _BOLT_SCHEMES or not parts.hostname:
        raise StoreUnavailableError(
            f"invalid Neo4j URI {uri!r}: expected bolt:// or neo4j:// (also +s, +ssc) and a host"
        )
    logger.debug("Neo4j URI %s, port %s", uri, port or "default")


def _check_connection(driver: Driver, uri: str, user: str, database: str | None) -> None:
    try:
        driver.verify_connectivity()
        with driver.session(database=database) as session:
            session.run(cypher.CHECK_DATABASE).consume()
    except AuthError as e:
        raise StoreUnavailableError(
            f"Neo4j refused the credentials for user {user!r} at {uri}: {_one_line(e)}"
        ) from e
    except _UNAVAILABLE as e:
        raise StoreUnavailableError(f"cannot reach Neo4j at {uri}: {_one_line(e)}") from e
    except ClientError as e:
        if e.code == _DATABASE_NOT_FOUND:
            raise StoreUnavailableError(f"Neo4j at {uri} has no database {database!r}") from e
        raise StoreUnavailableError(f"Neo4j at {uri} refused to connect: {_one_line(e)}") from e
    except (Neo4jError, DriverError) as e:
        raise StoreUnavailableError(f"cannot use Neo4j at {uri}: {_one_line(e)}") from e
    except ValueError as e:  # e.g. a host name that does not resolve to an address
        raise StoreUnavailableError(f"invalid Neo4j URI {uri!r}: {_one_line(e)}") from e


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
        self._driver = driver
        self._database = database
        self._owns_driver = owns_driver
        self._batch_size = max(1, batch_size)
        self._schema_ready = False
        self._schema_lock = threading.Lock()

    # -- plumbing -----------------------------------------------------------------------------

    def _ensure_schema(self) -> None:
        if self._schema_ready:
            return
        with self._schema_lock:
            if self._schema_ready:
                return
            with _store_errors("creating constraints and indexes"), self._session() as session:
                for statement in (*cypher.CONSTRAINTS, *cypher.INDEXES):
                    session.run(statement).consume()
                session.run(cypher.AWAIT_INDEXES, seconds=_INDEX_WAIT_SECONDS).consume()
            self._schema_ready = True

    def _session(self) -> Session:
        return self._driver.session(
            database=self._database,
            # Every session shares one bookmark manager: reads see earlier writes (clusters too).
            bookmark_manager=self._driver.execute_query_bookmark_manager,
            notifications_disabled_classifications=_QUIET_NOTIFICATIONS,
        )

    def _read(self, query: str, **parameters: Any) -> list[Record]:
        return self._read_tx(_rows, query, parameters)

    def _read_tx(
        self, work: Callable[Concatenate[_Tx, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        self._ensure_schema()
        with _store_errors("reading the graph"), self._session() as session:
            return session.execute_read(lambda tx: work(_Tx(tx), *args, **kwargs))

    def _write_tx(
        self, work: Callable[Concatenate[_Tx, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        self._ensure_schema()
        with _store_errors("writing the graph"), self._session() as session:
            return session.execute_write(lambda tx: work(_Tx(tx), *args, **kwargs))

    # -- writes -------------------------------------------------------------------------------

    def write_policies(self, policies: Sequence[Policy]) -> list[WriteResult]:
        """Store policies, replacing earlier versions; see :class:`~graph.base.GraphStore`."""
        results: list[WriteResult] = []
        for start in range(0, len(policies), self._batch_size):
            batch = policies[start : start + self._batch_size]
            results.extend(self._write_tx(_write_batch, batch))
        written = sum(not r.unchanged for r in results)
        logger.info("wrote %d of %d policies to Neo4j", written, len(results))
        return results

    def delete_policy(self, policy_id: str) -> bool:
        """Remove a stored policy and what only it named."""
        return self._write_tx(_delete, policy_id)

    # -- queries ------------------------------------------------------------------------------

    def get_policy(self, policy_id: str) -> Policy | None:
        """The stored policy, exactly as written, or None."""
        rows = self._read(cypher.POLICY_JSON, id=policy_id)
        return _policy_from_json(policy_id, rows[0]["json"]) if rows else None

    def policy_ids(self) -> set[str]:
        """Ids of stored policies."""
        return {row["id"] for row in self._read(cypher.POLICY_IDS)}

    def policies(
        self, offset: int = 0, limit: int = 50, jurisdiction: str | None = None
    ) -> Page[PolicySummary]:
        """Stored policies, paged."""
        rows = self._read(cypher.POLICY_SUMMARIES, jurisdiction=jurisdiction)
        summaries = sorted((_policy_summary(row) for row in rows), key=policy_sort_key)
        return Page(tuple(summaries[offset : offset + limit]), len(summaries), offset, limit)

    def clause_ids_of(self, policy_ids: Sequence[str]) -> set[str]:
        """Ids of the clauses of these policies (one indexed query)."""
        if not policy_ids:
            return set()
        return {row["id"] for row in self._read(cypher.CLAUSE_IDS_OF, policy_ids=list(policy_ids))}

    def clauses(self, clause_ids: Sequence[str]) -> list[ClauseRecord]:
        """Clause records for ids, in order."""
        if not clause_ids:
            return []
        rows = self._read(cypher.CLAUSE_RECORDS, ids=list(dict.fromkeys(clause_ids)))
        records = {record.clause.id: record for record in map(_clause_record, rows)}
        return [records[c] for c in clause_ids if c in records]

    def find_units(self, name: str, jurisdiction: str | None = None) -> list[Unit]:
        """Units called ``name`` (canonical or alias)."""
        rows = self._read(
            cypher.FIND_UNITS,
            name=name,
            needle=_between_newlines([name]),
            jurisdiction=jurisdiction,
        )
        units = [_unit(row["unit"]) for row in rows]
        return sorted(units, key=lambda u: (u.jurisdiction, u.name))

    def unit(self, unit_id: str) -> UnitSummary | None:
        """One unit with counts, or None."""
        rows = self._read(cypher.UNIT_SUMMARY, id=unit_id)
        return _unit_summary(rows[0]) if rows else None

    def units(
        self,
        offset: int = 0,
        limit: int = 50,
        jurisdiction: str | None = None,
        name_contains: str | None = None,
    ) -> Page[UnitSummary]:
        """Units ranked by tasks, paged."""
        window = slice(offset, offset + limit)
        items, total = self._read_tx(_ranked_units, window, jurisdiction, name_contains, False)
        return Page(tuple(items), total, offset, limit)

    def unit_clauses(self, unit_id: str, role: Role | None = None) -> list[ClauseRecord]:
        """Clauses of a unit by role (one round trip, from the unit's relationships)."""
        rows = self._read(_UNIT_CLAUSES_BY_ROLE[role], id=unit_id)
        return sorted(map(_clause_record, rows), key=clause_sort_key)

    def shared_clauses(self, unit_ids: Sequence[str]) -> list[ClauseRecord]:
        """Clauses every unit leads or shares."""
        distinct = list(dict.fromkeys(unit_ids))
        if not distinct:
            return []
        rows = self._read(cypher.SHARED_CLAUSES, ids=distinct, count=len(distinct))
        return sorted(map(_clause_record, rows), key=clause_sort_key)

    def lead_units(self, clause_id: str) -> list[Unit]:
        """Lead units of a clause in annotation order."""
        return self._read_tx(_lead_units, clause_id)

    def citations(self, policy_id: str) -> list[PolicySummary]:
        """What a policy cites, in order."""
        return [_policy_summary(row) for row in self._read(cypher.CITATIONS, id=policy_id)]

    def cited_by(self, policy_id: str) -> list[PolicySummary]:
        """Stored policies citing ``policy_id``."""
        rows = self._read(cypher.CITED_BY, id=policy_id)
        return sorted((_policy_summary(row) for row in rows), key=lambda s: (s.title, s.id))

    def workload(
        self, jurisdiction: str | None = None, limit: int | None = None
    ) -> list[UnitSummary]:
        """Units ranked by tasks, placeholders and units without tasks excluded."""
        items, _ = self._read_tx(_ranked_units, slice(limit), jurisdiction, None, True)
        return items

    def collaboration(
        self,
        jurisdiction: str | None = None,
        unit_id: str | None = None,
        min_weight: int = 1,
        limit: int | None = None,
    ) -> list[CollaborationEdge]:
        """Unit pairs sharing clauses."""
        query = cypher.COLLABORATION if unit_id is None else cypher.UNIT_COLLABORATION
        rows = self._read(
            query,
            jurisdiction=jurisdiction,
            unit_id=unit_id,
            placeholder=UnitKind.PLACEHOLDER.value,
        )
        clause_units = [(row["clause_id"], list(row["units"])) for row in rows]
        return collaboration_pairs(clause_units, unit_id, min_weight, limit)

    def neighborhood(self, node_id: str, depth: int = 1, limit: int = 300) -> Subgraph:
        """Nodes within ``depth`` hops of ``node_id`` (breadth first, as the networkx store)."""
        return self._read_tx(_neighborhood, node_id, depth, limit)

    def jurisdictions(self) -> list[JurisdictionSummary]:
        """Jurisdictions holding policies."""
        summaries = [
            JurisdictionSummary(
                jurisdiction_from_properties(_model_properties(schema.JURISDICTION, row["props"]))
                if row["props"] is not None
                else Jurisdiction(row["name"]),
                policies=row["policies"],
                units=row["units"],
                clauses=row["clauses"],
            )
            for row in self._read(cypher.JURISDICTION_COUNTS)
        ]
        return sorted(summaries, key=lambda s: s.jurisdiction.name)

    def stats(self) -> StoreStats:
        """Counts of nodes and relationships."""
        # A label or type the database has never seen gives no row at all, hence the defaults.
        counts: Counter[str] = Counter(
            {row["name"]: row["count"] for row in self._read(cypher.COUNTS)}
        )
        stubs = counts["stub"]
        return StoreStats(
            policies=counts[schema.POLICY] - stubs,
            stub_policies=stubs,
            sections=counts[schema.SECTION],
            clauses=counts[schema.CLAUSE],
            units=counts[schema.UNIT],
            jurisdictions=counts[schema.JURISDICTION],
            relationships={
                rel: counts[rel] for rel in sorted(schema.RELATIONSHIP_TYPES) if counts[rel]
            },
        )

    def to_networkx(self) -> nx.MultiDiGraph:
        """The whole graph as networkx, with the networkx store's node and edge attributes."""
        return self._read_tx(_export)

    def clear(self) -> None:
        """Delete every PolicyKG node and relationship in the database (tests, benchmarks)."""
        self._ensure_schema()
        with _store_errors("clearing the graph"), self._session() as session:
            session.run(cypher.CLEAR).consume()  # batches need an auto-commit transaction

    def reload(self) -> None:
        """Nothing is cached in this process: every read asks the server."""

    def version(self) -> int | None:
        """The graph's version in the database, bumped by every write of any client."""
        rows = self._read(cypher.VERSION)
        return int(rows[0]["version"]) if rows else 0

    def damaged(self) -> dict[str, str]:
        """Neo4j keeps its own data whole (transactions, checksums of its own); none here."""
        return {}

    def repair_storage(self) -> list[str]:
        """Nothing to repair on this side of the server."""
        return []

    def close(self) -> None:
        """Close the driver when this store owns it (it does when made by :func:`connect`)."""
        if self._owns_driver:
            self._driver.close()


# -- transactions ---------------------------------------------------------------------------------


class _Tx:
    """A managed transaction that returns rows as lists."""

    def __init__(self, tx: ManagedTransaction) -> None:
        self._tx = tx

    def rows(self, query: str, **parameters: Any) -> list[Record]:
        return list(self._tx.run(query, parameters))

    def run(self, query: str, **parameters: Any) -> None:
        self._tx.run(query, parameters).consume()


@contextmanager
def _store_errors(action: str) -> Iterator[None]:
    """Translate driver errors into the store's errors."""
    try:
        yield
    except AuthError as e:
        raise StoreUnavailableError(
            f"Neo4j refused the credentials while {action}: {_one_line(e)}"
        ) from e
    except _UNAVAILABLE as e:
        raise StoreUnavailableError(f"Neo4j is unreachable while {action}: {_one_line(e)}") from e
    except (Neo4jError, DriverError) as e:
        raise StoreError(f"Neo4j failed while {action}: {_one_line(e)}") from e


def _rows(tx: _Tx, query: str, parameters: Mapping[str, Any]) -> list[Record]:
    return tx.rows(query, **parameters)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


# -- writing: the networkx store's algorithm, in one transaction ---------------------------------


def _write_batch(tx: _Tx, policies: Sequence[Policy]) -> list[WriteResult]:
    writer = _Writer(tx)
    results = [writer.write(policy) for policy in policies]
    if not all(r.unchanged for r in results):
        tx.rows(cypher.BUMP_VERSION)  # in the same transaction as the write it announces
    return results


def _delete(tx: _Tx, policy_id: str) -> bool:
    if not tx.rows(cypher.STORED_POLICY_EXISTS, id=policy_id)[0]["found"]:
        return False
    _Writer(tx).remove(policy_id)
    tx.rows(cypher.BUMP_VERSION)
    return True


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A stored policy a citation may name."""

    id: str
    doc_number: str | None
    title_key: str


class _Writer:
    """Writes and removes policies exactly as :class:`graph.memory.MemoryGraphStore` does."""

    def __init__(self, tx: _Tx) -> None:
        self._tx = tx

    def write(self, policy: Policy) -> WriteResult:
        if self._tx.rows(cypher.STORED_POLICY_EXISTS, id=policy.id)[0]["found"]:
            return WriteResult(policy.id, unchanged=True)
        old_versions = self._versions_of(policy)
        for old in old_versions:
            self.remove(old)
        self._add(policy)
        return WriteResult(policy.id, replaced=tuple(old_versions))

    def _versions_of(self, policy: Policy) -> list[str]:
        rows = self._tx.rows(
            cypher.VERSION_CANDIDATES, source=policy.source, doc_number=policy.doc_number or None
        )
        return sorted(
            {
                row["id"]
                for row in rows
                if schema.replaces(policy, row["source"], row["doc_number"], row["jurisdiction"])
            }
        )

    def _add(self, policy: Policy) -> None:
        tx = self._tx
        chain = jurisdiction_chain(policy.jurisdiction)
        tx.run(
            cypher.MERGE_JURISDICTIONS,
            links=[
                {
                    "name": link.name,
                    "props": jurisdiction_properties(link),
                    "child": chain[i - 1].name if i else None,
                }
                for i, link in enumerate(chain)
            ],
        )
        tx.run(
            cypher.WRITE_POLICY,
            id=policy.id,
            props=_stored_policy_properties(policy),
            jurisdiction=policy.jurisdiction.name,
        )
        tx.run(
            cypher.WRITE_SECTIONS,
            policy_id=policy.id,
            rows=[{"props": section_properties(s), "order": s.order} for s in policy.sections],
        )
        named = tx.rows(
            cypher.WRITE_UNITS,
            policy_id=policy.id,
            rows=[{"props": unit_properties(u), "aliases": list(u.aliases)} for u in policy.units],
        )
        self._set_aliases(named)
        self._write_clauses(policy)
        self.resolve_citations(policy.id, policy.citations)
        self._adopt_stubs(policy)

    def _write_clauses(self, policy: Policy) -> None:
        by_parent: dict[str, list[dict[str, Any]]] = {schema.SECTION: [], schema.POLICY: []}
        for clause in policy.clauses:
            parent_label = schema.SECTION if clause.section_id else schema.POLICY
            by_parent[parent_label].append(
                {
                    "props": clause_properties(clause),
                    "parent": clause.section_id or policy.id,
                    "order": clause.order,
                }
            )
        for parent_label, rows in by_parent.items():
            if rows:
                self._tx.run(cypher.WRITE_CLAUSES[parent_label], rows=rows)
        for rel, rows in _role_rows(policy).items():
            if rows:
                self._tx.run(cypher.WRITE_ROLES[rel], rows=rows)

    def _set_aliases(self, rows: Sequence[Record]) -> None:
        """A unit's aliases are those the policies naming it use (NAMES relationships)."""
        updates = []
        for row in rows:
            aliases = _merged(row["alias_lists"])
            text, overflow = _lookup_text(aliases)
            updates.append(
                {
                    "id": row["id"],
                    "aliases": aliases,
                    "aliases_text": text,
                    "aliases_overflow": overflow or None,
                }
            )
        self._tx.run(cypher.SET_UNIT_ALIASES, rows=updates)

    def resolve_citations(self, policy_id: str, citations: Sequence[Citation]) -> None:
        """Point the policy's citations at stored policies, or at stubs."""
        if not citations:
            return
        keys = sorted({key for c in citations if (key := schema.title_key(c.title))})
        rows = self._tx.rows(
            cypher.CITATION_CANDIDATES,
            exclude=policy_id,
            doc_numbers=sorted({c.doc_number for c in citations if c.doc_number}),
            title_keys=keys,
            long_title_keys=[key for key in keys if len(key) >= 8],
        )
        candidates = [_Candidate(r["id"], r["doc_number"], r["title_key"] or "") for r in rows]
        targets: list[str] = []
        stubs: dict[str, dict[str, Any]] = {}
        for citation in citations:
            target = _find_cited(candidates, citation.title, citation.doc_number)
            if target is None:
                target = stub_policy_id(citation.title, citation.doc_number)
                stubs.setdefault(
                    target, stub_properties(target, citation.title, citation.doc_number)
                )
            if target not in targets:
                targets.append(target)
        if stubs:
            self._tx.run(cypher.MERGE_STUBS, rows=[{"id": i, "props": p} for i, p in stubs.items()])
        self._tx.run(
            cypher.WRITE_CITATIONS,
            policy_id=policy_id,
            rows=[{"target": target, "order": i} for i, target in enumerate(targets)],
        )

    def _adopt_stubs(self, policy: Policy) -> None:
        """Resolve again every citation that may now name ``policy``.

        As in the networkx store: policies citing its 文号, its title or a tail of its title, so
        that the result does not depend on the order in which policies were written.
        """
        key = schema.title_key(policy.title)
        needles = [key, *schema.title_tails(key)]
        if policy.doc_number:
            needles.append(policy.doc_number)
        rows = self._tx.rows(
            cypher.CITING_CANDIDATES,
            policy_id=policy.id,
            needles=[_between_newlines([needle]) for needle in needles],
        )
        citations = {row["id"]: _citations_from_json(row["id"], row["citations"]) for row in rows}
        affected = sorted(
            citing_id
            for citing_id, cited in citations.items()
            if any(_may_name(citation, policy.doc_number, key) for citation in cited)
        )
        self._re_resolve(affected, citations)

    def _re_resolve(
        self, policy_ids: Sequence[str], known: Mapping[str, list[Citation]] | None = None
    ) -> None:
        """Clear and resolve again the citations of ``policy_ids``, in that order."""
        citations = dict(known or {})
        missing = [policy_id for policy_id in policy_ids if policy_id not in citations]
        if missing:
            rows = self._tx.rows(cypher.POLICY_CITATIONS, ids=missing)
            citations.update(
                (row["id"], _citations_from_json(row["id"], row["citations"])) for row in rows
            )
        for policy_id in policy_ids:
            self._tx.run(cypher.CLEAR_CITATIONS, policy_id=policy_id)
            self.resolve_citations(policy_id, citations[policy_id])

    def _stored(self, policy_id: str) -> Policy:
        [row] = self._tx.rows(cypher.POLICY_DOCUMENTS, ids=[policy_id])
        return _policy_from_json(policy_id, row["json"])

    def remove(self, policy_id: str) -> None:
        """Remove a stored policy; citations of it fall back to stubs."""
        tx = self._tx
        policy = self._stored(policy_id)
        tx.run(cypher.CLEAR_CITATIONS, policy_id=policy_id)
        citing = sorted(row["id"] for row in tx.rows(cypher.CITING_POLICIES, policy_id=policy_id))
        tx.run(cypher.DELETE_NODES[schema.CLAUSE], ids=[c.id for c in policy.clauses])
        tx.run(cypher.DELETE_NODES[schema.SECTION], ids=[s.id for s in policy.sections])
        tx.run(cypher.DELETE_NAMES, policy_id=policy_id)
        named = tx.rows(
            cypher.UNIT_ALIAS_LISTS, ids=list(dict.fromkeys(u.id for u in policy.units))
        )
        tx.run(cypher.DELETE_UNITS, ids=[row["id"] for row in named if not row["names"]])
        self._set_aliases([row for row in named if row["names"]])
        tx.run(cypher.DELETE_NODES[schema.POLICY], ids=[policy_id])
        for link in jurisdiction_chain(policy.jurisdiction):  # innermost first
            tx.run(cypher.PRUNE_JURISDICTION, name=link.name)
        self._re_resolve(citing)


def _stored_policy_properties(policy: Policy) -> dict[str, Any]:
    """The model's properties plus the internal ones (see :mod:`graph.cypher`)."""
    cited = [c.doc_number for c in policy.citations if c.doc_number]
    cited += [schema.title_key(c.title) for c in policy.citations if c.title]
    cited_text, overflow = _lookup_text(cited)
    return {
        **policy_properties(policy),
        "json": json.dumps(policy_to_dict(policy), ensure_ascii=False),
        "citations": json.dumps(
            [[c.title, c.doc_number] for c in policy.citations], ensure_ascii=False
        ),
        "cited_text": cited_text,
        "cited_overflow": overflow or None,
    }


def _between_newlines(values: Sequence[str]) -> str | None:
    """Values between newlines: ``CONTAINS "\\n<value>\\n"`` finds one of them."""
    return "\n" + "\n".join(values) + "\n" if values else None


def _lookup_text(values: Sequence[str]) -> tuple[str | None, bool]:
    """The text a TEXT index looks ``values`` up in, or (None, True) when it is too long."""
    text = _between_newlines(values)
    if text is not None and len(text.encode("utf-8")) > _TEXT_INDEX_MAX_BYTES:
        return None, True
    return text, False


def _may_name(citation: Citation, doc_number: str | None, title_key: str) -> bool:
    """Whether writing a policy with this 文号 and title key may change where ``citation`` points:
    it cites the 文号, or a title that is the policy's or a tail of it (the networkx store's
    indexes of citing policies)."""
    if doc_number and citation.doc_number == doc_number:
        return True
    if not citation.title:
        return False
    cited = schema.title_key(citation.title)
    return cited == title_key or schema.cited_title_matches(cited, title_key)


def _citations_from_json(policy_id: str, document: str) -> list[Citation]:
    try:
        return [Citation(title, doc_number) for title, doc_number in json.loads(document)]
    except (TypeError, ValueError) as e:
        raise StoreCorruptError(f"stored citations of {policy_id} are not valid: {e}") from e


def _role_rows(policy: Policy) -> dict[str, list[dict[str, str]]]:
    """Role relationships of a policy's clauses, by type.

    A unit named both as lead and as responsible in one clause gets one relationship,
    RESPONSIBLE_FOR, as in the networkx store (one edge per unit and clause, the later wins).
    """
    units = {unit.name: unit.id for unit in policy.units}
    rows: dict[str, list[dict[str, str]]] = {rel: [] for rel in schema.ROLE_RELATIONSHIP.values()}
    for clause in policy.clauses:
        roles: dict[str, str] = {}
        for name in clause.lead_units:
            roles[units[name]] = schema.LEADS
        for name in clause.responsible_units:
            roles[units[name]] = schema.RESPONSIBLE_FOR
        for unit, rel in roles.items():
            rows[rel].append({"unit": unit, "clause": clause.id})
        for unit in dict.fromkeys(units[name] for name in clause.mentioned_units):
            rows[schema.MENTIONS].append({"unit": unit, "clause": clause.id})
    return rows


def _find_cited(
    candidates: Sequence[_Candidate], title: str | None, doc_number: str | None
) -> str | None:
    """The stored policy a citation names: by 文号, exact title, then title suffix; lowest id."""
    if doc_number:
        found = sorted(c.id for c in candidates if c.doc_number == doc_number)
        if found:
            return found[0]
    key = schema.title_key(title)
    if not key:
        return None
    exact = sorted(c.id for c in candidates if c.title_key == key)
    if exact:
        return exact[0]
    if len(key) < 8:
        return None
    matching = sorted(c.id for c in candidates if schema.cited_title_matches(key, c.title_key))
    return matching[0] if matching else None


def _merged(alias_lists: Sequence[Sequence[str] | None]) -> list[str]:
    return sorted({alias for aliases in alias_lists for alias in aliases or ()})


# -- reading ---------------------------------------------------------------------------------------


@cache
def _property_keys() -> dict[str, tuple[str, ...]]:
    """The properties of each label in the graph model: the keys the view builders produce."""
    return {
        schema.POLICY: tuple(stub_properties("", None, None)),
        schema.SECTION: tuple(section_properties(Section("", "", "", "", 0))),
        schema.CLAUSE: tuple(clause_properties(Clause("", "", "", "", "", "", "", 0))),
        schema.UNIT: tuple(unit_properties(Unit("", "", ""))),
        schema.JURISDICTION: tuple(jurisdiction_properties(Jurisdiction(""))),
    }


def _model_properties(label: str, stored: Mapping[str, Any]) -> dict[str, Any]:
    """Node properties as the model has them: Neo4j drops nulls, and we keep internal ones."""
    return {key: stored.get(key) for key in _property_keys()[label]}


def _policy_from_json(policy_id: str, document: str) -> Policy:
    try:
        return policy_from_dict(json.loads(document))
    except (TypeError, ValueError) as e:
        raise StoreCorruptError(f"stored policy {policy_id} is not valid JSON: {e}") from e


def _policy_summary(row: Record) -> PolicySummary:
    return PolicySummary(
        id=row["id"],
        title=row["title"],
        doc_number=row["doc_number"],
        issuer=row["issuer"],
        date=row["date"],
        jurisdiction=row["jurisdiction"],
        source=row["source"],
        stub=bool(row["stub"]),
        clause_count=row["clause_count"],
    )


def _clause_record(row: Record) -> ClauseRecord:
    relationship = row["relationship"]
    return ClauseRecord(
        clause=clause_from_properties(_model_properties(schema.CLAUSE, row["clause"])),
        policy_title=row["policy_title"],
        doc_number=row["doc_number"],
        jurisdiction=row["jurisdiction"],
        section_title=row["section_title"] or "",
        role=schema.RELATIONSHIP_ROLE[relationship] if relationship is not None else None,
    )


def _unit(props: Mapping[str, Any]) -> Unit:
    return Unit(
        id=props["id"],
        name=props["name"],
        jurisdiction=props["jurisdiction"],
        aliases=tuple(props.get("aliases") or ()),
        level=Level(props["level"]),
        kind=UnitKind(props["kind"]),
    )


def _unit_summary(row: Record) -> UnitSummary:
    return UnitSummary(
        _unit(row["unit"]), row["lead"], row["responsible"], row["mentions"], row["policies"]
    )


def _lead_units(tx: _Tx, clause_id: str) -> list[Unit]:
    """Lead units of a clause in annotation order (both reads in one transaction)."""
    rows = tx.rows(cypher.CLAUSE_LEADS, id=clause_id)
    if not rows:
        return []
    ids = [unit_id(rows[0]["jurisdiction"], name) for name in rows[0]["names"]]
    found = tx.rows(cypher.UNITS_BY_ID, ids=list(dict.fromkeys(ids)))
    units = {unit.id: unit for unit in (_unit(row["unit"]) for row in found)}
    return [units[i] for i in ids if i in units]


def _ranked_units(
    tx: _Tx,
    window: slice,
    jurisdiction: str | None,
    name_contains: str | None,
    working: bool,
) -> tuple[list[UnitSummary], int]:
    """The units at ``window`` of the ranking (``unit_sort_key``), and how many it holds.

    Only the (tasks, lead) ranks the window reaches are fetched; units within a rank are ordered
    in Python, as the networkx store orders them.
    """
    filters = {
        "jurisdiction": jurisdiction,
        "name_contains": name_contains,
        "working": working,
        "placeholder": UnitKind.PLACEHOLDER.value,
    }
    ranks = sorted(
        (
            (row["tasks"], row["lead"], row["units"])
            for row in tx.rows(cypher.UNIT_RANKS, **filters)
        ),
        key=lambda rank: (-rank[0], -rank[1]),
    )
    total = sum(units for _, _, units in ranks)
    positions = range(total)[window]  # what slicing the whole ranking would take
    if not positions:
        return [], total
    first, last = min(positions), max(positions)
    reached: list[list[int]] = []
    start = 0
    base = 0
    for tasks, lead, units in ranks:
        if start + units > first and start <= last:
            if not reached:
                base = start
            reached.append([tasks, lead])
        start += units
    rows = tx.rows(cypher.RANKED_UNITS, ranks=reached, **filters)
    summaries = sorted(map(_unit_summary, rows), key=unit_sort_key)
    return [summaries[i - base] for i in positions], total


def _view_id(label: str, props: Mapping[str, Any]) -> str:
    if label == schema.JURISDICTION:
        return jurisdiction_node_id(str(props["name"]))
    return str(props["id"])


def _view_node(label: str, stored: Mapping[str, Any]) -> GraphNode:
    props = _model_properties(label, stored)
    return graph_node(_view_id(label, props), label, props)


def _neighborhood(tx: _Tx, node_id: str, depth: int, limit: int) -> Subgraph:
    """The networkx store's breadth-first view, fetched one level (and chunk) at a time."""
    name = node_id[len(JURISDICTION_PREFIX) :] if node_id.startswith(JURISDICTION_PREFIX) else None
    found = tx.rows(cypher.FIND_NODE, id=node_id, name=name)
    if not found:
        return Subgraph((), ())
    start = found[0]["element_id"]
    views = {start: _view_node(found[0]["label"], found[0]["props"])}
    seen = [start]
    seen_set = {start}
    frontier = [start]
    truncated = False
    for _ in range(depth):
        next_frontier: list[str] = []
        for i in range(0, len(frontier), _NEIGHBOUR_CHUNK):
            chunk = frontier[i : i + _NEIGHBOUR_CHUNK]
            neighbours = _neighbours(tx, chunk)
            for node in chunk:
                fresh = sorted(
                    (item for item in neighbours.get(node, ()) if item[0] not in seen_set),
                    key=lambda item: node_sort_key(item[1]),
                )
                for element_id, view in fresh:
                    if len(seen) >= limit:
                        truncated = True
                        break
                    seen.append(element_id)
                    seen_set.add(element_id)
                    next_frontier.append(element_id)
                    views[element_id] = view
                if truncated:
                    break
            if truncated:
                break
        if truncated:  # nothing more can be added: the networkx store's loops only run out
            break
        frontier = next_frontier
    edges = sorted(
        (
            GraphEdge(views[row["source"]].id, views[row["target"]].id, row["type"])
            for row in tx.rows(cypher.EDGES_AMONG, element_ids=seen)
        ),
        key=lambda e: (e.source, e.target, e.type),
    )
    return Subgraph(tuple(views[n] for n in seen), tuple(edges), truncated)


def _neighbours(tx: _Tx, element_ids: Sequence[str]) -> dict[str, list[tuple[str, GraphNode]]]:
    rows = tx.rows(cypher.NEIGHBOURS, element_ids=list(element_ids), labels=list(schema.LABELS))
    neighbours: dict[str, list[tuple[str, GraphNode]]] = {}
    for row in rows:
        neighbours.setdefault(row["origin"], []).append(
            (row["element_id"], _view_node(row["label"], row["props"]))
        )
    return neighbours


def _export(tx: _Tx) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    ids: dict[str, str] = {}
    for row in tx.rows(cypher.EXPORT_NODES, labels=list(schema.LABELS)):
        label = row["label"]
        props = _model_properties(label, row["props"])
        ids[row["element_id"]] = node = _view_id(label, props)
        graph.add_node(node, **{**props, "label": label, "display": display_name(label, props)})
    for row in tx.rows(cypher.EXPORT_EDGES, types=list(schema.RELATIONSHIP_TYPES)):
        if row["source"] in ids and row["target"] in ids:
            graph.add_edge(ids[row["source"]], ids[row["target"]], type=row["type"])
    return graph
