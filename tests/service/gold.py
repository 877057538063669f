"""The fixture question sets and the rules that judge an answer against their expectations.

The rules are those of ``benchmarks/answers.py`` (which runs the real e5 model and is not part of
the test suite), restated here so the tests check every intent the same way:

- unit questions (duties, lead, responsible): the cited clause set equals the expected set
  exactly, roles included;
- shared: the cited clause set equals the expected set;
- who-leads: the lead units named equal the expected ones and an expected clause is cited;
- citations: every expected cited document is listed (by 文号, else by title), the question
  routed to ``cites`` or ``cited_by``;
- rankings: the top unit(s) named equal the expected ones;
- free questions: routed to retrieval and a gold clause is among the first five cited.

Gold clause references (fixture file, number, text_start) resolve with the benchmark's own
:func:`benchmarks.retrieval.resolve_gold`; a reference that resolves to nothing is an error here
rather than a silent miss.
"""

from __future__ import annotations

import json
from typing import Any, cast

import pytest

from benchmarks.retrieval import resolve_gold
from policykg.graph.schema import title_key
from policykg.ingest.model import Policy
from policykg.service.contract import AskResponse
from tests.conftest import FIXTURES

Question = dict[str, Any]

QUESTIONS = FIXTURES / "questions"
UNIT_INTENTS = frozenset({"unit_duties", "unit_lead", "unit_responsible"})
GRAPH_INTENTS = UNIT_INTENTS | {"shared", "cites", "most_tasks"}
"""Answered from the graph alone: the embedder plays no part, so every answer must be right."""
RETRIEVAL_INTENTS = frozenset({"who_leads", "search"})
"""Answered by hybrid retrieval: how many are right depends on the embedder."""


def _load(name: str) -> list[Question]:
    loaded = json.loads((QUESTIONS / name).read_text(encoding="utf-8"))
    questions = loaded["questions"] if isinstance(loaded, dict) else loaded
    for question in questions:
        question.setdefault("intent", "search")  # retrieval.json holds free questions only
    return cast(list[Question], questions)


UNIT_QUESTIONS = _load("units.json")
FREE_QUESTIONS = _load("retrieval.json")
HELDOUT_QUESTIONS = _load("heldout.json")
FIXTURE_QUESTIONS = UNIT_QUESTIONS + FREE_QUESTIONS + HELDOUT_QUESTIONS
"""Every question of units.json, retrieval.json and heldout.json, each with its ``intent``."""


def routed_as_expected(expected: str, got: str) -> bool:
    """Whether a question of intent ``expected`` routed right (a citation question may be read
    in either direction, as the benchmark allows)."""
    return got == expected or (expected == "cites" and got == "cited_by")


def resolve(policies: list[Policy], ref: dict[str, str]) -> str:
    """The clause id a gold reference points to (an unresolved reference fails the test)."""
    clause_id = resolve_gold(policies, ref)
    assert clause_id is not None, f"unresolved gold reference {ref}"
    return clause_id


def judge(question: Question, answer: AskResponse, policies: list[Policy]) -> tuple[bool, str]:
    """Whether ``answer`` is right for a graph or who-leads ``question``, and why not."""
    intent = str(question["intent"])
    expected = {resolve(policies, e): e.get("role") for e in question.get("expected", [])}
    got = {c.clause_id: c.role for c in answer.clauses}
    if intent in UNIT_INTENTS:
        ok = expected == got
        missing, extra = set(expected) - set(got), set(got) - set(expected)
        wrong_role = {k for k in set(expected) & set(got) if expected[k] != got[k]}
        return ok, f"missing {sorted(missing)}, extra {sorted(extra)}, role {sorted(wrong_role)}"
    if intent == "shared":
        ok = set(expected) == set(got)
        return ok, f"shared clauses {sorted(got)} vs {sorted(expected)}"
    if intent == "who_leads":
        leads = set(question.get("lead_units", []))
        named = set(answer.units)
        cited = bool(set(expected) & set(got)) or not expected
        return named == leads and cited, f"named {sorted(named)} vs {sorted(leads)}, cited {cited}"
    if intent == "cites":
        wanted = {
            p.get("doc_number") or title_key(p.get("title", "")) for p in question["policies"]
        }
        listed = {p.doc_number or title_key(p.title) for p in answer.policies[1:]}
        ok = wanted <= listed and routed_as_expected("cites", answer.intent)
        return ok, f"missing {sorted(wanted - listed)} (intent {answer.intent})"
    if intent == "most_tasks":
        wanted = set(question["units"])
        return set(answer.units) == wanted, f"named {answer.units} vs {sorted(wanted)}"
    raise AssertionError(f"no rule judges intent {intent}")


def judge_search(
    question: Question, answer: AskResponse, policies: list[Policy]
) -> tuple[bool, str]:
    """A free question is answered when it routed to retrieval and a gold clause is among the
    five cited."""
    gold = {resolve(policies, g) for g in question["gold"]}
    cited = [c.clause_id for c in answer.clauses[:5]]
    ok = answer.intent == "search" and bool(gold & set(cited))
    return ok, f"intent {answer.intent}, cited {cited}, gold {sorted(gold)}"


def judge_any(question: Question, answer: AskResponse, policies: list[Policy]) -> tuple[bool, str]:
    """The rule of the question's intent."""
    if question["intent"] == "search":
        return judge_search(question, answer, policies)
    return judge(question, answer, policies)


def param(case: Any, case_id: str, known: dict[str, str]) -> Any:
    """A parametrized case, xfail (strict) when ``known`` says why it goes wrong today."""
    reason = known.get(case_id)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, id=case_id, marks=marks)
