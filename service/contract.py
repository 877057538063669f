"""Every client-facing shape, once: what the service returns to the CLI, HTTP and MCP faces.

The answer contract (:class:`AskResponse`) and every other result are pydantic models made here
from the domain's frozen dataclasses, next to the models they build. The CLI's ``--json``, the
HTTP API and the MCP tools return these same models, so the faces cannot drift apart.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from policykg.graph.base import ClauseRecord, JurisdictionSummary, PolicySummary, UnitSummary
from policykg.graph.views import policy_summary
from policykg.ingest.model import Policy
from policykg.ingest.report import DocumentReport
from policykg.service.alignment import Alignment
from policykg.service.answers.model import Answer, CitedClause


def _iso_day(value: Any) -> Any:
    """Only a ``YYYY-MM-DD`` string is a day (pydantic alone would take 0 as 1970-01-01)."""
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("a day is written YYYY-MM-DD")
    return value


IsoDate = Annotated[datetime.date, BeforeValidator(_iso_day)]
"""A day given by a client: a date, written YYYY-MM-DD."""

ASK_EXAMPLE: dict[str, Any] = {
    "question": "What is the 县商务局 responsible for?",
    "intent": "unit_duties",
    "answer": "县商务局 leads 2 and shares 4 task(s). It leads 2: 《开发区改革开放实施意见》（十五）创新精准招商方式; …",
    "units": ["县商务局"],
    "clauses": [
        {
            "clause_id": "pb992779b68f36c69:四/十五",
            "policy_id": "pb992779b68f36c69",
            "policy_title": "开发区改革开放实施意见",
            "doc_number": None,
            "jurisdiction": "未定辖区·开发区改革开放实施意见",
            "number": "十五",
            "marker": "（十五）",
            "title": "创新精准招商方式",
            "role": "lead",
            "lead_units": ["县商务局"],
            "responsible_units": [
                "县发改局",
                "县科技局",
                "县工信局",
                "县外办",
                "县财政局",
                "县公安局",
                "县高新区管委会",
            ],
            "text": "创新精准招商方式。建立奖励机制……(牵头单位:县商务局。责任单位:…)",
            "score": 1.0,
        }
    ],
    "policies": [],
    "language": "en",
    "jurisdictions": ["未定辖区·开发区改革开放实施意见"],
    "candidates": [],
    "found": True,
    "rewritten": False,
}


class ErrorDetail(BaseModel):
    """What went wrong."""

    code: str = Field(description="Machine-readable error code", examples=["not_found"])
    message: str = Field(description="Human-readable explanation", examples=["no clause p1:一/二"])


class ErrorResponse(BaseModel):
    """The one error model of every endpoint."""

    error: ErrorDetail


class AskRequest(BaseModel):
    """A question for ``POST /ask``."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"question": "县商务局负责什么？"}]})

    question: str = Field(min_length=1, max_length=500, description="Chinese or English question")
    jurisdiction: str | None = Field(
        default=None, max_length=100, description="Answer only for this jurisdiction"
    )
    in_force_on: IsoDate | None = Field(
        default=None,
        description="Answer only from policies in force on this day (YYYY-MM-DD); clauses of "
        "policies not in force (that day, else today) carry policy_status either way",
    )


