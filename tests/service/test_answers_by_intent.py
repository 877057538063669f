"""Answers per intent, through ``PolicyService.ask`` over a store of every fixture document.

Graph-answered intents must be exactly right for every fixture question. Retrieval-answered
intents (who-leads, free questions) depend on the embedder: with the hashing test embedder their
accuracy per language is measured and held above a floor. The intents no fixture question asks
(cited_by, collaborators, clarify) and a not-found answer are checked against the hand table.
"""

from __future__ import annotations

import re

import pytest

from policykg.graph.schema import title_key
from tests.service.conftest import CorpusStore
from tests.service.gold import (
    FIXTURE_QUESTIONS,
    GRAPH_INTENTS,
    RETRIEVAL_INTENTS,
    UNIT_INTENTS,
    Question,
    judge,
    judge_any,
    param,
    resolve,
)
from tests.service.hand_questions import (
    CITED_BY,
    CLARIFY,
    COLLABORATORS,
    DUE,
    NOT_FOUND,
    WRONG_ANSWERS,
    CitedBy,
    Clarify,
    Collaborators,
    Due,
    NotFound,
)

KNOWN_WRONG = {
    "u071": "the policy is named only in English (Liuhe county's 2023 business-environment task "
    "list); naming it falls back to retrieval, and with the hashing embedder the closest clauses "
    "are dev/021's, so the answer lists what dev/021 cites instead of 《吉林省优化营商环境条例》",
}
"""Graph-answered fixture questions answered wrong today (xfail, strict)."""

FLOORS = {
    # Measured with HashingEmbedder(128) over units.json + retrieval.json + heldout.json (the
    # embedder is deterministic); each floor lets one or two questions regress, not more.
    ("who_leads", "zh"): 0.76,  # 14/17 = 0.824 (units 9/11, held-out 5/6; u047, u051, h042 wrong)
    ("who_leads", "en"): 0.05,  # 1/11 = 0.091 (units 0/5, held-out 1/6; only h049 right)
    ("search", "zh"): 0.87,  # 72/80 = 0.900 (retrieval 63/70, held-out 9/10)
    ("search", "en"): 0.20,  # 12/50 = 0.240 (retrieval 9/40, held-out 3/10)
}
"""Lowest accepted share of right answers per retrieval intent and language."""


def test_every_gold_reference_resolves_to_a_clause(corpus_store: CorpusStore) -> None:
    refs = [r for q in FIXTURE_QUESTIONS for r in (*q.get("expected", []), *q.get("gold", []))]
    refs += [c.ref() for case in COLLABORATORS for c in case.shared]
    assert len(refs) > 300
    for ref in refs:
        resolve(corpus_store.policies, ref)


# -- graph-answered intents: every answer exactly right ------------------------------------------

GRAPH_QUESTIONS = [q for q in FIXTURE_QUESTIONS if q["intent"] in GRAPH_INTENTS]


@pytest.mark.parametrize("question", [param(q, q["id"], KNOWN_WRONG) for q in GRAPH_QUESTIONS])
def test_graph_answer_is_exactly_right(corpus_store: CorpusStore, question: Question) -> None:
    answer = corpus_store.service.ask(question["question"])
    ok, why = judge(question, answer, corpus_store.policies)
    assert ok, f"{question['question']!r} -> {answer.intent}: {why}"
    assert answer.language == question["lang"]
    if question["intent"] in UNIT_INTENTS:
        assert answer.found == bool(question["expected"])
    else:
        assert answer.found


def test_graph_questions_cover_every_graph_intent_in_both_languages() -> None:
    asked = {(q["intent"], q["lang"]) for q in GRAPH_QUESTIONS}
    assert asked == {(i, lang) for i in GRAPH_INTENTS for lang in ("zh", "en")}


# -- retrieval-answered intents: accuracy above a floor ------------------------------------------


@pytest.fixture(scope="module")
def retrieval_results(corpus_store: CorpusStore) -> dict[tuple[str, str], dict[str, bool]]:
    """Whether each who-leads and free question is answered right, by (intent, language)."""
    results: dict[tuple[str, str], dict[str, bool]] = {}
    for question in FIXTURE_QUESTIONS:
        if question["intent"] in RETRIEVAL_INTENTS:
            answer = corpus_store.service.ask(question["question"])
            ok, _ = judge_any(question, answer, corpus_store.policies)
            results.setdefault((question["intent"], question["lang"]), {})[question["id"]] = ok
    return results


@pytest.mark.parametrize(
    ("intent", "lang"), list(FLOORS), ids=[f"{i}-{lang}" for i, lang in FLOORS]
)
def test_retrieval_accuracy_stays_above_its_floor(
    retrieval_results: dict[tuple[str, str], dict[str, bool]], intent: str, lang: str
) -> None:
    results = retrieval_results[(intent, lang)]
    accuracy = sum(results.values()) / len(results)
    wrong = sorted(k for k, ok in results.items() if not ok)
    assert accuracy >= FLOORS[(intent, lang)], f"{accuracy:.3f} ({len(wrong)} wrong: {wrong})"


