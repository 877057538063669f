"""The MCP server: PolicyKG's cited answers, clause search and graph as tools for chat assistants.

A chat assistant (Claude Desktop, an IDE agent …) connects over stdio or streamable HTTP and
calls the tools below. Every tool is read-only and returns JSON; the tool descriptions are written
for the model choosing among them. Unknown ids or names come back as a tool error (``isError``)
with a message the model can act on, never as a crash.

Build the server with :func:`build_mcp_server` (the CLI's ``policykg mcp`` does, from settings)
and serve it with :func:`run_stdio` or :func:`run_http`.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable
from pathlib import PurePath
from typing import Annotated, Any, Literal, ParamSpec, Self, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field
from rapidfuzz import fuzz, process

from api import schemas
from api.answers import Answerer, answer_to_dict
from api.workspace import Workspace
from graph.base import ClauseRecord, GraphStore, PolicySummary
from graph.views import policy_summary
from ingest.errors import NotFoundError, PolicyKGError
from ingest.model import Role, Unit
from search.hybrid import SearchMode

P = ParamSpec("P")
R = TypeVar("R")

SERVER_NAME = "policykg"
MAX_LISTED = 20
"""Names listed in an error message before it refers the model to a listing tool."""

INSTRUCTIONS = """\
PolicyKG holds Chinese government policy documents (政策文件) as a knowledge graph: policies,
their numbered clauses (条款, cited as 《policy title》（十五） or 第三条), and the government units
each clause assigns as lead (牵头单位) or responsible (责任单位/配合单位).

Start with `ask` for questions in Chinese or English; it answers from the graph with every
statement cited, and for a unit it lists every clause (not a sample). Use `search` to find clauses
on a topic, `unit_duties` for a unit's complete task list, `get_clause` / `get_policy` to read a
clause or a whole policy, and `list_units` / `list_jurisdictions` to find exact names.
Cite policy titles and clause numbers exactly as returned; never invent them."""

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)


# -- tool results (the JSON the assistant receives) ---------------------------------------------
# Units, policies, outlines and jurisdictions are shown as the HTTP API shows them (api.schemas);
# a clause here also carries its section and citation, and no score unless a search ranked it.


class ClauseOut(schemas.ClauseBase):
    """A clause with the policy it belongs to, the units it assigns and how to cite it."""

    clause_id: str = Field(description="Id for get_clause")
    policy_id: str = Field(description="Id for get_policy")
    section_title: str
    citation: str = Field(description="How to cite it: 《policy title》marker")

    @classmethod
    def of(cls, record: ClauseRecord, **extra: Any) -> Self:
        """The clause of a graph record, with the fields a subclass adds given in ``extra``."""
        return super().of(
            record,
            section_title=record.section_title,
            citation=f"《{record.policy_title}》{record.clause.marker}",
            **extra,
        )


class SearchHitOut(ClauseOut):
    """A search hit: a clause with its score and what each ranking said of it."""

    score: float = Field(description="Fused (RRF) score in hybrid mode, else the ranking's score")
    bm25_rank: int | None
    dense_rank: int | None


class SearchResult(BaseModel):
    """Clauses found for a query, best first."""

    query: str
    mode: Literal["hybrid", "bm25", "dense"]
    units: list[str] = Field(description="Ids of the units the search was limited to")
    jurisdiction: str | None
    hits: list[SearchHitOut]


class UnitClauseOut(ClauseOut):
    """A clause of a unit, with the unit's role in it."""

    role: Literal["lead", "responsible"]


class UnitDutiesOut(BaseModel):
    """Every clause one unit (in one jurisdiction) leads or shares."""

    id: str = Field(description="The unit's id, jurisdiction/name")
    name: str
    jurisdiction: str
    aliases: list[str]
    lead_count: int
    responsible_count: int
    clauses: list[UnitClauseOut] = Field(description="Ordered by policy title and clause order")


class UnitDutiesResult(BaseModel):
    """A unit's clauses, one group per jurisdiction the name exists in."""

    unit: str = Field(description="The unit as asked for")
    role: Literal["lead", "responsible", "all"]
    total: int = Field(description="Clauses over every group")
    groups: list[UnitDutiesOut]


class ClauseDetail(ClauseOut):
    """A clause in full."""

    section_number: str
    path: list[str] = Field(description="Numbers of the enclosing headings and the clause")
    order: int = Field(description="Position of the clause in its policy, from 0")
    mentioned_units: list[str] = Field(description="Units named in the text but not assigned")


class PolicyOut(schemas.PolicySummaryOut):
    """A policy: summary, outline, what it cites and what cites it."""

    source: str | None = Field(default=None, description="File name the policy was ingested from")
    preamble: str
    sections: list[schemas.OutlineSection]
    cites: list[schemas.PolicySummaryOut]
    cited_by: list[schemas.PolicySummaryOut]


