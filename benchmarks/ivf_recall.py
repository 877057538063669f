"""How much the approximate (IVF) index loses against exact search, on a store's real vectors.

    python -m benchmarks.ivf_recall DATA_DIR [--queries 500] [--nprobe 8 16 32 64]

The store's clause vectors (embedded by its real model) are put into the IVF index PolicyKG
switches to above ``APPROXIMATE_ABOVE`` vectors (same list count rule, same training). Queries
are the dev questions plus clause titles of the store, embedded as queries by the same model.
For each ``nprobe``: recall@10 of the IVF top 10 against the exact top 10, and the median and
p95 search time of one query on one thread. The million-clause latency in the scale benchmark
uses synthetic vectors; this is the quality figure that goes with it.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import faiss
import numpy as np

from benchmarks._results import update_section
from policykg.api.factory import open_workspace
from policykg.api.settings import Settings
from policykg.search.vectors import _every_core, _flat_contents, build_ivf

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--nprobe", type=int, nargs="+", default=[8, 16, 32, 64])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    workspace = open_workspace(Settings(data_dir=args.data_dir))
    index = workspace.index
    if index.vectors.kind != "flat":
        raise SystemExit("the store's index is already approximate; point at an exact one")
    vectors, ids = _flat_contents(index.vectors._index, index.vectors.dim)
    questions = json.loads(
        (ROOT / "tests" / "fixtures" / "questions" / "retrieval.json").read_text(encoding="utf-8")
    )["questions"]
    texts = [q["question"] for q in questions]
    rng = random.Random(42)
    titles: list[str] = []
    for policy_id in rng.sample(sorted(workspace.graph.policy_ids()), 300):
        policy = workspace.graph.get_policy(policy_id)
        if policy is not None:
            titles += [c.title for c in policy.clauses if len(c.title) >= 6]
    texts += rng.sample(titles, max(0, min(len(titles), args.queries - len(texts))))
    queries = np.ascontiguousarray(index.embedder.embed_queries(texts[: args.queries]), np.float32)

    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, truth = exact.search(queries, 10)
    truth_ids = ids[truth]
    started = time.perf_counter()
    with _every_core():
        ivf = build_ivf(vectors, ids)
    built = time.perf_counter() - started
    inner = faiss.extract_index_ivf(ivf)
    rows = [
        f"Store `{args.data_dir}`: {len(ids):,} real clause vectors ({index.embedder.name}); "
        f"IVF-Flat with {inner.nlist} lists, trained and filled in {built:.0f} s; {len(queries)} queries "
        "(the dev questions and clause titles, embedded as queries); one thread per query.",
        "",
        "| nprobe | recall@10 vs exact | p50 ms | p95 ms |",
        "|---|---|---|---|",
    ]
    for nprobe in args.nprobe:
        inner.nprobe = nprobe
        times, found = [], []
        for query in queries:
            started = time.perf_counter()
            _, got = ivf.search(query.reshape(1, -1), 10)
            times.append((time.perf_counter() - started) * 1000)
            found.append(got[0])
        recall = float(
            np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth_ids, strict=True)])
        )
        times.sort()
        rows.append(
            f"| {nprobe} | {recall:.3f} | {times[len(times) // 2]:.2f} | "
            f"{times[int(len(times) * 0.95)]:.2f} |"
        )
    body = "\n".join(rows)
    print(body)
    if not args.no_write:
        update_section("ivf-recall", "IVF recall against exact search (real vectors)", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
