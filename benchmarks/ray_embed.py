"""The same clauses embedded in process and on a local Ray: equal vectors, and what Ray costs.

    python -m benchmarks.ray_embed DATA_DIR [--clauses 5000] [--workers 2] [--no-write]

Takes a seeded sample of distinct clause passages of the store in DATA_DIR (the bulk store), and
embeds them twice with the model the settings choose (automatic backend), each time into an
empty embedding cache:

- in process, as ``policykg ingest`` does (one process, every core);
- on a Ray started here with one CPU per worker, as ``policykg ingest --ray`` does (Ray Data
  ``map_batches`` over an actor pool, one model per actor, one inference thread each).

Reports the throughput of each (Ray with and without starting the cluster), the lowest cosine
between the two vectors of a clause, and the peak memory of the Ray workers.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks._results import update_section
from policykg.api.factory import embedder_for, ray_embedder_for
from policykg.api.settings import Settings
from policykg.graph.memory import MemoryGraphStore
from policykg.ingest.ids import text_hash
from policykg.search.embeddings.cache import CachedEmbedder, EmbeddingCache
from policykg.search.index import passage_text


def sample_passages(data_dir: Path, count: int) -> list[str]:
    """``count`` distinct clause passages of the store, a seeded sample."""
    graph = MemoryGraphStore(data_dir / "graph")
    texts: dict[str, None] = {}
    for summary in graph.policies(0, 10**9).items:
        policy = graph.get_policy(summary.id)
        if policy is None:  # a stub: known only from citations
            continue
        texts.update(dict.fromkeys(passage_text(policy, c) for c in policy.clauses))
    return random.Random(7).sample(sorted(texts), count)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--clauses", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    import psutil
    import ray

    texts = sample_passages(args.data_dir, args.clauses)
    work = Path(tempfile.mkdtemp(prefix="policykg-ray-bench-"))
    settings = Settings(data_dir=work / "local", ray_workers=args.workers, ray_worker_cpus=1)

    local = embedder_for(settings)
    assert isinstance(local, CachedEmbedder)
    local.inner.embed_passages(["热身"])  # load the model outside the timing
    started = time.perf_counter()
    local_vectors = local.embed_passages(texts)
    local_seconds = time.perf_counter() - started

    started = time.perf_counter()
    ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
    init_seconds = time.perf_counter() - started
    peaks: dict[int, int] = {}
    cache = EmbeddingCache(work / "ray" / "embeddings.sqlite")

    def sample_memory(done: int, total: int) -> None:
        for process in psutil.process_iter(["pid", "cmdline", "memory_info"]):
            if "_EmbedActor" in " ".join(process.info["cmdline"] or []):
                rss = process.info["memory_info"].rss
                peaks[process.info["pid"]] = max(peaks.get(process.info["pid"], 0), rss)

    batch = ray_embedder_for(settings, local)
    run = batch.fill(cache, texts, sample_memory)
    ray.shutdown()
    found = cache.get(local.name, [text_hash(t) for t in texts])
    ray_vectors = np.stack([found[text_hash(t)] for t in texts])
    cosines = np.sum(ray_vectors * local_vectors, axis=1) / (
        np.linalg.norm(ray_vectors, axis=1) * np.linalg.norm(local_vectors, axis=1)
    )

    n = len(texts)
    local_rate = n / local_seconds
    ray_rate = n / run.seconds
    ray_total_rate = n / (run.seconds + init_seconds)
    worker_mib = statistics.median(peaks.values()) / 2**20 if peaks else float("nan")
    rows = [
        ("clauses (distinct passages of the store, seeded sample)", f"{n:,}"),
        ("model", local.name),
        (
            "in process (1 process, every core)",
            f"{local_seconds:.1f} s = **{local_rate:.1f} clauses/s**",
        ),
        (
            f"Ray, local, {run.workers} workers x 1 CPU (pipeline: actors start, load the model, embed)",
            f"{run.seconds:.1f} s = **{ray_rate:.1f} clauses/s** ({ray_rate / local_rate:.2f}x in process)",
        ),
        ("Ray, starting the local cluster", f"{init_seconds:.1f} s"),
        (
            "Ray, cluster start included",
            f"{ray_total_rate:.1f} clauses/s ({ray_total_rate / local_rate:.2f}x)",
        ),
        ("Ray worker memory (peak RSS, median of workers)", f"{worker_mib:,.0f} MiB"),
        (
            "vectors, Ray against in process",
            f"lowest cosine {float(cosines.min()):.6f}, identical {int(np.sum(cosines >= 0.999999))} of {n}",
        ),
    ]
    body = (
        f"Store `{args.data_dir}`. Both runs embed the same clauses into an empty cache with "
        "the automatic backend; int8 passages run one per forward pass, so a clause's vector "
        "does not depend on what it is embedded with.\n\n| figure | value |\n|---|---|\n"
        + "\n".join(f"| {a} | {b} |" for a, b in rows)
    )
    print(body)
    if not args.no_write:
        update_section("ray-embed", "Batch embedding: in process against a local Ray", body)
    return 0 if float(cosines.min()) >= 0.99999 else 1


if __name__ == "__main__":
    sys.exit(main())
