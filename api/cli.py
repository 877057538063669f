"""The ``policykg`` command line."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from api.settings import Settings
from api.workspace import IngestReport, Workspace, open_workspace
from ingest.errors import PolicyKGError
from ingest.pipeline import ParseResult, scan_documents

app = typer.Typer(
    help=(
        "PolicyKG: a knowledge graph and search over Chinese policy documents.\n\n"
        "Ingest documents (txt, md, html, docx, pdf) into a data directory, then ask who is "
        "responsible for what, with the clauses cited."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        "-d",
        help="Data directory of the store (env POLICYKG_DATA_DIR; default ./policykg-data).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
_state: dict[str, Any] = {}


@app.callback()
def main_options(
    data_dir: DataDirOption = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
) -> None:
    """Options shared by every command (they may also be given after the command)."""
    _state["data_dir"] = data_dir
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("jieba", "bm25s", "faiss", "sentence_transformers", "httpx"):
        logging.getLogger(noisy).setLevel(logging.INFO if verbose else logging.WARNING)


def settings_for(data_dir: Path | None) -> Settings:
    """Settings from the environment, with ``--data-dir`` (after or before the command) applied."""
    settings = Settings()
    chosen = data_dir or _state.get("data_dir")
    if chosen is not None:
        settings = settings.model_copy(update={"data_dir": chosen})
    return settings


def _open(settings: Settings) -> Workspace:
    """The workspace, telling the user on stderr when the embedding model is built (once)."""
    return open_workspace(
        settings, progress=lambda line: err.print(line, style="dim", highlight=False)
    )


@app.command()
def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Files or folders (searched recursively).", show_default=False),
    ],
    jurisdiction: Annotated[
        str | None,
        typer.Option(
            "--jurisdiction",
            "-j",
            help="Jurisdiction of every document in this batch (e.g. 松江区, 包头市); "
            "overrides what the documents say.",
        ),
    ] = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ingest documents: parse clauses, unit roles and citations, and store them.

    Re-ingesting an unchanged file changes nothing; a changed file replaces its old version.
    Files that cannot be read are reported one line each and the rest are ingested; the exit
    status is 1 when any file failed.
    """
    settings = settings_for(data_dir)
    workspace = _open(settings)
    found = scan_documents(paths)
    if not found.files:
        _print_skipped([(str(p), reason) for p, reason in found.skipped])
        err.print("[red]error:[/] no documents found under the given paths")
        raise typer.Exit(2)
    with Progress(
        TextColumn("[bold]ingest[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[name]}", style="dim"),
        console=err,
        transient=True,
        disable=as_json or not err.is_terminal,
    ) as progress:
        task = progress.add_task("ingest", total=len(found.files), name="")

        def advance(result: ParseResult) -> None:
            progress.update(task, advance=1, name=Path(result.source).name[:40])
            if result.error is not None:
                progress.console.print(f"[red]failed:[/] {result.source}: {result.error.problem}")

        def stage(message: str) -> None:
            progress.update(task, name=message)

        report = workspace.ingest_paths(
            paths, jurisdiction=jurisdiction, on_file=advance, on_stage=stage
        )
    if as_json:
        out.print_json(data=_report_json(report))
    else:
        _print_report(report, settings.data_dir)
    workspace.close()
    if report.failed:
        raise typer.Exit(1)


def _report_json(report: IngestReport) -> dict[str, Any]:
    return {
        "added": len(report.added),
        "replaced": len(report.replaced),
        "unchanged": len(report.unchanged),
        "clauses": report.clauses,
        "failed": [{"file": f, "error": e.problem} for f, e in report.failed],
        "skipped": [{"file": f, "reason": r} for f, r in report.skipped],
        "undetermined_jurisdiction": report.undetermined,
        "jurisdictions": dict(report.jurisdictions),
    }


