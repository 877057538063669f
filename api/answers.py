"""Answering questions: route, fetch from the graph or by retrieval, write a cited answer.

Answers are deterministic and grounded: every statement names its policy and clause, a unit
question returns every clause of the unit (not a top-k), and a question nothing answers gets an
honest "not found" with the nearest units or clauses. The answer text is in the question's
language; an optional LLM step may reword it, never the clauses it cites.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from rapidfuzz import fuzz, process

from api.workspace import Workspace
from graph.base import ClauseRecord, PolicySummary, UnitSummary
from graph.schema import title_key
from ingest.model import Role, Unit, UnitKind
from search.hybrid import SearchMode
from search.routing import (
    Intent,
    Route,
    UnitCatalogue,
    UnitMention,
    language_of,
    route,
    topic_query,
)

logger = logging.getLogger(__name__)

_UNIT_LIKE = re.compile(
    r"[\u4e00-\u9fff]{2,12}?(?:局|委员会|委|办公室|办|厅|部|署|中心|管委会|政府)"
)


@dataclass(frozen=True, slots=True)
class AnswerClause:
    """A clause an answer rests on (the answer contract's ``clauses`` items)."""

    clause_id: str
    policy_id: str
    policy_title: str
    doc_number: str | None
    jurisdiction: str
    number: str
    marker: str
    title: str
    role: str | None
    lead_units: tuple[str, ...]
    responsible_units: tuple[str, ...]
    text: str
    score: float

    @property
    def citation(self) -> str:
        """《policy title》 and the clause as cited: 《开发区改革开放实施意见》（十五）."""
        return f"《{self.policy_title}》{self.marker}"


@dataclass(frozen=True, slots=True)
class AnswerPolicy:
    """A policy an answer names (the contract's ``policies`` items)."""

    policy_id: str
    title: str
    doc_number: str | None
    jurisdiction: str | None = None
    stub: bool = False


@dataclass(frozen=True, slots=True)
class Answer:
    """A cited answer (the answer contract; extra fields are allowed by it).

    Attributes:
        question: The question as asked.
        intent: What the question was taken to ask.
        answer: The answer text, in the question's language, citing policy and clause.
        units: Names of the units the answer is about.
        clauses: Every clause the answer rests on, best first.
        policies: Policies the answer names (e.g. cited documents).
        language: ``zh`` or ``en``.
        jurisdictions: Jurisdictions the answer covers, in the order shown.
        candidates: For a question that names a unit ambiguously, the units it may mean.
        found: False when nothing in the store answers the question.
        rewritten: True when an LLM reworded the answer text.
    """

    question: str
    intent: str
    answer: str
    units: tuple[str, ...] = ()
    clauses: tuple[AnswerClause, ...] = ()
    policies: tuple[AnswerPolicy, ...] = ()
    language: str = "zh"
    jurisdictions: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()
    found: bool = True
    rewritten: bool = False


class AnswerRewriter(Protocol):
    """Rewords an answer's text (an optional LLM step); must not change what it cites."""

    def rewrite(self, answer: Answer) -> str | None:
        """The new text, or None to keep the original."""
        ...


def clause_of(record: ClauseRecord, score: float = 1.0) -> AnswerClause:
    """An answer clause from a graph record."""
    clause = record.clause
    chosen = record.role
    return AnswerClause(
        clause_id=clause.id,
        policy_id=clause.policy_id,
        policy_title=record.policy_title,
        doc_number=record.doc_number,
        jurisdiction=record.jurisdiction,
        number=clause.number,
        marker=clause.marker,
        title=clause.title,
        role=chosen.value if chosen else None,
        lead_units=clause.lead_units,
        responsible_units=clause.responsible_units,
        text=clause.text,
        score=round(score, 6),
    )


def policy_of(summary: PolicySummary) -> AnswerPolicy:
    """An answer policy from a graph summary."""
    return AnswerPolicy(
        summary.id, summary.title, summary.doc_number, summary.jurisdiction, summary.stub
    )


class Answerer:
    """Answers questions from a workspace.

    Args:
        workspace: The graph and clause index.
        rewriter: Optional LLM step that rewords the answer text.
    """

    def __init__(self, workspace: Workspace, rewriter: AnswerRewriter | None = None) -> None:
        self.workspace = workspace
        self.rewriter = rewriter
        self._catalogue: tuple[int, UnitCatalogue, list[str]] | None = None
        self._titles: tuple[int, list[tuple[str, PolicySummary]]] | None = None
        self._lock = threading.Lock()
        self._handlers: dict[Intent, Callable[[str, Route], Answer]] = {
            Intent.UNIT_DUTIES: self._unit_duties,
            Intent.UNIT_LEAD: self._unit_duties,
            Intent.UNIT_RESPONSIBLE: self._unit_duties,
            Intent.SHARED: self._shared,
            Intent.WHO_LEADS: self._who_leads,
            Intent.CITES: self._cites,
            Intent.CITED_BY: self._cites,
            Intent.MOST_TASKS: self._most_tasks,
            Intent.COLLABORATORS: self._collaborators,
            Intent.CLARIFY: self._clarify,
            Intent.SEARCH: self._search,
        }

    # -- entry point ----------------------------------------------------------------------------

    def route(self, question: str, jurisdiction: str | None = None) -> Route:
        """How a question will be answered (useful to explain and to test routing)."""
        catalogue, places = self._catalogue_now()
        routed = route(question, catalogue, places)
        if jurisdiction:
            return _restrict(routed, resolve_jurisdiction(jurisdiction, places) or jurisdiction)
        if routed.mentions and not routed.jurisdictions:
            # A unit question scoped by a document's title (在《开发区改革开放实施意见》中…) is about
            # that document's jurisdiction.
            named = self._policy_in_question(question)
            if named is not None and named.jurisdiction:
                return _restrict(routed, named.jurisdiction)
        return routed

    def _policy_in_question(self, question: str) -> PolicySummary | None:
        key = title_key(question)
        inside = [s for k, s in self._titles_now() if k in key]
        return max(inside, key=lambda s: len(s.title)) if inside else None

    def _titles_now(self) -> list[tuple[str, PolicySummary]]:
        """Stored policies by title key (6+ characters), cached per store generation."""
        generation = self.workspace.generation
        if self._titles is None or self._titles[0] != generation:
            summaries = self.workspace.graph.policies(0, 10**9).items
            keyed = [(title_key(s.title), s) for s in summaries]
            self._titles = (generation, [(k, s) for k, s in keyed if len(k) >= 6])
        return self._titles[1]

    def ask(self, question: str, jurisdiction: str | None = None) -> Answer:
        """Answer ``question`` (optionally only within ``jurisdiction``)."""
        question = question.strip()
        self.workspace.sync()  # the catalogues below follow the store as committed now
        places = self._catalogue_now()[1] if jurisdiction else []
        if jurisdiction and resolve_jurisdiction(jurisdiction, places) is None:
            known = "、".join(places)
            english = language_of(question) == "en"
            text = (
                f"Not found: no jurisdiction “{jurisdiction}” in the store (it holds: {known})."
                if english
                else f"未找到：库中没有辖区“{jurisdiction}”（现有：{known}）。"
            )
            return Answer(
                question, Intent.SEARCH.value, text, language="en" if english else "zh", found=False
            )
        with self.workspace.reading():
            routed = self.route(question, jurisdiction)
            answer = self._handlers[routed.intent](question, routed)
        if self.rewriter is not None and answer.found:
            reworded = self.rewriter.rewrite(answer)
            if reworded and _keeps_citations(answer.answer, reworded):
                answer = replace(answer, answer=reworded, rewritten=True)
        return answer

    def _catalogue_now(self) -> tuple[UnitCatalogue, list[str]]:
        generation = self.workspace.generation
        with self._lock:
            if self._catalogue is None or self._catalogue[0] != generation:
                units = [s.unit for s in self.workspace.graph.units(0, 10**9).items]
                places = [j.jurisdiction.name for j in self.workspace.graph.jurisdictions()]
                self._catalogue = (generation, UnitCatalogue(units), places)
            return self._catalogue[1], self._catalogue[2]

    # -- unit questions -------------------------------------------------------------------------

    def _unit_duties(self, question: str, routed: Route) -> Answer:
        role = {Intent.UNIT_LEAD: Role.LEAD, Intent.UNIT_RESPONSIBLE: Role.RESPONSIBLE}.get(
            routed.intent
        )
        units = _dedupe(routed.units)
        per_unit: list[tuple[Unit, list[AnswerClause]]] = []
        for unit in units:
            records = self.workspace.graph.unit_clauses(unit.id, role)
            clauses = [clause_of(r) for r in records]
            topic = topic_query(routed.topic)
            if topic and clauses:
                clauses = self._by_topic(topic, unit, role, clauses)
            per_unit.append((unit, clauses))
        all_clauses = tuple(c for _, clauses in per_unit for c in clauses)
        text = _write_unit_duties(per_unit, role, routed)
        return Answer(
            question,
            routed.intent.value,
            text,
            units=tuple(dict.fromkeys(u.name for u in units)),
            clauses=all_clauses,
            language=routed.language,
            jurisdictions=tuple(dict.fromkeys(u.jurisdiction for u in units)),
            found=bool(all_clauses),
        )

    def _by_topic(
        self, topic: str, unit: Unit, role: Role | None, clauses: list[AnswerClause]
    ) -> list[AnswerClause]:
        """All the unit's clauses, those about ``topic`` first (a unit question never drops any).

        Clauses BM25 matches on the topic come first, in fused-rank order with their scores; the
        rest follow in document order with score 0.
        """
        found = self.workspace.search(topic, len(clauses), unit_ids=[unit.id], role=role)
        by_id = {c.clause_id: c for c in clauses}
        matched = [
            replace(by_id[f.hit.clause_id], score=round(f.hit.score, 6))
            for f in found
            if f.hit.bm25_rank and f.hit.clause_id in by_id
        ]
        seen = {c.clause_id for c in matched}
        return matched + [replace(c, score=0.0) for c in clauses if c.clause_id not in seen]

    def _shared(self, question: str, routed: Route) -> Answer:
        by_place: OrderedDict[str, list[Unit]] = OrderedDict()
        for mention in routed.mentions:
            for unit in mention.units:
                by_place.setdefault(unit.jurisdiction, []).append(unit)
        names = list(dict.fromkeys(m.units[0].name for m in routed.mentions))
        clauses: list[AnswerClause] = []
        groups: list[tuple[str, list[AnswerClause]]] = []
        for place, units in by_place.items():
            if len({u.name for u in units}) < len(names):
                continue  # not every unit asked about exists in this jurisdiction
            shared = [
                clause_of(r)
                for r in self.workspace.graph.shared_clauses([u.id for u in _dedupe(units)])
            ]
            groups.append((place, shared))
            clauses.extend(shared)
        text = _write_shared(names, groups, routed.language)
        return Answer(
            question, routed.intent.value, text, units=tuple(names), clauses=tuple(clauses),
            language=routed.language, jurisdictions=tuple(p for p, _ in groups), found=bool(clauses),
        )  # fmt: skip

    def _collaborators(self, question: str, routed: Route) -> Answer:
        unit = routed.units[0]
        edges = self.workspace.graph.collaboration(unit_id=unit.id, limit=5)
        partners = [e.target if e.source == unit.id else e.source for e in edges]
        names = {
            u.unit.id: u.unit.name for u in (self.workspace.graph.unit(p) for p in partners) if u
        }
        clauses = (
            [clause_of(r) for r in self.workspace.graph.shared_clauses([unit.id, partners[0]])]
            if partners
            else []
        )
        if routed.language == "en":
            listing = "; ".join(
                f"{names.get(p, p)} ({e.weight} shared clauses)"
                for p, e in zip(partners, edges, strict=True)
            )
            text = (
                f"{unit.name} works most with: {listing}."
                if partners
                else f"{unit.name} shares no clause with another unit."
            )
        else:
            listing = "；".join(
                f"{names.get(p, p)}（共同 {e.weight} 项）"
                for p, e in zip(partners, edges, strict=True)
            )
            text = (
                f"与{unit.name}合作最多的单位：{listing}。"
                if partners
                else f"{unit.name}没有与其他单位共同承担的条款。"
            )
        if clauses:
            text += _cite_list(
                clauses,
                routed.language,
                intro_zh="其中与排名第一者共同承担：",
                intro_en=" Shared with the first: ",
            )
        return Answer(
            question, routed.intent.value, text, units=(unit.name, *[names.get(p, p) for p in partners]),
            clauses=tuple(clauses), language=routed.language, jurisdictions=(unit.jurisdiction,), found=bool(partners),
        )  # fmt: skip

    def _clarify(self, question: str, routed: Route) -> Answer:
        mention = next(m for m in routed.mentions if m.ambiguous)
        names = _candidates(mention)
        if routed.language == "en":
            text = f"“{mention.text}” may mean several units: {', '.join(names)}. Which one do you mean?"
        else:
            text = f"“{mention.text}”可能指以下单位：{'、'.join(names)}。请说明是哪一个。"
        return Answer(
            question,
            Intent.CLARIFY.value,
            text,
            language=routed.language,
            candidates=tuple(names),
            found=False,
        )

    # -- topics, citations, analytics -----------------------------------------------------------

    def _who_leads(self, question: str, routed: Route) -> Answer:
        # A Chinese topic searches best without the question words; an English question is
        # searched whole (hybrid search expands it through the glossary itself).
        query = routed.topic if routed.language == "zh" and topic_query(routed.topic) else question
        found = self.workspace.search(query, 10, jurisdiction=_only(routed.jurisdictions))
        if not found:
            return self._not_found(question, routed)
        # The best clause that names a lead answers; if the best ones name none, say so.
        best = found[0].hit.score
        close = [f for f in found[:3] if f.hit.score >= 0.9 * best]
        chosen = [f for f in close if f.record.clause.lead_units][:1] or close[:1]
        clauses = tuple(clause_of(f.record, score=f.hit.score) for f in chosen)
        leads = list(dict.fromkeys(u for c in clauses for u in c.lead_units))
        text = _write_who_leads(leads, clauses, routed.language)
        return Answer(
            question, Intent.WHO_LEADS.value, text, units=tuple(leads), clauses=clauses,
            language=routed.language, jurisdictions=tuple(dict.fromkeys(c.jurisdiction for c in clauses)),
        )  # fmt: skip

    def _cites(self, question: str, routed: Route) -> Answer:
        policy = self._policy_named(question, routed)
        if policy is None:
            return self._not_found(question, routed, what="policy")
        graph = self.workspace.graph
        cited_by = routed.intent is Intent.CITED_BY
        related = graph.cited_by(policy.id) if cited_by else graph.citations(policy.id)
        policies = tuple(policy_of(p) for p in related)
        stubs = sum(p.stub for p in related)
        if routed.language == "en":
            verb = "is cited by" if cited_by else "cites"
            listing = "; ".join(_policy_label(p) for p in policies) or "nothing in this store"
            text = f"《{policy.title}》 {verb} {len(policies)} document(s): {listing}."
            if stubs:
                text += f" {stubs} of them are not ingested yet (known only from the citation)."
        else:
            verb = "被以下文件引用" if cited_by else "引用了"
            listing = "；".join(_policy_label(p) for p in policies) or "（无）"
            text = f"《{policy.title}》{verb} {len(policies)} 份文件：{listing}。"
            if stubs:
                text += f"其中 {stubs} 份尚未收录，仅见于引用。"
        return Answer(
            question, routed.intent.value, text, policies=(policy_of(policy), *policies),
            language=routed.language, jurisdictions=(policy.jurisdiction or "",), found=True,
        )  # fmt: skip

    def _policy_named(self, question: str, routed: Route) -> PolicySummary | None:
        summaries = self.workspace.graph.policies(0, 10**9).items
        for number in routed.doc_numbers:
            for summary in summaries:
                if summary.doc_number == number:
                    return summary
        keys = {title_key(s.title): s for s in summaries}
        for title in routed.titles:
            if title_key(title) in keys:
                return keys[title_key(title)]
        question_key = title_key(question)
        inside = [s for k, s in keys.items() if k and k in question_key]
        if inside:
            return max(inside, key=lambda s: len(s.title))
        if not keys:
            return None
        best = process.extractOne(question_key, list(keys), scorer=fuzz.partial_ratio)
        if best and best[1] >= 80:
            return keys[best[0]]
        # Named in other words (or in English): the policy of the closest clauses, preferring
        # one that cites something when the question asks what it cites.
        found = self.workspace.search(question, 5, jurisdiction=_only(routed.jurisdictions))
        ids = list(dict.fromkeys(f.record.clause.policy_id for f in found))
        if routed.intent is Intent.CITES:
            ids.sort(key=lambda pid: not self.workspace.graph.citations(pid))
        by_id = {s.id: s for s in summaries}
        return by_id.get(ids[0]) if ids else None

    def _most_tasks(self, question: str, routed: Route) -> Answer:
        graph = self.workspace.graph
        role = routed.role if routed.role in (Role.LEAD, Role.RESPONSIBLE) else None
        policy = (
            self._policy_named(question, routed)
            if routed.titles or _mentions_policy(question)
            else None
        )
        if policy is not None:
            ranking = _policy_workload(self.workspace, policy.id)
            scope_zh, scope_en = f"在《{policy.title}》中", f"in 《{policy.title}》"
        else:
            place = _only(routed.jurisdictions)
            ranking = graph.workload(jurisdiction=place)
            scope_zh = f"在{place}" if place else "在全部文件中"
            scope_en = f"in {place}" if place else "across the store"
        counted = _RANKED_BY[role]
        ranking = sorted(
            ranking,
            key=lambda s: (-getattr(s, counted), -s.tasks, s.unit.name, s.unit.jurisdiction),
        )[:5]
        if not ranking:
            return self._not_found(question, routed)
        top = ranking[0]
        ties = [s for s in ranking if getattr(s, counted) == getattr(top, counted)]
        records = [r for s in ties for r in graph.unit_clauses(s.unit.id, role)]
        if policy is not None:
            records = [r for r in records if r.clause.policy_id == policy.id]
        text = _write_ranking(
            ranking,
            ties=ties,
            role=role,
            scope_zh=scope_zh,
            scope_en=scope_en,
            language=routed.language,
        )
        return Answer(
            question, Intent.MOST_TASKS.value, text, units=tuple(s.unit.name for s in ties),
            clauses=tuple(clause_of(r) for r in records), language=routed.language,
            jurisdictions=tuple(dict.fromkeys(s.unit.jurisdiction for s in ties)),
        )  # fmt: skip

    def _search(self, question: str, routed: Route) -> Answer:
        unknown = _unknown_unit(question, self._catalogue_now()[0])
        if unknown:
            return self._not_found(question, routed, what="unit", name=unknown)
        found = self.workspace.search(question, 5, jurisdiction=_only(routed.jurisdictions))
        if not found:
            return self._not_found(question, routed)
        clauses = tuple(clause_of(f.record, score=f.hit.score) for f in found)
        if routed.language == "en":
            text = "The clauses closest to the question:" + _cite_list(
                list(clauses), "en", with_units=True
            )
        else:
            text = "与问题最相关的条款：" + _cite_list(list(clauses), "zh", with_units=True)
        return Answer(
            question, Intent.SEARCH.value, text, clauses=clauses, language=routed.language,
            jurisdictions=tuple(dict.fromkeys(c.jurisdiction for c in clauses)),
        )  # fmt: skip

    def _not_found(self, question: str, routed: Route, what: str = "", name: str = "") -> Answer:
        catalogue = self._catalogue_now()[0]
        names = sorted({u.name for u in catalogue.units})
        nearest = [
            m[0]
            for m in process.extract(name or question, names, scorer=fuzz.WRatio, limit=5)
            if m[1] >= 60
        ]
        found = (
            self.workspace.search(question, 3, mode=SearchMode.HYBRID) if what != "policy" else []
        )
        clauses = tuple(clause_of(f.record, score=f.hit.score) for f in found)
        if routed.language == "en":
            subject = (
                f"the unit “{name}”"
                if name
                else ("that policy" if what == "policy" else "this question")
            )
            text = f"Not found: nothing in the store answers {subject}."
            if nearest:
                text += f" Nearest units: {', '.join(nearest)}."
            if clauses:
                text += " Nearest clauses:" + _cite_list(list(clauses), "en")
        else:
            subject = f"“{name}”" if name else ("该文件" if what == "policy" else "这个问题")
            text = f"未找到：库中没有关于{subject}的内容。"
            if nearest:
                text += f"相近的单位：{'、'.join(nearest)}。"
            if clauses:
                text += "最接近的条款：" + _cite_list(list(clauses), "zh")
        return Answer(
            question, routed.intent.value, text, clauses=clauses, language=routed.language,
            candidates=tuple(nearest), found=False,
        )  # fmt: skip


# -- helpers ---------------------------------------------------------------------------------------


_RANKED_BY: dict[Role | None, str] = {
    Role.LEAD: "lead",
    Role.RESPONSIBLE: "responsible",
    None: "tasks",
}


def resolve_jurisdiction(name: str, stored: Sequence[str]) -> str | None:
    """The stored jurisdiction a user means: exact, else the one whose name ends with or holds it."""
    name = name.strip()
    if name in stored:
        return name
    candidates = [p for p in stored if p.endswith(name)] or [p for p in stored if name in p]
    return candidates[0] if len(candidates) == 1 else None


def _restrict(routed: Route, jurisdiction: str) -> Route:
    mentions = tuple(
        UnitMention(m.text, kept, len({u.name for u in kept}) > 1)
        for m in routed.mentions
        if (kept := tuple(u for u in m.units if u.jurisdiction == jurisdiction))
    )
    return replace(routed, mentions=mentions, jurisdictions=(jurisdiction,))


def _dedupe(units: Sequence[Unit]) -> list[Unit]:
    return list({u.id: u for u in units}.values())


def _only(places: Sequence[str]) -> str | None:
    return places[0] if len(places) == 1 else None


def _mentions_policy(question: str) -> bool:
    """The question scopes itself to one document (在XX实施意见中, in the State Council opinions)."""
    return bool(
        re.search(
            r"意见|方案|办法|条例|规定|通知|报告|决定|计划|要点|细则|工程|清单|规划|"
            r"\b(?:opinions?|plan|measures|regulations?|notice|report|decision|programme|program|document|list)\b",
            question,
            re.IGNORECASE,
        )
    )


def _candidates(mention: UnitMention) -> list[str]:
    counts: OrderedDict[str, list[str]] = OrderedDict()
    for unit in mention.units:
        counts.setdefault(unit.name, []).append(unit.jurisdiction)
    return [f"{name}（{'、'.join(places)}）" for name, places in counts.items()]


def _unknown_unit(question: str, catalogue: UnitCatalogue) -> str | None:
    """A unit-like name in the question that no stored unit has (then: not found)."""
    known = {u.name for u in catalogue.units} | {a for u in catalogue.units for a in u.aliases}
    for match in _UNIT_LIKE.finditer(question):
        phrase = match.group(0)
        if phrase not in known and not any(
            phrase in name or name.endswith(phrase) for name in known
        ):
            return phrase
    return None


def _policy_workload(workspace: Workspace, policy_id: str) -> list[UnitSummary]:
    policy = workspace.graph.get_policy(policy_id)
    if policy is None:
        return []
    lead: dict[str, int] = {}
    responsible: dict[str, int] = {}
    for clause in policy.clauses:
        for name in clause.lead_units:
            lead[name] = lead.get(name, 0) + 1
        for name in clause.responsible_units:
            responsible[name] = responsible.get(name, 0) + 1
    units = {u.name: u for u in policy.units}
    return [
        UnitSummary(units[n], lead.get(n, 0), responsible.get(n, 0), 0, 1)
        for n in lead.keys() | responsible.keys()
        if units[n].kind is not UnitKind.PLACEHOLDER
    ]


def _policy_label(policy: AnswerPolicy) -> str:
    title = f"《{policy.title}》" if policy.title and policy.title != policy.doc_number else ""
    number = f"（{policy.doc_number}）" if policy.doc_number else ""
    return (title + number) or policy.policy_id


def _cite_list(
    clauses: Sequence[AnswerClause],
    language: str,
    *,
    intro_zh: str = "",
    intro_en: str = "",
    with_units: bool = False,
) -> str:
    parts = []
    for clause in clauses:
        item = f"{clause.citation}{clause.title}"
        if with_units and clause.lead_units:
            item += (
                f"（牵头：{'、'.join(clause.lead_units)}）"
                if language == "zh"
                else f" (lead: {'、'.join(clause.lead_units)})"
            )
        parts.append(item)
    if language == "en":
        return intro_en + " " + "; ".join(parts) + "."
    return intro_zh + "；".join(parts) + "。"


def _write_unit_duties(
    per_unit: list[tuple[Unit, list[AnswerClause]]], role: Role | None, routed: Route
) -> str:
    language = routed.language
    places = list(dict.fromkeys(u.jurisdiction for u, _ in per_unit))
    blocks = []
    for unit, clauses in per_unit:
        blocks.append(
            _unit_block(
                unit, clauses, role, language, routed.topic if topic_query(routed.topic) else ""
            )
        )
    if len(places) > 1:
        name = "、".join(dict.fromkeys(u.name for u, _ in per_unit))
        if language == "en":
            head = f"{name} exists in {len(places)} jurisdictions; answered for each:"
            return (
                head
                + "\n"
                + "\n".join(
                    f"[{u.jurisdiction}] {b}" for (u, _), b in zip(per_unit, blocks, strict=True)
                )
            )
        head = f"{name}见于 {len(places)} 个辖区，按辖区分列："
        return (
            head
            + "\n"
            + "\n".join(
                f"【{u.jurisdiction}】{b}" for (u, _), b in zip(per_unit, blocks, strict=True)
            )
        )
    return "\n".join(blocks)


def _unit_block(
    unit: Unit, clauses: list[AnswerClause], role: Role | None, language: str, topic: str
) -> str:
    leads = [c for c in clauses if c.role == Role.LEAD.value]
    shares = [c for c in clauses if c.role == Role.RESPONSIBLE.value]
    if language == "en":
        about = f" on “{topic}”" if topic else ""
        if not clauses:
            wanted = {Role.LEAD: "leads no", Role.RESPONSIBLE: "shares no"}.get(
                role or Role.MENTION, "has no"
            )
            return f"{unit.name} {wanted} task{about} in the stored documents."
        parts = []
        if leads:
            parts.append(f"leads {len(leads)}:" + _cite_list(leads, "en").rstrip("."))
        if shares:
            parts.append(f"shares {len(shares)}:" + _cite_list(shares, "en").rstrip("."))
        counts = f"{unit.name} leads {len(leads)} and shares {len(shares)} task(s){about}"
        return counts + ". It " + "; it ".join(parts) + "."
    about = f"在“{topic}”方面" if topic else ""
    if not clauses:
        wanted = {Role.LEAD: "没有牵头的", Role.RESPONSIBLE: "没有参与的"}.get(
            role or Role.MENTION, "没有承担的"
        )
        return f"{unit.name}{about}{wanted}工作（库中文件未见）。"
    parts = []
    if leads:
        parts.append("牵头：" + _cite_list(leads, "zh"))
    if shares:
        parts.append("参与：" + _cite_list(shares, "zh"))
    return f"{unit.name}{about}牵头 {len(leads)} 项、参与 {len(shares)} 项工作。" + "".join(parts)


def _write_shared(
    names: list[str], groups: list[tuple[str, list[AnswerClause]]], language: str
) -> str:
    joined = "、".join(names)
    if not groups or not any(c for _, c in groups):
        return (
            f"No clause names all of {joined} together."
            if language == "en"
            else f"{joined}没有共同承担的条款。"
        )
    lines = []
    for place, clauses in groups:
        prefix = (f"[{place}] " if language == "en" else f"【{place}】") if len(groups) > 1 else ""
        if language == "en":
            lines.append(
                f"{prefix}{joined} share {len(clauses)} clause(s):" + _cite_list(clauses, "en")
            )
        else:
            lines.append(
                f"{prefix}{joined}共同承担 {len(clauses)} 项工作：" + _cite_list(clauses, "zh")
            )
    return "\n".join(lines)


def _write_who_leads(leads: list[str], clauses: Sequence[AnswerClause], language: str) -> str:
    if language == "en":
        if not leads:
            named = "、".join(dict.fromkeys(u for c in clauses for u in c.responsible_units))
            return (
                "No lead unit is named for this;"
                + (f" responsible: {named}." if named else "")
                + _cite_list(clauses, "en")
            )
        return f"Led by {'、'.join(leads)}:" + _cite_list(clauses, "en", with_units=False)
    if not leads:
        named = "、".join(dict.fromkeys(u for c in clauses for u in c.responsible_units))
        return (
            "相关条款未指定牵头单位"
            + (f"，责任单位为{named}" if named else "")
            + "："
            + _cite_list(clauses, "zh")
        )
    return f"由{'、'.join(leads)}牵头：" + _cite_list(clauses, "zh")


def _write_ranking(
    ranking: list[UnitSummary],
    *,
    ties: list[UnitSummary],
    role: Role | None,
    scope_zh: str,
    scope_en: str,
    language: str,
) -> str:
    if language == "en":
        measure = {
            Role.LEAD: "leads the most tasks",
            Role.RESPONSIBLE: "shares the most tasks",
        }.get(role or Role.MENTION, "has the most tasks")
        top = " and ".join(f"{s.unit.name} ({s.unit.jurisdiction})" for s in ties)
        table = "; ".join(f"{s.unit.name}: leads {s.lead}, shares {s.responsible}" for s in ranking)
        return f"{scope_en.capitalize()}, {top} {measure}. Ranking: {table}."
    measure = {Role.LEAD: "牵头任务最多", Role.RESPONSIBLE: "参与任务最多"}.get(
        role or Role.MENTION, "承担任务最多"
    )
    top = "、".join(f"{s.unit.name}（{s.unit.jurisdiction}）" for s in ties)
    table = "；".join(f"{s.unit.name} 牵头 {s.lead} 项、参与 {s.responsible} 项" for s in ranking)
    return f"{scope_zh}，{top}{measure}。排名：{table}。"


def _keeps_citations(original: str, rewritten: str) -> bool:
    """A rewording keeps every 《title》 and clause marker the original cites."""
    cited = set(re.findall(r"《[^》]+》", original)) | set(
        re.findall(r"[（(][一二三四五六七八九十百]+[)）]|第[^条]{1,6}条", original)
    )
    return all(c in rewritten for c in cited)


def answer_to_dict(answer: Answer) -> dict[str, Any]:
    """The answer contract as JSON-ready data (shared by the CLI ``--json`` and HTTP)."""
    return {
        "question": answer.question,
        "intent": answer.intent,
        "answer": answer.answer,
        "units": list(answer.units),
        "clauses": [
            {
                "clause_id": c.clause_id,
                "policy_id": c.policy_id,
                "policy_title": c.policy_title,
                "doc_number": c.doc_number,
                "jurisdiction": c.jurisdiction,
                "number": c.number,
                "marker": c.marker,
                "title": c.title,
                "role": c.role,
                "lead_units": list(c.lead_units),
                "responsible_units": list(c.responsible_units),
                "text": c.text,
                "score": c.score,
            }
            for c in answer.clauses
        ],
        "policies": [
            {
                "policy_id": p.policy_id,
                "title": p.title,
                "doc_number": p.doc_number,
                "jurisdiction": p.jurisdiction,
                "stub": p.stub,
            }
            for p in answer.policies
        ],
        "language": answer.language,
        "jurisdictions": list(answer.jurisdictions),
        "candidates": list(answer.candidates),
        "found": answer.found,
        "rewritten": answer.rewritten,
    }
