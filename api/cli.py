"""The ``policykg`` command line."""

from __future__ import annotations

import csv
import io
import logging
import os
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import BaseModel, SecretStr
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from policykg.api.factory import open_service, ray_embedder_for
from policykg.api.settings import Settings
from policykg.ingest.errors import InvalidRequestError, PolicyKGError
from policykg.ingest.pipeline import ParseResult, scan_documents
from policykg.ingest.storage import atomic_write_bytes
from policykg.ingest.validity import STATUS_LABELS
from policykg.service import contract
from policykg.service.core import PolicyService
from policykg.service.workspace import IngestReport

_RAY_DEFAULT = "@settings"
"""What a bare ``--ray`` stands for: the settings' cluster (``POLICYKG_RAY_ADDRESS``)."""


def _ray_address_like(arg: str) -> bool:
    """Whether the word after ``--ray`` is a cluster address rather than a path or option."""
    return arg in ("auto", "local") or (":" in arg and not Path(arg).exists())


class _Commands(typer.core.TyperGroup):
    """The command group, reading ``--ray`` with or without an address.

    click gives an option either always or never a value; ``ingest docs/ --ray``,
    ``ingest --ray docs/`` and ``ingest --ray ray://head:10001 docs/`` should all work, so a
    bare ``--ray`` (not followed by an address) is read as ``--ray=@settings``.
    """

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        fixed = [
            f"--ray={_RAY_DEFAULT}"
            if arg == "--ray" and not (i + 1 < len(args) and _ray_address_like(args[i + 1]))
            else arg
            for i, arg in enumerate(args)
        ]
        return super().parse_args(ctx, fixed)


app = typer.Typer(
    cls=_Commands,
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
InForceOption = Annotated[
    str | None,
    typer.Option(
        "--in-force-on",
        help="Only policies in force on this day (YYYY-MM-DD); clauses of policies not in force "
        "(that day, else today) are marked either way.",
    ),
]
_state: dict[str, Path | None] = {}


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


def _open(settings: Settings) -> PolicyService:
    """The service, telling the user on stderr when the embedding model is built (once)."""
    return open_service(
        settings, progress=lambda line: err.print(line, style="dim", highlight=False)
    )


def _print_json(model: BaseModel) -> None:
    """A result as JSON: the same model, and so the same fields, as HTTP and MCP return."""
    out.print_json(model.model_dump_json())


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
    report_file: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="Also write the ingest report, with what the parser made of each document "
            "(clauses, roles by source, units, attachments, text kept, warnings), to this JSON file.",
        ),
    ] = None,
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray",
            metavar="[ADDRESS]",
            help="Embed the clauses on a Ray cluster first (pip install 'policykg\\[ray]'): "
            "ADDRESS, else POLICYKG_RAY_ADDRESS, else the cluster RAY_ADDRESS names or a local "
            "one.",
            show_default=False,
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
    service = _open(settings)
    found = scan_documents(paths)
    if not found.files:
        _print_skipped([(str(p), reason) for p, reason in found.skipped])
        err.print("[red]error:[/] no documents found under the given paths")
        raise typer.Exit(2)
    if ray is not None:
        _embed_on_ray(service, settings, paths, jurisdiction, None if ray == _RAY_DEFAULT else ray)
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

        report = service.ingest_paths(
            paths, jurisdiction=jurisdiction, on_file=advance, on_stage=stage
        )
    summary = _ingest_summary(report)
    if report_file is not None:
        atomic_write_bytes(report_file, summary.model_dump_json(indent=1).encode("utf-8"))
    if as_json:
        _print_json(summary)
    else:
        _print_report(report, settings.data_dir)
    service.close()
    if report.failed:
        raise typer.Exit(1)


