"""A fact question shows the sentences that answer it, not only the clause's first sentence.

Each case is a fixture clause and a question whose answer is a sentence further in; the expected
words were written by reading the clause (retrieval.json's notes say the same for r003, r009,
r026, r044).
"""

from __future__ import annotations

import pytest

from policykg.ingest.model import Policy
from policykg.service.answers.evidence import answering_sentences
from tests.service.conftest import CorpusStore

SALT = (
    "食盐定点生产企业和非食用盐生产企业应当建立生产销售记录制度，如实记录并保存相关凭证。"
    "记录和凭证保存期限不得少于2年。"
)  # 《食盐专营办法》第十条 (bulk set, lawrefbook_national/02588)

CASES = [
    # (fixture, clause number, its first words, question, words the shown sentences must hold)
    ("corpus/seed.txt", "十三", "实行工程建设项目评估环节", "区域评估报告的有效期是几年？", "5年内有效"),
    ("corpus/seed.txt", "七", "", "高新区里闲置的土地怎么处理？", "闲置满2年"),
    ("corpus/seed.txt", "十四", "", "高新区要确定几个主导产业？", "1-3个主导产业"),
    ("corpus/dev/021.txt", "15", "", "企业在主板上市能拿多少奖励？", "300万元"),
    ("corpus/dev/003.txt", "1", "培育各类工业互联网平台", "How much provincial subsidy can a cross-industry, "
     "cross-field industrial internet platform get?", "3000万元"),
]  # fmt: skip


def _clause(policies: list[Policy], fixture: str, number: str, start: str) -> str:
    [policy] = [p for p in policies if p.source.endswith(fixture.removeprefix("corpus/"))]
    found = [c for c in policy.clauses if c.number == number and c.text.startswith(start)]
    assert found, (fixture, number)
    return found[0].text


def test_a_sentence_stating_the_quantity_asked_is_shown() -> None:
    assert answering_sentences("食盐销售记录至少保存几年？", SALT) == [
        "记录和凭证保存期限不得少于2年。"
    ]


@pytest.mark.parametrize(("fixture", "number", "start", "question", "words"), CASES)
def test_a_fixture_clause_shows_the_sentence_that_answers(
    corpus_store: CorpusStore, fixture: str, number: str, start: str, question: str, words: str
) -> None:
    text = _clause(corpus_store.policies, fixture, number, start)
    shown = answering_sentences(question, text)
    assert any(words in s for s in shown), shown
    assert all(s.strip("…") in text for s in shown)  # quoted as written


def test_nothing_is_shown_for_a_sentence_the_question_does_not_touch() -> None:
    assert answering_sentences("高标准农田建设补贴多少？", SALT) == []
    assert (
        answering_sentences("食盐记录保存几年？", "记录和凭证保存期限不得少于2年。") == []
    )  # one sentence


def test_a_retrieval_answer_quotes_the_answering_sentence(corpus_store: CorpusStore) -> None:
    answer = corpus_store.service.ask("区域评估报告的有效期是几年？")
    assert answer.intent == "search"
    assert any("5年内有效" in s for s in answer.evidence)
    assert "5年内有效" in answer.answer
    assert "（十三）写道" in answer.answer  # the clause quoted is cited