def _print_report(report: IngestReport, data_dir: Path) -> None:
    new = len(report.added) - len(report.replaced)
    parts = [
        f"{len(report.added)} stored ({new} new, {len(report.replaced)} replacing older versions)"
    ]
    if report.unchanged:
        parts.append(f"{len(report.unchanged)} unchanged")
    if report.failed:
        parts.append(f"[red]{len(report.failed)} failed[/] (each named above)")
    out.print(f"Ingested into {data_dir}: " + ", ".join(parts) + f"; {report.clauses} clauses.")
    if report.jurisdictions:
        places = ", ".join(f"{n} ({c})" for n, c in report.jurisdictions.most_common(8))
        more = len(report.jurisdictions) - 8
        out.print(f"Jurisdictions: {places}" + (f" and {more} more" if more > 0 else ""))
    if report.undetermined:
        out.print(
            f"[yellow]{len(report.undetermined)} document(s) name no jurisdiction PolicyKG can tell[/]"
            " and each got a scope of its own (use --jurisdiction to set one):"
        )
        for title in report.undetermined[:10]:
            out.print(f"  - {title}")
    _print_skipped(report.skipped)


def _shown(shown: int, total: int) -> str | None:
    """The caption of a cut list: how much of it is shown and how to see more."""
    return f"{shown} of {total} shown (--limit N shows more)" if shown < total else None


def _print_skipped(skipped: list[tuple[str, str]], most: int = 20) -> None:
    """One line per file a folder held that is not ingested, with the reason."""
    if not skipped:
        return
    err.print(f"[yellow]skipped {len(skipped)} file(s) that are not documents PolicyKG reads:[/]")
    for source, reason in skipped[:most]:
        err.print(f"  {source}: {reason}", highlight=False)
    if len(skipped) > most:
        err.print(f"  … and {len(skipped) - most} more (--json lists every one)")


@app.command()
def stats(data_dir: DataDirOption = None, as_json: JsonOption = False) -> None:
    """Show what the store holds: policies, clauses, units, jurisdictions, relationships."""
    settings = settings_for(data_dir)
    workspace = _open(settings)
    counts = workspace.graph.stats()
    places = workspace.graph.jurisdictions()
    if as_json:
        out.print_json(
            data={
                "data_dir": str(settings.data_dir),
                "policies": counts.policies,
                "stub_policies": counts.stub_policies,
                "sections": counts.sections,
                "clauses": counts.clauses,
                "units": counts.units,
                "jurisdictions": [
                    {
                        "name": p.jurisdiction.name,
                        "policies": p.policies,
                        "units": p.units,
                        "clauses": p.clauses,
                    }
                    for p in places
                ],
                "relationships": dict(counts.relationships),
            }
        )
        return
    table = Table(title=f"PolicyKG store {settings.data_dir}", show_header=False)
    for label, value in (
        ("policies", counts.policies),
        ("cited, not ingested", counts.stub_policies),
        ("sections", counts.sections),
        ("clauses", counts.clauses),
        ("units", counts.units),
        ("jurisdictions", len(places)),
    ):
        table.add_row(label, str(value))
    for kind, value in counts.relationships.items():
        table.add_row(kind, str(value))
    out.print(table)
    if places:
        by_place = Table("jurisdiction", "policies", "units", "clauses")
        for p in places[:20]:
            by_place.add_row(p.jurisdiction.name, str(p.policies), str(p.units), str(p.clauses))
        out.print(by_place)


@app.command()
def units(
    jurisdiction: Annotated[
        str | None, typer.Option("--jurisdiction", "-j", help="Only this jurisdiction.")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Only units whose name contains this.")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many to list.")] = 30,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """List units by workload: clauses they lead and share, mentions, policies naming them."""
    workspace = _open(settings_for(data_dir))
    page = workspace.graph.units(0, limit, jurisdiction=jurisdiction, name_contains=name)
    if as_json:
        out.print_json(
            data={
                "total": page.total,
                "units": [
                    {
                        "id": u.unit.id,
                        "name": u.unit.name,
                        "jurisdiction": u.unit.jurisdiction,
                        "kind": u.unit.kind.value,
                        "lead": u.lead,
                        "responsible": u.responsible,
                        "mentions": u.mentions,
                        "policies": u.policies,
                    }
                    for u in page.items
                ],
            }
        )
        return
    table = Table(
        "unit",
        "jurisdiction",
        "kind",
        "lead",
        "responsible",
        "mentions",
        "policies",
        title=f"{page.total} units",
        caption=_shown(len(page.items), page.total),
    )
    for u in page.items:
        table.add_row(
            u.unit.name,
            u.unit.jurisdiction,
            u.unit.kind.value,
            str(u.lead),
            str(u.responsible),
            str(u.mentions),
            str(u.policies),
        )
    out.print(table)


