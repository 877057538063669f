"""The graph store contract: what every backend (networkx, Neo4j) stores and answers.

Both backends hold the same nodes and relationships (see :mod:`graph.schema`) and must give
identical answers, in the same order, to every query here; ``tests/graph/contract.py`` checks
that against each of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

import networkx as nx

from policykg.ingest.model import Clause, Jurisdiction, Policy, Role, Unit

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What writing one policy did.

    Attributes:
        policy_id: Id of the policy written.
        replaced: Ids of earlier versions removed (same source file, or same 文号 in the same
            jurisdiction).
        unchanged: True when exactly this policy was already stored (nothing was written).
    """

    policy_id: str
    replaced: tuple[str, ...] = ()
    unchanged: bool = False


@dataclass(frozen=True, slots=True)
class PolicySummary:
    """A policy without its clauses; ``stub`` policies are known only from citations."""

    id: str
    title: str
    doc_number: str | None
    issuer: str | None
    date: str | None
    jurisdiction: str | None
    source: str | None
    stub: bool
    clause_count: int
    effective: str | None = None
    expires: str | None = None


@dataclass(frozen=True, slots=True)
class CitationLink:
    """One CITES relationship: a stored policy, what it cites and how.

    Attributes:
        source: Id of the citing (stored) policy.
        target: The cited policy, stored or a stub.
        kind: What the citing policy does with it (``basis``, ``implements``, ``amends``,
            ``repeals``, ``cites``; see :data:`policykg.ingest.model.CITATION_KINDS`).
        sentence: The sentence the kind was read from, or None.
    """

    source: str
    target: PolicySummary
    kind: str
    sentence: str | None


@dataclass(frozen=True, slots=True)
class ClauseRecord:
    """A clause with the context an answer cites.

    Attributes:
        clause: The clause (its lead, responsible and mentioned units included).
        policy_title: Title of its policy.
        doc_number: 文号 of its policy.
        jurisdiction: Jurisdiction of its policy.
        section_title: Title of its section.
        role: Role of the unit asked about, for unit queries; None otherwise.
    """

    clause: Clause
    policy_title: str
    doc_number: str | None
    jurisdiction: str
    section_title: str
    role: Role | None = None


@dataclass(frozen=True, slots=True)
class UnitSummary:
    """A unit with its counts: clauses it leads, shares, is mentioned in; policies naming it."""

    unit: Unit
    lead: int
    responsible: int
    mentions: int
    policies: int

    @property
    def tasks(self) -> int:
        """Clauses the unit leads or shares."""
        return self.lead + self.responsible


@dataclass(frozen=True, slots=True)
class CollaborationEdge:
    """Two units that share clauses (as lead or responsible), and how many."""

    source: str
    target: str
    weight: int
    clause_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GraphNode:
    """A node of a graph view: id, label (Policy, Clause, Unit …), display name, properties."""

    id: str
    label: str
    name: str
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GraphEdge:
    """A relationship of a graph view; ``kind`` is a CITES relationship's kind (basis,
    implements, amends, repeals, cites), None on other relationships."""

    source: str
    target: str
    type: str
    kind: str | None = None


