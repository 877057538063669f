"""The graph's write rules, once for every store: pure functions from frozen values to decisions.

Which stored policy a citation names, which version a new document replaces, which citations
must be resolved again when a stub is filled in, which role relationships a clause gets and
which aliases a unit shows: each store only fetches the candidates a rule asks for (from its
indexes, or with a query of :mod:`graph.cypher`) and applies the decision, so the networkx and
Neo4j stores cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from policykg.graph import schema
from policykg.graph.base import WriteResult
from policykg.ingest.ids import stub_policy_id
from policykg.ingest.model import CITATION_STRENGTH, Citation, Clause, Policy

SHORTEST_CITED_TAIL = 8
"""A cited title leaving out the issuer names a policy only when it is this long or longer."""

# -- versions ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    """What tells whether one policy is a version of another."""

    id: str
    source: str | None
    doc_number: str | None
    jurisdiction: str | None

    @classmethod
    def of(cls, policy: Policy) -> PolicyVersion:
        """The version fields of a policy."""
        return cls(policy.id, policy.source, policy.doc_number, policy.jurisdiction.name)


def replaces(new: PolicyVersion, old: PolicyVersion) -> bool:
    """True when ``new`` is a new version of ``old``.

    A new version comes from the same source file, or carries the same 文号 in the same
    jurisdiction.
    """
    if old.source is not None and old.source == new.source:
        return True
    return bool(
        new.doc_number and old.doc_number == new.doc_number and old.jurisdiction == new.jurisdiction
    )


def write_decision(new: PolicyVersion, stored: Iterable[PolicyVersion]) -> WriteResult:
    """What writing ``new`` does, given the stored policies sharing its id, source or 文号.

    Ids are content hashes: a stored policy with ``new``'s id is this very document, so nothing
    is written (``unchanged``). Otherwise ``new`` replaces every stored policy it is a new
    version of (:func:`replaces`), listed by id, each once.
    """
    candidates = list(stored)
    if any(old.id == new.id for old in candidates):
        return WriteResult(new.id, unchanged=True)
    replaced = sorted({old.id for old in candidates if replaces(new, old)})
    return WriteResult(new.id, replaced=tuple(replaced))


# -- citations --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CitablePolicy:
    """A stored (not stub) policy as a citation may name it."""

    id: str
    doc_number: str | None
    title_key: str

    @classmethod
    def of(cls, policy: Policy) -> CitablePolicy:
        """The fields of a policy a citation is matched against."""
        return cls(policy.id, policy.doc_number, schema.title_key(policy.title))


@dataclass(frozen=True, slots=True)
class Stub:
    """A policy known only from a citation: the first citation naming it gives its fields."""

    id: str
    title: str | None
    doc_number: str | None


@dataclass(frozen=True, slots=True)
class CitationTargets:
    """Where a policy's citations point.

    Attributes:
        targets: Policy ids in the order first cited, each once (stored policies and stubs).
        stubs: The stubs among the targets, in that order; a store creates those it lacks and
            leaves an existing stub as it is.
    """

    targets: tuple[str, ...]
    stubs: tuple[Stub, ...]
    kinds: tuple[str, ...] = ()
    """Per target, the strongest kind of the citations naming it (see ``Citation.kind``)."""
    sentences: tuple[str | None, ...] = ()
    """Per target, the sentence that kind was read from."""


def title_tails(key: str) -> list[str]:
    """Tails of a title key that a citation leaving out the issuer may use (8 characters or more,
    the whole key excluded), as :func:`cited_title_matches` allows."""
    return [key[i:] for i in range(1, len(key) - SHORTEST_CITED_TAIL + 1)]


def cited_title_matches(cited_key: str, policy_key: str) -> bool:
    """A cited title names a policy: equal, or the policy title adds an issuer before it."""
    if not cited_key or not policy_key:
        return False
    return cited_key == policy_key or (
        len(cited_key) >= SHORTEST_CITED_TAIL and policy_key.endswith(cited_key)
    )


def cited_policy(citation: Citation, candidates: Iterable[CitablePolicy]) -> str | None:
    """The stored policy ``citation`` names, or None when it names none (a stub stands in).

    By 文号 first, then by exact title key, then by a title that adds an issuer before the cited
    one (cited titles of 8 characters or more); among several, the lowest id.
    """
    stored = list(candidates)
    if citation.doc_number:
        numbered = [c.id for c in stored if c.doc_number == citation.doc_number]
        if numbered:
            return min(numbered)
    key = schema.title_key(citation.title)
    if not key:
        return None
    exact = [c.id for c in stored if c.title_key == key]
    if exact:
        return min(exact)
    if len(key) < SHORTEST_CITED_TAIL:
        return None
    tails = [c.id for c in stored if cited_title_matches(key, c.title_key)]
    return min(tails) if tails else None


def resolve_citations(
    citing_id: str, citations: Iterable[Citation], candidates: Iterable[CitablePolicy]
) -> CitationTargets:
    """Point the citations of policy ``citing_id`` at stored ``candidates``, or at stubs.

    ``candidates`` are the stored policies the citations may name (more do no harm); a policy
    never names itself. A citation naming no candidate points at the stub of its 文号 or title.
    """
    stored = [c for c in candidates if c.id != citing_id]
    targets: list[str] = []
    stubs: list[Stub] = []
    evidence: dict[str, tuple[str, str | None]] = {}
    for citation in citations:
        target = cited_policy(citation, stored)
        if target is None:
            target = stub_policy_id(citation.title, citation.doc_number)
            if target not in targets:
                stubs.append(Stub(target, citation.title, citation.doc_number))
        if target not in targets:
            targets.append(target)
        kept = evidence.get(target)
        if kept is None or CITATION_STRENGTH[citation.kind] > CITATION_STRENGTH[kept[0]]:
            evidence[target] = (citation.kind, citation.sentence)
    return CitationTargets(
        tuple(targets),
        tuple(stubs),
        tuple(evidence[t][0] for t in targets),
        tuple(evidence[t][1] for t in targets),
    )


# -- adopting stubs ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CitingPolicy:
    """A stored policy and the citations it makes."""

    id: str
    citations: tuple[Citation, ...]


def may_name(citation: Citation, policy: CitablePolicy) -> bool:
    """Whether storing ``policy`` may change where ``citation`` points: it cites the policy's
    文号, its title, or a tail of its title."""
    if policy.doc_number and citation.doc_number == policy.doc_number:
        return True
    if not citation.title:
        return False
    cited = schema.title_key(citation.title)
    return cited == policy.title_key or cited_title_matches(cited, policy.title_key)


def citing_to_resolve_again(
    written: CitablePolicy, citing: Iterable[CitingPolicy]
) -> tuple[str, ...]:
    """The policies whose citations must be resolved again now that ``written`` is stored.

    Every other policy with a citation that :func:`may_name` it (a stub it cited may now be
    ``written``, or a weaker match may give way), by id: resolving them all makes the graph the
    same whatever order the policies were written in.
    """
    return tuple(
        sorted(
            {
                policy.id
                for policy in citing
                if policy.id != written.id
                and any(may_name(citation, written) for citation in policy.citations)
            }
        )
    )


# -- units ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoleLink:
    """A role relationship of a clause: LEADS or RESPONSIBLE_FOR (Unit -> Clause), or MENTIONS
    (Clause -> Unit)."""

    unit_id: str
    relationship: str
    source: str = ""  # where the role was read (annotation, table, section, prose, regulation)
    evidence: str = ""  # the annotation, cell, heading or sentence it was read from


def role_links(clause: Clause, unit_ids: Mapping[str, str]) -> tuple[RoleLink, ...]:
    """The role relationships of ``clause``; ``unit_ids`` maps its policy's unit names to ids.

    One Unit -> Clause relationship per unit, in the order the units are first named: a unit
    named both as lead and as responsible gets RESPONSIBLE_FOR; each carries where the role was
    read and the sentence (the clause's ``role_sources``). Then one MENTIONS per mentioned unit.
    """
    if not (clause.lead_units or clause.responsible_units or clause.mentioned_units):
        return ()  # most clauses of a large store name no unit: loading it stays cheap
    roles: dict[str, str] = {}
    for name in clause.lead_units:
        roles[unit_ids[name]] = schema.LEADS
    for name in clause.responsible_units:
        roles[unit_ids[name]] = schema.RESPONSIBLE_FOR
    mentioned = dict.fromkeys(unit_ids[name] for name in clause.mentioned_units)
    evidence = {unit_ids[r.unit]: r for r in clause.role_sources if r.unit in unit_ids}
    return (
        *(
            RoleLink(
                unit,
                relationship,
                evidence[unit].source.value if unit in evidence else "",
                evidence[unit].sentence if unit in evidence else "",
            )
            for unit, relationship in roles.items()
        ),
        *(RoleLink(unit, schema.MENTIONS) for unit in mentioned),
    )


def unit_aliases(alias_lists: Iterable[Iterable[str] | None]) -> tuple[str, ...]:
    """A unit's aliases: those the policies naming it use (one list per policy), sorted, once."""
    return tuple(sorted({alias for aliases in alias_lists for alias in aliases or ()}))
