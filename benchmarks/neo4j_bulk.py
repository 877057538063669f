"""The bulk set ingested into Neo4j with its vectors, and searched there beside the file index.

    python -m benchmarks.neo4j_bulk [FOLDER] --files-store DIR [--queries 1000] [--no-write]

1. Starts the harness Neo4j (``tools/neo4j-server``, 1 GB heap) with its store in a fresh folder.
2. Runs ``policykg ingest FOLDER`` with ``POLICYKG_INDEX=neo4j``: graph, vectors and tokens of
   each batch in one transaction. The new data directory starts with a copy of the embedding
   cache of ``--files-store`` (the bulk store, which embedded the same clauses), so this times
   what Neo4j adds; embedding itself is measured by ``benchmarks.ingest`` and
   ``benchmarks.ray_embed``. Samples the JVM's resident memory every half second.
3. Measures the index sizes Neo4j keeps on disk (vector, full-text, range).
4. Runs the same hybrid-search latency measurement (``benchmarks.search_latency``) on the file
   store and on the store in Neo4j, one after the other in this run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks._results import update_section
from benchmarks.search_latency import measure
from policykg.api.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "corpus" / "bulk"
sys.path.insert(0, str(ROOT / "tests"))
from neo4j_server import Neo4jServerProcess  # noqa: E402  (tests/, standard library only)


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and its children."""
    import psutil

    try:
        process = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)])
    except psutil.Error:
        return 0


def folder_bytes(folder: Path) -> int:
    """Bytes of the files under ``folder``."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def index_sizes(store: Path) -> dict[str, int]:
    """Bytes on disk of each kind of schema index (``vector-2.0``, ``fulltext-1.0``, ...)."""
    sizes: dict[str, int] = {}
    for provider in store.rglob("schema/index/*"):
        if provider.is_dir():
            key = f"{provider.name} index"
            sizes[key] = sizes.get(key, 0) + folder_bytes(provider)
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--files-store", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="policykg-neo4j-bulk-"))
    data_dir = work / "data"
    (data_dir / "cache").mkdir(parents=True)
    shutil.copy2(
        args.files_store / "cache" / "embeddings.sqlite", data_dir / "cache" / "embeddings.sqlite"
    )
    server = Neo4jServerProcess(data_dir=work / "neo4j")
    uri = server.start()
    assert server.pid is not None
    samples: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.5):
            samples.append(tree_rss(server.pid or 0))

    try:
        settings = Settings(data_dir=data_dir, neo4j_uri=uri, index="neo4j")
        env = {
            **os.environ,
            "POLICYKG_NEO4J_URI": uri,
            "POLICYKG_INDEX": "neo4j",
            "POLICYKG_DATA_DIR": str(data_dir),
        }
        idle = tree_rss(server.pid)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-m", "policykg.api.cli", "ingest", str(args.folder), "--json"],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        seconds = time.perf_counter() - started
        stop.set()
        sampler.join()
        if run.returncode not in (0, 1):  # 1: some files were refused, the rest stored
            print(run.stderr[-3000:], file=sys.stderr)
            return run.returncode
        report = json.loads(run.stdout)
        check = subprocess.run(
            [sys.executable, "-m", "policykg.api.cli", "check"],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        print(
            f"ingest: {seconds:,.0f} s, {report['clauses']:,} clauses, JVM peak "
            f"{max(samples) / 2**20:,.0f} MiB; check: {check.stdout.strip()[:200]}",
            flush=True,
        )
        files = measure(Settings(data_dir=args.files_store), args.queries, args.files_store)
        neo4j = measure(settings, args.queries, data_dir)
    finally:
        server.stop()  # a clean shutdown checkpoints: Lucene's buffers reach the disk
    sizes = index_sizes(work / "neo4j")
    arrays = work / "neo4j" / "data" / "databases" / "neo4j" / "neostore.propertystore.db.arrays"
    sizes["property store, arrays (vectors)"] = arrays.stat().st_size if arrays.exists() else 0
    clauses = report["clauses"]
    mib = 2**20
    size_rows = "\n".join(
        f"| {name} on disk | {size / mib:,.0f} MiB ({size / max(1, clauses):,.0f} B per clause) |"
        for name, size in sorted(sizes.items())
    )
    body = "\n".join(
        [
            f"`policykg ingest {args.folder.name}` with `POLICYKG_INDEX=neo4j` into the harness "
            "Neo4j 5.26 (1 GB heap) on this machine, from an embedding cache that already held "
            "the bulk store's vectors (so the time is parsing and Neo4j's writes; embedding is "
            "measured apart).",
            "",
            "| figure | value |",
            "|---|---|",
            f"| policies stored / clauses | {report['added']:,} / {clauses:,} "
            f"(embedded now: {report['embedded']:,}) |",
            f"| wall time | {seconds:,.0f} s = **{clauses / seconds:,.0f} clauses/s** |",
            f"| JVM resident memory | {idle / mib:,.0f} MiB idle, "
            f"{statistics.median(samples) / mib:,.0f} MiB median and "
            f"**{max(samples) / mib:,.0f} MiB peak** during the ingest |",
            size_rows,
            f"| `policykg check` afterwards | {check.stdout.strip().splitlines()[0] if check.stdout.strip() else check.stderr.strip()[-200:]} |",
            "",
            "Hybrid search, k=10, the query embedded each time, the same queries one after the "
            "other in this run:",
            "",
            "| store | p50 ms | p95 ms | p99 ms | mean parts (200 queries, top 50) |",
            "|---|---|---|---|---|",
            f"| files (FAISS flat + bm25s, memory-mapped) | {files.row} | {files.parts} |",
            f"| Neo4j (vector + full-text index, Bolt on loopback) | {neo4j.row} | {neo4j.parts} |",
        ]
    )
    print(body)
    if not args.no_write:
        update_section("neo4j-bulk", "The bulk store in Neo4j: ingest with vectors, search", body)
    shutil.rmtree(work, ignore_errors=True)
    return 0 if check.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
