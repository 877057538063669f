"""HTTP request and response models (pydantic lives at the edges only)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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


class ClauseOut(BaseModel):
    """A cited clause (the answer contract's clause item)."""

    clause_id: str
    policy_id: str
    policy_title: str
    doc_number: str | None = None
    jurisdiction: str
    number: str
    marker: str
    title: str
    role: str | None = None
    lead_units: list[str]
    responsible_units: list[str]
    text: str
    score: float


class PolicyRef(BaseModel):
    """A policy an answer names."""

    policy_id: str
    title: str
    doc_number: str | None = None
    jurisdiction: str | None = None
    stub: bool = False


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


class SearchHitOut(ClauseOut):
    """A search hit: a clause with what each ranking said of it."""

    bm25_rank: int | None = None
    dense_rank: int | None = None


class SearchResponse(BaseModel):
    """Hybrid search results."""

    query: str
    mode: Literal["hybrid", "bm25", "dense"]
    hits: list[SearchHitOut]


class UnitOut(BaseModel):
    """A unit with its workload."""

    id: str
    name: str
    jurisdiction: str
    aliases: list[str]
    level: str
    kind: str
    lead: int
    responsible: int
    mentions: int
    policies: int


class UnitPage(BaseModel):
    """A page of units."""

    total: int
    offset: int
    limit: int
    items: list[UnitOut]


class UnitDetail(BaseModel):
    """A unit's clauses by role, and the units it works with most."""

    unit: UnitOut
    lead: list[ClauseOut]
    responsible: list[ClauseOut]
    mentioned: list[ClauseOut]
    partners: list[dict[str, Any]]


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
    stub: bool
    clause_count: int


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

    number: str
    title: str
    clauses: list[OutlineClause]


class PolicyDetail(BaseModel):
    """A policy: its outline, what it cites and what cites it."""

    policy: PolicySummaryOut
    preamble: str
    sections: list[OutlineSection]
    cites: list[PolicySummaryOut]
    cited_by: list[PolicySummaryOut]


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
    determined: bool
    policies: int
    units: int
    clauses: int


class IngestResponse(BaseModel):
    """What an upload did."""

    policy_id: str
    title: str
    doc_number: str | None = None
    jurisdiction: str
    clauses: int
    replaced: list[str]
    unchanged: bool


class DeleteResponse(BaseModel):
    """A deleted policy."""

    deleted: str


class Health(BaseModel):
    """Liveness and what is loaded."""

    status: Literal["ok"]
    policies: int
    clauses: int
    backend: str
