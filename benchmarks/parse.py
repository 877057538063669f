"""Parser throughput and robustness over a folder of documents (default: the bulk corpus).

    python benchmarks/parse.py [FOLDER] [--repeat 3]

Reads every document once, then times the parser alone on the decoded text (median of
--repeat runs), and counts documents that failed with our own error type. Any other exception
is a crash and fails the run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from benchmarks._results import update_section
from policykg.ingest.errors import IngestError
from policykg.ingest.jurisdiction import gazetteer
from policykg.ingest.parser import KnownUnits, parse_document
from policykg.ingest.pipeline import find_documents
from policykg.ingest.readers import RawDocument, read_path

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "bulk"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()
    files = [f for f in find_documents([args.folder]) if f.name != "README.md"]
    started = time.perf_counter()
    raws: list[RawDocument] = []
    read_errors: Counter[str] = Counter()
    for path in files:
        try:
            raws.append(read_path(path))
        except IngestError as e:
            read_errors[type(e).__name__] += 1
    read_seconds = time.perf_counter() - started
    megabytes = sum(len(r.text.encode("utf-8")) for r in raws) / 1e6
    characters = sum(len(r.text) for r in raws)
    gazetteer()  # loaded once per process; not part of per-document parsing
    timings: list[float] = []
    clauses = roles = 0
    parse_errors: Counter[str] = Counter()
    undetermined = 0
    for _ in range(args.repeat):
        known = KnownUnits()
        clauses = roles = undetermined = 0
        parse_errors.clear()
        started = time.perf_counter()
        for raw in raws:
            try:
                policy = parse_document(raw, known_units=known)
            except IngestError as e:
                parse_errors[e.problem.split(" (")[0]] += 1
                continue
            clauses += len(policy.clauses)
            roles += sum(len(c.lead_units) + len(c.responsible_units) for c in policy.clauses)
            undetermined += not policy.jurisdiction.determined
        timings.append(time.perf_counter() - started)
    median = statistics.median(timings)
    lines = [
        f"| documents | {len(files)} ({len(raws)} read, {sum(read_errors.values())} refused by readers) |",
        f"| text | {megabytes:.1f} MB UTF-8, {characters / 1e6:.1f} M characters |",
        f"| read + decode | {read_seconds:.1f} s |",
        f"| parse (median of {args.repeat}) | {median:.2f} s = **{megabytes / median:.2f} MB/s**, "
        f"{len(raws) / median:.0f} documents/s |",
        f"| parse runs | {', '.join(f'{t:.2f}' for t in timings)} s |",
        f"| clauses | {clauses} ({roles} unit roles) |",
        f"| parse errors (IngestError) | {sum(parse_errors.values())}: {dict(parse_errors)} |",
        f"| undetermined jurisdiction | {undetermined} |",
        "| crashes (other exceptions) | 0 |",
    ]
    table = "| figure | value |\n|---|---|\n" + "\n".join(lines)
    print(table)
    if not args.no_write:
        update_section("parse", f"Parser throughput ({args.folder.name})", table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
