"""What is in force on a day, what replaced what, and how a document travels down the hierarchy.

Derived from the documents themselves, never curated: each policy's own validity sentences
(:mod:`policykg.ingest.validity`), the typed citations later documents make to it (a ``repeals``
ends it, an ``amends`` changes it), and newer stored versions of the same title from the same
jurisdiction and issuer (``replaces``). Built from the graph once per store generation.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from policykg.graph.base import CitationLink, GraphStore, PolicySummary
from policykg.graph.schema import title_key
from policykg.ingest.validity import IN_FORCE

ACTS = {"repeals": "repealed", "amends": "amended"}
"""Citation kinds that change the cited document's status, and the status they give it."""
IMPLEMENTING_KINDS = ("implements", "basis")
"""Kinds that carry a document down the hierarchy (a chain of these is an implementation chain)."""
TRANSMISSION_KINDS = ("implements", "basis", "cites")
"""Kinds a transmission table lists (every document that takes the policy up, by strength)."""

_VERSION_SUFFIX = re.compile(
    r"[（(](?:\d{4}(?:-\d{2}){0,2}|\d{4}年[^)）]*|修订|修正|试行|暂行)[)）]$"
)


@dataclass(frozen=True, slots=True)
class LifecycleEvent:
    """Something a later document did to a policy.

    Attributes:
        status: The status it gives the policy from ``day`` on (``repealed``, ``amended``,
            ``replaced``).
        day: When (the acting document's effective date, else its date), or None when unknown
            (an event of unknown date counts as having happened).
        by: The acting document.
        sentence: The sentence that says so (the citation's), or None for a replacement.
    """

    status: str
    day: str | None
    by: PolicySummary
    sentence: str | None = None


@dataclass(frozen=True, slots=True)
class PolicyLifecycle:
    """A policy's validity: its own dates and what later documents did to it.

    Attributes:
        policy: The policy (stored or a stub).
        effective: The day it takes effect, or None.
        expires: The last day of its term, or None.
        events: What later stored documents did to it, in date order.
    """

    policy: PolicySummary
    effective: str | None
    expires: str | None
    events: tuple[LifecycleEvent, ...] = ()

    def status_on(self, day: str) -> str:
        """The status on ``day`` (``YYYY-MM-DD``): ``not_yet``, ``repealed``, ``expired``,
        ``replaced``, ``amended`` or ``in_force``."""
        start = self.effective or _full_date(self.policy.date)
        if start and day < start:
            return "not_yet"
        happened = {e.status for e in self.events if e.day is None or e.day <= day}
        if "repealed" in happened:
            return "repealed"
        if self.expires and day > self.expires:
            return "expired"
        for status in ("replaced", "amended"):
            if status in happened:
                return status
        return "in_force"

    def in_force_on(self, day: str) -> bool:
        """True when the policy's text applies on ``day`` (in force, or in force as amended)."""
        return self.status_on(day) in IN_FORCE

    def event_causing(self, status: str, day: str) -> LifecycleEvent | None:
        """The first event by ``day`` that gave ``status``, or None (an own term, say)."""
        return next(
            (e for e in self.events if e.status == status and (e.day is None or e.day <= day)),
            None,
        )


@dataclass(frozen=True, slots=True)
class TransmissionRow:
    """One document that takes a policy up.

    Attributes:
        policy: The document that implements or cites it.
        kind: How (``implements``, ``basis``, ``cites``).
        level: Administrative level of its jurisdiction (省, 市, 区, 县 …).
        days_after: Days between the two documents' dates, or None when either is unknown.
        sentence: The sentence that cites it.
    """

    policy: PolicySummary
    kind: str
    level: str
    days_after: int | None
    sentence: str | None


