"""The store's queries, one read transaction each: parameterised Cypher of :mod:`graph.cypher`,
then ordering in Python with the sort keys of :mod:`graph.views`, so both stores answer
identically."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import networkx as nx

from policykg.graph import cypher, schema
from policykg.graph.base import (
    CitationLink,
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
)
from policykg.graph.neo4j.connection import Tx
from policykg.graph.neo4j.records import (
    between_newlines,
    clause_record,
    model_properties,
    policy_from_json,
    policy_summary,
    unit,
    unit_summary,
    view_id,
    view_node,
)
from policykg.graph.views import (
    JURISDICTION_PREFIX,
    citation_attributes,
    clause_sort_key,
    collaboration_pairs,
    display_name,
    jurisdiction_from_properties,
    node_sort_key,
    policy_sort_key,
    unit_sort_key,
)
from policykg.ingest.ids import unit_id
from policykg.ingest.model import Jurisdiction, Policy, Role, Unit, UnitKind

_NEIGHBOUR_CHUNK = 100  # frontier nodes whose neighbours one query fetches
_UNIT_CLAUSES_BY_ROLE: dict[Role | None, str] = {
    None: cypher.UNIT_CLAUSES["any"],
    **{role: cypher.UNIT_CLAUSES[rel] for role, rel in schema.ROLE_RELATIONSHIP.items()},
}


def get_policy(tx: Tx, policy_id: str) -> Policy | None:
    rows = tx.rows(cypher.POLICY_JSON, id=policy_id)
    return policy_from_json(policy_id, rows[0]["json"]) if rows else None


def policy_ids(tx: Tx) -> set[str]:
    return {row["id"] for row in tx.rows(cypher.POLICY_IDS)}


def policies(tx: Tx, offset: int, limit: int, jurisdiction: str | None) -> Page[PolicySummary]:
    rows = tx.rows(cypher.POLICY_SUMMARIES, jurisdiction=jurisdiction)
    summaries = sorted(map(policy_summary, rows), key=policy_sort_key)
    return Page(tuple(summaries[offset : offset + limit]), len(summaries), offset, limit)


def clause_ids_of(tx: Tx, policy_ids: list[str]) -> set[str]:
    return {row["id"] for row in tx.rows(cypher.CLAUSE_IDS_OF, policy_ids=policy_ids)}


def clauses(tx: Tx, clause_ids: Sequence[str]) -> list[ClauseRecord]:
    rows = tx.rows(cypher.CLAUSE_RECORDS, ids=list(dict.fromkeys(clause_ids)))
    records = {record.clause.id: record for record in map(clause_record, rows)}
    return [records[c] for c in clause_ids if c in records]


def find_units(tx: Tx, name: str, jurisdiction: str | None) -> list[Unit]:
    rows = tx.rows(
        cypher.FIND_UNITS,
        name=name,
        needle=between_newlines([name]),
        jurisdiction=jurisdiction,
    )
    units = [unit(row["unit"]) for row in rows]
    return sorted(units, key=lambda u: (u.jurisdiction, u.name))


def unit_with_counts(tx: Tx, unit_id: str) -> UnitSummary | None:
    rows = tx.rows(cypher.UNIT_SUMMARY, id=unit_id)
    return unit_summary(rows[0]) if rows else None


def unit_clauses(tx: Tx, unit_id: str, role: Role | None) -> list[ClauseRecord]:
    """Clauses of a unit by role (one round trip, from the unit's relationships)."""
    rows = tx.rows(_UNIT_CLAUSES_BY_ROLE[role], id=unit_id)
    return sorted(map(clause_record, rows), key=clause_sort_key)


def shared_clauses(tx: Tx, unit_ids: list[str]) -> list[ClauseRecord]:
    rows = tx.rows(cypher.SHARED_CLAUSES, ids=unit_ids, count=len(unit_ids))
    return sorted(map(clause_record, rows), key=clause_sort_key)


def dated_clauses(tx: Tx, jurisdiction: str | None) -> list[ClauseRecord]:
    rows = tx.rows(cypher.DATED_CLAUSES, jurisdiction=jurisdiction)
    return sorted(map(clause_record, rows), key=clause_sort_key)


def lead_units(tx: Tx, clause_id: str) -> list[Unit]:
    """Lead units of a clause in annotation order (both reads in one transaction)."""
    rows = tx.rows(cypher.CLAUSE_LEADS, id=clause_id)
    if not rows:
        return []
    ids = [unit_id(rows[0]["jurisdiction"], name) for name in rows[0]["names"]]
    found = tx.rows(cypher.UNITS_BY_ID, ids=list(dict.fromkeys(ids)))
    units = {u.id: u for u in (unit(row["unit"]) for row in found)}
    return [units[i] for i in ids if i in units]


def citations(tx: Tx, policy_id: str) -> list[PolicySummary]:
    return [policy_summary(row) for row in tx.rows(cypher.CITATIONS, id=policy_id)]


def citation_links(tx: Tx) -> list[CitationLink]:
    return [
        CitationLink(row["citing"], policy_summary(row), row["kind"] or "cites", row["sentence"])
        for row in tx.rows(cypher.CITATION_LINKS)
    ]


def cited_by(tx: Tx, policy_id: str) -> list[PolicySummary]:
    rows = tx.rows(cypher.CITED_BY, id=policy_id)
    return sorted(map(policy_summary, rows), key=lambda s: (s.title, s.id))


def ranked_units(
    tx: Tx,
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
    summaries = sorted(map(unit_summary, rows), key=unit_sort_key)
    return [summaries[i - base] for i in positions], total


def collaboration(
    tx: Tx, jurisdiction: str | None, unit_id: str | None, min_weight: int, limit: int | None
) -> list[CollaborationEdge]:
    query = cypher.COLLABORATION if unit_id is None else cypher.UNIT_COLLABORATION
    rows = tx.rows(
        query,
        jurisdiction=jurisdiction,
        unit_id=unit_id,
        placeholder=UnitKind.PLACEHOLDER.value,
    )
    clause_units = [(row["clause_id"], list(row["units"])) for row in rows]
    return collaboration_pairs(clause_units, unit_id, min_weight, limit)


def neighborhood(tx: Tx, node_id: str, depth: int, limit: int) -> Subgraph:
    """The networkx store's breadth-first view, fetched one level (and chunk) at a time."""
    name = node_id[len(JURISDICTION_PREFIX) :] if node_id.startswith(JURISDICTION_PREFIX) else None
    found = tx.rows(cypher.FIND_NODE, id=node_id, name=name)
    if not found:
        return Subgraph((), ())
    start = found[0]["element_id"]
    views = {start: view_node(found[0]["label"], found[0]["props"])}
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
            GraphEdge(views[row["source"]].id, views[row["target"]].id, row["type"], row["kind"])
            for row in tx.rows(cypher.EDGES_AMONG, element_ids=seen)
        ),
        key=lambda e: (e.source, e.target, e.type),
    )
    return Subgraph(tuple(views[n] for n in seen), tuple(edges), truncated)


