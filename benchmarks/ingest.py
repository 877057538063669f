"""Bulk ingest end to end, as a user runs it: `policykg ingest FOLDER` into a new data directory.

    python -m benchmarks.ingest [FOLDER] [--data-dir DIR] [--no-write]

Every clause is embedded (the data directory and its embedding cache start empty; the model is
the user's, built beforehand so that its one-off build is not timed). Prints and records the wall
time, the clauses per second, the peak memory of the ingest process and what the store holds;
the backend is whatever ``POLICYKG_EMBED_BACKEND`` chooses (default ``auto``). The data directory
is kept for ``benchmarks.load``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks._results import update_section
from policykg.api.factory import embedding_description
from policykg.api.settings import Settings
from policykg.search.embeddings.e5_image import ensure_default_model

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "corpus" / "bulk"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "benchmarks" / "out" / "bulkstore")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    settings = Settings(data_dir=args.data_dir)
    ensure_default_model(settings.cache_dir)
    shutil.rmtree(args.data_dir, ignore_errors=True)
    cli = [sys.executable, "-m", "policykg.api.cli", "--data-dir", str(args.data_dir)]
    started = time.perf_counter()
    run = subprocess.run(
        [*cli, "ingest", str(args.folder), "--json"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if run.returncode not in (0, 1):  # 1: some files were refused, the rest stored
        print(run.stderr[-2000:], file=sys.stderr)
        return run.returncode
    stats = json.loads(
        subprocess.run([*cli, "stats", "--json"], capture_output=True, text=True, check=True).stdout
    )
    report = json.loads(run.stdout)
    clauses = stats["clauses"]
    embedded = report["embedded"]
    body = "\n".join(
        [
            f"`policykg ingest {args.folder.name}` into an empty data directory (empty embedding "
            f"cache; the user's model built beforehand), embedding with {embedding_description(settings)}.",
            "",
            "| | |",
            "|---|---|",
            f"| policies stored | {stats['policies']:,} |",
            f"| clauses stored / embedded | {clauses:,} / {embedded:,} |",
            f"| wall time | **{seconds / 60:.1f} min** ({seconds:,.0f} s) |",
            f"| clauses per second, end to end | {clauses / seconds:.1f} |",
            f"| peak memory of the ingest process | {peak_mib:,.0f} MiB |",
        ]
    )
    print(body)
    if not args.no_write:
        update_section("ingest", "Bulk ingest, end to end", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
