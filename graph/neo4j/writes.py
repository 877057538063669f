"""Writing and removing policies, each batch in one transaction.

The steps are the networkx store's (replace versions, add, resolve citations, adopt stubs; on
removal, drop orphan units, stubs and jurisdictions) and every choice among them is a rule of
:mod:`graph.rules`: this module fetches what a rule needs and applies its decision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from neo4j import Record

from policykg.graph import cypher, rules, schema
from policykg.graph.base import WriteResult
from policykg.graph.neo4j.connection import Tx, bump_version
from policykg.graph.neo4j.records import (
    between_newlines,
    citable_policy,
    citations_from_json,
    lookup_text,
    policy_from_json,
    policy_version,
    stored_policy_properties,
)
from policykg.graph.rules import CitablePolicy, CitingPolicy, PolicyVersion
from policykg.graph.views import (
    clause_properties,
    jurisdiction_chain,
    jurisdiction_properties,
    section_properties,
    stub_properties,
    unit_properties,
)
from policykg.ingest.model import Citation, Policy


def write_batch(
    tx: Tx, policies: Sequence[Policy], clause_extra: Mapping[str, Mapping[str, Any]] | None = None
) -> list[WriteResult]:
    """Write ``policies`` in order; see :meth:`graph.base.GraphStore.write_policies`.
    ``clause_extra``: more properties of clauses, by id (the clause index's vectors and tokens;
    a numpy array is stored as a vector property of 32-bit floats)."""
    writer = _Writer(tx, clause_extra)
    results = [writer.write(policy) for policy in policies]
    if not all(r.unchanged for r in results):
        bump_version(tx)
    return results


def delete(tx: Tx, policy_id: str) -> bool:
    """Remove a stored policy; False when there is none."""
    if not tx.rows(cypher.STORED_POLICY_EXISTS, id=policy_id)[0]["found"]:
        return False
    _Writer(tx).remove(policy_id)
    bump_version(tx)
    return True


class _Writer:
    """Writes and removes policies exactly as :class:`graph.memory.MemoryGraphStore` does."""

    def __init__(self, tx: Tx, clause_extra: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self._tx = tx
        self._clause_extra = clause_extra or {}

    def write(self, policy: Policy) -> WriteResult:
        rows = self._tx.rows(
            cypher.VERSION_CANDIDATES,
            id=policy.id,
            source=policy.source,
            doc_number=policy.doc_number or None,
        )
        result = rules.write_decision(PolicyVersion.of(policy), map(policy_version, rows))
        if result.unchanged:
            return result
        for old in result.replaced:
            self.remove(old)
        self._add(policy)
        return result

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
            props=stored_policy_properties(policy),
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
        vectors: dict[str, list[dict[str, Any]]] = {}
        for clause in policy.clauses:
            parent_label = schema.SECTION if clause.section_id else schema.POLICY
            props = clause_properties(clause)
            for key, value in self._clause_extra.get(clause.id, {}).items():
                if isinstance(value, np.ndarray):  # a vector: 32-bit floats, set after the node
                    vectors.setdefault(key, []).append({"id": clause.id, "vector": value.tolist()})
                else:
                    props[key] = value
            by_parent[parent_label].append(
                {
                    "props": props,
                    "parent": clause.section_id or policy.id,
                    "order": clause.order,
                }
            )
        for parent_label, rows in by_parent.items():
            if rows:
                self._tx.run(cypher.WRITE_CLAUSES[parent_label], rows=rows)
        for key, rows in vectors.items():
            self._tx.run(cypher.SET_CLAUSE_VECTORS, key=key, rows=rows)
        for rel, rows in _role_rows(policy).items():
            if rows:
                self._tx.run(cypher.WRITE_ROLES[rel], rows=rows)

    def _set_aliases(self, rows: Sequence[Record]) -> None:
        """A unit's aliases are those the policies naming it use (NAMES relationships)."""
        updates = []
        for row in rows:
            aliases = list(rules.unit_aliases(row["alias_lists"]))
            text, overflow = lookup_text(aliases)
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
            doc_numbers=sorted({c.doc_number for c in citations if c.doc_number}),
            title_keys=keys,
            long_title_keys=[key for key in keys if len(key) >= rules.SHORTEST_CITED_TAIL],
        )
        resolved = rules.resolve_citations(policy_id, citations, map(citable_policy, rows))
        if resolved.stubs:
            self._tx.run(
                cypher.MERGE_STUBS,
                rows=[
                    {"id": stub.id, "props": stub_properties(stub.id, stub.title, stub.doc_number)}
                    for stub in resolved.stubs
                ],
            )
        self._tx.run(
            cypher.WRITE_CITATIONS,
            policy_id=policy_id,
            rows=[
                {
                    "target": target,
                    "order": i,
                    "kind": resolved.kinds[i],
                    "sentence": resolved.sentences[i],
                }
                for i, target in enumerate(resolved.targets)
            ],
        )

    def _adopt_stubs(self, policy: Policy) -> None:
        """Resolve again every citation that may now name ``policy`` (see
        :func:`graph.rules.citing_to_resolve_again`), fetched by its 文号, its title and the
        tails of its title."""
        written = CitablePolicy.of(policy)
        needles = [written.title_key, *rules.title_tails(written.title_key)]
        if policy.doc_number:
            needles.append(policy.doc_number)
        rows = self._tx.rows(
            cypher.CITING_CANDIDATES,
            needles=[between_newlines([needle]) for needle in needles],
        )
        citing = [CitingPolicy(r["id"], citations_from_json(r["id"], r["citations"])) for r in rows]
        affected = rules.citing_to_resolve_again(written, citing)
        self._re_resolve(affected, {c.id: c.citations for c in citing})

    def _re_resolve(
        self, policy_ids: Sequence[str], known: Mapping[str, Sequence[Citation]] | None = None
    ) -> None:
        """Clear and resolve again the citations of ``policy_ids``, in that order."""
        citations = dict(known or {})
        missing = [policy_id for policy_id in policy_ids if policy_id not in citations]
        if missing:
            rows = self._tx.rows(cypher.POLICY_CITATIONS, ids=missing)
            citations.update(
                (row["id"], citations_from_json(row["id"], row["citations"])) for row in rows
            )
        for policy_id in policy_ids:
            self._tx.run(cypher.CLEAR_CITATIONS, policy_id=policy_id)
            self.resolve_citations(policy_id, citations[policy_id])

    def _stored(self, policy_id: str) -> Policy:
        [row] = self._tx.rows(cypher.POLICY_DOCUMENTS, ids=[policy_id])
        return policy_from_json(policy_id, row["json"])

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


def _role_rows(policy: Policy) -> dict[str, list[dict[str, str]]]:
    """Role relationships of a policy's clauses (:func:`graph.rules.role_links`), by type."""
    unit_ids = {unit.name: unit.id for unit in policy.units}
    rows: dict[str, list[dict[str, str]]] = {rel: [] for rel in schema.ROLE_RELATIONSHIP.values()}
    for clause in policy.clauses:
        for link in rules.role_links(clause, unit_ids):
            rows[link.relationship].append(
                {
                    "unit": link.unit_id,
                    "clause": clause.id,
                    "source": link.source,
                    "evidence": link.evidence,
                }
            )
    return rows