def test_every_retrieval_intent_and_language_has_a_floor(
    retrieval_results: dict[tuple[str, str], dict[str, bool]],
) -> None:
    assert set(retrieval_results) == set(FLOORS)


# -- intents only the hand table asks ------------------------------------------------------------


@pytest.mark.parametrize("case", [param(c, c.id, WRONG_ANSWERS) for c in CITED_BY])
def test_cited_by_lists_exactly_the_documents_citing_it(
    corpus_store: CorpusStore, case: CitedBy
) -> None:
    answer = corpus_store.service.ask(case.question)
    assert (answer.intent, answer.found, answer.language) == ("cited_by", True, case.lang)
    cited, *citing = answer.policies
    named = case.cited in (cited.doc_number, cited.title)
    assert named or title_key(cited.title) == title_key(case.cited), cited
    assert cited.stub is not case.stored  # a fixture document, or known only from citations
    assert {title_key(p.title) for p in citing} == {title_key(t) for t in case.citing}
    assert not any(p.stub for p in citing)
    for title in case.citing:
        assert title in answer.answer


@pytest.mark.parametrize("case", [param(c, c.id, WRONG_ANSWERS) for c in COLLABORATORS])
def test_collaborators_name_the_closest_partner_and_what_they_share(
    corpus_store: CorpusStore, case: Collaborators
) -> None:
    answer = corpus_store.service.ask(case.question)
    assert (answer.intent, answer.found, answer.language) == ("collaborators", True, case.lang)
    assert answer.units[:2] == [case.unit, case.partner]
    assert re.search(rf"{re.escape(case.partner)}\D{{0,8}}{case.weight}\b", answer.answer)
    shared = {resolve(corpus_store.policies, c.ref()) for c in case.shared}
    assert {c.clause_id for c in answer.clauses} == shared
    [place] = answer.jurisdictions
    assert case.place in place


@pytest.mark.parametrize("case", [param(c, c.id, WRONG_ANSWERS) for c in CLARIFY])
def test_clarify_asks_back_naming_every_unit_it_may_mean(
    corpus_store: CorpusStore, case: Clarify
) -> None:
    answer = corpus_store.service.ask(case.question)
    assert (answer.intent, answer.found, answer.language) == ("clarify", False, case.lang)
    assert answer.clauses == [] and answer.units == []
    by_name = {c.split("（")[0]: c for c in answer.candidates}
    assert len(by_name) == len(answer.candidates) >= 2
    for name, places in case.candidates:
        assert name in by_name, answer.candidates
        assert all(p in by_name[name] for p in places), by_name[name]
        assert name in answer.answer


@pytest.mark.parametrize("case", [param(c, c.id, WRONG_ANSWERS) for c in DUE])
def test_a_deadline_question_lists_exactly_the_tasks_due_with_their_time_limits(
    corpus_store: CorpusStore, case: Due
) -> None:
    [place] = [
        j for j in corpus_store.service.jurisdictions().jurisdictions if case.place in j.name
    ]
    answer = corpus_store.service.ask(case.question, jurisdiction=place.name)
    assert (answer.intent, answer.found, answer.language) == (case.intent, True, case.lang)
    expected = [resolve(corpus_store.policies, c.ref()) for c, _ in case.expected]
    assert [c.clause_id for c in answer.clauses] == expected  # soonest first, undated last
    for cited, (_, deadline) in zip(answer.clauses, case.expected, strict=True):
        assert cited.deadline == deadline
        assert deadline in answer.answer
        if case.by and cited.deadline_date:
            assert cited.deadline_date <= case.by
    if case.unit:
        assert answer.units == [case.unit]


@pytest.mark.xfail(
    strict=True,
    reason="dev/001 (关于推进人才集聚工程的实施意见) is filed under 未定辖区·…: its title names no "
    "place, though its preamble cites 中共广州市委、广州市人民政府 (units.json lists it as 广州市)",
)
def test_clarify_places_dev_001_units_in_guangzhou(corpus_store: CorpusStore) -> None:
    answer = corpus_store.service.ask("财政局负责哪些工作？")
    [city] = [c for c in answer.candidates if c.startswith("市财政局")]
    assert "广州" in city


@pytest.mark.parametrize("case", NOT_FOUND, ids=[c.id for c in NOT_FOUND])
def test_a_unit_that_does_not_exist_is_not_found(corpus_store: CorpusStore, case: NotFound) -> None:
    answer = corpus_store.service.ask(case.question)
    assert answer.found is False and answer.language == case.lang
    assert case.unit in answer.answer
    assert case.unit not in answer.candidates
    stored = {s.unit.name for s in corpus_store.workspace.graph.units(0, 10**9).items}
    assert set(answer.candidates) <= stored
    if case.nearest is not None:
        assert case.nearest in answer.candidates
        assert case.nearest in answer.answer
