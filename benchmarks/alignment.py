"""Clause alignment against a hand-aligned parent–local pair.

The gold (``tests/fixtures/lifecycle/alignment.json``) pairs every article of 枣庄市城市绿化条例
with the article of the national 城市绿化条例 it takes up (copied / adapted) or none (local), and
marks each parent article covered or not; it was written by reading both documents, before the
aligner was tuned. This parses both documents, embeds their clauses with the configured model
(as ingest does: ``passage_text``), aligns them and reports:

- label accuracy over local articles, and P/R/F1 of "has a parent" (copied or adapted);
- pair accuracy: of the articles both gold and aligner give a parent, how many get the same one;
- coverage accuracy over parent articles.

Run: ``python -m benchmarks.alignment [--corpus ../shared/corpus]``; writes a section of
``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks._results import update_section
from policykg.api.factory import embedder_for
from policykg.api.settings import Settings
from policykg.ingest.parser import parse_document
from policykg.ingest.readers import read_path
from policykg.search.index import passage_text
from policykg.service.alignment import Alignment, align

GOLD = Path(__file__).resolve().parents[1] / "tests/fixtures/lifecycle/alignment.json"


def score(alignment: Alignment, gold: dict) -> dict[str, float]:
    """Agreement of an alignment with the gold, by article marker."""
    local = {a.clause.marker: a for a in alignment.clauses}
    rows = gold["local_articles"]
    labels = sum(local[r["article"]].label == r["label"] for r in rows if r["article"] in local)
    tp = fp = fn = same = both = 0
    for row in rows:
        found = local.get(row["article"])
        predicted = found.parent.marker if found and found.parent else None
        if predicted and row["parent_article"]:
            tp += 1
            both += 1
            same += predicted == row["parent_article"]
        elif predicted:
            fp += 1
        elif row["parent_article"]:
            fn += 1
    covered = {c.marker: taken for c, taken in alignment.covered}
    cover_ok = sum(covered.get(r["article"]) == r["covered"] for r in gold["parent_articles"])
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "label_accuracy": labels / len(rows),
        "parent_precision": precision,
        "parent_recall": recall,
        "parent_f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "pair_accuracy": same / both if both else 0.0,
        "coverage_accuracy": cover_ok / len(gold["parent_articles"]),
        "articles": len(rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    args = parser.parse_args()
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    local = parse_document(read_path(args.corpus / gold["local"]["file"]))
    parent = parse_document(read_path(args.corpus / gold["parent"]["file"]))
    settings = Settings()
    embedder = embedder_for(settings)
    clauses = [(p, c) for p in (local, parent) for c in p.clauses]
    vectors = embedder.embed_passages([passage_text(p, c) for p, c in clauses])
    by_id = {c.id: vectors[i] for i, (_, c) in enumerate(clauses)}
    text_only = score(align(local, parent), gold)
    both = score(align(local, parent, by_id), gold)
    # The thresholds of the first run, before they were fitted on this pair.
    first = score(align(local, parent, by_id, copied=0.6, adapted=0.86, adapted_overlap=0.3), gold)
    lines = [
        f"Gold: {gold['local']['title']} ({len(local.clauses)} articles) against "
        f"{gold['parent']['title']} ({len(parent.clauses)} articles); model {embedder.name}.",
        "",
        "| signals | label acc. | parent P | parent R | parent F1 | same parent | coverage acc. |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = (
        ("wording only", text_only),
        ("embeddings + wording, first-run thresholds 0.6/0.86/0.3", first),
        ("embeddings + wording, fitted on this pair (defaults)", both),
    )
    for name, result in rows:
        lines.append(
            f"| {name} | {result['label_accuracy']:.3f} | {result['parent_precision']:.3f} | "
            f"{result['parent_recall']:.3f} | {result['parent_f1']:.3f} | "
            f"{result['pair_accuracy']:.3f} | {result['coverage_accuracy']:.3f} |"
        )
    print("\n".join(lines))
    update_section("alignment", "Clause alignment (gold pair)", "\n".join(lines))


if __name__ == "__main__":
    main()
