"""Names to things: a unit, a jurisdiction, a policy or a clause, by name, alias or id.

One meaning on every face: the CLI, the HTTP API, MCP and the answerer resolve a name here, so
``松江区``, ``上海市松江区`` and ``Songjiang`` pick the same jurisdiction everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rapidfuzz import fuzz, process

from policykg.graph.base import ClauseRecord, GraphStore, PolicySummary
from policykg.graph.schema import title_key
from policykg.ingest.errors import NotFoundError
from policykg.ingest.model import Policy, Unit
from policykg.ingest.structure import normalise_doc_number
from policykg.service.answers.routing import jurisdictions_in

MAX_LISTED = 20
"""Names listed in an error message before it says how many more there are."""


def jurisdiction_candidates(name: str, stored: Sequence[str]) -> list[str]:
    """The stored jurisdictions ``name`` may mean, best kind of match first.

    The name itself; else those ending with it (松江区 -> 上海市松江区); else those holding it;
    else those it names in other words (Songjiang, Songjiang District, 松江).
    """
    name = name.strip()
    if not name:
        return []
    if name in stored:
        return [name]
    return (
        [p for p in stored if p.endswith(name)]
        or [p for p in stored if name in p]
        or jurisdictions_in(name, stored)
    )


def resolve_jurisdiction(name: str, stored: Sequence[str]) -> str | None:
    """The one stored jurisdiction ``name`` means, or None (unknown, or several match)."""
    found = jurisdiction_candidates(name, stored)
    return found[0] if len(found) == 1 else None


def listing(names: Sequence[str]) -> str:
    """Names joined for a message, cut after :data:`MAX_LISTED`."""
    shown = "、".join(names[:MAX_LISTED])
    return shown + (f" … ({len(names) - MAX_LISTED} more)" if len(names) > MAX_LISTED else "")


class Lookup:
    """Finds units, jurisdictions, policies and clauses by what a user calls them.

    Args:
        graph: The graph store to look in.
    """

    def __init__(self, graph: GraphStore) -> None:
        self.graph = graph

    def jurisdictions(self) -> list[str]:
        """Names of the jurisdictions in the store."""
        return [j.jurisdiction.name for j in self.graph.jurisdictions()]

    def jurisdiction(self, name: str | None) -> str | None:
        """The stored jurisdiction ``name`` means; None when no name is given.

        Raises:
            NotFoundError: No stored jurisdiction matches, or several do (each listed).
        """
        if name is None or not name.strip():
            return None
        known = self.jurisdictions()
        found = jurisdiction_candidates(name, known)
        if len(found) == 1:
            return found[0]
        if found:
            raise NotFoundError(
                f"jurisdiction {name!r} is ambiguous; it may mean {listing(found)}", "jurisdiction"
            )
        raise NotFoundError(
            f"no jurisdiction {name!r} in the store; known: {listing(known)}", "jurisdiction"
        )

    def units(self, name: str, jurisdiction: str | None = None) -> list[Unit]:
        """The units ``name`` means (an id, a canonical name or an alias), one per jurisdiction.

        Args:
            name: What the user calls the unit.
            jurisdiction: A stored jurisdiction's name (already resolved), or None for all.

        Raises:
            NotFoundError: No unit is called so (the nearest names are suggested), or the id
                names a unit of another jurisdiction.
        """
        name = name.strip()
        summary = self.graph.unit(name)
        if summary is not None:
            if jurisdiction not in (None, summary.unit.jurisdiction):
                raise NotFoundError(
                    f"unit {name!r} belongs to {summary.unit.jurisdiction}, not {jurisdiction}",
                    "unit",
                )
            return [summary.unit]
        units = self.graph.find_units(name, jurisdiction)
        if units:
            return list({u.id: u for u in units}.values())
        where = f" in {jurisdiction}" if jurisdiction else ""
        names = sorted(
            {s.unit.name for s in self.graph.units(0, 10**9, jurisdiction=jurisdiction).items}
        )
        near = [
            m[0] for m in process.extract(name, names, scorer=fuzz.WRatio, limit=5) if m[1] >= 60
        ]
        hint = f" Did you mean: {'、'.join(near)}?" if near else ""
        raise NotFoundError(f"no unit named {name!r}{where}.{hint}", "unit")

    def policy(self, policy_id: str) -> Policy:
        """The stored policy with this id.

        Raises:
            NotFoundError: No policy is stored under it (a cited document that is not ingested
                has no text).
        """
        found = self.graph.get_policy(policy_id)
        if found is None:
            raise NotFoundError(f"no stored policy with id {policy_id!r}", "policy")
        return found

    def document(self, ref: str, known: Mapping[str, PolicySummary]) -> str:
        """The id of the document ``ref`` names among ``known`` (stored policies and stubs, by
        id): its id, its 文号, or its title (with or without 《》); a stored one first.

        Raises:
            NotFoundError: None of them.
        """
        if ref in known:
            return ref
        number = normalise_doc_number(ref)
        key = title_key(ref.strip("《》 "))
        for summary in sorted(known.values(), key=lambda s: (s.stub, s.title, s.id)):
            if (number and summary.doc_number == number) or (
                key and title_key(summary.title) == key
            ):
                return summary.id
        raise NotFoundError(f"no document {ref!r} (by id, 文号 or title)", "policy")

    def clause(self, clause_id: str) -> ClauseRecord:
        """The clause with this id, with its policy's title and jurisdiction.

        Raises:
            NotFoundError: No clause has it.
        """
        records = self.graph.clauses([clause_id])
        if not records:
            raise NotFoundError(f"no clause with id {clause_id!r}", "clause")
        return records[0]
