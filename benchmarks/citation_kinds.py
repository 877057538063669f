"""Citation kinds against the hand-labelled gold: precision and recall per kind.

    python -m benchmarks.citation_kinds [--no-write]

The gold (``tests/fixtures/lifecycle/citation_kinds.json``) is 111 (sentence, cited title) pairs of 86
sentences sampled from the dev and bulk sets, each labelled by reading (basis, implements, amends,
repeals, cites). Each pair is classified by ``ingest.citations.citation_kind`` on its sentence,
at the title's first 《…》 in it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from benchmarks._results import update_section
from policykg.ingest.citations import citation_kind
from policykg.ingest.model import CITATION_KINDS

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "fixtures" / "lifecycle" / "citation_kinds.json"
FIRST_RUN = (
    "First run on this gold, before any rule was changed on it (commit after a406061): accuracy "
    "0.856; F1 basis 0.88, implements 0.67, repeals 0.89, cites 0.82."
)


def predictions() -> list[tuple[str, str, str]]:
    """(id, gold kind, predicted kind) of every gold pair."""
    items = json.loads(GOLD.read_text(encoding="utf-8"))["items"]
    rows = []
    for item in items:
        sentence, title = item["sentence"], item["title"]
        at = sentence.find(f"《{title}》")
        if at < 0:
            raise ValueError(f"{item['id']}: 《{title}》 is not in its sentence")
        kind, _ = citation_kind(sentence, at, at + len(title) + 2)
        rows.append((item["id"], item["kind"], kind))
    return rows


def table(rows: list[tuple[str, str, str]]) -> str:
    """Precision, recall and F1 per kind, and accuracy."""
    gold = Counter(g for _, g, _ in rows)
    predicted = Counter(p for _, _, p in rows)
    right = Counter(g for _, g, p in rows if g == p)
    lines = ["| kind | gold | predicted | precision | recall | F1 |", "|---|---|---|---|---|---|"]
    for kind in CITATION_KINDS:
        p = right[kind] / predicted[kind] if predicted[kind] else float("nan")
        r = right[kind] / gold[kind] if gold[kind] else float("nan")
        f = 2 * p * r / (p + r) if p and r and p == p and r == r else float("nan")
        lines.append(
            f"| {kind} | {gold[kind]} | {predicted[kind]} | {p:.2f} | {r:.2f} | {f:.2f} |".replace(
                "nan", "–"
            )
        )
    accuracy = sum(right.values()) / len(rows)
    lines.append(f"| **all** | {len(rows)} | | | | accuracy **{accuracy:.3f}** |")
    return "\n".join(lines)


def corpus_figures(folder: Path) -> str:
    """Citations per kind over every document of ``folder`` (parsed, not stored)."""
    from policykg.ingest.pipeline import find_documents, parse_paths

    kinds: Counter[str] = Counter()
    documents: Counter[str] = Counter()
    parsed = 0
    for result in parse_paths(find_documents([folder])):
        if result.policy is None:
            continue
        parsed += 1
        found = Counter(c.kind for c in result.policy.citations)
        kinds.update(found)
        documents.update(found.keys())
    rows = "\n".join(
        f"| {kind} | {kinds[kind]:,} | {documents[kind]:,} |" for kind in CITATION_KINDS
    )
    return (
        f"Corpus `{folder.name}`: {parsed:,} documents, {sum(kinds.values()):,} citations.\n\n"
        f"| kind | citations | documents making one |\n|---|---|---|\n{rows}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "bulk")
    args = parser.parse_args()
    rows = predictions()
    body = table(rows)
    wrong = [f"{i} (gold {g}, got {p})" for i, g, p in rows if g != p]
    text = (
        f"{len(rows)} (sentence, title) pairs labelled by reading, from the dev and bulk sets.\n\n"
        f"{body}\n\nMisread: {', '.join(wrong) or 'none'}.\n\n{FIRST_RUN} No gold sentence is an "
        "amendment made by the citing document: the sample's 修改 sentences are revision histories "
        "(another decision amended this document), labelled cites."
    )
    if args.corpus.is_dir():
        text += "\n\n" + corpus_figures(args.corpus)
    print(text)
    if not args.no_write:
        update_section("citation-kinds", "Citation kinds against the gold", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