class UnitPage(BaseModel):
    """Units by workload."""

    total: int = Field(description="Units matching, of which `units` holds the first `limit`")
    units: list[schemas.UnitOut]


class JurisdictionList(BaseModel):
    """Every jurisdiction holding stored policies, by name."""

    jurisdictions: list[schemas.JurisdictionOut]


# -- conversions --------------------------------------------------------------------------------


def _file_name_only(summary: PolicySummary) -> PolicySummary:
    """The summary with its source cut to the file name.

    The server's directory layout is none of the client's business.
    """
    source = PurePath(summary.source).name if summary.source else summary.source
    return dataclasses.replace(summary, source=source)


def _policy_out(summary: PolicySummary) -> schemas.PolicySummaryOut:
    return schemas.PolicySummaryOut.of(_file_name_only(summary))


def _listing(names: list[str]) -> str:
    shown = "、".join(names[:MAX_LISTED])
    return shown + (f" … ({len(names) - MAX_LISTED} more)" if len(names) > MAX_LISTED else "")


def _tool_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Translate PolicyKG's errors into tool errors the assistant reads (the MCP edge)."""

    @functools.wraps(fn)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except PolicyKGError as e:
            raise ToolError(str(e)) from e

    return call


# -- tools --------------------------------------------------------------------------------------

Question = Annotated[
    str,
    Field(
        min_length=1,
        description="The question, in Chinese or English, e.g. 县商务局负责什么？ or "
        "'What is the 县商务局 responsible for?'",
    ),
]
JurisdictionFilter = Annotated[
    str | None,
    Field(
        description="Only this jurisdiction (e.g. 松江区, 包头市, 国家); see list_jurisdictions. "
        "Omit to cover every jurisdiction."
    ),
]
UnitName = Annotated[
    str,
    Field(
        min_length=1,
        description="Unit canonical name (县商务局), an alias, or a unit id 'jurisdiction/name' "
        "from list_units.",
    ),
]


