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
from api.workspace import IngestReport, open_workspace
from ingest.errors import PolicyKGError
from ingest.pipeline import ParseResult, find_documents

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


def settings_for(data_dir: Path | None) -> Settings:
    """Settings from the environment, with ``--data-dir`` (after or before the command) applied."""
    settings = Settings()
    chosen = data_dir or _state.get("data_dir")
    if chosen is not None:
        settings = settings.model_copy(update={"data_dir": chosen})
    return settings


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
    workspace = open_workspace(settings)
    files = find_documents(paths)
    if not files:
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
        task = progress.add_task("ingest", total=len(files), name="")

        def advance(result: ParseResult) -> None:
            progress.update(task, advance=1, name=Path(result.source).name[:40])
            if result.error is not None:
                progress.console.print(f"[red]error:[/] {result.source}: {result.error.problem}")

        report = workspace.ingest_paths(files, jurisdiction=jurisdiction, on_file=advance)
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
        parts.append(f"[red]{len(report.failed)} failed[/]")
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
    for source, error in report.failed:
        err.print(f"[red]failed:[/] {source}: {error.problem}")


@app.command()
def stats(data_dir: DataDirOption = None, as_json: JsonOption = False) -> None:
    """Show what the store holds: policies, clauses, units, jurisdictions, relationships."""
    settings = settings_for(data_dir)
    workspace = open_workspace(settings)
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
    workspace = open_workspace(settings_for(data_dir))
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

    workspace = open_workspace(settings_for(data_dir))
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

    workspace = open_workspace(settings_for(data_dir))
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
    from graph.neo4j import connect

    from graph.memory import MemoryGraphStore

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