class ClauseBase(BaseModel):
    """A clause with its policy and the units it assigns: what every clause output shows."""

    clause_id: str
    policy_id: str
    policy_title: str
    doc_number: str | None = Field(default=None, description="文号 of the policy")
    jurisdiction: str
    number: str = Field(description="Bare clause number, e.g. 十五")
    marker: str = Field(description="The number as cited, e.g. （十五） or 第三条")
    title: str = Field(description="First sentence of the clause")
    role: str | None = Field(
        default=None, description="Role of the unit asked about (lead, responsible, mention)"
    )
    lead_units: list[str] = Field(description="Lead units (牵头单位)")
    responsible_units: list[str] = Field(description="Responsible units (责任单位/配合单位)")
    text: str = Field(description="Full clause text, role annotation included")
    deadline: str | None = Field(
        default=None, description="The time limit the clause states, as written (2025年底前)"
    )
    deadline_date: str | None = Field(
        default=None,
        description="The last day the time limit allows, YYYY-MM-DD (2025年底前 -> 2025-12-31); "
        "null when it names no year (长期坚持)",
    )
    role_sources: dict[str, str] = Field(
        default={},
        description="Where each lead and responsible unit's role was read: annotation, table, "
        "section (the unit heads a duty section), prose or regulation",
    )
    section_title: str = Field(default="", description="Title of the clause's section")
    citation: str = Field(default="", description="How to cite it: 《policy title》marker")
    policy_status: str | None = Field(
        default=None,
        description="Set when the clause's policy is not in force on the day asked about (today "
        "unless in_force_on was given): repealed, expired, replaced or not_yet",
    )

    @classmethod
    def of(cls, record: ClauseRecord, **extra: Any) -> Self:
        """The clause of a graph record, with the fields a subclass adds given in ``extra``."""
        clause = record.clause
        return cls(
            role_sources={r.unit: r.source.value for r in clause.role_sources},
            deadline=clause.deadline or None,
            deadline_date=clause.deadline_date or None,
            section_title=record.section_title,
            citation=f"《{record.policy_title}》{clause.marker}",
            clause_id=clause.id,
            policy_id=clause.policy_id,
            policy_title=record.policy_title,
            doc_number=record.doc_number,
            jurisdiction=record.jurisdiction,
            number=clause.number,
            marker=clause.marker,
            title=clause.title,
            role=record.role.value if record.role else None,
            lead_units=list(clause.lead_units),
            responsible_units=list(clause.responsible_units),
            text=clause.text,
            **extra,
        )


class ClauseOut(ClauseBase):
    """A cited clause (the answer contract's clause item)."""

    score: float

    @classmethod
    def of(cls, record: ClauseRecord, score: float = 1.0, **extra: Any) -> Self:
        """The clause of a graph record; ``score`` is 1.0 where no ranking scored it."""
        return super().of(record, score=round(score, 6), **extra)

    @classmethod
    def cited(cls, clause: CitedClause, policy_status: str | None = None) -> Self:
        """A clause an answer rests on (``policy_status``: its policy is not in force)."""
        return cls.of(clause.record, clause.score, policy_status=policy_status)


class PolicyRef(BaseModel):
    """A policy an answer names."""

    policy_id: str
    title: str
    doc_number: str | None = None
    jurisdiction: str | None = None
    stub: bool = False

    @classmethod
    def of(cls, summary: PolicySummary) -> Self:
        """A policy an answer names, from the graph's summary."""
        return cls(
            policy_id=summary.id,
            title=summary.title,
            doc_number=summary.doc_number,
            jurisdiction=summary.jurisdiction,
            stub=summary.stub,
        )


class AskResponse(BaseModel):
    """The answer contract (shared with ``policykg ask --json``)."""

    model_config = ConfigDict(json_schema_extra={"examples": [ASK_EXAMPLE]})

    question: str
    intent: str
    answer: str
    units: list[str]
    clauses: list[ClauseOut]
    policies: list[PolicyRef]
    language: str
    jurisdictions: list[str]
    candidates: list[str]
    found: bool
    rewritten: bool
    evidence: list[str] = Field(
        default=[],
        description="For an answer found by retrieval: the sentences of the first clause that "
        "answer the question, as written in it",
    )

    @classmethod
    def of(cls, answer: Answer) -> Self:
        """The answer contract of an answer."""
        return cls(
            question=answer.question,
            intent=answer.intent,
            answer=answer.answer,
            units=list(answer.units),
            clauses=[
                ClauseOut.cited(c, dict(answer.statuses).get(c.policy_id)) for c in answer.clauses
            ],
            policies=[PolicyRef.of(p) for p in answer.policies],
            language=answer.language,
            jurisdictions=list(answer.jurisdictions),
            candidates=list(answer.candidates),
            found=answer.found,
            rewritten=answer.rewritten,
            evidence=list(answer.evidence),
        )


