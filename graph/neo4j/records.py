"""What Neo4j stores and returns, mapped to and from the domain dataclasses.

Nodes carry the properties of :mod:`graph.views` plus internal ones (see :mod:`graph.cypher`):
a Policy's ``json`` and ``citations``, and lookup texts between newlines for TEXT indexes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from neo4j import Record

from policykg.graph import schema
from policykg.graph.base import ClauseRecord, GraphNode, PolicySummary, UnitSummary
from policykg.graph.rules import CitablePolicy, PolicyVersion
from policykg.graph.views import (
    clause_from_properties,
    clause_properties,
    graph_node,
    jurisdiction_node_id,
    jurisdiction_properties,
    policy_properties,
    section_properties,
    stub_properties,
    unit_properties,
)
from policykg.ingest.errors import StoreCorruptError
from policykg.ingest.model import (
    Citation,
    Clause,
    Jurisdiction,
    Level,
    Policy,
    Section,
    Unit,
    UnitKind,
)
from policykg.ingest.serialize import policy_from_dict, policy_to_dict

_TEXT_INDEX_MAX_BYTES = 32_766  # the longest value a TEXT index takes

# -- written --------------------------------------------------------------------------------------


def stored_policy_properties(policy: Policy) -> dict[str, Any]:
    """The model's properties plus the internal ones (see :mod:`graph.cypher`)."""
    cited = [c.doc_number for c in policy.citations if c.doc_number]
    cited += [schema.title_key(c.title) for c in policy.citations if c.title]
    cited_text, overflow = lookup_text(cited)
    return {
        **policy_properties(policy),
        "json": json.dumps(policy_to_dict(policy), ensure_ascii=False),
        # Kind and sentence too: a citation resolved again (its stub now stored) keeps them.
        "citations": json.dumps(
            [[c.title, c.doc_number, c.kind, c.sentence] for c in policy.citations],
            ensure_ascii=False,
        ),
        "cited_text": cited_text,
        "cited_overflow": overflow or None,
    }


def between_newlines(values: Sequence[str]) -> str | None:
    """Values between newlines: ``CONTAINS "\\n<value>\\n"`` finds one of them."""
    return "\n" + "\n".join(values) + "\n" if values else None


def lookup_text(values: Sequence[str]) -> tuple[str | None, bool]:
    """The text a TEXT index looks ``values`` up in, or (None, True) when it is too long."""
    text = between_newlines(values)
    if text is not None and len(text.encode("utf-8")) > _TEXT_INDEX_MAX_BYTES:
        return None, True
    return text, False


# -- read back ------------------------------------------------------------------------------------


def policy_from_json(policy_id: str, document: str) -> Policy:
    """A stored policy from its ``json`` property."""
    try:
        return policy_from_dict(json.loads(document))
    except (TypeError, ValueError) as e:
        raise StoreCorruptError(f"stored policy {policy_id} is not valid JSON: {e}") from e


def citations_from_json(policy_id: str, document: str) -> tuple[Citation, ...]:
    """A stored policy's citations from its ``citations`` property."""
    try:
        # Stores written before kinds were read hold [title, 文号] pairs.
        return tuple(
            Citation(row[0], row[1], kind=row[2] if len(row) > 2 else "cites",
                     sentence=row[3] if len(row) > 3 else None)
            for row in json.loads(document)
        )  # fmt: skip
    except (TypeError, ValueError, IndexError) as e:
        raise StoreCorruptError(f"stored citations of {policy_id} are not valid: {e}") from e


def policy_version(row: Record) -> PolicyVersion:
    """A row of ``VERSION_CANDIDATES``."""
    return PolicyVersion(row["id"], row["source"], row["doc_number"], row["jurisdiction"])


def citable_policy(row: Record) -> CitablePolicy:
    """A row of ``CITATION_CANDIDATES``."""
    return CitablePolicy(row["id"], row["doc_number"], row["title_key"] or "")


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


def model_properties(label: str, stored: Mapping[str, Any]) -> dict[str, Any]:
    """Node properties as the model has them: Neo4j drops nulls, and we keep internal ones."""
    return {key: stored.get(key) for key in _property_keys()[label]}


def policy_summary(row: Record) -> PolicySummary:
    """A row with the policy summary fields of :mod:`graph.cypher`."""
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
        effective=row["effective"],
        expires=row["expires"],
    )


def clause_record(row: Record) -> ClauseRecord:
    """A row of a clause records query."""
    relationship = row["relationship"]
    return ClauseRecord(
        clause=clause_from_properties(model_properties(schema.CLAUSE, row["clause"])),
        policy_title=row["policy_title"],
        doc_number=row["doc_number"],
        jurisdiction=row["jurisdiction"],
        section_title=row["section_title"] or "",
        role=schema.RELATIONSHIP_ROLE[relationship] if relationship is not None else None,
    )


def unit(props: Mapping[str, Any]) -> Unit:
    """A unit from its node properties."""
    return Unit(
        id=props["id"],
        name=props["name"],
        jurisdiction=props["jurisdiction"],
        aliases=tuple(props.get("aliases") or ()),
        level=Level(props["level"]),
        kind=UnitKind(props["kind"]),
    )


def unit_summary(row: Record) -> UnitSummary:
    """A row with a unit and its counts."""
    return UnitSummary(
        unit(row["unit"]), row["lead"], row["responsible"], row["mentions"], row["policies"]
    )


def view_id(label: str, props: Mapping[str, Any]) -> str:
    """The id a view gives a node (Jurisdiction nodes are keyed by name)."""
    if label == schema.JURISDICTION:
        return jurisdiction_node_id(str(props["name"]))
    return str(props["id"])


def view_node(label: str, stored: Mapping[str, Any]) -> GraphNode:
    """A view node from stored properties."""
    props = model_properties(label, stored)
    return graph_node(view_id(label, props), label, props)
