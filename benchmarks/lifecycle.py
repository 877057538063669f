"""Policy lifecycle: validity dates against hand-read gold, and figures over the bulk set.

Gold (``tests/fixtures/lifecycle/validity.json``): 20 documents from the dev, formats and bulk
sets whose effective date, expiry and repealed documents were written down by reading them,
before the reader was tuned. Each document is parsed as ingest parses it; an effective date or
expiry is right when it equals the gold's (both null counts as right: the document says
nothing and the reader says nothing). Repeals are scored on the document's ``repeals``
citations against the gold titles.

Bulk figures: every document of the bulk set (and dev, formats, seed) parsed into one embedded
graph (no embeddings: the graph alone decides), then relations per kind, documents repealed,
amended or replaced by later stored ones, statuses today, and the longest implementation chains.

Run: ``python -m benchmarks.lifecycle [--corpus ../shared/corpus] [--no-bulk]``; writes sections
of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from datetime import date
from pathlib import Path

from benchmarks._results import update_section
from policykg.graph.memory import MemoryGraphStore
from policykg.graph.schema import title_key
from policykg.ingest.parser import parse_document
from policykg.ingest.pipeline import find_documents, parse_paths
from policykg.ingest.readers import read_path
from policykg.service.lifecycle import Lifecycle

GOLD = Path(__file__).resolve().parents[1] / "tests/fixtures/lifecycle/validity.json"


def _same_title(a: str, b: str) -> bool:
    """Titles equal up to brackets and spaces (〈〉 inside a cited title, say)."""
    return title_key(a.replace("〈", "").replace("〉", "")) == title_key(
        b.replace("〈", "").replace("〉", "")
    )


def validity_scores(corpus: Path) -> tuple[dict[str, float], list[str]]:
    """Accuracy of effective dates and expiries, P/R of repeals, and the misses."""
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    right = Counter[str]()
    misses = []
    tp = fp = fn = 0
    for entry in gold:
        policy = parse_document(read_path(corpus / entry["file"]))
        for field in ("effective", "expires"):
            found = getattr(policy, field)
            if found == entry[field]:
                right[field] += 1
            else:
                misses.append(f"{entry['file']} {field}: {found} (gold {entry[field]})")
        repeals = [c.title or c.doc_number or "" for c in policy.citations if c.kind == "repeals"]
        wanted = list(entry["repeals"])
        for title in repeals:
            match = next((w for w in wanted if _same_title(w, title) or w == title), None)
            if match is not None:
                tp += 1
                wanted.remove(match)
            else:
                fp += 1
                misses.append(f"{entry['file']} repeals: extra {title}")
        fn += len(wanted)
        misses.extend(f"{entry['file']} repeals: missed {w}" for w in wanted)
    scores = {
        "documents": len(gold),
        "effective": right["effective"] / len(gold),
        "expires": right["expires"] / len(gold),
        "repeals_p": tp / (tp + fp) if tp + fp else 0.0,
        "repeals_r": tp / (tp + fn) if tp + fn else 0.0,
    }
    return scores, misses


def bulk_figures(corpus: Path) -> str:
    """Parse every corpus document into one graph and report what the lifecycle derives."""
    started = time.perf_counter()
    roots = [corpus / "bulk", corpus / "dev", corpus / "formats", corpus / "seed"]
    graph = MemoryGraphStore()
    batch = []
    failed = 0
    for result in parse_paths(find_documents(roots), roots=roots):
        if result.policy is None:
            failed += 1
            continue
        batch.append(result.policy)
        if len(batch) == 200:
            graph.write_policies(batch)
            batch = []
    graph.write_policies(batch)
    parsed = time.perf_counter() - started
    builds = []
    for _ in range(5):
        began = time.perf_counter()
        lifecycle = Lifecycle.of(graph)
        lifecycle.in_force_ids(date.today().isoformat())
        builds.append(time.perf_counter() - began)
    today = date.today().isoformat()
    kinds = Counter(link.kind for link in lifecycle.links)
    stored_targets = Counter(link.kind for link in lifecycle.links if not link.target.stub)
    statuses = Counter(
        f.status_on(today) for i in lifecycle.summaries if (f := lifecycle.get(i)) is not None
    )
    with_effective = sum(1 for s in lifecycle.summaries.values() if s.effective)
    with_expiry = sum(1 for s in lifecycle.summaries.values() if s.expires)
    acted = Counter(
        e.status
        for i in lifecycle.summaries
        if (f := lifecycle.get(i)) is not None
        for e in f.events
    )
    chains = lifecycle.chains(limit=5)
    strict = lifecycle.chains(limit=5, kinds=("implements",))
    days = sorted(
        row.days_after
        for target in {link.target.id for link in lifecycle.links if not link.target.stub}
        for row in lifecycle.transmission(target, ("implements", "basis"))
        if row.days_after is not None and row.days_after >= 0
    )
    lines = [
        f"{len(lifecycle.summaries):,} documents parsed ({failed} skipped) in {parsed:.0f} s; "
        f"{len(lifecycle.links):,} citations. Building the lifecycle and every status for a day: "
        f"median {statistics.median(builds) * 1000:,.0f} ms of 5 (embedded store; once per store "
        "generation).",
        "",
        "| kind | citations | to a stored document |",
        "|---|---|---|",
        *(f"| {k} | {n:,} | {stored_targets[k]:,} |" for k, n in kinds.most_common()),
        "",
        f"Own dates read: effective {with_effective:,}, expiry {with_expiry:,} documents.",
        "Done to stored documents by later stored ones: "
        + ", ".join(f"{k} {n}" for k, n in acted.most_common())
        + ".",
        f"Status on {today}: " + ", ".join(f"{k} {n:,}" for k, n in statuses.most_common()) + ".",
        "",
        f"Days from a stored document to a stored one implementing or resting on it: "
        f"{len(days):,} pairs with both dates, median {statistics.median(days) if days else 0:,.0f}, "
        f"quartiles {_quartiles(days)}.",
        "",
        "Longest chains along implements and basis links (local first; basis includes "
        "按照《X》的规定 mentions, so these overstate implementation):",
        "",
        *(
            f"{i}. " + " → ".join(f"《{s.title}》" for s in chain)
            for i, chain in enumerate(chains, start=1)
        ),
        "",
        "Longest chains along implements links only:",
        "",
        *(
            f"{i}. " + " → ".join(f"《{s.title}》" for s in chain)
            for i, chain in enumerate(strict, start=1)
        ),
    ]
    return "\n".join(lines)


def _quartiles(values: list[int]) -> str:
    if len(values) < 4:
        return "—"
    q1, _, q3 = statistics.quantiles(values, n=4)
    return f"{q1:,.0f}–{q3:,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    parser.add_argument("--no-bulk", action="store_true", help="Only the gold figures.")
    args = parser.parse_args()
    scores, misses = validity_scores(args.corpus)
    body = "\n".join(
        [
            f"{scores['documents']} documents read by hand "
            "(tests/fixtures/lifecycle/validity.json).",
            "",
            "| field | score |",
            "|---|---|",
            f"| effective date accuracy | {scores['effective']:.3f} |",
            f"| expiry accuracy | {scores['expires']:.3f} |",
            f"| repealed documents P / R | {scores['repeals_p']:.3f} / {scores['repeals_r']:.3f} |",
            "",
            "Misses:" if misses else "No misses.",
            *(f"- {m}" for m in misses),
        ]
    )
    print(body)
    update_section("validity", "Validity dates (gold)", body)
    if not args.no_bulk:
        figures = bulk_figures(args.corpus)
        print(figures)
        update_section("lifecycle-bulk", "Lifecycle over the bulk set", figures)


if __name__ == "__main__":
    main()