class SearchHitOut(ClauseOut):
    """A search hit: a clause with its score and what each ranking said of it."""

    bm25_rank: int | None = Field(default=None, description="Rank in BM25, if it ranked it")
    dense_rank: int | None = Field(default=None, description="Rank by embeddings, if it ranked it")


class SearchResponse(BaseModel):
    """Clauses found for a query, best first."""

    query: str
    mode: Literal["hybrid", "bm25", "dense"]
    units: list[str] = Field(default=[], description="Ids of the units the search was limited to")
    jurisdiction: str | None = Field(default=None, description="The jurisdiction searched")
    role_source: str | None = Field(
        default=None, description="Only roles read from this form (annotation, table, …)"
    )
    hits: list[SearchHitOut]


class ClauseDetail(ClauseOut):
    """A clause in full: its place in the policy and the units it names without assigning."""

    section_number: str
    path: list[str] = Field(description="Numbers of the enclosing headings and the clause")
    order: int = Field(description="Position of the clause in its policy, from 0")
    mentioned_units: list[str] = Field(description="Units named in the text but not assigned")

    @classmethod
    def full(cls, record: ClauseRecord) -> Self:
        """The clause of a graph record, in full."""
        clause = record.clause
        return cls.of(
            record,
            section_number=clause.section_number,
            path=list(clause.path),
            order=clause.order,
            mentioned_units=list(clause.mentioned_units),
        )


class UnitClauseOut(ClauseBase):
    """A clause of a unit, with the unit's role in it."""

    role: Literal["lead", "responsible"]


class UnitDutiesGroup(BaseModel):
    """Every clause one unit (in one jurisdiction) leads or shares."""

    id: str = Field(description="The unit's id, jurisdiction/name")
    name: str
    jurisdiction: str
    aliases: list[str]
    lead_count: int
    responsible_count: int
    clauses: list[UnitClauseOut] = Field(description="Ordered by policy title and clause order")


class UnitDuties(BaseModel):
    """A unit's clauses, one group per jurisdiction the name exists in."""

    unit: str = Field(description="The unit as asked for")
    role: Literal["lead", "responsible", "all"]
    total: int = Field(description="Clauses over every group")
    groups: list[UnitDutiesGroup]


class UnitOut(BaseModel):
    """A unit with its workload."""

    id: str = Field(description="jurisdiction/name; accepted wherever a unit is asked for")
    name: str
    jurisdiction: str
    aliases: list[str]
    level: str
    kind: str
    lead: int = Field(description="Clauses it leads")
    responsible: int = Field(description="Clauses it shares")
    mentions: int = Field(description="Clauses naming it without assigning it")
    policies: int = Field(description="Policies naming it")

    @classmethod
    def of(cls, summary: UnitSummary) -> Self:
        """A unit summary of the graph."""
        unit = summary.unit
        return cls(
            id=unit.id,
            name=unit.name,
            jurisdiction=unit.jurisdiction,
            aliases=list(unit.aliases),
            level=unit.level.value,
            kind=unit.kind.value,
            lead=summary.lead,
            responsible=summary.responsible,
            mentions=summary.mentions,
            policies=summary.policies,
        )


class UnitPage(BaseModel):
    """A page of units."""

    total: int
    offset: int
    limit: int
    items: list[UnitOut]


class Partner(BaseModel):
    """A unit another unit shares clauses with."""

    id: str
    name: str
    shared_clauses: int


class UnitDetail(BaseModel):
    """A unit's clauses by role, and the units it works with most."""

    unit: UnitOut
    lead: list[ClauseOut]
    responsible: list[ClauseOut]
    mentioned: list[ClauseOut]
    partners: list[Partner]


class UnitLookup(BaseModel):
    """Every unit with a name (one per jurisdiction it exists in)."""

    name: str
    units: list[UnitDetail]


