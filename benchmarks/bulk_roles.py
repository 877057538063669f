"""Roles in the bulk set: clauses with a role per source, text kept, and a hand check of roles.

    python -m benchmarks.bulk_roles [FOLDER] [--draw N]

Counts, over every bulk document, the clauses with at least one role and the roles per source
(annotation, table, section, prose, regulation). ``--draw N --tag COMMIT`` writes N
prose/regulation roles drawn at random (seed 14) to benchmarks/bulk_role_sample_COMMIT.jsonl for
a person to judge; the verdicts, once written to benchmarks/bulk_role_check_COMMIT.jsonl (one line
per item: n, verdict, why), give the precision this section reports, one line per judged draw
(the commit names the parser that drew it).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

from benchmarks._results import update_section
from policykg.ingest.coverage import text_coverage
from policykg.ingest.errors import IngestError
from policykg.ingest.parser import parse_document
from policykg.ingest.pipeline import find_documents
from policykg.ingest.readers import read_path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "corpus" / "bulk"
BENCHMARKS = ROOT / "benchmarks"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--draw", type=int, default=0, help="write a sample of N roles to judge")
    parser.add_argument("--tag", default="", help="the commit the sample is drawn at")
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()
    roles: Counter[str] = Counter()
    clauses: Counter[str] = Counter()
    total = 0
    characters = kept = 0
    below: list[tuple[float, str]] = []
    drawable: list[dict[str, str]] = []
    for path in find_documents([args.folder]):
        try:
            raw = read_path(path)
            policy = parse_document(raw)
        except IngestError:
            continue
        coverage = text_coverage(raw.text, policy)
        characters += coverage.characters
        kept += coverage.kept
        if coverage.share < 0.99:
            below.append((coverage.share, str(path.relative_to(args.folder))))
        for clause in policy.clauses:
            total += 1
            sources = {r.source.value for r in clause.role_sources}
            clauses.update(sources | ({"any"} if sources else set()))
            for role in clause.role_sources:
                roles[role.source.value] += 1
                if role.source.value in ("prose", "regulation"):
                    drawable.append(
                        {
                            "file": str(path.relative_to(args.folder.parent)),
                            "clause": clause.marker,
                            "unit": role.unit,
                            "role": "lead" if role.unit in clause.lead_units else "responsible",
                            "source": role.source.value,
                            "sentence": role.sentence,
                        }
                    )
    if args.draw:
        if not args.tag:
            parser.error("--draw needs --tag (the commit the sample is drawn at)")
        random.seed(14)
        drawn = random.sample(drawable, min(args.draw, len(drawable)))
        (BENCHMARKS / f"bulk_role_sample_{args.tag}.jsonl").write_text(
            "".join(
                json.dumps({"n": i, **r}, ensure_ascii=False) + "\n" for i, r in enumerate(drawn, 1)
            ),
            encoding="utf-8",
        )
    lowest = ", ".join(f"{name} {share:.1%}" for share, name in sorted(below)[:3])
    lines = [
        f"{total} clauses in the bulk set; {clauses['any']} carry at least one role.",
        "",
        f"Text kept (`ingest/coverage.py`): {kept / max(1, characters):.2%} of the bulk set's "
        f"characters; {len(below)} documents keep less than 99%"
        + (f" (lowest: {lowest})" if lowest else "")
        + ".",
        "",
        "| source | clauses with such a role | roles |",
        "|---|---|---|",
        *(
            f"| {s} | {clauses[s]} | {roles[s]} |"
            for s in ("annotation", "table", "section", "prose", "regulation")
        ),
    ]
    for check in sorted(BENCHMARKS.glob("bulk_role_check_*.jsonl"), key=_drawn_at):
        tag = check.stem.removeprefix("bulk_role_check_")
        verdicts = Counter(
            json.loads(line)["verdict"] for line in check.read_text("utf-8").splitlines() if line
        )
        judged = sum(verdicts.values())
        lines += [
            "",
            f"Hand check of {judged} prose/regulation roles drawn at random at commit {tag} "
            f"(`bulk_role_sample_{tag}.jsonl`, verdicts in `{check.name}`, judged by reading each "
            f"sentence): **{verdicts['right']} right**, {verdicts['wrong_unit']} with a wrong unit "
            f"name, {verdicts['wrong_role']} with a wrong role, {verdicts['doubtful']} doubtful.",
        ]
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        update_section("bulk-roles", "Roles in the bulk set", table)
    return 0


def _drawn_at(check: Path) -> int:
    """When the commit a check's sample was drawn at was made (checks in the order drawn)."""
    tag = check.stem.removeprefix("bulk_role_check_")
    found = subprocess.run(
        ["git", "log", "-1", "--format=%ct", tag], cwd=ROOT, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    return int(found.stdout.strip() or 0)


if __name__ == "__main__":
    sys.exit(main())