class Lifecycle:
    """Statuses, typed relations and implementation chains of every policy in a store.

    Args:
        summaries: Every stored policy.
        links: Every CITES relationship (:meth:`GraphStore.citation_links`).
        levels: Administrative level of each jurisdiction name.
    """

    def __init__(
        self,
        summaries: Sequence[PolicySummary],
        links: Sequence[CitationLink],
        levels: dict[str, str] | None = None,
    ) -> None:
        self.summaries = {s.id: s for s in summaries}
        self.links = list(links)
        self.levels = levels or {}
        self._incoming: dict[str, list[CitationLink]] = defaultdict(list)
        self._outgoing: dict[str, list[CitationLink]] = defaultdict(list)
        self.targets: dict[str, PolicySummary] = {}
        for link in self.links:
            self._incoming[link.target.id].append(link)
            self._outgoing[link.source].append(link)
            self.targets[link.target.id] = link.target
        self.replaced_by = _newer_versions(summaries)
        self._lifecycles: dict[str, PolicyLifecycle] = {}
        self._in_force: dict[str, set[str]] = {}  # by day: a question asks once per unit

    @classmethod
    def of(cls, graph: GraphStore) -> Lifecycle:
        """Build from a graph store (three reads: policies, citation links, jurisdictions)."""
        summaries = graph.policies(0, 10**9).items
        levels = {j.jurisdiction.name: j.jurisdiction.level.value for j in graph.jurisdictions()}
        return cls(summaries, graph.citation_links(), levels)

    # -- validity -------------------------------------------------------------------------------

    def get(self, policy_id: str) -> PolicyLifecycle | None:
        """The lifecycle of a stored policy or stub, or None when the store has no such id."""
        if policy_id in self._lifecycles:
            return self._lifecycles[policy_id]
        summary = self.summaries.get(policy_id) or self.targets.get(policy_id)
        if summary is None:
            return None
        start = summary.effective or _full_date(summary.date)
        events = []
        for link in self._incoming.get(policy_id, ()):
            by = self.summaries.get(link.source)
            if link.kind not in ACTS or by is None:
                continue
            day = self._acting_day(link.source)
            if start and day and day < start:
                # A document cannot end or change one that came after it: the citation names an
                # earlier version of the title (the 2014 条例 repeals the 2004 办法, not the 2025 one).
                continue
            events.append(LifecycleEvent(ACTS[link.kind], day, by, link.sentence))
        if (newer := self.replaced_by.get(policy_id)) is not None:
            events.append(LifecycleEvent("replaced", _version_day(newer), newer))
        events.sort(key=lambda e: (e.day or "", e.by.title))
        found = PolicyLifecycle(summary, summary.effective, summary.expires, tuple(events))
        self._lifecycles[policy_id] = found
        return found

    def status_on(self, policy_id: str, day: str) -> str | None:
        """A policy's status on ``day``, or None when the store has no such policy."""
        found = self.get(policy_id)
        return found.status_on(day) if found is not None else None

    def on_day(
        self, day: str, jurisdiction: str | None = None
    ) -> list[tuple[PolicyLifecycle, str]]:
        """Every stored policy (of ``jurisdiction``, when given) with its status on ``day``, by
        title."""
        found = [
            (f, f.status_on(day))
            for i in self.summaries
            if (f := self.get(i)) is not None
            and (jurisdiction is None or f.policy.jurisdiction == jurisdiction)
        ]
        return sorted(found, key=lambda item: (item[0].policy.title, item[0].policy.id))

    def in_force_on(self, day: str) -> list[PolicyLifecycle]:
        """Stored policies in force (or in force as amended) on ``day``, by title."""
        return [f for f, status in self.on_day(day) if status in IN_FORCE]

    def in_force_ids(self, day: str) -> set[str]:
        """Ids of the stored policies in force on ``day`` (worked out once per day)."""
        if day not in self._in_force:
            self._in_force[day] = {f.policy.id for f in self.in_force_on(day)}
        return self._in_force[day]

    def not_in_force(self, policy_ids: Iterable[str], day: str) -> dict[str, str]:
        """The policies among ``policy_ids`` that are not in force on ``day``, with their status
        (what an answer marks)."""
        statuses = {p: self.status_on(p, day) for p in policy_ids}
        return {p: s for p, s in statuses.items() if s is not None and s not in IN_FORCE}

    def outgoing(self, policy_id: str) -> list[CitationLink]:
        """What a policy cites, in citation order, with how."""
        return list(self._outgoing.get(policy_id, ()))

    def incoming(self, policy_id: str) -> list[CitationLink]:
        """The stored policies citing ``policy_id``, with how."""
        return [link for link in self._incoming.get(policy_id, ()) if link.source in self.summaries]

    def acted_on(self, policy_id: str, kind: str) -> list[CitationLink]:
        """What a policy repeals (``kind="repeals"``), amends, implements …: its links of ``kind``."""
        return [link for link in self._outgoing.get(policy_id, ()) if link.kind == kind]

    def _acting_day(self, policy_id: str) -> str | None:
        summary = self.summaries.get(policy_id)
        if summary is None:
            return None
        return summary.effective or _full_date(summary.date)

    # -- transmission ---------------------------------------------------------------------------

    def transmission(
        self, policy_id: str, kinds: Iterable[str] = TRANSMISSION_KINDS
    ) -> list[TransmissionRow]:
        """Stored documents that implement or cite ``policy_id``, in date order (undated last).

        Days are counted from the policy's date to each document's date, when both are known.
        """
        wanted = set(kinds)
        target = self.summaries.get(policy_id) or self.targets.get(policy_id)
        start = _full_date(target.date) if target else None
        rows = []
        for link in self._incoming.get(policy_id, ()):
            source = self.summaries.get(link.source)
            if source is None or link.kind not in wanted:
                continue
            end = _full_date(source.date)
            days = (
                (date.fromisoformat(end) - date.fromisoformat(start)).days
                if start and end
                else None
            )
            level = self.levels.get(source.jurisdiction or "", "未知")
            rows.append(TransmissionRow(source, link.kind, level, days, link.sentence))
        rows.sort(key=lambda r: (r.policy.date is None, r.policy.date or "", r.policy.title))
        return rows

    def chains(
        self, limit: int = 10, kinds: Iterable[str] = IMPLEMENTING_KINDS
    ) -> list[list[PolicySummary]]:
        """The longest implementation chains (local -> … -> central, along links of ``kinds``:
        ``implements`` and ``basis`` by default), longest first; each chain starts at a document
        nothing implements."""
        wanted = set(kinds)
        up: dict[str, list[str]] = defaultdict(list)
        implemented: set[str] = set()
        for link in self.links:
            if link.kind in wanted and link.source != link.target.id:
                up[link.source].append(link.target.id)
                implemented.add(link.target.id)
        longest: dict[str, list[str]] = {}

        def walk(node: str, seen: frozenset[str]) -> list[str]:
            if node in longest:
                return longest[node]
            best: list[str] = []
            for parent in up.get(node, ()):
                if parent not in seen:
                    path = walk(parent, seen | {node})
                    if len(path) > len(best):
                        best = path
            longest[node] = [node, *best]
            return longest[node]

        starts = [s for s in up if s not in implemented]
        paths = sorted((walk(s, frozenset()) for s in starts), key=lambda p: (-len(p), p[0]))
        out = []
        for path in paths[:limit]:
            out.append([self.summaries.get(i) or self.targets[i] for i in path])
        return out