class PolicyKGTools:
    """The tools, over one workspace and answerer (each method is one MCP tool).

    Args:
        workspace: The graph and clause index.
        answerer: Answers questions from the workspace.
        max_question_chars: Longest question ``ask`` accepts.
    """

    def __init__(
        self, workspace: Workspace, answerer: Answerer, *, max_question_chars: int = 500
    ) -> None:
        self.workspace = workspace
        self.answerer = answerer
        self.max_question_chars = max_question_chars

    @property
    def graph(self) -> GraphStore:
        """The workspace's graph store."""
        return self.workspace.graph

    def ask(self, question: Question, jurisdiction: JurisdictionFilter = None) -> dict[str, Any]:
        """Answer a question about the stored policy documents, citing policy and clause.

        Use this first for natural-language questions: what a government unit is responsible
        for (县商务局负责什么？ / What is the 县商务局 responsible for?), which unit leads a task,
        which units share work, what a policy cites or is cited by, which unit has the most
        tasks. A question about a unit returns EVERY clause the unit leads (牵头) or shares
        (责任/配合), not a top-k sample, each with its role. Ask in Chinese or English; the
        answer text comes back in the question's language.

        Returns the answer contract: `answer` (text citing 《policy title》 and clause number,
        e.g. 《开发区改革开放实施意见》（十五）), `clauses` (every clause the answer rests on: policy
        title, number, marker, title, role, lead and responsible units, full text), `policies`,
        `units`, `jurisdictions`, `intent`, and `found` (false when nothing in the store answers;
        `candidates` then lists near unit names, or the units an ambiguous name may mean).
        Quote the citations given; do not invent clause numbers.
        """
        question = question.strip()
        if not question:
            raise ToolError("the question is empty")
        if len(question) > self.max_question_chars:
            raise ToolError(
                f"the question is {len(question)} characters; the limit is "
                f"{self.max_question_chars}. Ask a shorter question."
            )
        place = self._jurisdiction(jurisdiction)
        return answer_to_dict(self.answerer.ask(question, place))

    def search(
        self,
        query: Annotated[
            str,
            Field(min_length=1, description="Topic, keywords or question, Chinese or English"),
        ],
        *,
        k: Annotated[int, Field(ge=1, le=50, description="How many clauses to return")] = 10,
        mode: Annotated[
            Literal["hybrid", "bm25", "dense"],
            Field(
                description="hybrid (default): keywords and meaning fused; bm25: exact words; "
                "dense: meaning only"
            ),
        ] = "hybrid",
        unit: Annotated[
            str | None,
            Field(description="Only clauses of this unit (name, alias or unit id)"),
        ] = None,
        role: Annotated[
            Literal["lead", "responsible"] | None,
            Field(description="With `unit`: only clauses where it leads, or where it shares"),
        ] = None,
        jurisdiction: JurisdictionFilter = None,
        policy_id: Annotated[
            str | None, Field(description="Only clauses of this policy (id from get_policy)")
        ] = None,
    ) -> SearchResult:
        """Search policy clauses by keywords and meaning, best first, with optional filters.

        Use for topics (招商引资, 土地供应, talent recruitment, foreign trade) or to find the
        clauses behind a claim. Each hit has the clause id, policy title, clause number and
        marker, title, lead and responsible units, score and full text. Search ranks and cuts
        at `k`: for everything a unit must do use unit_duties or ask instead, which are complete.
        """
        with self.workspace.reading():
            place = self._jurisdiction(jurisdiction)
            if role is not None and unit is None:
                raise ToolError("`role` filters by a unit's role: give `unit` as well")
            if policy_id is not None and self.graph.get_policy(policy_id) is None:
                raise NotFoundError(
                    f"no stored policy with id {policy_id!r}; ids come from ask, search or get_policy"
                )
            units = self._units(unit, place) if unit is not None else []
            found = self.workspace.search(
                query,
                k,
                mode=SearchMode(mode),
                policy_id=policy_id,
                unit_ids=[u.id for u in units],
                role=Role(role) if role else None,
                jurisdiction=place,
            )
            hits = [
                SearchHitOut.of(
                    f.record,
                    score=round(f.hit.score, 6),
                    bm25_rank=f.hit.bm25_rank,
                    dense_rank=f.hit.dense_rank,
                )
                for f in found
            ]
            return SearchResult(
                query=query, mode=mode, units=[u.id for u in units], jurisdiction=place, hits=hits
            )

    def unit_duties(
        self,
        unit: UnitName,
        role: Annotated[
            Literal["lead", "responsible", "all"],
            Field(
                description="lead: clauses it leads (牵头单位); responsible: clauses it shares "
                "(责任单位/配合单位); all: both"
            ),
        ] = "all",
        jurisdiction: JurisdictionFilter = None,
    ) -> UnitDutiesResult:
        """List every clause a government unit is assigned, by role; complete, not ranked.

        The same name may exist in several jurisdictions (each county has its own 县商务局):
        the result then holds one group per jurisdiction; pass `jurisdiction` to keep one.
        Each clause carries the unit's role (lead or responsible), its citation
        (《policy title》（十五）), title, lead and responsible units and full text.
        """
        with self.workspace.reading():
            place = self._jurisdiction(jurisdiction)
            wanted = None if role == "all" else Role(role)
            groups = []
            for found in self._units(unit, place):
                # unit_clauses gives each record the unit's role: lead or responsible here.
                clauses = [
                    UnitClauseOut.of(r)
                    for r in self.graph.unit_clauses(found.id, wanted)
                    if r.role is not None
                ]
                groups.append(
                    UnitDutiesOut(
                        id=found.id,
                        name=found.name,
                        jurisdiction=found.jurisdiction,
                        aliases=list(found.aliases),
                        lead_count=sum(c.role == Role.LEAD.value for c in clauses),
                        responsible_count=sum(c.role == Role.RESPONSIBLE.value for c in clauses),
                        clauses=clauses,
                    )
                )
            return UnitDutiesResult(
                unit=unit, role=role, total=sum(len(g.clauses) for g in groups), groups=groups
            )

    def get_clause(
        self,
        clause_id: Annotated[
            str,
            Field(
                min_length=1, description="Clause id from ask, search, unit_duties or get_policy"
            ),
        ],
    ) -> ClauseDetail:
        """Fetch one clause in full: text, number, section, policy, and its units by role."""
        with self.workspace.reading():
            records = self.graph.clauses([clause_id])
            if not records:
                raise NotFoundError(
                    f"no clause with id {clause_id!r}; clause ids come from ask, search, "
                    "unit_duties or get_policy"
                )
            record = records[0]
            clause = record.clause
            return ClauseDetail.of(
                record,
                section_number=clause.section_number,
                path=list(clause.path),
                order=clause.order,
                mentioned_units=list(clause.mentioned_units),
            )

    def get_policy(
        self,
        policy_id: Annotated[
            str,
            Field(min_length=1, description="Policy id from ask, search or a clause's policy_id"),
        ],
    ) -> PolicyOut:
        """Fetch a policy: summary, outline, what it cites and which stored policies cite it.

        The outline lists the sections with their clauses' ids, numbers, titles, lead and
        responsible units (read a clause in full with get_clause). `cites` holds the documents it
        cites, in order; `stub` marks one that is cited but not ingested. `cited_by` holds stored
        policies citing it.
        """
        with self.workspace.reading():
            policy = self.graph.get_policy(policy_id)
            if policy is None:
                raise NotFoundError(
                    f"no stored policy with id {policy_id!r} (a cited document that is not "
                    "ingested has no outline); policy ids come from ask, search or get_clause"
                )
            return PolicyOut.of(
                _file_name_only(policy_summary(policy)),
                preamble=policy.preamble,
                sections=schemas.outline(policy),
                cites=[_policy_out(p) for p in self.graph.citations(policy.id)],
                cited_by=[_policy_out(p) for p in self.graph.cited_by(policy.id)],
            )

    def list_units(
        self,
        jurisdiction: JurisdictionFilter = None,
        name_contains: Annotated[
            str | None, Field(description="Only units whose name contains this, e.g. 商务")
        ] = None,
        limit: Annotated[int, Field(ge=1, le=500, description="How many units to return")] = 50,
    ) -> UnitPage:
        """List government units by workload (clauses they lead and share), most first.

        Use to find a unit's exact name or id for unit_duties and search, or to see who does
        the most. Each unit has its id, name, jurisdiction, aliases, kind, and counts of clauses
        it leads, shares and is mentioned in, and of policies naming it.
        """
        with self.workspace.reading():
            place = self._jurisdiction(jurisdiction)
            page = self.graph.units(
                0, limit, jurisdiction=place, name_contains=name_contains or None
            )
            return UnitPage(total=page.total, units=[schemas.UnitOut.of(s) for s in page.items])

    def list_jurisdictions(self) -> JurisdictionList:
        """List the jurisdictions in the store (counties, districts, cities, provinces, 国家).

        Each has its level, parent, and counts of policies, units and clauses. Use the names as
        the `jurisdiction` filter of the other tools.
        """
        with self.workspace.reading():
            return JurisdictionList(
                jurisdictions=[schemas.JurisdictionOut.of(j) for j in self.graph.jurisdictions()]
            )

    # -- names --------------------------------------------------------------------------------

    def _jurisdiction(self, name: str | None) -> str | None:
        """The stored jurisdiction ``name`` means: itself, or the one name containing it."""
        if name is None or not name.strip():
            return None
        name = name.strip()
        known = [j.jurisdiction.name for j in self.graph.jurisdictions()]
        if name in known:
            return name
        # 松江区 for 上海市松江区: accept a part of a name when it picks out one jurisdiction.
        containing = [k for k in known if name in k]
        if len(containing) == 1:
            return containing[0]
        if containing:
            raise NotFoundError(
                f"jurisdiction {name!r} is ambiguous; it may mean {_listing(containing)}"
            )
        raise NotFoundError(
            f"no jurisdiction {name!r} in the store; known: {_listing(known)} "
            "(list_jurisdictions lists them all)"
        )

    def _units(self, name: str, jurisdiction: str | None) -> list[Unit]:
        """Units ``name`` means (an id, a canonical name or an alias), one per jurisdiction."""
        name = name.strip()
        summary = self.graph.unit(name)
        if summary is not None:
            if jurisdiction not in (None, summary.unit.jurisdiction):
                raise NotFoundError(
                    f"unit {name!r} belongs to {summary.unit.jurisdiction}, not {jurisdiction}"
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
        raise NotFoundError(f"no unit named {name!r}{where}.{hint} (list_units finds names)")


def build_mcp_server(
    workspace: Workspace, answerer: Answerer, *, max_question_chars: int = 500
) -> MCPServer:
    """An MCP server exposing ``workspace`` and ``answerer`` as read-only tools.

    Args:
        workspace: The graph and clause index to serve.
        answerer: Answers ``ask`` questions (normally over the same workspace).
        max_question_chars: Longest question ``ask`` accepts.

    Returns:
        The server; serve it with :func:`run_stdio` or :func:`run_http`.
    """
    tools = PolicyKGTools(workspace, answerer, max_question_chars=max_question_chars)
    server: MCPServer = MCPServer(SERVER_NAME, title="PolicyKG", instructions=INSTRUCTIONS)
    titled: list[tuple[Callable[..., Any], str]] = [
        (tools.ask, "Ask a question (cited answer)"),
        (tools.search, "Search clauses"),
        (tools.unit_duties, "Every clause of a unit"),
        (tools.get_clause, "Read a clause"),
        (tools.get_policy, "Read a policy"),
        (tools.list_units, "List units"),
        (tools.list_jurisdictions, "List jurisdictions"),
    ]
    for tool, title in titled:
        server.add_tool(
            _tool_errors(tool),
            title=title,
            description=inspect.cleandoc(tool.__doc__ or ""),
            annotations=READ_ONLY,
        )
    return server


def run_stdio(server: MCPServer) -> None:
    """Serve over stdin/stdout until the client closes the stream (stdout carries only MCP)."""
    server.run("stdio")


def run_http(server: MCPServer, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve over streamable HTTP at ``http://host:port/mcp`` until interrupted."""
    server.run("streamable-http", host=host, port=port)