class PolicySummaryOut(BaseModel):
    """A policy without its text."""

    id: str
    title: str
    doc_number: str | None = None
    issuer: str | None = None
    date: str | None = None
    jurisdiction: str | None = None
    source: str | None = None
    stub: bool = Field(description="Cited by a stored policy but not ingested itself")
    clause_count: int
    effective: str | None = Field(default=None, description="The day it says it takes effect")
    expires: str | None = Field(default=None, description="The last day of the term it states")
    status: str | None = Field(
        default=None,
        description="Its status today (in_force, amended, replaced, repealed, expired, not_yet)",
    )

    @classmethod
    def of(cls, summary: PolicySummary, **extra: Any) -> Self:
        """A policy summary of the graph, with the fields a subclass adds given in ``extra``."""
        return cls(
            id=summary.id,
            title=summary.title,
            doc_number=summary.doc_number,
            issuer=summary.issuer,
            date=summary.date,
            jurisdiction=summary.jurisdiction,
            source=summary.source,
            stub=summary.stub,
            clause_count=summary.clause_count,
            effective=summary.effective,
            expires=summary.expires,
            **extra,
        )


class CitationOut(PolicySummaryOut):
    """A cited or citing policy with what the citing one does with the cited one."""

    kind: str = Field(
        description="basis (根据《X》), implements (为贯彻落实《X》), amends, repeals, or cites"
    )
    sentence: str | None = Field(default=None, description="The sentence the kind was read from")


class LifecycleEventOut(BaseModel):
    """Something a later document did to a policy."""

    status: str = Field(description="repealed, amended or replaced")
    day: str | None = Field(description="From when (the acting document's date); null: unknown")
    by: PolicyRef
    sentence: str | None = None


class PolicyLifecycleOut(BaseModel):
    """A policy's validity on a day, with where each fact came from."""

    policy: PolicyRef
    on: str = Field(description="The day the status is for, YYYY-MM-DD")
    status: str
    status_label: str = Field(description="The status as legal databases write it (现行有效 …)")
    effective: str | None = None
    expires: str | None = None
    evidence: str = Field(default="", description="The sentences the dates were read from")
    events: list[LifecycleEventOut] = []


class ValidityPage(BaseModel):
    """Stored policies with their status on a day."""

    on: str
    total: int
    counts: dict[str, int] = Field(description="Policies per status")
    items: list[PolicySummaryOut]


class TransmissionRowOut(BaseModel):
    """One document that takes a policy up."""

    policy: PolicyRef
    date: str | None
    kind: str
    level: str = Field(description="Administrative level of its jurisdiction (省, 市, 区, 县 …)")
    days_after: int | None = Field(description="Days after the policy's own date; null: unknown")
    sentence: str | None = None


class TransmissionOut(BaseModel):
    """How a policy travelled: every stored document that implements or cites it."""

    policy: PolicyRef
    date: str | None
    rows: list[TransmissionRowOut]


class AlignedClauseOut(BaseModel):
    """A local clause and the parent clause closest to it."""

    clause_id: str
    marker: str
    title: str
    label: str = Field(description="copied, adapted or local (a local addition)")
    parent_clause_id: str | None = None
    parent_marker: str | None = None
    parent_title: str | None = None
    similarity: float
    overlap: float


class ParentClauseOut(BaseModel):
    """A clause of the parent document and whether the local one takes it up."""

    clause_id: str
    marker: str
    title: str
    covered: bool


class AlignmentOut(BaseModel):
    """A local document aligned clause by clause with the document it implements."""

    local: PolicyRef
    parent: PolicyRef
    counts: dict[str, int] = Field(description="Local clauses per label")
    covered: int = Field(description="Parent clauses taken up")
    clauses: list[AlignedClauseOut]
    parent_clauses: list[ParentClauseOut]


class PolicyPage(BaseModel):
    """A page of policies."""

    total: int
    offset: int
    limit: int
    items: list[PolicySummaryOut]


class OutlineClause(BaseModel):
    """A clause in a policy outline."""

    clause_id: str
    number: str
    marker: str
    title: str
    lead_units: list[str]
    responsible_units: list[str]


class OutlineSection(BaseModel):
    """A section in a policy outline."""

    number: str = Field(description="Section number (一), empty for clauses outside any section")
    title: str
    part: int = Field(description="Index of the document part (a 通知 may attach several)")
    clauses: list[OutlineClause]


