"""Citation kinds (issue 17): what a citing document does with each document it cites."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policykg.ingest.citations import citation_kind, find_citations
from policykg.ingest.model import CITATION_KINDS
from policykg.ingest.parser import parse_document
from policykg.ingest.readers import RawDocument
from policykg.ingest.serialize import policy_from_dict, policy_to_dict

GOLD = Path(__file__).parents[1] / "fixtures" / "lifecycle" / "citation_kinds.json"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("根据《中华人民共和国行政许可法》和《甲条例》的规定，结合本市实际，制定本办法。",
         [("中华人民共和国行政许可法", "basis"), ("甲条例", "basis")]),
        ("为贯彻落实《国务院关于乙的意见》（国发〔2019〕11号），结合我县实际，制定本实施意见。",
         [("国务院关于乙的意见", "implements")]),
        ("根据《丙规划》，结合本区实际，制定本实施方案。", [("丙规划", "implements")]),
        ("本办法自2020年1月1日起施行，《丁办法》同时废止。", [("丁办法", "repeals")]),
        ("《戊规定》和市政府发布的《己办法》同时废止。", [("戊规定", "repeals"), ("己办法", "repeals")]),
        ("决定废止《庚通知》。", [("庚通知", "repeals")]),
        ("决定对《辛条例》作如下修改：", [("辛条例", "amends")]),
        ("违反《壬法》的，由公安部门予以处罚。", [("壬法", "basis")]),
        ("按《癸办法》的规定予以记录。", [("癸办法", "basis")]),
        ("实施《某改革方案》需要制定、修改、废止地方性法规的，应当提出议案。", [("某改革方案", "cites")]),
        ("2016年3月30日第二十次会议关于修改《子条例》等九件地方性法规的决定第一次修正",
         [("子条例", "cites")]),
        ("参照《丑法》管理的人员。", [("丑法", "cites")]),
        ("按照要求，加强对《寅法》的宣传。", [("寅法", "cites")]),
    ],
)  # fmt: skip
def test_kind_is_read_from_the_sentence(text: str, expected: list[tuple[str, str]]) -> None:
    cited = find_citations(text, "本文件", None)
    assert [(c.title, c.kind) for c in cited] == expected
    assert all(c.sentence and c.title in c.sentence for c in cited)


def test_a_document_mentioned_twice_keeps_the_strongest_kind() -> None:
    text = "根据《卯条例》，制定本办法。\n第二十条 本办法自公布之日起施行，《卯条例》同时废止。"
    [citation] = find_citations(text, "本办法", None)
    assert citation.kind == "repeals" and "同时废止" in (citation.sentence or "")


def test_kinds_survive_the_policy_round_trip() -> None:
    raw = RawDocument(
        source="x.txt",
        format="txt",
        text="某市某办法\n第一条 根据《辰法》，制定本办法。\n第二条 《巳办法》同时废止。",
    )
    policy = parse_document(raw)
    assert {c.title: c.kind for c in policy.citations} == {"辰法": "basis", "巳办法": "repeals"}
    again = policy_from_dict(json.loads(json.dumps(policy_to_dict(policy), ensure_ascii=False)))
    assert again.citations == policy.citations


def test_the_classifier_agrees_with_the_gold_read_by_hand() -> None:
    """111 pairs labelled by reading (first run 0.856; see benchmarks/citation_kinds.py)."""
    items = json.loads(GOLD.read_text(encoding="utf-8"))["items"]
    assert len(items) >= 60 and {i["kind"] for i in items} <= set(CITATION_KINDS)
    right = 0
    for item in items:
        at = item["sentence"].index(f"《{item['title']}》")
        kind, _ = citation_kind(item["sentence"], at, at + len(item["title"]) + 2)
        right += kind == item["kind"]
    assert right / len(items) >= 0.93


def test_notices_named_by_their_number_are_all_repealed() -> None:
    """原《A（试行）》的通知（文号1）、《B》的通知（文号2）、《C》（文号3）同时废止: each repealed, with its 文号."""
    text = (
        "本意见自发布之日起施行，原《青浦区关于加强建筑垃圾管理工作的意见（试行）》的通知（青建整办〔2024〕1号）、"
        "《青浦区联合打击非法运输工作机制（试行）》的通知（青建整办〔2024〕2号）、"
        "《青浦区关于加强消纳场所管理工作的通知》（青建整办〔2024〕3号）同时废止。"
    )
    found = [(c.kind, c.doc_number) for c in find_citations(text, "X", None)]
    assert found == [("repeals", f"青建整办〔2024〕{n}号") for n in (1, 2, 3)]


def test_a_sections_own_text_is_read_for_citations_and_validity() -> None:
    """A section's text before its numbered items stays on the section; it is read all the same."""
    raw = RawDocument(
        source="annex.txt",
        format="txt",
        text="关于加强建筑垃圾管理的实施意见\n一、主要任务\n（一）加强源头管控。\n（二）规范运输。\n"
        "二、附则\n本意见自2025年9月18日起施行，《青浦区建筑垃圾管理办法（试行）》同时废止。\n"
        "（一）本意见由区建设管理委负责解释。\n",
    )
    policy = parse_document(raw)
    assert "同时废止" in policy.sections[-1].text  # the section's own text, not a clause
    assert [(c.kind, c.title) for c in policy.citations] == [
        ("repeals", "青浦区建筑垃圾管理办法（试行）")
    ]
    assert policy.effective == "2025-09-18"