def _embed_on_ray(
    service: PolicyService,
    settings: Settings,
    paths: list[Path],
    jurisdiction: str | None,
    address: str | None,
) -> None:
    """``ingest --ray``: fill the embedding cache on Ray; the ingest that follows reads it."""
    try:
        batch = ray_embedder_for(settings, service.workspace.embedder, address)
        with Progress(
            TextColumn("[bold]embed on Ray[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        ) as progress:
            task = progress.add_task("ray", total=None)
            run = service.embed_ahead(
                paths,
                batch,
                jurisdiction=jurisdiction,
                on_batch=lambda done, total: progress.update(task, completed=done, total=total),
            )
    except PolicyKGError as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(1) from e
    rate = f", {run.embedded / run.seconds:,.1f} clauses/s" if run.seconds else ""
    err.print(
        f"embedded on Ray: {run.embedded:,} clauses by {run.workers} workers{rate} "
        f"({run.cached:,} of {run.passages:,} were cached)",
        highlight=False,
    )


def _ingest_summary(report: IngestReport) -> contract.IngestSummary:
    return contract.IngestSummary(
        added=len(report.added),
        replaced=len(report.replaced),
        unchanged=len(report.unchanged),
        clauses=report.clauses,
        embedded=report.embedded,
        failed=[contract.FileProblem(file=f, error=e.problem) for f, e in report.failed],
        skipped=[contract.SkippedFile(file=f, reason=r) for f, r in report.skipped],
        undetermined_jurisdiction=report.undetermined,
        jurisdictions=dict(report.jurisdictions),
        coverage={name: round(d.coverage.share, 4) for name, d in report.parsed.items()},
        documents=[contract.DocumentReportOut.of(d) for d in report.parsed.values()],
    )


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
    coverage = {name: d.coverage for name, d in report.parsed.items()}
    if coverage:
        characters = sum(c.characters for c in coverage.values())
        kept = sum(c.kept for c in coverage.values())
        name, lowest = min(coverage.items(), key=lambda item: item[1].share)
        line = f"Text kept: {kept / max(1, characters):.1%} of the documents' characters"
        if lowest.share < 1.0:
            line += f"; least: {name} {lowest.share:.1%}"
            if lowest.lost:
                line += f" (not kept: “{lowest.lost[0][:30]}…”)"
        out.print(line + ".", highlight=False)
    warned = [(name, d.warnings) for name, d in report.parsed.items() if d.warnings]
    for name, warnings in warned[:10]:
        out.print(f"[yellow]{name}[/]: " + "; ".join(warnings), highlight=False)
    if len(warned) > 10:
        out.print(f"… and {len(warned) - 10} more documents with warnings (--report lists all)")
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
    counts = _open(settings).stats()
    if as_json:
        _print_json(counts)
        return
    table = Table(title=f"PolicyKG store {settings.data_dir}", show_header=False)
    for label, value in (
        ("policies", counts.policies),
        ("cited, not ingested", counts.stub_policies),
        ("sections", counts.sections),
        ("clauses", counts.clauses),
        ("units", counts.units),
        ("jurisdictions", len(counts.jurisdictions)),
        *counts.relationships.items(),
        ("embedding", counts.embedding),
    ):
        table.add_row(label, str(value))
    out.print(table)
    if counts.jurisdictions:
        by_place = Table("jurisdiction", "policies", "units", "clauses")
        for p in counts.jurisdictions[:20]:
            by_place.add_row(p.name, str(p.policies), str(p.units), str(p.clauses))
        out.print(by_place)


JurisdictionOption = Annotated[
    str | None,
    typer.Option(
        "--jurisdiction", "-j", help="Only this jurisdiction (松江区, 上海市松江区 or Songjiang)."
    ),
]


@app.command()
def units(
    jurisdiction: JurisdictionOption = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Only units whose name contains this.")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many to list.")] = 30,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """List units by workload: clauses they lead and share, mentions, policies naming them."""
    page = _open(settings_for(data_dir)).units(0, limit, jurisdiction=jurisdiction, name=name)
    if as_json:
        _print_json(page)
        return
    columns = ("name", "jurisdiction", "kind", "lead", "responsible", "mentions", "policies")
    table = Table(
        "unit",
        *columns[1:],
        title=f"{page.total} units",
        caption=_shown(len(page.items), page.total),
    )
    for u in page.items:
        table.add_row(*(str(getattr(u, c)) for c in columns))
    out.print(table)


@app.command()
def analyze(
    jurisdiction: JurisdictionOption = None,
    top: Annotated[int, typer.Option(help="Rows per ranking.")] = 15,
    transmission: Annotated[
        str | None,
        typer.Option(
            "--transmission",
            help="Instead: every document that implements or cites this one (文号, title or id), "
            "with jurisdiction, level and days after, as CSV.",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the CSV here (default: stdout).")
    ] = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Workload ranking, centrality in the collaboration network, and communities of units.

    With --transmission 文号: how a document travelled down the hierarchy (policy-diffusion
    data: one row per implementing or citing document).
    """
    if transmission is not None:
        found = _open(settings_for(data_dir)).transmission(transmission)
        if as_json:
            _print_json(found)
        else:
            _write_csv(transmission_rows(found), output)
        return
    analysis = _open(settings_for(data_dir)).analyze(jurisdiction, top)
    if as_json:
        _print_json(analysis)
        return
    table = Table("unit", "jurisdiction", "lead", "responsible", title="Workload")
    for r in analysis.workload:
        table.add_row(r.unit, r.jurisdiction, str(r.lead), str(r.responsible))
    out.print(table)
    table = Table(
        "unit", "partners", "shared clauses", "betweenness", "pagerank", title="Centrality"
    )
    for c in analysis.centrality:
        table.add_row(
            c.name,
            str(c.partners),
            str(c.shared_clauses),
            f"{c.betweenness:.3f}",
            f"{c.pagerank:.3f}",
        )
    out.print(table)
    for i, group in enumerate(analysis.communities[:10], start=1):
        out.print(f"community {i} ({len(group.units)} units): " + "、".join(group.units[:12]))


def transmission_rows(found: contract.TransmissionOut) -> list[list[str]]:
    """The transmission table as CSV rows, header first."""
    rows = [
        [
            "cited_id", "cited_title", "cited_doc_number", "cited_date", "policy_id", "title",
            "doc_number", "jurisdiction", "level", "kind", "date", "days_after", "sentence",
        ]
    ]  # fmt: skip
    cited = found.policy
    for row in found.rows:
        rows.append(
            [
                cited.policy_id, cited.title, cited.doc_number or "", found.date or "",
                row.policy.policy_id, row.policy.title, row.policy.doc_number or "",
                row.policy.jurisdiction or "", row.level, row.kind, row.date or "",
                "" if row.days_after is None else str(row.days_after), row.sentence or "",
            ]
        )  # fmt: skip
    return rows


def _write_csv(rows: list[list[str]], output: Path | None) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    if output is None:
        sys.stdout.write(buffer.getvalue())
        return
    atomic_write_bytes(output, buffer.getvalue().encode("utf-8-sig"))  # Excel reads the BOM
    err.print(f"wrote {len(rows) - 1} rows to {output}")


@app.command()
def validity(
    document: Annotated[
        str | None,
        typer.Argument(help="A document (文号, title or id); without one, list the documents."),
    ] = None,
    on: Annotated[
        str | None, typer.Option("--on", help="The day (YYYY-MM-DD); default today.")
    ] = None,
    status: Annotated[
        str,
        typer.Option(
            help="Listing: in_force (with amended), amended, replaced, repealed, expired, not_yet "
            "or all."
        ),
    ] = "in_force",
    jurisdiction: JurisdictionOption = None,
    limit: Annotated[int, typer.Option(help="How many to list.")] = 50,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Whether a document is in force on a day, and why; or which documents are.

    Read from the documents themselves: each one's 自…起施行 / 有效期 sentences, the documents
    that later repeal or amend it, and newer stored versions of the same title.
    """
    service = _open(settings_for(data_dir))
    if document is not None:
        found = service.lifecycle(document, on)
        if as_json:
            _print_json(found)
            return
        ref = found.policy
        out.print(
            f"[bold]《{ref.title}》[/] {ref.doc_number or ''} — {found.on}: {found.status_label}"
        )
        out.print(f"  effective: {found.effective or '—'}; expires: {found.expires or '—'}")
        if found.evidence:
            out.print(f"  [dim]“{found.evidence}”[/]")
        for event in found.events:
            said = f" “{event.sentence}”" if event.sentence else ""
            out.print(f"  {event.day or '?'} {event.status} by 《{event.by.title}》{said}")
        return
    page = service.validity(on, status, jurisdiction=jurisdiction, limit=limit)
    if as_json:
        _print_json(page)
        return
    tally = ", ".join(f"{STATUS_LABELS[s]} {n}" for s, n in page.counts.items())
    table = Table("title", "文号", "jurisdiction", "effective", "expires", "status",
                  title=f"{page.total} documents ({status}) on {page.on}", caption=tally)  # fmt: skip
    for p in page.items:
        table.add_row(
            p.title, p.doc_number or "", p.jurisdiction or "", p.effective or "",
            p.expires or "", STATUS_LABELS.get(p.status or "", p.status or ""),
        )  # fmt: skip
    out.print(table)


@app.command()
def align(
    document: Annotated[str, typer.Argument(help="The implementing document (文号, title or id).")],
    parent: Annotated[
        str | None,
        typer.Option(help="The document it implements (default: the one its text names)."),
    ] = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Align a document clause by clause with the one it implements: copied, adapted, added."""
    found = _open(settings_for(data_dir)).alignment(document, parent)
    if as_json:
        _print_json(found)
        return
    out.print(
        f"《{found.local.title}》 ← 《{found.parent.title}》: "
        + ", ".join(f"{k} {v}" for k, v in found.counts.items())
        + f"; parent clauses taken up {found.covered}/{len(found.parent_clauses)}"
    )
    table = Table("clause", "label", "parent clause", "similarity", "overlap")
    for a in found.clauses:
        table.add_row(
            f"{a.marker}{a.title[:30]}", a.label,
            f"{a.parent_marker}{(a.parent_title or '')[:30]}" if a.parent_marker else "—",
            f"{a.similarity:.3f}", f"{a.overlap:.3f}",
        )  # fmt: skip
    out.print(table)


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
    if graph not in ("full", "collaboration"):
        _usage(f"--graph must be full or collaboration, not {graph!r}")
    service = _open(settings_for(data_dir))
    try:
        written = service.export(
            output,
            graph="collaboration" if graph == "collaboration" else "full",
            jurisdiction=jurisdiction,
            fmt=fmt,
        )
    except InvalidRequestError as e:
        _usage(str(e))
    out.print(
        f"Wrote {written.nodes} nodes and {written.edges} edges to {output} ({written.format})."
    )


def _usage(message: str) -> NoReturn:
    """Refuse the command line as given (exit status 2, as for any usage error)."""
    err.print(f"[red]error:[/] {message}")
    raise typer.Exit(2)


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
    with_index: Annotated[
        bool,
        typer.Option(
            "--index",
            help="Move the clause index too (vectors and BM25 tokens, nothing embedded again), "
            "for POLICYKG_INDEX=neo4j.",
        ),
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Load the embedded store's policies into a Neo4j database (open it in Neo4j Browser).

    Idempotent: policies already in Neo4j are left as they are, earlier versions are replaced.
    With --index the store's vectors and tokens move too: the whole store then runs on Neo4j.
    """
    from policykg.api.factory import embedded_graph, neo4j_graph
    from policykg.service.transfer import copy_policies

    settings = settings_for(data_dir)
    target_uri = uri or settings.neo4j_uri
    if not target_uri:
        _usage("give --uri or set POLICYKG_NEO4J_URI")
    settings = settings.model_copy(
        update={
            "neo4j_uri": target_uri,
            "neo4j_user": user if user is not None else settings.neo4j_user,
            "neo4j_password": SecretStr(password)
            if password is not None
            else settings.neo4j_password,
            "neo4j_database": database or settings.neo4j_database,
        }
    )
    source, target = embedded_graph(settings), neo4j_graph(settings)
    with Progress(
        TextColumn("[bold]neo4j-sync[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("sync", total=len(source.policy_ids()))
        copied = copy_policies(source, target, lambda n: progress.update(task, advance=n))
    target.close()
    out.print(
        f"Synced {copied.policies} policies to {target_uri}: {copied.written} written, "
        f"{copied.unchanged} already there. Neo4j now holds {copied.target.policies} policies, "
        f"{copied.target.clauses} clauses, {copied.target.units} units."
    )
    if with_index:
        from policykg.api.factory import open_workspace
        from policykg.service.transfer import copy_index

        files = open_workspace(settings.model_copy(update={"neo4j_uri": None, "index": "files"}))
        inside = open_workspace(settings.model_copy(update={"index": "neo4j"}))
        try:
            moved = copy_index(files.index, inside.index)
        finally:
            files.close()
            inside.close()
        out.print(
            f"Moved the vectors and tokens of {moved:,} clauses into Neo4j's indexes; set "
            "POLICYKG_INDEX=neo4j to search them there."
        )


@app.command()
def ask(
    question: Annotated[
        str, typer.Argument(help="A question in Chinese or English, e.g. 县商务局负责什么?")
    ],
    jurisdiction: Annotated[
        str | None, typer.Option("--jurisdiction", "-j", help="Answer only for this jurisdiction.")
    ] = None,
    in_force_on: InForceOption = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ask a question; the answer cites policy and clause for every statement.

    Unit questions (县商务局负责什么? / What is the 县商务局 responsible for?) list every clause of
    the unit; who-leads, citation and ranking questions are answered from the graph; anything else
    by hybrid retrieval.
    """
    answer = _open(settings_for(data_dir)).ask(question, jurisdiction, in_force_on)
    if as_json:
        _print_json(answer)
        return
    out.print(answer.answer)
    if answer.clauses:
        out.print()
        for clause in answer.clauses:
            role = f"[{clause.role}] " if clause.role else ""
            due = f"; 时限: {clause.deadline}" if clause.deadline else ""
            status = f"[{STATUS_LABELS[clause.policy_status]}] " if clause.policy_status else ""
            out.print(
                f"[dim]{role}{status}{clause.jurisdiction} {clause.citation}{clause.title} "
                f"— 牵头: {'、'.join(clause.lead_units) or '—'}; 责任: {'、'.join(clause.responsible_units) or '—'}{due}[/]"
            )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Processes serving the store; they share its memory-mapped vector index and "
            "each follows what the others write.",
        ),
    ] = 1,
    data_dir: DataDirOption = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs) and the web explorer at /."""
    import uvicorn

    from policykg.api import serving
    from policykg.api.app import create_app

    settings = settings_for(data_dir)
    out.print(
        f"PolicyKG on http://{host}:{port}  (API docs: /docs; data: {settings.data_dir}"
        + (f"; {workers} workers)" if workers > 1 else ")")
    )
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
        return
    # Worker processes build the app themselves from the environment.
    os.environ["POLICYKG_DATA_DIR"] = str(settings.data_dir)
    if not serving.REUSE_PORT:  # one shared socket: uvicorn's supervisor
        uvicorn.run(
            "policykg.api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
        )
        return
    code = serving.serve_workers(str(settings.data_dir), host, port, workers, "warning")
    if code:
        raise typer.Exit(code)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Question or keywords, Chinese or English.")],
    k: Annotated[int, typer.Option("--k", "-k", help="How many clauses.")] = 10,
    mode: Annotated[str, typer.Option(help="hybrid, bm25 or dense.")] = "hybrid",
    policy: Annotated[str | None, typer.Option(help="Only clauses of this policy id.")] = None,
    unit: Annotated[
        list[str] | None, typer.Option(help="Only clauses of this unit (name or id); repeatable.")
    ] = None,
    role: Annotated[
        str | None,
        typer.Option(
            help="lead or responsible: only clauses where the --unit (any unit without one) has it."
        ),
    ] = None,
    role_source: Annotated[
        str | None,
        typer.Option(
            "--role-source",
            help="Only roles read from this form: annotation, table, section, prose or regulation.",
        ),
    ] = None,
    jurisdiction: JurisdictionOption = None,
    in_force_on: InForceOption = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Search clauses: BM25 and embeddings fused (or one of them), with filters."""
    if mode not in ("hybrid", "bm25", "dense"):
        _usage(f"--mode must be hybrid, bm25 or dense, not {mode!r}")
    if role not in (None, "lead", "responsible"):
        _usage(f"--role must be lead or responsible, not {role!r}")
    if role_source not in (None, "annotation", "table", "section", "prose", "regulation"):
        _usage(
            f"--role-source must be annotation, table, section, prose or regulation, not {role_source!r}"
        )
    found = _open(settings_for(data_dir)).search(
        query,
        k,
        mode=mode,  # type: ignore[arg-type]  # checked above
        policy_id=policy,
        units=unit or [],
        role=role,  # type: ignore[arg-type]  # checked above
        jurisdiction=jurisdiction,
        role_source=role_source,  # type: ignore[arg-type]  # checked above
        in_force_on=in_force_on,
    )
    if as_json:
        _print_json(found)
        return
    if not found.hits:
        out.print("No clause found.")
    for rank, hit in enumerate(found.hits, start=1):
        status = f"[{STATUS_LABELS[hit.policy_status]}] " if hit.policy_status else ""
        out.print(
            f"[bold]{rank}. {status}{hit.policy_title} {hit.marker}{hit.title}[/]  [dim]({hit.jurisdiction}; score {hit.score:.4f}, bm25 #{hit.bm25_rank or '-'}, dense #{hit.dense_rank or '-'})[/]"
        )
        if hit.lead_units or hit.responsible_units:
            out.print(
                f"   牵头: {'、'.join(hit.lead_units) or '—'}  责任: {'、'.join(hit.responsible_units) or '—'}"
            )
        out.print("   " + hit.text.replace("\n", " ")[:160])


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
    result = _open(settings_for(data_dir)).check(contents=not quick, repair=repair)
    if as_json:
        _print_json(result)
    else:
        state = "consistent" if result.consistent else "[red]problems found[/]"
        out.print(
            f"graph {result.clauses_in_graph} clauses, vectors {result.vectors}, "
            f"BM25 {result.bm25}: {state}"
        )
        for line in result.problems:
            out.print(f"  {line}", highlight=False)
        if result.problems and not repair:
            out.print("  run `policykg check --repair` to fix this", highlight=False)
        for line in result.repaired:
            out.print(f"  repaired: {line}", highlight=False)
        if result.unverified_vectors:
            out.print(
                f"  {result.unverified_vectors} vectors have no cached copy to compare with "
                "(checked to be unit vectors only)"
            )
        for line in result.still:
            out.print(f"  still: {line}", highlight=False)
    if not result.consistent:
        raise typer.Exit(1)


@app.command()
def reindex(data_dir: DataDirOption = None) -> None:
    """Embed and index every clause again with the configured model (after changing it)."""
    service = _open(settings_for(data_dir))
    count = service.reindex()
    out.print(f"Indexed {count} clauses with {service.embedder_name}.")


@app.command()
def delete(
    policy_id: Annotated[
        str, typer.Argument(help="Id of the policy to delete (see `policykg policies`).")
    ],
    data_dir: DataDirOption = None,
) -> None:
    """Delete a policy, its clauses, and units no other policy names."""
    _open(settings_for(data_dir)).delete_policy(policy_id)
    out.print(f"Deleted {policy_id}.")


@app.command()
def policies(
    jurisdiction: JurisdictionOption = None,
    limit: Annotated[int, typer.Option(help="How many to list.")] = 50,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """List stored policies with their ids, 文号 and clause counts."""
    page = _open(settings_for(data_dir)).policies(0, limit, jurisdiction=jurisdiction)
    if as_json:
        _print_json(page)
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
    from policykg.api.mcp_server import build_mcp_server, run_http, run_stdio

    if transport not in ("stdio", "http"):
        _usage(f"--transport must be stdio or http, not {transport!r}")
    settings = settings_for(data_dir)
    service = _open(settings)
    server = build_mcp_server(service)
    try:
        if transport == "http":
            err.print(
                f"PolicyKG MCP server on http://{host}:{port}/mcp (data: {settings.data_dir})"
            )
            run_http(server, host, port)
        else:
            run_stdio(server)
    finally:
        service.close()


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