def outline(policy: Policy) -> list[OutlineSection]:
    """Sections in order with their clauses; clauses outside any section get a leading group."""
    by_section: dict[str, list[OutlineClause]] = {s.id: [] for s in policy.sections}
    loose: list[OutlineClause] = []
    for clause in policy.clauses:
        item = OutlineClause(
            clause_id=clause.id,
            number=clause.number,
            marker=clause.marker,
            title=clause.title,
            lead_units=list(clause.lead_units),
            responsible_units=list(clause.responsible_units),
        )
        by_section.get(clause.section_id, loose).append(item)
    sections = [OutlineSection(number="", title="", part=0, clauses=loose)] if loose else []
    sections.extend(
        OutlineSection(number=s.number, title=s.title, part=s.part, clauses=by_section[s.id])
        for s in policy.sections
    )
    return sections


class PolicyDetail(BaseModel):
    """A policy: its outline, what it cites and what cites it."""

    policy: PolicySummaryOut
    preamble: str
    sections: list[OutlineSection]
    cites: list[CitationOut]
    cited_by: list[CitationOut]
    lifecycle: PolicyLifecycleOut | None = None


class GraphNodeOut(BaseModel):
    """A node of a graph view."""

    id: str
    label: str
    name: str
    properties: dict[str, Any]


class GraphEdgeOut(BaseModel):
    """A relationship of a graph view."""

    source: str
    target: str
    type: str
    weight: int | None = None
    kind: str | None = Field(
        default=None,
        description="A CITES relationship's kind: basis, implements, amends, repeals, cites",
    )


class GraphView(BaseModel):
    """Nodes and edges for a graph view."""

    nodes: list[GraphNodeOut]
    edges: list[GraphEdgeOut]
    truncated: bool = False


class JurisdictionOut(BaseModel):
    """A jurisdiction and what the store holds of it."""

    name: str
    level: str
    parent: str | None = None
    determined: bool = Field(description="False for a document whose jurisdiction is unknown")
    policies: int
    units: int
    clauses: int

    @classmethod
    def of(cls, summary: JurisdictionSummary) -> Self:
        """A jurisdiction summary of the graph."""
        place = summary.jurisdiction
        return cls(
            name=place.name,
            level=place.level.value,
            parent=place.parent,
            determined=place.determined,
            policies=summary.policies,
            units=summary.units,
            clauses=summary.clauses,
        )


class IngestResponse(BaseModel):
    """What an upload did."""

    policy_id: str
    title: str
    doc_number: str | None = None
    jurisdiction: str
    clauses: int
    replaced: list[str]
    unchanged: bool
    report: DocumentReportOut | None = Field(
        default=None, description="What the parser made of the document"
    )


class DeleteResponse(BaseModel):
    """A deleted policy."""

    deleted: str


class Health(BaseModel):
    """Liveness and what is loaded."""

    status: Literal["ok"]
    policies: int
    clauses: int
    backend: str


class JurisdictionList(BaseModel):
    """Every jurisdiction holding stored policies, by name."""

    jurisdictions: list[JurisdictionOut]


class StoreStats(BaseModel):
    """What the store holds."""

    policies: int
    stub_policies: int = Field(description="Cited by a stored policy but not ingested")
    sections: int
    clauses: int
    units: int
    jurisdictions: list[JurisdictionOut]
    relationships: dict[str, int] = Field(description="Relationships per type")
    embedding: str = Field(
        "", description="The embedding model and the backend it runs on, and why that backend"
    )


class WorkloadRow(BaseModel):
    """A unit's workload in a ranking."""

    unit: str
    jurisdiction: str
    lead: int
    responsible: int


class CentralityRow(BaseModel):
    """A unit's place in the collaboration network."""

    unit_id: str
    name: str
    jurisdiction: str
    partners: int
    shared_clauses: int
    betweenness: float
    pagerank: float


class Community(BaseModel):
    """Units that share clauses mostly among themselves."""

    units: list[str]
    shared_clauses: int


