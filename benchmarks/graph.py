"""Graph store benchmark: write throughput, query latency and memory, embedded and Neo4j.

    python -m benchmarks.graph [--bulk FOLDER] [--dev FOLDER] [--no-neo4j] [--queries 500]

Writes the dev corpus and the bulk corpus into each store, then times unit-duty queries
(``unit_clauses``) and neighbourhoods (depth 1) over random units. Neo4j is the server at
POLICYKG_NEO4J_URI, or one started from tools/neo4j-server for the run.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from benchmarks._results import update_section
from policykg.graph.base import GraphStore
from policykg.graph.memory import MemoryGraphStore
from policykg.ingest.model import Policy
from policykg.ingest.parser import KnownUnits
from policykg.ingest.pipeline import find_documents, parse_paths

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus"
BATCH = 100


def parse_folder(folder: Path) -> list[Policy]:
    files = [f for f in find_documents([folder]) if f.name != "README.md"]
    known = KnownUnits()
    return [r.policy for r in parse_paths(files, known_units=known) if r.policy is not None]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def write_all(store: GraphStore, policies: list[Policy]) -> float:
    started = time.perf_counter()
    for i in range(0, len(policies), BATCH):
        store.write_policies(policies[i : i + BATCH])
    return time.perf_counter() - started


def query_latencies(store: GraphStore, queries: int, seed: int = 11) -> dict[str, list[float]]:
    rng = random.Random(seed)
    units = [u.unit.id for u in store.units(0, 10**9).items if u.tasks > 0]
    policy_ids = sorted(store.policy_ids())
    picks = [rng.choice(units) for _ in range(queries)]
    for unit in picks[:20]:  # warm caches (Neo4j page cache, query plans)
        store.unit_clauses(unit)
    duties = [timed(lambda u=u: store.unit_clauses(u), 1)[0] for u in picks]  # type: ignore[misc]
    unit_views = [timed(lambda u=u: store.neighborhood(u, 1), 1)[0] for u in picks[: queries // 2]]  # type: ignore[misc]
    policy_picks = [rng.choice(policy_ids) for _ in range(queries // 5)]
    policy_views = [timed(lambda p=p: store.neighborhood(p, 1), 1)[0] for p in policy_picks]  # type: ignore[misc]
    return {
        "unit duties": duties,
        "unit neighbourhood": unit_views,
        "policy neighbourhood": policy_views,
    }


def rss_mb() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


def bench_store(
    name: str, make: Callable[[], GraphStore], dev: list[Policy], bulk: list[Policy], queries: int
) -> list[str]:
    rows = []
    for label, policies in (("dev", dev), ("dev + bulk", dev + bulk)):
        store = make()
        before = rss_mb()
        seconds = write_all(store, policies)
        after = rss_mb()
        clauses = sum(len(p.clauses) for p in policies)
        latencies = query_latencies(store, queries)
        stats = store.stats()
        for query, samples in latencies.items():
            rows.append(
                f"| {name} | {label} | {query} | {statistics.median(samples):.2f} | "
                f"{percentile(samples, 95):.2f} | {percentile(samples, 99):.2f} |"
            )
        rows.append(
            f"| {name} | {label} | write {len(policies)} policies, {clauses} clauses | "
            f"{seconds:.1f} s | {clauses / seconds:,.0f} clauses/s | "
            f"{'+' + format(after - before, '.0f') + ' MiB RSS' if name == 'networkx' else str(stats.units) + ' units'} |"
        )
        store.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bulk", type=Path, default=SHARED / "bulk")
    parser.add_argument("--dev", type=Path, default=ROOT / "tests" / "fixtures" / "corpus")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--no-neo4j", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    dev = parse_folder(args.dev)
    bulk = parse_folder(args.bulk)
    print(f"parsed {len(dev)} dev and {len(bulk)} bulk policies", file=sys.stderr)
    rows = [
        "| store | data | measure | p50 / time | p95 / rate | p99 / size |",
        "|---|---|---|---|---|---|",
    ]
    scratch = Path(tempfile.mkdtemp(prefix="policykg-bench-"))
    counter = iter(range(1000))
    rows += bench_store(
        "networkx", lambda: MemoryGraphStore(scratch / f"g{next(counter)}"), dev, bulk, args.queries
    )
    disk = sum(f.stat().st_size for f in scratch.rglob("*") if f.is_file()) / 2**20
    rows.append(
        f"| networkx | data dir | policies JSON + manifest (both runs) | {disk:.0f} MiB | | |"
    )
    shutil.rmtree(scratch, ignore_errors=True)
    if not args.no_neo4j:
        rows += bench_neo4j(dev, bulk, args.queries)
    table = "\n".join(rows)
    print(table)
    if not args.no_write:
        note = (
            "Latencies in milliseconds over random units with at least one task (unit duties: "
            f"{args.queries} queries; unit neighbourhood: {args.queries // 2}; policy neighbourhood: "
            f"{args.queries // 5}), measured in-process for networkx and over Bolt on loopback for Neo4j "
            "(one query per round trip, results fully materialised as typed records). Targets: "
            "unit duties p95 < 5 ms embedded, < 20 ms Neo4j, at bulk scale."
        )
        update_section("graph", "Graph stores", note + "\n\n" + table)
    return 0


def bench_neo4j(dev: list[Policy], bulk: list[Policy], queries: int) -> list[str]:
    from policykg.graph.neo4j import Neo4jStore, connect

    sys.path.insert(0, str(ROOT))
    from tests.neo4j_server import Neo4jServerProcess

    server = None
    uri = os.environ.get("POLICYKG_NEO4J_URI")
    if not uri:
        server = Neo4jServerProcess(env={**os.environ, "NEO4J_SERVER_JAVA_OPTS": "-Xmx2g"})
        uri = server.start()
    try:

        def make() -> Neo4jStore:
            store = connect(
                uri,
                os.environ.get("POLICYKG_NEO4J_USER", ""),
                os.environ.get("POLICYKG_NEO4J_PASSWORD", ""),
            )
            store.clear()
            return store

        rows = bench_store("neo4j", make, dev, bulk, queries)
        if server is not None and server.pid is not None:
            java = psutil.Process(server.pid)
            rss = sum(p.memory_info().rss for p in [java, *java.children(recursive=True)]) / 2**20
            rows.append(f"| neo4j | server | JVM resident memory after bulk | {rss:.0f} MiB | | |")
        return rows
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