def _neighbours(tx: Tx, element_ids: Sequence[str]) -> dict[str, list[tuple[str, GraphNode]]]:
    rows = tx.rows(cypher.NEIGHBOURS, element_ids=list(element_ids), labels=list(schema.LABELS))
    neighbours: dict[str, list[tuple[str, GraphNode]]] = {}
    for row in rows:
        neighbours.setdefault(row["origin"], []).append(
            (row["element_id"], view_node(row["label"], row["props"]))
        )
    return neighbours


def jurisdictions(tx: Tx) -> list[JurisdictionSummary]:
    summaries = [
        JurisdictionSummary(
            jurisdiction_from_properties(model_properties(schema.JURISDICTION, row["props"]))
            if row["props"] is not None
            else Jurisdiction(row["name"]),
            policies=row["policies"],
            units=row["units"],
            clauses=row["clauses"],
        )
        for row in tx.rows(cypher.JURISDICTION_COUNTS)
    ]
    return sorted(summaries, key=lambda s: s.jurisdiction.name)


def stats(tx: Tx) -> StoreStats:
    # A label or type the database has never seen gives no row at all, hence the defaults.
    counts: Counter[str] = Counter({row["name"]: row["count"] for row in tx.rows(cypher.COUNTS)})
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


def export(tx: Tx) -> nx.MultiDiGraph:
    """The whole graph as networkx, with the networkx store's node and edge attributes."""
    graph = nx.MultiDiGraph()
    ids: dict[str, str] = {}
    for row in tx.rows(cypher.EXPORT_NODES, labels=list(schema.LABELS)):
        label = row["label"]
        props = model_properties(label, row["props"])
        ids[row["element_id"]] = node = view_id(label, props)
        graph.add_node(node, **{**props, "label": label, "display": display_name(label, props)})
    for row in tx.rows(cypher.EXPORT_EDGES, types=list(schema.RELATIONSHIP_TYPES)):
        if row["source"] in ids and row["target"] in ids:
            graph.add_edge(
                ids[row["source"]],
                ids[row["target"]],
                type=row["type"],
                **citation_attributes(row.data()),
            )
    return graph