def _full_date(text: str | None) -> str | None:
    """``text`` when it is a whole ``YYYY-MM-DD`` date, else None."""
    return text if text and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None


def _version_key(summary: PolicySummary) -> tuple[str, str, str]:
    """What two versions of one document share: jurisdiction, issuer and title (a version
    suffix such as （2020修订） or (2009-02-24) left out)."""
    title = _VERSION_SUFFIX.sub("", summary.title.strip())
    return (summary.jurisdiction or "", summary.issuer or "", title_key(title))


def _newer_versions(summaries: Iterable[PolicySummary]) -> dict[str, PolicySummary]:
    """For each stored policy with a newer stored version (same title, jurisdiction and issuer,
    a later date), the next newer one."""
    groups: dict[tuple[str, str, str], list[PolicySummary]] = defaultdict(list)
    for summary in summaries:
        key = _version_key(summary)
        if key[2] and not summary.stub and _version_day(summary):
            groups[key].append(summary)
    newer: dict[str, PolicySummary] = {}
    for versions in groups.values():
        ordered = sorted(versions, key=lambda s: _version_day(s) or "")
        for older, later in pairwise(ordered):
            if _version_day(later) != _version_day(older):
                newer[older.id] = later
    return newer


def _version_day(summary: PolicySummary) -> str | None:
    """The latest date a version carries: a revision dated 2024 of a regulation in force since
    2009 is the 2024 version."""
    days = [d for d in (summary.effective, _full_date(summary.date)) if d]
    return max(days) if days else None
