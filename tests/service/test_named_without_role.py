"""未找到 only for a name that occurs nowhere: a name the documents mention without a role gets
the clauses that name it; a phrase the router cannot place is never reported as a missing unit.

Expected clauses were read from the fixtures: govcn_00057 (国务院关于支持自由贸易试验区深化改革创新
若干措施的通知) names 国务院自由贸易试验区工作部际联席会议办公室 in 强化组织管理 and 狠抓工作落实 and
中央国家安全领导机构 in 维护国家安全, giving neither a role.
"""

from __future__ import annotations

import pytest

from tests.service.conftest import CorpusStore

FTZ = "国务院关于支持自由贸易试验区深化改革创新若干措施的通知"


@pytest.mark.parametrize(
    ("question", "name", "starts", "language"),
    [
        (
            "国务院自由贸易试验区工作部际联席会议办公室负责什么？",
            "国务院自由贸易试验区工作部际联席会议办公室",
            {"强化组织管理", "狠抓工作落实"},
            "zh",
        ),
        (
            "What is the 中央国家安全领导机构 responsible for?",
            "中央国家安全领导机构",
            {"维护国家安全"},
            "en",
        ),
    ],
)
def test_a_name_without_a_role_is_answered_with_the_clauses_naming_it(
    corpus_store: CorpusStore, question: str, name: str, starts: set[str], language: str
) -> None:
    answer = corpus_store.service.ask(question)
    assert answer.found and answer.language == language
    assert answer.units == [name]
    assert {c.policy_title for c in answer.clauses} == {FTZ}
    assert {next(s for s in starts if c.text.startswith(s)) for c in answer.clauses} == starts
    assert all(name in c.text for c in answer.clauses)
    assert ("没有被指定" if language == "zh" else "no assigned role") in answer.answer


def test_a_name_that_occurs_nowhere_is_not_found(corpus_store: CorpusStore) -> None:
    answer = corpus_store.service.ask("请问县烟草专卖局牵头哪些工作？")
    assert not answer.found
    assert "“县烟草专卖局”" in answer.answer  # the name as asked, without 请问


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("数据中心建设怎么推进？", "search"),  # a topic ending like a body's name is no unit
        ("哪个县直部门参与的条款最多？", "most_tasks"),  # a question word is no unit either
    ],
)
def test_a_phrase_that_is_no_unit_name_is_never_reported_missing(
    corpus_store: CorpusStore, question: str, intent: str
) -> None:
    answer = corpus_store.service.ask(question)
    assert answer.found and answer.intent == intent
    assert not answer.answer.startswith("未找到")
