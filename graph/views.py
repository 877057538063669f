"""What both stores share: node properties, orderings and the pieces of queries done in Python.

Keeping these in one place is what makes the networkx and Neo4j stores answer identically.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from policykg.graph import schema
from policykg.graph.base import (
    ClauseRecord,
    CollaborationEdge,
    GraphNode,
    PolicySummary,
    UnitSummary,
)
from policykg.ingest.jurisdiction import resolve_name
from policykg.ingest.model import (
    Clause,
    Jurisdiction,
    Level,
    Policy,
    RoleEvidence,
    RoleSource,
    Section,
    Unit,
)

JURISDICTION_PREFIX = "J:"
"""Graph node ids of jurisdictions are their names behind this prefix (names are not unique ids
across labels: a jurisdiction and a unit could share one)."""


def jurisdiction_node_id(name: str) -> str:
    """The node id of the jurisdiction called ``name``."""
    return JURISDICTION_PREFIX + name


def policy_properties(policy: Policy) -> dict[str, Any]:
    """Properties of a stored Policy node."""
    return {
        "id": policy.id,
        "title": policy.title,
        "doc_number": policy.doc_number,
        "issuer": policy.issuer,
        "date": policy.date,
        "source": policy.source,
        "jurisdiction": policy.jurisdiction.name,
        "stub": False,
        "title_key": schema.title_key(policy.title),
        "effective": policy.effective,
        "expires": policy.expires,
    }


def stub_properties(stub_id: str, title: str | None, doc_number: str | None) -> dict[str, Any]:
    """Properties of a Policy node known only from citations."""
    return {
        "id": stub_id,
        "title": title or doc_number or "",
        "doc_number": doc_number,
        "issuer": None,
        "date": None,
        "source": None,
        "jurisdiction": None,
        "stub": True,
        "title_key": schema.title_key(title),
        "effective": None,
        "expires": None,
    }


def policy_summary(policy: Policy) -> PolicySummary:
    """The summary of a stored (not stub) policy."""
    return PolicySummary(
        id=policy.id,
        title=policy.title,
        doc_number=policy.doc_number,
        issuer=policy.issuer,
        date=policy.date,
        jurisdiction=policy.jurisdiction.name,
        source=policy.source,
        stub=False,
        clause_count=len(policy.clauses),
        effective=policy.effective,
        expires=policy.expires,
    )


def section_properties(section: Section) -> dict[str, Any]:
    """Properties of a Section node."""
    return {
        "id": section.id,
        "policy_id": section.policy_id,
        "number": section.number,
        "title": section.title,
        "order": section.order,
        "part": section.part,
        "text": section.text,
    }


def clause_properties(clause: Clause) -> dict[str, Any]:
    """Properties of a Clause node (lists for tuples, as Neo4j stores them)."""
    return {
        "id": clause.id,
        "policy_id": clause.policy_id,
        "section_id": clause.section_id,
        "section_number": clause.section_number,
        "number": clause.number,
        "marker": clause.marker,
        "title": clause.title,
        "text": clause.text,
        "order": clause.order,
        "path": list(clause.path),
        "lead_units": list(clause.lead_units),
        "responsible_units": list(clause.responsible_units),
        "mentioned_units": list(clause.mentioned_units),
        # Where each role was read from, as parallel lists (Neo4j stores lists of strings).
        "role_source_units": [r.unit for r in clause.role_sources],
        "role_sources": [r.source.value for r in clause.role_sources],
        "role_evidence": [r.sentence for r in clause.role_sources],
        "deadline": clause.deadline,
        "deadline_date": clause.deadline_date,  # derived; stored so Cypher can compare dates
        "heading": clause.heading,
    }


def clause_from_properties(props: Mapping[str, Any]) -> Clause:
    """Rebuild a clause from its node properties."""
    return Clause(
        id=props["id"],
        policy_id=props["policy_id"],
        section_number=props["section_number"],
        number=props["number"],
        marker=props["marker"],
        title=props["title"],
        text=props["text"],
        order=props["order"],
        path=tuple(props["path"]),
        lead_units=tuple(props["lead_units"]),
        responsible_units=tuple(props["responsible_units"]),
        mentioned_units=tuple(props["mentioned_units"]),
        section_id=props["section_id"],
        role_sources=tuple(
            RoleEvidence(unit, RoleSource(source), sentence)
            for unit, source, sentence in zip(
                props.get("role_source_units") or (),
                props.get("role_sources") or (),
                props.get("role_evidence") or (),
                strict=False,
            )
        ),
        deadline=props.get("deadline") or "",
        heading=props.get("heading") or "",
    )


def unit_properties(unit: Unit) -> dict[str, Any]:
    """Properties of a Unit node."""
    return {
        "id": unit.id,
        "name": unit.name,
        "jurisdiction": unit.jurisdiction,
        "aliases": list(unit.aliases),
        "level": unit.level.value,
        "kind": unit.kind.value,
    }


def jurisdiction_properties(place: Jurisdiction) -> dict[str, Any]:
    """Properties of a Jurisdiction node."""
    return {
        "name": place.name,
        "level": place.level.value,
        "parent": place.parent,
        "determined": place.determined,
    }


def jurisdiction_from_properties(props: Mapping[str, Any]) -> Jurisdiction:
    """Rebuild a jurisdiction from its node properties."""
    return Jurisdiction(
        props["name"], Level(props["level"]), props["parent"], props["determined"], ""
    )


def display_name(label: str, props: Mapping[str, Any]) -> str:
    """The name a graph view shows for a node."""
    if label == schema.POLICY:
        return str(props["title"])
    if label == schema.SECTION:
        return f"{props['number']}、{props['title']}" if props["number"] else str(props["title"])
    if label == schema.CLAUSE:
        return f"{props['marker']}{props['title']}"
    return str(props["name"])


def citation_attributes(edge: Mapping[str, Any]) -> dict[str, Any]:
    """What a CITES relationship adds to an exported edge: its ``kind`` and ``sentence`` (absent
    on other relationships and on citations stored before kinds were read)."""
    return {key: edge[key] for key in ("kind", "sentence") if edge.get(key) is not None}


def graph_node(node_id: str, label: str, props: Mapping[str, Any]) -> GraphNode:
    """A view node; clause text is left out of views (fetch the clause for it)."""
    shown = {k: v for k, v in props.items() if k not in ("text", "title_key")}
    return GraphNode(node_id, label, display_name(label, props), shown)


def jurisdiction_chain(place: Jurisdiction) -> list[Jurisdiction]:
    """The jurisdiction and its ancestors, innermost first (松江区, 上海市, 国家).

    A user-given name outside the gazetteer, or a document's own undetermined scope, has no
    ancestors.
    """
    chain = [place]
    seen = {place.name}
    parent = place.parent
    while parent and parent not in seen:
        link = resolve_name(parent)
        chain.append(link)
        seen.add(link.name)
        parent = link.parent
    return chain


_LABEL_ORDER = {label: i for i, label in enumerate(schema.LABELS)}


def node_sort_key(node: GraphNode) -> tuple[int, str, str]:
    """Order of neighbours in a graph view: by label, then name, then id."""
    return (_LABEL_ORDER.get(node.label, 99), node.name, node.id)


def policy_sort_key(summary: PolicySummary) -> tuple[str, str, str, str]:
    """Policies by jurisdiction, date (newest first), title, id."""
    inverted_date = "".join(chr(0x10FFFF - ord(ch)) for ch in (summary.date or ""))
    return (summary.jurisdiction or "", inverted_date, summary.title, summary.id)


def unit_sort_key(summary: UnitSummary) -> tuple[int, int, str, str]:
    """Units by tasks (descending), lead count (descending), name, jurisdiction."""
    return (-summary.tasks, -summary.lead, summary.unit.name, summary.unit.jurisdiction)


def clause_sort_key(record: ClauseRecord) -> tuple[str, str, int]:
    """Clauses by policy title, policy id, order in the policy."""
    return (record.policy_title, record.clause.policy_id, record.clause.order)


def collaboration_pairs(
    clause_units: Iterable[tuple[str, list[str]]],
    unit_id: str | None,
    min_weight: int,
    limit: int | None,
) -> list[CollaborationEdge]:
    """Count unit pairs over clauses: (clause id, units with a role in it) -> weighted edges."""
    weights: Counter[tuple[str, str]] = Counter()
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    for clause_id, units in clause_units:
        ordered = sorted(set(units))
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                if unit_id is not None and unit_id not in (a, b):
                    continue
                weights[(a, b)] += 1
                shared[(a, b)].append(clause_id)
    edges = [
        CollaborationEdge(a, b, weight, tuple(sorted(shared[(a, b)])))
        for (a, b), weight in weights.items()
        if weight >= min_weight
    ]
    edges.sort(key=lambda e: (-e.weight, e.source, e.target))
    return edges[:limit] if limit is not None else edges
