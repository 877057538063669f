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
from api.workspace import IngestReport, Workspace
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


def open_workspace(settings: Settings) -> Workspace:
    """The workspace the settings describe."""
    return Workspace(settings.data_dir, max_file_bytes=settings.max_file_bytes)


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


def main() -> None:
    """Entry point of the ``policykg`` command."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
