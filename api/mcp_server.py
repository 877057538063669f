"""The MCP server: PolicyKG's cited answers, clause search and graph as tools for chat assistants.

A chat assistant (Claude Desktop, an IDE agent …) connects over stdio or streamable HTTP and
calls the tools below. Every tool is read-only and returns JSON; the tool descriptions are written
for the model choosing among them. Unknown ids or names come back as a tool error (``isError``)
with a message the model can act on, never as a crash.

Build the server with :func:`build_mcp_server` (the CLI's ``policykg mcp`` does, from settings)
and serve it with :func:`run_stdio` or :func:`run_http`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, Literal, ParamSpec, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from policykg.ingest.errors import NotFoundError, PolicyKGError
from policykg.service import contract
from policykg.service.core import PolicyService

P = ParamSpec("P")
R = TypeVar("R")

SERVER_NAME = "policykg"

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

# What a model can do about a name or id it got wrong, added to the service's message.
_NEXT_STEP = {
    "unit": "list_units finds unit names",
    "jurisdiction": "list_jurisdictions lists them all",
    "policy": "policy ids come from ask, search or get_clause",
    "clause": "clause ids come from ask, search, unit_duties or get_policy",
}


def _tool_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Translate PolicyKG's errors into tool errors the assistant reads (the MCP edge)."""

    @functools.wraps(fn)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except NotFoundError as e:
            hint = _NEXT_STEP.get(e.what)
            raise ToolError(f"{e} ({hint})" if hint else str(e)) from e
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
RoleSourceFilter = Annotated[
    Literal["annotation", "table", "section", "prose", "regulation"] | None,
    Field(
        description="Only roles read from this form: annotation (（牵头单位：X）), table (a task "
        "table's column), section (a duty section headed by the unit), prose (由X牵头…), "
        "regulation (an article naming the competent department). Omit for every form."
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


InForceOn = Annotated[
    str | None,
    Field(
        description="Only policies in force on this day (YYYY-MM-DD); clauses of policies not in "
        "force carry policy_status either way"
    ),
]


class PolicyKGTools:
    """The tools, over one service (each method is one MCP tool: parse, call, return).

    Args:
        service: PolicyKG's service over the store.
    """

    def __init__(self, service: PolicyService) -> None:
        self.service = service

    def ask(
        self,
        question: Question,
        jurisdiction: JurisdictionFilter = None,
        in_force_on: InForceOn = None,
    ) -> contract.AskResponse:
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
        Quote the citations given; do not invent clause numbers. Lifecycle questions work too:
        哪些文件现行有效? / 《X》2022年还有效吗? / Which documents did 国发〔2019〕11号 repeal? /
        哪些地方落实了国发〔2019〕11号，用了多久? / X落实了上位文件的哪些条款，新增了哪些? A clause whose
        policy is not in force carries `policy_status` (repealed, expired, replaced, not_yet).
        """
        return self.service.ask(question, jurisdiction, in_force_on)

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
            Field(
                description="Only clauses where `unit` (or, without `unit`, any unit) leads, or shares"
            ),
        ] = None,
        jurisdiction: JurisdictionFilter = None,
        policy_id: Annotated[
            str | None, Field(description="Only clauses of this policy (id from get_policy)")
        ] = None,
        role_source: RoleSourceFilter = None,
        in_force_on: InForceOn = None,
    ) -> contract.SearchResponse:
        """Search policy clauses by keywords and meaning, best first, with optional filters.

        Use for topics (招商引资, 土地供应, talent recruitment, foreign trade) or to find the
        clauses behind a claim. Each hit has the clause id, policy title, clause number and
        marker, title, lead and responsible units, score and full text. Search ranks and cuts
        at `k`: for everything a unit must do use unit_duties or ask instead, which are complete.
        """
        units = [unit] if unit is not None else []
        return self.service.search(
            query,
            k,
            mode=mode,
            policy_id=policy_id,
            units=units,
            role=role,
            jurisdiction=jurisdiction,
            role_source=role_source,
            in_force_on=in_force_on,
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
        role_source: RoleSourceFilter = None,
        in_force_on: InForceOn = None,
    ) -> contract.UnitDuties:
        """List every clause a government unit is assigned, by role; complete, not ranked.

        The same name may exist in several jurisdictions (each county has its own 县商务局):
        the result then holds one group per jurisdiction; pass `jurisdiction` to keep one.
        Each clause carries the unit's role (lead or responsible), its citation
        (《policy title》（十五）), title, lead and responsible units and full text.
        """
        return self.service.unit_duties(unit, role, jurisdiction, role_source, in_force_on)

    def document_validity(
        self,
        document: Annotated[str, Field(min_length=1, description="A document's 文号, title or id")],
        on: Annotated[str | None, Field(description="The day, YYYY-MM-DD; default today")] = None,
    ) -> contract.PolicyLifecycleOut:
        """Whether a document is in force on a day (现行有效/已被修改/已废止/失效/尚未生效), and why.

        Read from the documents themselves: the document's own 自…起施行 / 有效期 sentences
        (returned as `evidence`), and `events` by later stored documents that repeal or amend it
        or replace it with a newer version, each with the sentence that says so.
        """
        return self.service.lifecycle(document, on)

    def documents_in_force(
        self,
        on: Annotated[str | None, Field(description="The day, YYYY-MM-DD; default today")] = None,
        status: Annotated[
            Literal["in_force", "amended", "replaced", "repealed", "expired", "not_yet", "all"],
            Field(description="Which status to list (in_force includes amended documents)"),
        ] = "in_force",
        jurisdiction: JurisdictionFilter = None,
        limit: Annotated[int, Field(ge=1, le=500, description="How many documents")] = 50,
    ) -> contract.ValidityPage:
        """List the stored documents with a status on a day (what is in force, repealed,
        expired …), with the count of documents per status."""
        return self.service.validity(on, status, jurisdiction=jurisdiction, limit=limit)

    def transmission(
        self,
        document: Annotated[str, Field(min_length=1, description="文号, title or id")],
    ) -> contract.TransmissionOut:
        """Which stored documents implement or cite a document, in which jurisdiction and at
        which level, and how many days after it each was issued (policy diffusion)."""
        return self.service.transmission(document)

    def clause_alignment(
        self,
        document: Annotated[str, Field(min_length=1, description="The implementing document")],
        parent: Annotated[
            str | None, Field(description="The document it implements (default: from its text)")
        ] = None,
    ) -> contract.AlignmentOut:
        """Align a local document clause by clause with the one it implements: each clause
        copied, adapted or a local addition, and which parent clauses it takes up."""
        return self.service.alignment(document, parent)

    def get_clause(
        self,
        clause_id: Annotated[
            str,
            Field(
                min_length=1, description="Clause id from ask, search, unit_duties or get_policy"
            ),
        ],
    ) -> contract.ClauseDetail:
        """Fetch one clause in full: text, number, section, policy, and its units by role."""
        return self.service.clause(clause_id)

    def get_policy(
        self,
        policy_id: Annotated[
            str,
            Field(min_length=1, description="Policy id from ask, search or a clause's policy_id"),
        ],
    ) -> contract.PolicyDetail:
        """Fetch a policy: summary, outline, what it cites and which stored policies cite it.

        The outline lists the sections with their clauses' ids, numbers, titles, lead and
        responsible units (read a clause in full with get_clause). `cites` holds the documents it
        cites, in order; `stub` marks one that is cited but not ingested. `cited_by` holds stored
        policies citing it.
        """
        return self.service.policy(policy_id)

    def list_units(
        self,
        jurisdiction: JurisdictionFilter = None,
        name_contains: Annotated[
            str | None, Field(description="Only units whose name contains this, e.g. 商务")
        ] = None,
        limit: Annotated[int, Field(ge=1, le=500, description="How many units to return")] = 50,
        offset: Annotated[int, Field(ge=0, description="How many units to skip")] = 0,
    ) -> contract.UnitPage:
        """List government units by workload (clauses they lead and share), most first.

        Use to find a unit's exact name or id for unit_duties and search, or to see who does
        the most. Each unit has its id, name, jurisdiction, aliases, level, kind, and counts of
        clauses it leads, shares and is mentioned in, and of policies naming it.
        """
        return self.service.units(offset, limit, jurisdiction=jurisdiction, name=name_contains)

    def list_jurisdictions(self) -> contract.JurisdictionList:
        """List the jurisdictions in the store (counties, districts, cities, provinces, 国家).

        Each has its level, parent, and counts of policies, units and clauses. Use the names as
        the `jurisdiction` filter of the other tools.
        """
        return self.service.jurisdictions()


def build_mcp_server(service: PolicyService) -> MCPServer:
    """An MCP server exposing ``service`` as read-only tools.

    Args:
        service: PolicyKG's service over the store to serve.

    Returns:
        The server; serve it with :func:`run_stdio` or :func:`run_http`.
    """
    tools = PolicyKGTools(service)
    server: MCPServer = MCPServer(SERVER_NAME, title="PolicyKG", instructions=INSTRUCTIONS)
    titled: list[tuple[Callable[..., Any], str]] = [
        (tools.ask, "Ask a question (cited answer)"),
        (tools.search, "Search clauses"),
        (tools.unit_duties, "Every clause of a unit"),
        (tools.get_clause, "Read a clause"),
        (tools.get_policy, "Read a policy"),
        (tools.list_units, "List units"),
        (tools.list_jurisdictions, "List jurisdictions"),
        (tools.document_validity, "Is a document in force"),
        (tools.documents_in_force, "Documents in force on a day"),
        (tools.transmission, "Who implements a document"),
        (tools.clause_alignment, "Align a document with its parent"),
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