class Analysis(BaseModel):
    """Workload ranking, centrality in the collaboration network, and communities of units."""

    jurisdiction: str | None
    workload: list[WorkloadRow]
    centrality: list[CentralityRow]
    communities: list[Community]


class FileProblem(BaseModel):
    """A file that was not ingested, and why."""

    file: str
    error: str


class DocumentReportOut(BaseModel):
    """What the parser made of one document."""

    source: str
    title: str
    clauses: int
    roles: dict[str, int] = Field(description="Unit roles per source (annotation, table, …)")
    units: int
    attachments: int = Field(description="Attachments read (附件, attached documents)")
    coverage: float = Field(description="Share of the text's characters the policy keeps")
    lost: list[str] = Field(description="The first lines the policy does not keep")
    warnings: list[str] = Field(description="What a reader should check")

    @classmethod
    def of(cls, report: DocumentReport) -> Self:
        """The report of one parsed document."""
        return cls(
            source=report.source,
            title=report.title,
            clauses=report.clauses,
            roles=report.roles,
            units=report.units,
            attachments=report.attachments,
            coverage=round(report.coverage.share, 4),
            lost=list(report.coverage.lost),
            warnings=list(report.warnings),
        )


class SkippedFile(BaseModel):
    """A file a folder held that is not a document PolicyKG reads."""

    file: str
    reason: str


class IngestSummary(BaseModel):
    """What an ingest of files and folders did."""

    added: int = Field(description="Policies stored, new or as new versions")
    replaced: int = Field(description="Earlier versions the new ones replaced")
    unchanged: int = Field(description="Documents already stored as they are")
    clauses: int = Field(description="Clauses in the policies stored")
    embedded: int = Field(0, description="Clauses embedded now (the others came from the cache)")
    failed: list[FileProblem]
    skipped: list[SkippedFile] = Field(description="Files that are not documents PolicyKG reads")
    undetermined_jurisdiction: list[str] = Field(
        description="Titles of documents whose jurisdiction could not be told"
    )
    jurisdictions: dict[str, int] = Field(description="Policies stored per jurisdiction")
    coverage: dict[str, float] = Field(
        default={},
        description="Per document, the share of its text's characters the policy keeps "
        "(in clauses, the preamble, headings or metadata); under 1.0 means text was lost",
    )
    documents: list[DocumentReportOut] = Field(
        default=[], description="What the parser made of each document"
    )


class CheckResult(BaseModel):
    """Whether graph, vectors and BM25 hold the same clauses with the same contents."""

    clauses_in_graph: int
    vectors: int | None
    bm25: int | None
    consistent: bool = Field(description="Every comparison agreed and every file was whole")
    problems: list[str] = Field(description="What the check found, one line each")
    repaired: list[str] = Field(description="What a repair did, one line each")
    still: list[str] = Field(default=[], description="Problems left after a repair")
    unverified_vectors: int = Field(description="Vectors with no cached copy to compare with")


class ExportResult(BaseModel):
    """A graph written to a file."""

    path: str
    format: str
    nodes: int
    edges: int


def alignment_out(found: Alignment) -> AlignmentOut:
    """The client shape of a clause alignment."""
    return AlignmentOut(
        local=PolicyRef.of(policy_summary(found.local)),
        parent=PolicyRef.of(policy_summary(found.parent)),
        counts={label: found.count(label) for label in ("copied", "adapted", "local")},
        covered=sum(taken for _, taken in found.covered),
        clauses=[
            AlignedClauseOut(
                clause_id=a.clause.id,
                marker=a.clause.marker,
                title=a.clause.title,
                label=a.label,
                parent_clause_id=a.parent.id if a.parent else None,
                parent_marker=a.parent.marker if a.parent else None,
                parent_title=a.parent.title if a.parent else None,
                similarity=a.similarity,
                overlap=a.overlap,
            )
            for a in found.clauses
        ],
        parent_clauses=[
            ParentClauseOut(clause_id=c.id, marker=c.marker, title=c.title, covered=taken)
            for c, taken in found.covered
        ],
    )
