"""The service every face calls: one method per thing a user can do, returning the contract.

A CLI command, an HTTP endpoint and an MCP tool each parse their input, call one method here and
shape what it returns. The service owns what every face must agree on: names resolved by
:class:`~policykg.service.lookup.Lookup` (one meaning everywhere), input limits, the read lock
(every read sees the store as committed, with no write half-applied), and the shapes of
:mod:`~policykg.service.contract`. Faces never reach into the workspace's graph.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from policykg.graph.views import policy_summary
from policykg.ingest.errors import InvalidRequestError, NotFoundError
from policykg.ingest.model import Role, RoleSource
from policykg.ingest.pipeline import ParseResult
from policykg.ingest.validity import SELECTED, STATUS_LABELS
from policykg.search.hybrid import SearchMode
from policykg.service import contract
from policykg.service.answers.model import AnswerRewriter
from policykg.service.integrity import CheckReport
from policykg.service.lookup import Lookup
from policykg.service.workspace import IngestReport, Workspace

if TYPE_CHECKING:
    from policykg.search.embeddings.ray_batch import RayBatchEmbedder, RayRun
    from policykg.service.answers.answerer import Answerer

ModeName = Literal["hybrid", "bm25", "dense"]
RoleName = Literal["lead", "responsible"]
SourceName = Literal["annotation", "table", "section", "prose", "regulation"]

MAX_QUESTION_CHARS = 500
"""Longest question or query accepted unless the service is built with another limit."""


class PolicyService:
    """PolicyKG's operations over one workspace.

    Args:
        workspace: The graph and clause index, kept in step across processes.
        rewriter: Optional LLM step that rewords answer text (never what it cites).
        max_question_chars: Longest question or search query accepted.
    """

    def __init__(
        self,
        workspace: Workspace,
        *,
        rewriter: AnswerRewriter | None = None,
        max_question_chars: int = MAX_QUESTION_CHARS,
        embedding: str = "",
    ) -> None:
        self.workspace = workspace
        self.embedding = embedding
        self.lookup = Lookup(workspace.graph)
        self.max_question_chars = max_question_chars
        self._rewriter = rewriter
        self._answerer: Answerer | None = None
        self._answerer_lock = threading.Lock()

    @property
    def answerer(self) -> Answerer:
        """The answerer, made on the first question (a command that only lists never imports
        the routing tables)."""
        with self._answerer_lock:
            if self._answerer is None:
                from policykg.service.answers.answerer import Answerer

                self._answerer = Answerer(self.workspace, rewriter=self._rewriter)
            return self._answerer

    @property
    def data_dir(self) -> Path:
        """The store's data directory."""
        return self.workspace.data_dir

    @contextmanager
    def _reading(self, *, index: bool = False) -> Iterator[None]:
        """The store as committed now, with no write landing meanwhile.

        Args:
            index: Load the clause index first (it takes the commit lock, so it is loaded before
                the read side is held, never inside it).
        """
        self.workspace.sync()
        if index:
            _ = self.workspace.index
        with self.workspace.reading():
            yield

    def _checked(self, text: str, what: str = "question") -> str:
        text = text.strip()
        if not text:
            raise InvalidRequestError(f"the {what} is empty")
        if len(text) > self.max_question_chars:
            raise InvalidRequestError(
                f"the {what} is {len(text)} characters; the limit is {self.max_question_chars}"
            )
        return text

    # -- answers ------------------------------------------------------------------------------

    def ask(
        self, question: str, jurisdiction: str | None = None, in_force_on: str | None = None
    ) -> contract.AskResponse:
        """Answer a question with every statement cited (the answer contract).

        Args:
            question: Chinese or English.
            jurisdiction: Answer only for this jurisdiction (any name :class:`Lookup` knows).
            in_force_on: Answer only from policies in force on this day (``YYYY-MM-DD``).

        Raises:
            InvalidRequestError: The question is empty or too long, or the day is not a date.
        """
        question = self._checked(question)
        day = checked_day(in_force_on)
        # The answerer syncs and holds the read lock itself; the clause index (and so the
        # embedding model) is loaded only when the question needs retrieval.
        return contract.AskResponse.of(self.answerer.ask(question, jurisdiction, day))

    def search(
        self,
        query: str,
        k: int = 10,
        *,
        mode: ModeName = "hybrid",
        policy_id: str | None = None,
        units: Iterable[str] = (),
        role: RoleName | None = None,
        jurisdiction: str | None = None,
        role_source: SourceName | None = None,
        in_force_on: str | None = None,
    ) -> contract.SearchResponse:
        """Clauses for a query, best first: BM25 and embeddings fused, or one of them.

        Args:
            query: Question or keywords.
            k: Hits wanted.
            mode: hybrid, bm25 or dense.
            policy_id: Only clauses of this policy.
            units: Only clauses of these units (names, aliases or ids).
            role: Only clauses where one of ``units`` (any unit, when none is given) leads, or
                shares.
            jurisdiction: Only clauses of this jurisdiction's policies.
            role_source: Only clauses where the role (of ``units``, else of any unit) was read
                from this form: annotation, table, section, prose or regulation.
            in_force_on: Only clauses of policies in force on this day (``YYYY-MM-DD``); hits
                of policies not in force today are marked (``policy_status``) either way.

        Raises:
            InvalidRequestError: An empty or too long query, or a day that is not a date.
            NotFoundError: An unknown policy, unit or jurisdiction.
        """
        query = self._checked(query, "query")
        day = checked_day(in_force_on)
        names = list(units)
        with self._reading(index=True):
            place = self.lookup.jurisdiction(jurisdiction)
            if policy_id is not None:
                self.lookup.policy(policy_id)
            unit_ids = [u.id for name in names for u in self.lookup.units(name, place)]
            found = self.workspace.search(
                query,
                k,
                mode=SearchMode(mode),
                policy_id=policy_id,
                unit_ids=unit_ids,
                role=Role(role) if role else None,
                jurisdiction=place,
                role_source=RoleSource(role_source) if role_source else None,
                in_force_on=day,
            )
            statuses = self._statuses({f.record.clause.policy_id for f in found}, day)
        hits = [
            contract.SearchHitOut.of(
                f.record,
                f.hit.score,
                bm25_rank=f.hit.bm25_rank,
                dense_rank=f.hit.dense_rank,
                policy_status=statuses.get(f.record.clause.policy_id),
            )
            for f in found
        ]
        return contract.SearchResponse(
            query=query,
            mode=mode,
            units=unit_ids,
            jurisdiction=place,
            role_source=role_source,
            hits=hits,
        )

    # -- units --------------------------------------------------------------------------------

    def units(
        self,
        offset: int = 0,
        limit: int = 50,
        *,
        jurisdiction: str | None = None,
        name: str | None = None,
    ) -> contract.UnitPage:
        """Units by workload (clauses led and shared), most first.

        Args:
            offset: Units to skip.
            limit: Units wanted.
            jurisdiction: Only this jurisdiction's units.
            name: Only units whose name contains this.
        """
        with self._reading():
            place = self.lookup.jurisdiction(jurisdiction)
            page = self.workspace.graph.units(
                offset, limit, jurisdiction=place, name_contains=name or None
            )
        items = [contract.UnitOut.of(u) for u in page.items]
        return contract.UnitPage(total=page.total, offset=offset, limit=limit, items=items)

    def unit(self, name: str, jurisdiction: str | None = None) -> contract.UnitLookup:
        """A unit by name, alias or id: its clauses by role and its closest partners, one entry
        per jurisdiction the name exists in."""
        graph = self.workspace.graph
        with self._reading():
            place = self.lookup.jurisdiction(jurisdiction)
            details = []
            for item in self.lookup.units(name, place):
                summary = graph.unit(item.id)
                if summary is None:
                    continue
                partners = []
                for edge in graph.collaboration(unit_id=item.id, limit=10):
                    other = edge.target if edge.source == item.id else edge.source
                    partner = graph.unit(other)
                    name_of = partner.unit.name if partner else other
                    partners.append(
                        contract.Partner(id=other, name=name_of, shared_clauses=edge.weight)
                    )
                by_role = {
                    role: [contract.ClauseOut.of(r) for r in graph.unit_clauses(item.id, role)]
                    for role in Role
                }
                details.append(
                    contract.UnitDetail(
                        unit=contract.UnitOut.of(summary),
                        lead=by_role[Role.LEAD],
                        responsible=by_role[Role.RESPONSIBLE],
                        mentioned=by_role[Role.MENTION],
                        partners=partners,
                    )
                )
        return contract.UnitLookup(name=name, units=details)

    def unit_duties(
        self,
        name: str,
        role: Literal["lead", "responsible", "all"] = "all",
        jurisdiction: str | None = None,
        role_source: SourceName | None = None,
        in_force_on: str | None = None,
    ) -> contract.UnitDuties:
        """Every clause a unit leads or shares, complete and unranked, one group per
        jurisdiction the name exists in (with ``role_source``, only roles read from that form;
        with ``in_force_on``, only clauses of policies in force that day). Clauses of policies
        not in force (that day, else today) carry ``policy_status``."""
        wanted = None if role == "all" else Role(role)
        day = checked_day(in_force_on)
        groups = []
        with self._reading():
            place = self.lookup.jurisdiction(jurisdiction)
            in_force = self.workspace.lifecycle().in_force_ids(day) if day else None
            for unit in self.lookup.units(name, place):
                records = [
                    r
                    for r in self.workspace.graph.unit_clauses(unit.id, wanted)
                    if r.role is not None
                    and r.role is not Role.MENTION
                    and (role_source is None or r.clause.source_of(unit.name) == role_source)
                    and (in_force is None or r.clause.policy_id in in_force)
                ]
                statuses = self._statuses({r.clause.policy_id for r in records}, day)
                clauses = [
                    contract.UnitClauseOut.of(r, policy_status=statuses.get(r.clause.policy_id))
                    for r in records
                ]
                groups.append(
                    contract.UnitDutiesGroup(
                        id=unit.id,
                        name=unit.name,
                        jurisdiction=unit.jurisdiction,
                        aliases=list(unit.aliases),
                        lead_count=sum(c.role == Role.LEAD.value for c in clauses),
                        responsible_count=sum(c.role == Role.RESPONSIBLE.value for c in clauses),
                        clauses=clauses,
                    )
                )
        total = sum(len(g.clauses) for g in groups)
        return contract.UnitDuties(unit=name, role=role, total=total, groups=groups)

    # -- clauses, policies, jurisdictions -----------------------------------------------------

    def clause(self, clause_id: str) -> contract.ClauseDetail:
        """One clause in full: text, number, section, policy, and its units by role."""
        with self._reading():
            return contract.ClauseDetail.full(self.lookup.clause(clause_id))

    def policies(
        self, offset: int = 0, limit: int = 50, *, jurisdiction: str | None = None
    ) -> contract.PolicyPage:
        """Stored policies by jurisdiction and date."""
        with self._reading():
            place = self.lookup.jurisdiction(jurisdiction)
            page = self.workspace.graph.policies(offset, limit, jurisdiction=place)
        items = [contract.PolicySummaryOut.of(p) for p in page.items]
        return contract.PolicyPage(total=page.total, offset=offset, limit=limit, items=items)

    def policy(self, policy_id: str) -> contract.PolicyDetail:
        """A policy's outline (sections and clauses), what it cites and what cites it (each with
        how), and its validity today."""
        with self._reading():
            found = self.lookup.policy(policy_id)
            lifecycle = self.workspace.lifecycle()
            today = date.today().isoformat()
            cites = [
                contract.CitationOut.of(link.target, kind=link.kind, sentence=link.sentence)
                for link in lifecycle.outgoing(policy_id)
            ]
            cited_by = [
                contract.CitationOut.of(
                    lifecycle.summaries[link.source], kind=link.kind, sentence=link.sentence
                )
                for link in lifecycle.incoming(policy_id)
            ]
            cited_by.sort(key=lambda c: (c.title, c.id))
            summary = policy_summary(found)
            return contract.PolicyDetail(
                policy=contract.PolicySummaryOut.of(
                    summary, status=lifecycle.status_on(policy_id, today)
                ),
                preamble=found.preamble,
                sections=contract.outline(found),
                cites=cites,
                cited_by=cited_by,
                lifecycle=self._lifecycle_out(policy_id, today, found.validity_evidence),
            )

    # -- lifecycle ----------------------------------------------------------------------------

    def lifecycle(self, ref: str, on: str | None = None) -> contract.PolicyLifecycleOut:
        """A document's validity on a day (today by default): its own dates, with the sentences
        they were read from, and what later documents did to it.

        Args:
            ref: Policy id, 文号 or title (a document known only from citations too).
            on: The day, ``YYYY-MM-DD``.

        Raises:
            NotFoundError: No such document.
            InvalidRequestError: ``on`` is not a date.
        """
        day = checked_day(on) or date.today().isoformat()
        with self._reading():
            policy_id = self._document(ref)
            stored = self.workspace.graph.get_policy(policy_id)
            evidence = stored.validity_evidence if stored else ""
            found = self._lifecycle_out(policy_id, day, evidence)
        if found is None:
            raise NotFoundError(f"no document {ref!r}", "policy")
        return found

    def validity(
        self,
        on: str | None = None,
        status: str = "in_force",
        *,
        jurisdiction: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> contract.ValidityPage:
        """Stored policies with a status on a day (``in_force`` takes amended ones too; ``all``
        every policy), with the count of each status.

        Raises:
            InvalidRequestError: ``on`` is not a date, or an unknown status.
        """
        day = checked_day(on) or date.today().isoformat()
        if status not in (*STATUS_LABELS, "all"):
            raise InvalidRequestError(
                f"unknown status {status!r}; one of {', '.join((*STATUS_LABELS, 'all'))}"
            )
        with self._reading():
            place = self.lookup.jurisdiction(jurisdiction)
            found = self.workspace.lifecycle().on_day(day, place)
        counts = Counter(s for _, s in found)
        kept = [(f, s) for f, s in found if status == "all" or s in SELECTED[status]]
        items = [
            contract.PolicySummaryOut.of(f.policy, status=s)
            for f, s in kept[offset : offset + limit]
        ]
        return contract.ValidityPage(on=day, total=len(kept), counts=dict(counts), items=items)

    def transmission(self, ref: str) -> contract.TransmissionOut:
        """Every stored document that implements or cites a document (by 文号, title or id),
        with its jurisdiction, level and the days between the two, in date order.

        Raises:
            NotFoundError: No such document.
        """
        with self._reading():
            policy_id = self._document(ref)
            lifecycle = self.workspace.lifecycle()
            target = lifecycle.summaries.get(policy_id) or lifecycle.targets[policy_id]
            rows = lifecycle.transmission(policy_id)
        return contract.TransmissionOut(
            policy=contract.PolicyRef.of(target),
            date=target.date,
            rows=[
                contract.TransmissionRowOut(
                    policy=contract.PolicyRef.of(r.policy),
                    date=r.policy.date,
                    kind=r.kind,
                    level=r.level,
                    days_after=r.days_after,
                    sentence=r.sentence,
                )
                for r in rows
            ],
        )

    def alignment(self, ref: str, parent: str | None = None) -> contract.AlignmentOut:
        """A document aligned clause by clause with the one it implements (or ``parent``):
        copied, adapted and local clauses, and which parent clauses it takes up.

        Raises:
            NotFoundError: No such document, or its parent document is not stored.
        """
        with self._reading():
            policy_id = self._document(ref)
            parent_id = self._document(parent) if parent else None
            found = self.workspace.alignment(policy_id, parent_id)
        if found is None:
            raise NotFoundError(
                f"{ref}: the document it implements is not stored (ingest it, or name it)",
                "policy",
            )
        return contract.alignment_out(found)

    def _document(self, ref: str) -> str:
        """The id of the document ``ref`` names, stubs included (see :meth:`Lookup.document`)."""
        lifecycle = self.workspace.lifecycle()
        return self.lookup.document(ref, {**lifecycle.targets, **lifecycle.summaries})

    def _lifecycle_out(
        self, policy_id: str, day: str, evidence: str
    ) -> contract.PolicyLifecycleOut | None:
        found = self.workspace.lifecycle().get(policy_id)
        if found is None:
            return None
        status = found.status_on(day)
        return contract.PolicyLifecycleOut(
            policy=contract.PolicyRef.of(found.policy),
            on=day,
            status=status,
            status_label=STATUS_LABELS[status],
            effective=found.effective,
            expires=found.expires,
            evidence=evidence,
            events=[
                contract.LifecycleEventOut(
                    status=e.status, day=e.day, by=contract.PolicyRef.of(e.by), sentence=e.sentence
                )
                for e in found.events
            ],
        )

    def _statuses(self, policy_ids: set[str], day: str | None) -> dict[str, str]:
        """Statuses of the policies not in force on ``day`` (today when None)."""
        return self.workspace.lifecycle().not_in_force(policy_ids, day or date.today().isoformat())

    def jurisdictions(self) -> contract.JurisdictionList:
        """Jurisdictions in the store, with their policy, unit and clause counts."""
        with self._reading():
            found = self.workspace.graph.jurisdictions()
        return contract.JurisdictionList(
            jurisdictions=[contract.JurisdictionOut.of(j) for j in found]
        )

    def stats(self) -> contract.StoreStats:
        """What the store holds: policies, clauses, units, jurisdictions, relationships."""
        with self._reading():
            counts = self.workspace.graph.stats()
            places = self.workspace.graph.jurisdictions()
        return contract.StoreStats(
            policies=counts.policies,
            stub_policies=counts.stub_policies,
            sections=counts.sections,
            clauses=counts.clauses,
            units=counts.units,
            jurisdictions=[contract.JurisdictionOut.of(j) for j in places],
            relationships=dict(counts.relationships),
            embedding=self.embedding,
        )

    # -- the graph for analysts ---------------------------------------------------------------

    def neighborhood(self, node_id: str, depth: int = 1, limit: int = 200) -> contract.GraphView:
        """Nodes within ``depth`` hops of any node (policy, section, clause, unit, jurisdiction)."""
        with self._reading():
            view = self.workspace.graph.neighborhood(node_id, depth, limit)
        if not view.nodes:
            raise NotFoundError(f"no node {node_id}", "node")
        return contract.GraphView(
            nodes=[
                contract.GraphNodeOut(
                    id=n.id, label=n.label, name=n.name, properties=dict(n.properties)
                )
                for n in view.nodes
            ],
            edges=[
                contract.GraphEdgeOut(source=e.source, target=e.target, type=e.type, kind=e.kind)
                for e in view.edges
            ],
            truncated=view.truncated,
        )

    def collaboration(
        self,
        *,
        jurisdiction: str | None = None,
        unit_id: str | None = None,
        min_weight: int = 1,
        limit: int = 500,
    ) -> contract.GraphView:
        """Units linked by the clauses they share (weight = shared clauses)."""
        graph = self.workspace.graph
        with self._reading():
            place = self.lookup.jurisdiction(jurisdiction)
            edges = graph.collaboration(
                jurisdiction=place, unit_id=unit_id, min_weight=min_weight, limit=limit
            )
            ids = sorted({e.source for e in edges} | {e.target for e in edges})
            summaries = [s for node in ids if (s := graph.unit(node)) is not None]
        nodes = [
            contract.GraphNodeOut(
                id=s.unit.id,
                label="Unit",
                name=s.unit.name,
                properties={
                    "jurisdiction": s.unit.jurisdiction,
                    "kind": s.unit.kind.value,
                    "lead": s.lead,
                    "responsible": s.responsible,
                },
            )
            for s in summaries
        ]
        return contract.GraphView(
            nodes=nodes,
            edges=[
                contract.GraphEdgeOut(
                    source=e.source, target=e.target, type="SHARES", weight=e.weight
                )
                for e in edges
            ],
        )

    def analyze(self, jurisdiction: str | None = None, top: int = 15) -> contract.Analysis:
        """Workload ranking, centrality in the collaboration network, communities of units."""
        from policykg.graph.analysis import (
            collaboration_graph,
            unit_centrality,
            unit_communities,
            workload_ranking,
        )

        graph = self.workspace.graph
        with self._reading():
            place = self.lookup.jurisdiction(jurisdiction)
            ranking = workload_ranking(graph, place, top)
            network = collaboration_graph(graph, place)
        return contract.Analysis(
            jurisdiction=place,
            workload=[
                contract.WorkloadRow(
                    unit=r.unit.name,
                    jurisdiction=r.unit.jurisdiction,
                    lead=r.lead,
                    responsible=r.responsible,
                )
                for r in ranking
            ],
            centrality=[
                contract.CentralityRow(
                    unit_id=c.unit_id,
                    name=c.name,
                    jurisdiction=c.jurisdiction,
                    partners=c.partners,
                    shared_clauses=c.shared_clauses,
                    betweenness=c.betweenness,
                    pagerank=c.pagerank,
                )
                for c in unit_centrality(network, top)
            ],
            communities=[
                contract.Community(units=list(c.names), shared_clauses=c.internal_weight)
                for c in unit_communities(network)
            ],
        )

    def export(
        self,
        output: Path,
        *,
        graph: Literal["full", "collaboration"] = "full",
        jurisdiction: str | None = None,
        fmt: str | None = None,
    ) -> contract.ExportResult:
        """Write the graph for Gephi (GEXF), Cytoscape/yEd (GraphML) or notebooks (JSON).

        Raises:
            InvalidRequestError: An unknown format or file extension.
        """
        from policykg.graph.analysis import collaboration_graph
        from policykg.graph.export import export_graph

        with self._reading():
            place = self.lookup.jurisdiction(jurisdiction)
            network = (
                collaboration_graph(self.workspace.graph, place)
                if graph == "collaboration"
                else self.workspace.graph.to_networkx()
            )
        try:
            written = export_graph(network, output, fmt)
        except ValueError as e:
            raise InvalidRequestError(str(e)) from e
        return contract.ExportResult(
            path=str(output),
            format=written,
            nodes=network.number_of_nodes(),
            edges=network.number_of_edges(),
        )

    # -- writes -------------------------------------------------------------------------------

    def ingest_paths(
        self,
        paths: Iterable[Path],
        *,
        jurisdiction: str | None = None,
        on_file: Callable[[ParseResult], None] | None = None,
        on_stage: Callable[[str], None] | None = None,
    ) -> IngestReport:
        """Ingest every document under ``paths``; a bad file is reported and the rest go on."""
        return self.workspace.ingest_paths(
            paths, jurisdiction=jurisdiction, on_file=on_file, on_stage=on_stage
        )

    def embed_ahead(
        self,
        paths: Iterable[Path],
        batch: RayBatchEmbedder,
        *,
        jurisdiction: str | None = None,
        on_batch: Callable[[int, int], None] | None = None,
    ) -> RayRun:
        """Embed the clauses of the documents under ``paths`` on Ray, into the embedding cache.

        An ingest of the same paths afterwards finds every vector cached; a run cut short keeps
        every batch that came back.

        Raises:
            ModelUnavailableError: Ray is missing or unreachable, or a worker cannot load the
                model.
            NotFoundError: The workspace has no embedding cache to fill.
        """
        cache = self.workspace.cache
        if cache is None:
            raise NotFoundError("this workspace keeps no embedding cache to fill")
        texts = self.workspace.passages_to_embed(paths, jurisdiction=jurisdiction)
        return batch.fill(cache, texts, on_batch)

    def ingest_upload(
        self, data: bytes, name: str, jurisdiction: str | None = None
    ) -> contract.IngestResponse:
        """Ingest one uploaded document (a new version replaces the old)."""
        policy, report = self.workspace.ingest_upload(
            data, f"upload/{name}", jurisdiction=jurisdiction
        )
        return contract.IngestResponse(
            policy_id=policy.id,
            title=policy.title,
            doc_number=policy.doc_number,
            jurisdiction=policy.jurisdiction.name,
            clauses=len(policy.clauses),
            replaced=report.replaced,
            unchanged=bool(report.unchanged),
            report=next((contract.DocumentReportOut.of(r) for r in report.parsed.values()), None),
        )

    def delete_policy(self, policy_id: str) -> contract.DeleteResponse:
        """Delete a policy, its clauses and the units no other policy names.

        Raises:
            NotFoundError: No policy has this id.
        """
        if not self.workspace.delete_policy(policy_id):
            raise NotFoundError(f"no policy {policy_id}", "policy")
        return contract.DeleteResponse(deleted=policy_id)

    def check(self, *, contents: bool = True, repair: bool = False) -> contract.CheckResult:
        """Whether graph, vectors and BM25 agree and every stored file is whole; with
        ``repair``, repair what is found first and report the state after."""
        report = self.workspace.repair() if repair else self.workspace.check(contents=contents)
        after = self.workspace.check(contents=contents) if repair else report
        return check_result(report, after)

    def reindex(self) -> int:
        """Embed and index every clause again with the configured model; the clause count."""
        return self.workspace.reindex()

    @property
    def embedder_name(self) -> str:
        """The name of the embedding model the index uses."""
        return self.workspace.index.embedder.name

    def warm(self) -> None:
        """Load everything a first question would: the stores, the model, and the answerer's
        unit catalogue with the pinyin spellings of every unit name (seconds at bulk scale)."""
        self.workspace.warm()
        self.answerer.route("Who is responsible for the Commerce Bureau?")

    def close(self) -> None:
        """Close the stores."""
        self.workspace.close()


def checked_day(day: str | None) -> str | None:
    """``day`` when it is a ``YYYY-MM-DD`` date (None passes).

    Raises:
        InvalidRequestError: It is not one.
    """
    if day is None:
        return None
    try:
        return date.fromisoformat(day.strip()).isoformat()
    except ValueError:
        raise InvalidRequestError(f"not a date: {day!r} (write YYYY-MM-DD)") from None


def check_result(report: CheckReport, after: CheckReport) -> contract.CheckResult:
    """A check's findings (``report``) and the state it left (``after``) in the contract."""
    problems = report.problems()
    return contract.CheckResult(
        clauses_in_graph=after.clauses_in_graph,
        vectors=after.vectors,
        bm25=after.bm25,
        consistent=after.clean,
        problems=problems[:-1] if problems else [],
        repaired=report.repaired,
        still=after.problems()[:-1] if after is not report and not after.clean else [],
        unverified_vectors=after.unverified_vectors,
    )