@app.command()
def analyze(
    jurisdiction: Annotated[
        str | None, typer.Option("--jurisdiction", "-j", help="Only this jurisdiction.")
    ] = None,
    top: Annotated[int, typer.Option(help="Rows per ranking.")] = 15,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Workload ranking, centrality in the collaboration network, and communities of units."""
    from graph.analysis import (
        collaboration_graph,
        unit_centrality,
        unit_communities,
        workload_ranking,
    )

    workspace = _open(settings_for(data_dir))
    ranking = workload_ranking(workspace.graph, jurisdiction, top)
    network = collaboration_graph(workspace.graph, jurisdiction)
    central = unit_centrality(network, top)
    groups = unit_communities(network)
    if as_json:
        out.print_json(
            data={
                "workload": [
                    {
                        "unit": r.unit.name,
                        "jurisdiction": r.unit.jurisdiction,
                        "lead": r.lead,
                        "responsible": r.responsible,
                    }
                    for r in ranking
                ],
                "centrality": [_as_dict(c) for c in central],
                "communities": [
                    {"units": list(c.names), "shared_clauses": c.internal_weight} for c in groups
                ],
            }
        )
        return
    table = Table("unit", "jurisdiction", "lead", "responsible", title="Workload")
    for r in ranking:
        table.add_row(r.unit.name, r.unit.jurisdiction, str(r.lead), str(r.responsible))
    out.print(table)
    table = Table(
        "unit", "partners", "shared clauses", "betweenness", "pagerank", title="Centrality"
    )
    for c in central:
        table.add_row(
            c.name,
            str(c.partners),
            str(c.shared_clauses),
            f"{c.betweenness:.3f}",
            f"{c.pagerank:.3f}",
        )
    out.print(table)
    for i, group in enumerate(groups[:10], start=1):
        out.print(f"community {i} ({len(group.units)} units): " + "、".join(group.names[:12]))


def _as_dict(value: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(value)


@app.command()
def export(
    output: Annotated[
        Path, typer.Argument(help="File to write: .graphml, .gexf (Gephi) or .json.")
    ],
    graph: Annotated[
        str,
        typer.Option(
            "--graph", help="full: every node and relationship; collaboration: units only."
        ),
    ] = "full",
    jurisdiction: Annotated[
        str | None,
        typer.Option("--jurisdiction", "-j", help="Collaboration graph of this jurisdiction."),
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="graphml, gexf or json (default: extension).")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Export the graph for Gephi (GEXF), Cytoscape/yEd (GraphML) or notebooks (JSON)."""
    from graph.analysis import collaboration_graph
    from graph.export import export_graph

    workspace = _open(settings_for(data_dir))
    if graph == "collaboration":
        network = collaboration_graph(workspace.graph, jurisdiction)
    elif graph == "full":
        network = workspace.graph.to_networkx()
    else:
        err.print(f"[red]error:[/] --graph must be full or collaboration, not {graph!r}")
        raise typer.Exit(2)
    try:
        written = export_graph(network, output, fmt)
    except ValueError as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(2) from e
    out.print(
        f"Wrote {network.number_of_nodes()} nodes and {network.number_of_edges()} edges to {output} ({written})."
    )


@app.command("neo4j-sync")
def neo4j_sync(
    uri: Annotated[str | None, typer.Option(help="Bolt URI (default POLICYKG_NEO4J_URI).")] = None,
    user: Annotated[str | None, typer.Option(help="User (default POLICYKG_NEO4J_USER).")] = None,
    password: Annotated[
        str | None, typer.Option(help="Password (default POLICYKG_NEO4J_PASSWORD).")
    ] = None,
    database: Annotated[
        str | None, typer.Option(help="Database (default: the server's default).")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Load the embedded store's policies into a Neo4j database (open it in Neo4j Browser).

    Idempotent: policies already in Neo4j are left as they are, earlier versions are replaced.
    """
    from graph.memory import MemoryGraphStore
    from graph.neo4j import connect

    settings = settings_for(data_dir)
    target_uri = uri or settings.neo4j_uri
    if not target_uri:
        err.print("[red]error:[/] give --uri or set POLICYKG_NEO4J_URI")
        raise typer.Exit(2)
    source = MemoryGraphStore(settings.data_dir / "graph")
    target = connect(
        target_uri,
        user if user is not None else settings.neo4j_user,
        password if password is not None else settings.neo4j_password.get_secret_value(),
        database=database or settings.neo4j_database,
        timeout=settings.neo4j_timeout,
    )
    ids = sorted(source.policy_ids())
    written = unchanged = 0
    with Progress(
        TextColumn("[bold]neo4j-sync[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("sync", total=len(ids))
        for start in range(0, len(ids), 50):
            batch = [p for i in ids[start : start + 50] if (p := source.get_policy(i)) is not None]
            for result in target.write_policies(batch):
                unchanged += result.unchanged
                written += not result.unchanged
            progress.update(task, advance=len(batch))
    stats = target.stats()
    target.close()
    out.print(
        f"Synced {len(ids)} policies to {target_uri}: {written} written, {unchanged} already there. "
        f"Neo4j now holds {stats.policies} policies, {stats.clauses} clauses, {stats.units} units."
    )


@app.command()
def ask(
    question: Annotated[
        str, typer.Argument(help="A question in Chinese or English, e.g. 县商务局负责什么?")
    ],
    jurisdiction: Annotated[
        str | None, typer.Option("--jurisdiction", "-j", help="Answer only for this jurisdiction.")
    ] = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ask a question; the answer cites policy and clause for every statement.

    Unit questions (县商务局负责什么? / What is the 县商务局 responsible for?) list every clause of
    the unit; who-leads, citation and ranking questions are answered from the graph; anything else
    by hybrid retrieval.
    """
    from api.answers import Answerer, answer_to_dict
    from api.llm import rewriter_for

    settings = settings_for(data_dir)
    workspace = _open(settings)
    answerer = Answerer(workspace, rewriter=rewriter_for(settings))
    answer = answerer.ask(question, jurisdiction)
    if as_json:
        out.print_json(data=answer_to_dict(answer))
        return
    out.print(answer.answer)
    if answer.clauses:
        out.print()
        for clause in answer.clauses:
            role = f"[{clause.role}] " if clause.role else ""
            out.print(
                f"[dim]{role}{clause.jurisdiction} {clause.citation}{clause.title} "
                f"— 牵头: {'、'.join(clause.lead_units) or '—'}; 责任: {'、'.join(clause.responsible_units) or '—'}[/]"
            )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    data_dir: DataDirOption = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs) and the web explorer at /."""
    import uvicorn

    from api.app import create_app

    settings = settings_for(data_dir)
    out.print(f"PolicyKG on http://{host}:{port}  (API docs: /docs; data: {settings.data_dir})")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Question or keywords, Chinese or English.")],
    k: Annotated[int, typer.Option("--k", "-k", help="How many clauses.")] = 10,
    mode: Annotated[str, typer.Option(help="hybrid, bm25 or dense.")] = "hybrid",
    policy: Annotated[str | None, typer.Option(help="Only clauses of this policy id.")] = None,
    unit: Annotated[
        list[str] | None, typer.Option(help="Only clauses of this unit (name or id); repeatable.")
    ] = None,
    role: Annotated[str | None, typer.Option(help="With --unit: lead or responsible.")] = None,
    jurisdiction: Annotated[
        str | None, typer.Option("--jurisdiction", "-j", help="Only this jurisdiction.")
    ] = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Search clauses: BM25 and embeddings fused (or one of them), with filters."""
    from ingest.model import Role
    from search.hybrid import SearchMode

    try:
        chosen_mode = SearchMode(mode)
        chosen_role = Role(role) if role else None
    except ValueError as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(2) from e
    workspace = _open(settings_for(data_dir))
    unit_ids = [u.id for name in unit or [] for u in _units_named(workspace, name, jurisdiction)]
    if unit and not unit_ids:
        err.print(f"[red]error:[/] no unit called {', '.join(unit)}")
        raise typer.Exit(1)
    found = workspace.search(
        query,
        k,
        mode=chosen_mode,
        policy_id=policy,
        unit_ids=unit_ids,
        role=chosen_role,
        jurisdiction=jurisdiction,
    )
    if as_json:
        out.print_json(
            data={
                "query": query,
                "mode": chosen_mode.value,
                "hits": [
                    {
                        "clause_id": f.record.clause.id,
                        "policy_id": f.record.clause.policy_id,
                        "policy_title": f.record.policy_title,
                        "jurisdiction": f.record.jurisdiction,
                        "number": f.record.clause.number,
                        "title": f.record.clause.title,
                        "lead_units": list(f.record.clause.lead_units),
                        "responsible_units": list(f.record.clause.responsible_units),
                        "score": f.hit.score,
                        "bm25_rank": f.hit.bm25_rank,
                        "dense_rank": f.hit.dense_rank,
                        "text": f.record.clause.text,
                    }
                    for f in found
                ],
            }
        )
        return
    if not found:
        out.print("No clause found.")
    for rank, f in enumerate(found, start=1):
        clause = f.record.clause
        out.print(
            f"[bold]{rank}. {f.record.policy_title} {clause.marker}{clause.title}[/]  [dim]({f.record.jurisdiction}; score {f.hit.score:.4f}, bm25 #{f.hit.bm25_rank or '-'}, dense #{f.hit.dense_rank or '-'})[/]"
        )
        if clause.lead_units or clause.responsible_units:
            out.print(
                f"   牵头: {'、'.join(clause.lead_units) or '—'}  责任: {'、'.join(clause.responsible_units) or '—'}"
            )
        out.print("   " + clause.text.replace("\n", " ")[:160])


def _units_named(workspace: Any, name: str, jurisdiction: str | None) -> list[Any]:
    direct = workspace.graph.unit(name)
    if direct is not None:
        return [direct.unit]
    return list(workspace.graph.find_units(name, jurisdiction=jurisdiction))


@app.command()
def check(
    repair: Annotated[
        bool,
        typer.Option("--repair", help="Repair what is found: finish, rebuild, restore or drop."),
    ] = False,
    quick: Annotated[
        bool, typer.Option("--quick", help="Compare clause ids and files only, not contents.")
    ] = False,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check that graph, vectors and BM25 hold the same clauses with the same contents, and that
    every stored file is whole (exit 1 when anything disagrees)."""
    workspace = _open(settings_for(data_dir))
    report = workspace.repair() if repair else workspace.check(contents=not quick)
    after = workspace.check(contents=not quick) if repair else report
    figures = {
        "clauses_in_graph": after.clauses_in_graph,
        "vectors": after.vectors,
        "bm25": after.bm25,
        "consistent": after.clean,
        "problems": report.problems()[:-1] if report.problems() else [],
        "repaired": report.repaired,
        "unverified_vectors": after.unverified_vectors,
    }
    if as_json:
        out.print_json(data=figures)
    else:
        state = "consistent" if after.clean else "[red]problems found[/]"
        out.print(
            f"graph {after.clauses_in_graph} clauses, vectors {after.vectors}, "
            f"BM25 {after.bm25}: {state}"
        )
        for line in report.problems() if not repair else report.problems()[:-1]:
            out.print(f"  {line}", highlight=False)
        for line in report.repaired:
            out.print(f"  repaired: {line}", highlight=False)
        if after.unverified_vectors:
            out.print(
                f"  {after.unverified_vectors} vectors have no cached copy to compare with "
                "(checked to be unit vectors only)"
            )
        if repair and not after.clean:
            for line in after.problems():
                out.print(f"  still: {line}", highlight=False)
    if not after.clean:
        raise typer.Exit(1)


@app.command()
def reindex(data_dir: DataDirOption = None) -> None:
    """Embed and index every clause again with the configured model (after changing it)."""
    workspace = _open(settings_for(data_dir))
    count = workspace.reindex()
    out.print(f"Indexed {count} clauses with {workspace.index.embedder.name}.")


@app.command()
def delete(
    policy_id: Annotated[
        str, typer.Argument(help="Id of the policy to delete (see `policykg policies`).")
    ],
    data_dir: DataDirOption = None,
) -> None:
    """Delete a policy, its clauses, and units no other policy names."""
    workspace = _open(settings_for(data_dir))
    if not workspace.delete_policy(policy_id):
        err.print(f"[red]error:[/] no policy {policy_id}")
        raise typer.Exit(1)
    out.print(f"Deleted {policy_id}.")


@app.command()
def policies(
    jurisdiction: Annotated[
        str | None, typer.Option("--jurisdiction", "-j", help="Only this jurisdiction.")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many to list.")] = 50,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """List stored policies with their ids, 文号 and clause counts."""
    workspace = _open(settings_for(data_dir))
    page = workspace.graph.policies(0, limit, jurisdiction=jurisdiction)
    if as_json:
        out.print_json(data={"total": page.total, "policies": [_as_dict(p) for p in page.items]})
        return
    table = Table(
        "id",
        "title",
        "文号",
        "jurisdiction",
        "date",
        "clauses",
        title=f"{page.total} policies",
        caption=_shown(len(page.items), page.total),
    )
    for p in page.items:
        table.add_row(
            p.id,
            p.title,
            p.doc_number or "",
            p.jurisdiction or "",
            p.date or "",
            str(p.clause_count),
        )
    out.print(table)


@app.command("mcp")
def mcp_server(
    transport: Annotated[
        str,
        typer.Option(
            help="stdio: the assistant starts this command and talks over stdin/stdout; "
            "http: streamable HTTP at http://HOST:PORT/mcp."
        ),
    ] = "stdio",
    host: Annotated[str, typer.Option(help="With --transport http: address to listen on.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="With --transport http: port.")] = 8765,
    data_dir: DataDirOption = None,
) -> None:
    """Serve the store to chat assistants over MCP (Model Context Protocol).

    Tools: ask (cited answers), search, unit_duties, get_clause, get_policy, list_units,
    list_jurisdictions. With stdio, stdout carries only MCP messages; logs go to stderr.
    """
    from api.answers import Answerer
    from api.llm import rewriter_for
    from api.mcp_server import build_mcp_server, run_http, run_stdio

    if transport not in ("stdio", "http"):
        err.print(f"[red]error:[/] --transport must be stdio or http, not {transport!r}")
        raise typer.Exit(2)
    settings = settings_for(data_dir)
    workspace = _open(settings)
    server = build_mcp_server(
        workspace,
        Answerer(workspace, rewriter=rewriter_for(settings)),
        max_question_chars=settings.max_question_chars,
    )
    try:
        if transport == "http":
            err.print(
                f"PolicyKG MCP server on http://{host}:{port}/mcp (data: {settings.data_dir})"
            )
            run_http(server, host, port)
        else:
            run_stdio(server)
    finally:
        workspace.close()


def main() -> None:
    """Entry point of the ``policykg`` command."""
    try:
        app()
    except PolicyKGError as e:
        err.print(f"[red]error:[/] {e}")
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
