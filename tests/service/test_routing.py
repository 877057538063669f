"""Routing, table-driven: every fixture question routes to its intent, and a hand-written table
covers the intents the fixtures never ask (cited_by, collaborators, clarify), in both languages."""

from __future__ import annotations

import pytest

from policykg.service.answers.routing import Intent
from tests.service.conftest import CorpusStore
from tests.service.gold import FIXTURE_QUESTIONS, Question, param, routed_as_expected
from tests.service.hand_questions import (
    HAND_QUESTIONS,
    MISROUTED,
    CitedBy,
    Clarify,
    Collaborators,
    Due,
    Lifecycle,
)

KNOWN_MISROUTES = {
    "r004": "a free question about who heads the zone's Party committee: the English phrase "
    "'management committee' alone is taken for a unit (县经开区管委会, not even the zone's), and "
    "'heads' makes it unit_lead",
    "r014": "how powers divide between 高新区管委会 and the townships: naming one unit makes it a "
    "unit question (all 19 of its clauses) instead of retrieval",
    "r093": "'由哪个部门负责监督管理' (a free question, no 牵头 designated) matches the who-leads "
    "patterns (哪个部门 + 负责)",
    "h052": "'which county department leads': the English who-pattern needs 'which department' "
    "with nothing between, so the question falls through to search",
}
"""Fixture questions that route wrong today (xfail, strict: fixing one makes its test fail
until it is taken off this list)."""


@pytest.mark.parametrize(
    "question", [param(q, q["id"], KNOWN_MISROUTES) for q in FIXTURE_QUESTIONS]
)
def test_fixture_question_routes_to_its_intent(
    corpus_store: CorpusStore, question: Question
) -> None:
    routed = corpus_store.answerer.route(question["question"])
    assert routed_as_expected(question["intent"], routed.intent.value), (
        f"{question['question']!r}: expected {question['intent']}, routed {routed.intent.value}"
    )
    assert routed.language == question["lang"]


def test_the_known_misroutes_are_fixture_questions() -> None:
    ids = {q["id"] for q in FIXTURE_QUESTIONS}
    assert set(KNOWN_MISROUTES) <= ids
    assert len(ids) == len(FIXTURE_QUESTIONS), "question ids must be unique"


@pytest.mark.parametrize("case", [param(c, c.id, MISROUTED) for c in HAND_QUESTIONS])
def test_hand_question_routes_to_its_intent(
    corpus_store: CorpusStore, case: CitedBy | Collaborators | Clarify | Due | Lifecycle
) -> None:
    routed = corpus_store.answerer.route(case.question)
    assert routed.intent.value == case.intent, (case.question, routed)
    assert routed.language == case.lang
    if isinstance(case, CitedBy):
        # A document named in 《》 or by its 文号 is read as such.
        if f"《{case.cited}》" in case.question or "〔" in case.cited:
            assert case.cited in (*routed.titles, *routed.doc_numbers)
    elif isinstance(case, Due):
        assert routed.due == case.by
        assert [u.name for u in routed.units][:1] == ([case.unit] if case.unit else [])
    elif isinstance(case, Collaborators):
        assert routed.units and routed.units[0].name == case.unit
    elif isinstance(case, Lifecycle):
        named = (*routed.titles, *routed.doc_numbers)
        assert (case.named in named) if case.named else not named
    else:
        [ambiguous] = [m for m in routed.mentions if m.ambiguous]
        assert ambiguous.text.lower() == case.mention
        assert {name for name, _ in case.candidates} <= {u.name for u in ambiguous.units}


def test_every_intent_is_routed_in_both_languages() -> None:
    """Fixture questions and the hand table together reach every intent, zh and en."""
    covered = {(q["intent"], q["lang"]) for q in FIXTURE_QUESTIONS}
    covered |= {(c.intent, c.lang) for c in HAND_QUESTIONS}
    missing = {(i.value, lang) for i in Intent for lang in ("zh", "en")} - covered
    assert missing == set()
