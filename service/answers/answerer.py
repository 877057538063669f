"""Answering questions: route, fetch from the graph or by retrieval, write a cited answer.

Answers are deterministic and grounded: every statement names its policy and clause, a unit
question returns every clause of the unit (not a top-k), and a question nothing answers gets an
honest "not found" with the nearest units or clauses. One handler per intent finds what answers;
:mod:`~policykg.service.answers.wording` says it in the question's language; an optional LLM step
may reword the text, never the clauses it cites.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date

from rapidfuzz import fuzz, process

from policykg.graph.base import ClauseRecord, PolicySummary, UnitSummary
from policykg.graph.schema import title_key
from policykg.graph.views import policy_summary
from policykg.ingest.ids import stub_policy_id
from policykg.ingest.model import Role, Unit, UnitKind
from policykg.ingest.validity import SELECTED
from policykg.search.hybrid import SearchMode
from policykg.service.answers import wording
from policykg.service.answers.evidence import answering_clause
from policykg.service.answers.model import Answer, AnswerRewriter, CitedClause
from policykg.service.answers.routing import (
    Intent,
    Route,
    UnitCatalogue,
    UnitMention,
    language_of,
    route,
    topic_query,
)
from policykg.service.lookup import resolve_jurisdiction
from policykg.service.workspace import Workspace

logger = logging.getLogger(__name__)

# A unit-like name asked about as a unit: right before a role word (县烟草专卖局牵头…, the
# 县商务和投资促进局 lead…). A name followed by anything else (数据中心建设怎么推进?) is a topic.
_UNIT_LIKE = re.compile(
    r"(?P<name>[\u4e00-\u9fff（）()]{1,30}?"
    r"(?:局|委员会|委|办公室|办|厅|部|署|中心|管委会|政府|机构|机关|小组|专班|指挥部|办事处))"
    r"\s*(?=(?:的|在)?(?:负责|牵头|参与|配合|协助|承担|主管|职责|职能|做什么|干什么|"
    r"有哪些(?:工作|任务|职责)|\b(?:responsible|leads?|shares?|supports?|does|do|handles?|in charge)\b))",
    re.IGNORECASE,
)
_ASKING = re.compile(r"^(?:请问|请|我想知道|想了解|想知道|关于|那么|那)")


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
        self._titles: tuple[int, dict[str, list[tuple[str, PolicySummary]]]] | None = None
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
            Intent.DUE: self._due,
            Intent.CLARIFY: self._clarify,
            Intent.SEARCH: self._search,
            Intent.VALIDITY: self._validity,
            Intent.ACTED_ON: self._acted_on,
            Intent.TRANSMISSION: self._transmission,
            Intent.ALIGNMENT: self._alignment,
        }

    # -- entry point ----------------------------------------------------------------------------

    def route(self, question: str, jurisdiction: str | None = None) -> Route:
        """How a question will be answered (useful to explain and to test routing)."""
        catalogue, places = self._catalogue_now()
        bare = not re.search(r"《|〔|\[\d{4}\]", question)  # named without 《》 or a 文号?
        routed = route(
            question,
            catalogue,
            places,
            names_policy=bare and self._policy_in_question(question) is not None,
        )
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
        by_start = self._titles_now()
        inside = [
            s
            for i in range(len(key) - 1)
            for k, s in by_start.get(key[i : i + 2], ())
            if key.startswith(k, i)
        ]
        return max(inside, key=lambda s: len(s.title)) if inside else None

    def _titles_now(self) -> dict[str, list[tuple[str, PolicySummary]]]:
        """Stored policies by title key (6+ characters) under the key's first two characters
        (a question is scanned once, not once per title), cached per store generation."""
        generation = self.workspace.generation
        if self._titles is None or self._titles[0] != generation:
            by_start: dict[str, list[tuple[str, PolicySummary]]] = {}
            for summary in self.workspace.graph.policies(0, 10**9).items:
                key = title_key(summary.title)
                if len(key) >= 6:
                    by_start.setdefault(key[:2], []).append((key, summary))
            self._titles = (generation, by_start)
        return self._titles[1]

    def ask(
        self, question: str, jurisdiction: str | None = None, in_force_on: str | None = None
    ) -> Answer:
        """Answer ``question`` (optionally only within ``jurisdiction``, and only from policies
        in force on ``in_force_on``; clauses of policies not in force that day, or today, are
        marked)."""
        question = question.strip()
        self.workspace.sync()  # the catalogues below follow the store as committed now
        places = self._catalogue_now()[1] if jurisdiction else []
        if jurisdiction and resolve_jurisdiction(jurisdiction, places) is None:
            language = language_of(question)
            text = wording.no_jurisdiction(jurisdiction, places, language)
            return Answer(question, Intent.SEARCH.value, text, language=language, found=False)
        with self.workspace.reading():
            routed = replace(self.route(question, jurisdiction), in_force_on=in_force_on)
            answer = self._marked(self._handlers[routed.intent](question, routed), in_force_on)
        if self.rewriter is not None and answer.found:
            reworded = self.rewriter.rewrite(answer)
            if reworded and wording.keeps_citations(answer.answer, reworded):
                answer = replace(answer, answer=reworded, rewritten=True)
        return answer

    def _marked(self, answer: Answer, in_force_on: str | None) -> Answer:
        """The answer with the policies of its clauses that are not in force on the day (the
        one asked about, else today) noted in its text and listed in ``statuses``."""
        day = in_force_on or date.today().isoformat()
        if not answer.clauses or answer.intent in _LIFECYCLE_INTENTS:
            return replace(answer, on=day)
        ids = {c.policy_id: c.record.policy_title for c in answer.clauses}
        statuses = self.workspace.lifecycle().not_in_force(ids, day)
        titles = {p: ids[p] for p in statuses}
        if not statuses:
            return replace(answer, on=day)
        note = wording.status_note(list(statuses.items()), titles, day, answer.language)
        return replace(
            answer, answer=answer.answer + note, statuses=tuple(statuses.items()), on=day
        )

    def _current(self, routed: Route, records: Sequence[ClauseRecord]) -> list[ClauseRecord]:
        """The records of policies in force on the day the caller asked about (all without)."""
        if routed.in_force_on is None:
            return list(records)
        kept = self.workspace.lifecycle().in_force_ids(routed.in_force_on)
        return [r for r in records if r.clause.policy_id in kept]

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
        if not units:
            # The unit named exists, but not in the jurisdiction the question was limited to.
            asked = routed.mentions[0].text if routed.mentions else _unit_like(question)
            return self._not_found(question, routed, what="unit", name=asked)
        per_unit: list[tuple[Unit, list[CitedClause]]] = []
        topic = topic_query(routed.topic) if routed.due is None else None
        for unit in units:
            records = self._current(routed, self.workspace.graph.unit_clauses(unit.id, role))
            clauses = [CitedClause(r) for r in records]
            if topic and clauses:
                clauses = self._by_topic(topic, unit, role, clauses, routed.in_force_on)
            per_unit.append((unit, clauses))
        if routed.due is not None:
            # 县商务局年底前要完成哪些任务? Its clauses that state a time limit, soonest first.
            dated = [(u, _due_by(c, routed.due), len(c)) for u, c in per_unit]
            per_unit = [(u, c) for u, c, _ in dated]
            text = wording.due(dated, routed.due, role, routed.language, _DUE_SHOWN)
        else:
            text = wording.unit_duties(
                per_unit, role, routed.language, routed.topic if topic else ""
            )
        all_clauses = tuple(c for _, clauses in per_unit for c in clauses)
        if not all_clauses and routed.due is None and not topic:
            # No role anywhere: say where the unit is named, if it is (未找到 only for a name
            # that occurs nowhere).
            mentioned = [
                CitedClause(r)
                for u in units
                for r in self.workspace.graph.unit_clauses(u.id, Role.MENTION)
            ]
            if mentioned:
                return self._named_only(question, routed, units[0].name, mentioned)
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
        self,
        topic: str,
        unit: Unit,
        role: Role | None,
        clauses: list[CitedClause],
        in_force_on: str | None = None,
    ) -> list[CitedClause]:
        """All the unit's clauses, those about ``topic`` first (a unit question never drops any).

        Clauses BM25 matches on the topic come first, in fused-rank order with their scores; the
        rest follow in document order with score 0.
        """
        found = self.workspace.search(
            topic, len(clauses), unit_ids=[unit.id], role=role, in_force_on=in_force_on
        )
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
        clauses: list[CitedClause] = []
        groups: list[tuple[str, list[CitedClause]]] = []
        for place, units in by_place.items():
            if len({u.name for u in units}) < len(names):
                continue  # not every unit asked about exists in this jurisdiction
            records = self.workspace.graph.shared_clauses([u.id for u in _dedupe(units)])
            shared = [CitedClause(r) for r in self._current(routed, records)]
            groups.append((place, shared))
            clauses.extend(shared)
        text = wording.shared(names, groups, routed.language)
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
            [CitedClause(r) for r in self.workspace.graph.shared_clauses([unit.id, partners[0]])]
            if partners
            else []
        )
        weights = [(names.get(p, p), e.weight) for p, e in zip(partners, edges, strict=True)]
        text = wording.collaborators(unit, weights, clauses, routed.language)
        return Answer(
            question, routed.intent.value, text, units=(unit.name, *[names.get(p, p) for p in partners]),
            clauses=tuple(clauses), language=routed.language, jurisdictions=(unit.jurisdiction,), found=bool(partners),
        )  # fmt: skip

    def _due(self, question: str, routed: Route) -> Answer:
        """Tasks due by a date (or with any time limit) across the store or one jurisdiction."""
        unknown = _unknown_unit(question, self._catalogue_now()[0])
        if unknown:
            return self._not_found(question, routed, what="unit", name=unknown)
        records = self._current(
            routed, self.workspace.graph.dated_clauses(_only(routed.jurisdictions))
        )
        clauses = _due_by([CitedClause(r) for r in records], routed.due or "")
        text = wording.due(
            [(None, clauses, 0)], routed.due or "", None, routed.language, _DUE_SHOWN
        )
        return Answer(
            question, Intent.DUE.value, text, clauses=tuple(clauses[:_DUE_SHOWN]),
            units=tuple(dict.fromkeys(u for c in clauses[:_DUE_SHOWN] for u in c.lead_units)),
            language=routed.language, jurisdictions=tuple(dict.fromkeys(c.jurisdiction for c in clauses)),
            found=bool(clauses),
        )  # fmt: skip

    def _clarify(self, question: str, routed: Route) -> Answer:
        mention = next(m for m in routed.mentions if m.ambiguous)
        names = _candidates(mention)
        text = wording.clarify(mention.text, names, routed.language)
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
        found = self.workspace.search(
            query, 10, jurisdiction=_only(routed.jurisdictions), in_force_on=routed.in_force_on
        )
        if not found:
            return self._not_found(question, routed)
        # The best clause that names a lead answers; if the best ones name none, say so.
        best = found[0].hit.score
        close = [f for f in found[:3] if f.hit.score >= 0.9 * best]
        chosen = [f for f in close if f.record.clause.lead_units][:1] or close[:1]
        clauses = tuple(CitedClause(f.record, f.hit.score) for f in chosen)
        leads = list(dict.fromkeys(u for c in clauses for u in c.lead_units))
        text = wording.who_leads(leads, clauses, routed.language)
        return Answer(
            question, Intent.WHO_LEADS.value, text, units=tuple(leads), clauses=clauses,
            language=routed.language, jurisdictions=tuple(dict.fromkeys(c.jurisdiction for c in clauses)),
        )  # fmt: skip

    def _cites(self, question: str, routed: Route) -> Answer:
        # Who cites a document may ask about one known only from citations (a stub).
        policy = self._policy_named(question, routed, stubs=routed.intent is Intent.CITED_BY)
        if policy is None:
            return self._not_found(question, routed, what="policy")
        graph = self.workspace.graph
        cited_by = routed.intent is Intent.CITED_BY
        related = graph.cited_by(policy.id) if cited_by else graph.citations(policy.id)
        text = wording.cites(policy, related, cited_by, routed.language)
        return Answer(
            question, routed.intent.value, text, policies=(policy, *related),
            language=routed.language, jurisdictions=(policy.jurisdiction or "",), found=True,
        )  # fmt: skip

    @staticmethod
    def _exactly_named(
        question: str,
        routed: Route,
        summaries: Sequence[PolicySummary],
        keys: dict[str, PolicySummary],
    ) -> PolicySummary | None:
        """The stored policy the question names exactly (``keys``: ``summaries`` by title key):
        by 文号, 《title》 or a whole title inside it."""
        for number in routed.doc_numbers:
            for summary in summaries:
                if summary.doc_number == number:
                    return summary
        for title in routed.titles:
            if title_key(title) in keys:
                return keys[title_key(title)]
        question_key = title_key(question)
        inside = [s for k, s in keys.items() if k and k in question_key]
        return max(inside, key=lambda s: len(s.title)) if inside else None

    def _stub_named(self, routed: Route) -> PolicySummary | None:
        """A document the store knows only from citations, named by its 文号 or 《title》."""
        graph = self.workspace.graph
        ids = [stub_policy_id(None, n) for n in routed.doc_numbers]
        ids += [stub_policy_id(t, None) for t in routed.titles]
        for stub_id in ids:
            citing = graph.cited_by(stub_id)
            if citing:
                return next((s for s in graph.citations(citing[0].id) if s.id == stub_id), None)
        return None

    def _policy_named(
        self, question: str, routed: Route, *, stubs: bool = False
    ) -> PolicySummary | None:
        """The policy a question names: exactly (stored, then a stub when ``stubs``), else the
        closest title, else the policy of the closest clauses."""
        summaries = self.workspace.graph.policies(0, 10**9).items
        keys = {title_key(s.title): s for s in summaries}
        exact = self._exactly_named(question, routed, summaries, keys) or (
            self._stub_named(routed) if stubs else None
        )
        if exact is not None:
            return exact
        question_key = title_key(question)
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

    # -- lifecycle ------------------------------------------------------------------------------

    def _named_document(self, question: str, routed: Route) -> PolicySummary | None:
        """The document a lifecycle question names: by 文号 or 《title》 (a stub too), or a stored
        title written out in the question; None when it names none."""
        if routed.titles or routed.doc_numbers:
            return self._policy_named(question, routed, stubs=True)
        return self._policy_in_question(question)

    def _validity(self, question: str, routed: Route) -> Answer:
        """Whether a named document is in force (over the period asked), else which are."""
        lifecycle = self.workspace.lifecycle()
        today = date.today().isoformat()
        first, last = routed.period or (today, today)
        named = self._named_document(question, routed)
        if named is not None:
            found = lifecycle.get(named.id)
            if found is None:
                return self._not_found(question, routed, what="policy")
            evidence = ""
            if not named.stub and (stored := self.workspace.graph.get_policy(named.id)):
                evidence = stored.validity_evidence
            text = wording.validity_one(found, first, last, evidence, routed.language)
            acting = tuple(e.by for e in found.events)
            return Answer(
                question, Intent.VALIDITY.value, text, policies=(named, *acting),
                language=routed.language, jurisdictions=(named.jurisdiction or "",),
            )  # fmt: skip
        status = _status_asked(question)
        everything = lifecycle.on_day(last, _only(routed.jurisdictions))
        counts = Counter(s for _, s in everything)
        chosen = [f for f, s in everything if s in SELECTED[status]]
        text = wording.validity_list(
            chosen, status, last, dict(counts), routed.language, shown=_VALIDITY_SHOWN
        )
        return Answer(
            question, Intent.VALIDITY.value, text,
            policies=tuple(f.policy for f in chosen[:_VALIDITY_SHOWN]), language=routed.language,
            jurisdictions=tuple(dict.fromkeys(f.policy.jurisdiction or "" for f in chosen)),
            found=bool(chosen),
        )  # fmt: skip

    def _acted_on(self, question: str, routed: Route) -> Answer:
        """What a document repeals (or amends)."""
        named = self._named_document(question, routed)
        if named is None:
            return self._not_found(question, routed, what="policy")
        kind = (
            "amends" if re.search(r"修改|修订|修正|amend", question, re.IGNORECASE) else "repeals"
        )
        links = self.workspace.lifecycle().acted_on(named.id, kind)
        text = wording.acted_on(named, links, kind, routed.language)
        return Answer(
            question, Intent.ACTED_ON.value, text, policies=(named, *(k.target for k in links)),
            language=routed.language, jurisdictions=(named.jurisdiction or "",), found=bool(links),
        )  # fmt: skip

    def _transmission(self, question: str, routed: Route) -> Answer:
        """Which stored documents implement or cite a document, where, and how long after."""
        named = self._named_document(question, routed)
        if named is None:
            return self._not_found(question, routed, what="policy")
        rows = self.workspace.lifecycle().transmission(named.id)
        text = wording.transmission(named, rows, routed.language)
        return Answer(
            question, Intent.TRANSMISSION.value, text,
            policies=(named, *(r.policy for r in rows)), language=routed.language,
            jurisdictions=tuple(dict.fromkeys(r.policy.jurisdiction or "" for r in rows)),
            found=bool(rows),
        )  # fmt: skip

    def _alignment(self, question: str, routed: Route) -> Answer:
        """Which clauses of its parent document a local document takes up, and what it adds."""
        local = self._named_document(question, routed)
        if local is None or local.stub:
            return self._not_found(question, routed, what="policy")
        found = self.workspace.alignment(local.id)
        if found is None:
            text = wording.no_parent(local, routed.language)
            return Answer(
                question, Intent.ALIGNMENT.value, text, policies=(local,),
                language=routed.language, found=False,
            )  # fmt: skip
        records = {
            r.clause.id: r
            for r in self.workspace.graph.clauses([a.clause.id for a in found.clauses])
        }
        clauses = tuple(
            CitedClause(records[a.clause.id], a.similarity)
            for a in found.clauses
            if a.clause.id in records
        )
        text = wording.alignment(found, routed.language)
        return Answer(
            question, Intent.ALIGNMENT.value, text, clauses=clauses,
            policies=(local, policy_summary(found.parent)), language=routed.language,
            jurisdictions=(local.jurisdiction or "",),
        )  # fmt: skip

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
        text = wording.ranking(
            ranking,
            ties=ties,
            role=role,
            scope_zh=scope_zh,
            scope_en=scope_en,
            language=routed.language,
        )
        return Answer(
            question, Intent.MOST_TASKS.value, text, units=tuple(s.unit.name for s in ties),
            clauses=tuple(CitedClause(r) for r in records), language=routed.language,
            jurisdictions=tuple(dict.fromkeys(s.unit.jurisdiction for s in ties)),
        )  # fmt: skip

    def _search(self, question: str, routed: Route) -> Answer:
        unknown = _unknown_unit(question, self._catalogue_now()[0])
        if unknown:
            return self._not_found(question, routed, what="unit", name=unknown)
        found = self.workspace.search(
            question, 5, jurisdiction=_only(routed.jurisdictions), in_force_on=routed.in_force_on
        )
        if not found:
            return self._not_found(question, routed)
        clauses = tuple(CitedClause(f.record, f.hit.score) for f in found)
        source, sentences = answering_clause(question, clauses)
        evidence = tuple(sentences)
        text = wording.closest(clauses, routed.language, source, evidence)
        return Answer(
            question, Intent.SEARCH.value, text, clauses=clauses, language=routed.language,
            jurisdictions=tuple(dict.fromkeys(c.jurisdiction for c in clauses)), evidence=evidence,
        )  # fmt: skip

    def _named_only(
        self, question: str, routed: Route, name: str, clauses: Sequence[CitedClause]
    ) -> Answer:
        """A unit with no role that clauses name: where it is named, cited."""
        text = wording.named_only(name, clauses, routed.language)
        return Answer(
            question, Intent.UNIT_DUTIES.value, text, units=(name,), clauses=tuple(clauses),
            language=routed.language, jurisdictions=tuple(dict.fromkeys(c.jurisdiction for c in clauses)),
        )  # fmt: skip

    def _clauses_naming(self, name: str, jurisdiction: str | None) -> list[CitedClause]:
        """Clauses whose text holds ``name`` as written (BM25 finds them; the text decides)."""
        found = self.workspace.search(
            name, _NAMED_SHOWN * 4, mode=SearchMode.BM25, jurisdiction=jurisdiction
        )
        return [CitedClause(f.record) for f in found if name in f.record.clause.text][:_NAMED_SHOWN]

    def _not_found(self, question: str, routed: Route, what: str = "", name: str = "") -> Answer:
        if what == "unit" and len(name) >= 3:
            named = self._clauses_naming(name, _only(routed.jurisdictions))
            if named:
                return self._named_only(question, routed, name, named)
        catalogue = self._catalogue_now()[0]
        nearest = [
            m[0]
            for m in process.extract(name or question, catalogue.names, scorer=fuzz.WRatio, limit=5)
            if m[1] >= 60
        ]
        found = (
            self.workspace.search(question, 3, mode=SearchMode.HYBRID) if what != "policy" else []
        )
        clauses = tuple(CitedClause(f.record, f.hit.score) for f in found)
        text = wording.not_found(what, name, nearest, clauses, routed.language)
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


_NAMED_SHOWN = 20  # clauses an answer cites for a name that has no role
_VALIDITY_SHOWN = 30  # documents a validity listing names (the rest are counted)
_LIFECYCLE_INTENTS = {
    Intent.VALIDITY.value,
    Intent.ACTED_ON.value,
    Intent.TRANSMISSION.value,
    Intent.ALIGNMENT.value,
}


def _status_asked(question: str) -> str:
    """The status a listing question asks for (哪些文件已废止? -> repealed); in force by default."""
    for status, pattern in (
        ("repealed", r"废止|废除|repeal"),
        ("expired", r"失效|过期|expired"),
        ("replaced", r"替代|取代|新版|replaced|superseded"),
        ("amended", r"修改|修订|修正|amended"),
        ("not_yet", r"尚未生效|未生效|not yet"),
    ):
        if re.search(pattern, question, re.IGNORECASE):
            return status
    return "in_force"


_DUE_SHOWN = 50  # clauses a deadline answer cites per unit (the rest are counted)


def _due_by(clauses: Sequence[CitedClause], by: str) -> list[CitedClause]:
    """The clauses whose time limit falls on or before ``by`` (every clause with a time limit when
    ``by`` is empty), soonest first; limits without a date (长期坚持) come last."""
    # Each limit's date is parsed once (Clause.deadline_date reads the text on every access).
    dated = [(c.record.clause.deadline_date or "9999", c) for c in clauses if c.deadline]
    due = [(day, c) for day, c in dated if not by or day <= by]
    return [c for _, c in sorted(due, key=lambda pair: pair[0])]


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


def _unit_like(question: str) -> str:
    """The first name the question asks about as a unit (区房管局负责… -> 区房管局), or ``""``."""
    names = _names_asked(question)
    return names[0] if names else ""


def _names_asked(question: str) -> list[str]:
    """Names the question asks about as units, without words that ask (请问…)."""
    return [_ASKING.sub("", m.group("name")) for m in _UNIT_LIKE.finditer(question)]


def _unknown_unit(question: str, catalogue: UnitCatalogue) -> str | None:
    """A unit-like name in the question that no stored unit has (then: not found)."""
    for phrase in _names_asked(question):
        if len(phrase) < 3 or re.match(r"哪|什么|谁|各|所有|全部|其他", phrase):
            continue  # 哪个县直部门…: a question word, not a name
        if not catalogue.knows(phrase):
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
