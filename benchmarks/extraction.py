"""Extraction quality against the hand-checked gold files in tests/fixtures/gold/.

Prints clause and unit-role precision / recall / F1 per document and overall (micro-averaged).

    python benchmarks/extraction.py [--errors] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from policykg.ingest.evaluation import DocumentScore, Score, load_gold, score_policy
from policykg.ingest.parser import parse_document
from policykg.ingest.readers import read_path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


def score_all() -> list[DocumentScore]:
    """Parse every gold document and score it."""
    scores = []
    for gold_path in sorted((FIXTURES / "gold").glob("*.json")):
        gold = load_gold(gold_path)
        policy = parse_document(read_path(FIXTURES / str(gold["fixture"])))
        scores.append(score_policy(gold_path.stem, policy, gold))
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list every difference from gold")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    scores = score_all()
    header = f"{'document':<10} {'clauses P/R/F1':>20} {'numbers':>8} {'roles P/R/F1':>20} {'cites P/R':>12}"
    print(header)
    print("-" * len(header))
    for s in scores:
        print(
            _row(
                s.name,
                s.clauses,
                s.roles,
                s.citations,
                f"{s.numbers_right}/{s.clauses.true_positives}",
            )
        )
        if args.errors:
            for error in s.errors:
                print("    ", error)
    total_clauses = sum((s.clauses for s in scores), Score(0, 0, 0))
    total_roles = sum((s.roles for s in scores), Score(0, 0, 0))
    total_cites = sum((s.citations for s in scores), Score(0, 0, 0))
    numbers = sum(s.numbers_right for s in scores)
    print("-" * len(header))
    print(
        _row(
            "overall",
            total_clauses,
            total_roles,
            total_cites,
            f"{numbers}/{total_clauses.true_positives}",
        )
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    s.name: {
                        "clause_f1": s.clauses.f1,
                        "role_f1": s.roles.f1,
                        "role_p": s.roles.precision,
                        "role_r": s.roles.recall,
                    }
                    for s in scores
                }
                | {"overall": {"clause_f1": total_clauses.f1, "role_f1": total_roles.f1}},
                indent=1,
            )
        )
    return 0


def _row(name: str, clauses: Score, roles: Score, cites: Score, numbers: str) -> str:
    return (
        f"{name:<10} {clauses.precision:6.3f} {clauses.recall:6.3f} {clauses.f1:6.3f} {numbers:>8} "
        f"{roles.precision:6.3f} {roles.recall:6.3f} {roles.f1:6.3f} {cites.precision:5.2f} {cites.recall:5.2f}"
    )


if __name__ == "__main__":
    sys.exit(main())
