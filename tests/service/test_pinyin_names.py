"""National units asked about in pinyin, as well as in English (the glossary) and Chinese (by
their full names: 国家市场监督管理总局 is 市场监管总局, 国家发展改革委 is 发展改革委)."""

from __future__ import annotations

import pytest

from tests.service.conftest import CorpusStore


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("What does Shichang Jianguan Zongju lead?", "国家/市场监管总局"),
        ("What is Haiguan Zongshu responsible for?", "国家/海关总署"),  # 海关总署: 4 syllables
        ("What is haiguanzongshu responsible for?", "国家/海关总署"),  # spaces are optional
        ("What does the State Administration for Market Regulation lead?", "国家/市场监管总局"),
        # In Chinese, by its full name and with 国家 before the short one.
        ("国家市场监督管理总局牵头哪些工作？", "国家/市场监管总局"),
        ("国家发展改革委负责什么？", "国家/发展改革委"),
    ],
)
def test_a_unit_named_in_pinyin_is_the_unit(
    corpus_store: CorpusStore, question: str, unit: str
) -> None:
    routed = corpus_store.answerer.route(question)
    assert routed.intent.value in ("unit_duties", "unit_lead")
    assert [u.id for u in routed.units] == [unit]


def test_a_pinyin_answer_cites_the_units_clauses(corpus_store: CorpusStore) -> None:
    by_pinyin = corpus_store.service.ask("What is Haiguan Zongshu responsible for?")
    by_name = corpus_store.service.ask("What is the 海关总署 responsible for?")
    assert by_pinyin.found and by_pinyin.clauses == by_name.clauses