@dataclass(frozen=True, slots=True)
class Subgraph:
    """Nodes and edges around a node; ``truncated`` when the size limit cut it."""

    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing."""

    items: tuple[T, ...]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True, slots=True)
class JurisdictionSummary:
    """A jurisdiction with the number of policies, units and clauses it holds."""

    jurisdiction: Jurisdiction
    policies: int
    units: int
    clauses: int


@dataclass(frozen=True, slots=True)
class StoreStats:
    """Counts of what a store holds."""

    policies: int
    stub_policies: int
    sections: int
    clauses: int
    units: int
    jurisdictions: int
    relationships: Mapping[str, int]


@runtime_checkable
class GraphStore(Protocol):
    """The unit–clause–policy graph.

    Writes are idempotent: writing a policy already stored changes nothing. Writing a new version
    of a document (same source, or same 文号 in the same jurisdiction) replaces the old one.
    A unit exists while some stored policy names it; deleting the last one removes it.
    Cited policies that are not stored are kept as stubs and filled in when they are written.
    Unknown ids give None or empty results, never an error. Every list is in a stable order.
    """

    def write_policies(self, policies: Sequence[Policy]) -> list[WriteResult]:
        """Store ``policies`` (replacing earlier versions); one result per policy, in order."""
        ...

    def delete_policy(self, policy_id: str) -> bool:
        """Remove a policy, its sections, clauses and units no other policy names.

        Returns:
            True when the policy was stored.
        """
        ...

    def get_policy(self, policy_id: str) -> Policy | None:
        """The full policy as written, or None."""
        ...

    def policy_ids(self) -> set[str]:
        """Ids of every stored (non-stub) policy."""
        ...

    def policies(
        self, offset: int = 0, limit: int = 50, jurisdiction: str | None = None
    ) -> Page[PolicySummary]:
        """Stored policies ordered by jurisdiction, date (newest first), title."""
        ...

    def clause_ids_of(self, policy_ids: Sequence[str]) -> set[str]:
        """Ids of every clause of the given policies (unknown ids contribute nothing)."""
        ...

    def clauses(self, clause_ids: Sequence[str]) -> list[ClauseRecord]:
        """Records for the given clause ids, in the given order; unknown ids are skipped."""
        ...

    def find_units(self, name: str, jurisdiction: str | None = None) -> list[Unit]:
        """Units whose canonical name or an alias equals ``name``, ordered by jurisdiction."""
        ...

    def unit(self, unit_id: str) -> UnitSummary | None:
        """One unit with its counts."""
        ...

    def units(
        self,
        offset: int = 0,
        limit: int = 50,
        jurisdiction: str | None = None,
        name_contains: str | None = None,
    ) -> Page[UnitSummary]:
        """Units ordered by tasks (descending), then name and jurisdiction."""
        ...

    def unit_clauses(self, unit_id: str, role: Role | None = None) -> list[ClauseRecord]:
        """Every clause the unit leads (LEAD), shares (RESPONSIBLE), is mentioned in (MENTION),
        or leads or shares (None), ordered by policy title, policy id and clause order."""
        ...

    def shared_clauses(self, unit_ids: Sequence[str]) -> list[ClauseRecord]:
        """Clauses in which every one of ``unit_ids`` leads or shares, ordered as unit_clauses."""
        ...

    def lead_units(self, clause_id: str) -> list[Unit]:
        """Units that lead a clause, in annotation order."""
        ...

    def dated_clauses(self, jurisdiction: str | None = None) -> list[ClauseRecord]:
        """Every clause that states a time limit (``Clause.deadline``), optionally only those of
        one jurisdiction's policies, ordered as unit_clauses."""
        ...

    def citations(self, policy_id: str) -> list[PolicySummary]:
        """Policies (stored or stubs) that ``policy_id`` cites, in citation order."""
        ...

    def cited_by(self, policy_id: str) -> list[PolicySummary]:
        """Stored policies that cite ``policy_id``, ordered by title and id."""
        ...

    def citation_links(self) -> list[CitationLink]:
        """Every CITES relationship with its kind, by citing policy id, then citation order."""
        ...

    def workload(
        self, jurisdiction: str | None = None, limit: int | None = None
    ) -> list[UnitSummary]:
        """Units ranked by tasks, then lead count, name and jurisdiction (placeholders excluded)."""
        ...

    def collaboration(
        self,
        jurisdiction: str | None = None,
        unit_id: str | None = None,
        min_weight: int = 1,
        limit: int | None = None,
    ) -> list[CollaborationEdge]:
        """Pairs of units sharing clauses, by weight (descending) then ids; source < target.

        With ``unit_id``, only pairs that include it. Placeholders are excluded.
        """
        ...

    def neighborhood(self, node_id: str, depth: int = 1, limit: int = 300) -> Subgraph:
        """Nodes within ``depth`` hops of ``node_id`` (any direction), at most ``limit`` of them."""
        ...

    def jurisdictions(self) -> list[JurisdictionSummary]:
        """Jurisdictions holding stored policies, ordered by name."""
        ...

    def stats(self) -> StoreStats:
        """Counts of nodes and relationships."""
        ...

    def to_networkx(self) -> nx.MultiDiGraph:
        """The whole graph as networkx (node ``label`` and properties; edge ``type``)."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...

    # -- storage: what a store that persists on this machine must answer for ---------------------

    def reload(self) -> None:
        """Drop what is cached in this process and read the store again (another process wrote)."""
        ...

    def version(self) -> int | None:
        """A number that changes whenever any client writes the graph (a server holding caches
        of it compares it), or None when the store is written only through one data directory,
        whose commit record says the same."""
        ...

    def damaged(self) -> dict[str, str]:
        """Stored policies that cannot be read back as written: id -> the problem. They are left
        out of every answer until repaired (written again) or dropped."""
        ...

    def repair_storage(self) -> list[str]:
        """Fix what can be fixed without the documents (rebuild a lost index of the stored
        policies, delete leftovers of interrupted writes); returns what was done, one line each.
        Call it holding the data directory's writer lock."""
        ...
