"""No text of a document may be lost: the share of its body a policy keeps, measured."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from policykg.ingest.coverage import text_coverage
from policykg.ingest.parser import is_short_form, parse_document
from policykg.ingest.readers import RawDocument, read_path
from tests.conftest import FIXTURES, SEED

DOCUMENTS = sorted(FIXTURES.rglob("*.txt"))


def test_the_seed_is_kept_whole() -> None:
    raw = read_path(SEED)
    coverage = text_coverage(raw.text, parse_document(raw))
    assert coverage.share > 0.999 and not coverage.lost


def test_a_clause_the_policy_drops_counts_as_lost_and_is_named() -> None:
    raw = read_path(SEED)
    policy = parse_document(raw)
    dropped = policy.clauses[4]
    shorter = dataclasses.replace(policy, clauses=policy.clauses[:4] + policy.clauses[5:])
    coverage = text_coverage(raw.text, shorter)
    assert coverage.share < 0.99
    dropped_text = "".join(dropped.text.split())
    assert coverage.lost and all(line in dropped_text for line in coverage.lost)


@pytest.mark.parametrize("path", DOCUMENTS, ids=[str(p.relative_to(FIXTURES)) for p in DOCUMENTS])
def test_every_fixture_keeps_nearly_all_its_text(path: Path) -> None:
    raw = read_path(path)
    coverage = text_coverage(raw.text, parse_document(raw))
    # No text of a document may be lost: at least 99% of every fixture's characters end up in
    # a clause, a heading, a table's header, the preamble or the metadata (signature included).
    assert coverage.share >= 0.99, coverage.lost


def test_the_fixtures_together_keep_99_and_a_half_percent() -> None:
    characters = kept = 0
    for path in DOCUMENTS:
        raw = read_path(path)
        coverage = text_coverage(raw.text, parse_document(raw))
        characters += coverage.characters
        kept += coverage.kept
    assert kept / characters >= 0.995


def test_a_huge_passage_without_numbers_is_split_into_sentence_sized_clauses() -> None:
    from policykg.ingest.readers import DocumentFormat, RawDocument
    from policykg.ingest.report import document_report

    sentence = "区交通委负责停车资源共享的统筹协调工作，推进各项措施落实到位。"
    text = "关于加强停车管理的意见\n" + sentence * 3_000  # one line of 93,000 characters
    raw = RawDocument("one-line.txt", DocumentFormat.TEXT, text)
    policy = parse_document(raw)
    assert len(policy.clauses) > 50
    assert max(len(c.text) for c in policy.clauses) <= 1_000
    assert all(c.text.endswith("。") for c in policy.clauses)  # cut after a sentence
    assert len({c.id for c in policy.clauses}) == len(policy.clauses)
    coverage = text_coverage(raw.text, policy)
    assert coverage.share == 1.0  # nothing of the text is lost
    warnings = document_report("one-line.txt", policy, coverage).warnings
    assert any("split into sentence-sized clauses" in w for w in warnings)


def test_a_data_table_stays_with_the_paragraph_it_illustrates() -> None:
    # formats/001: 表1 (达标评估推进计划表), flattened one cell per line under section 一's third
    # paragraph, with a 注 and a 图1 caption after it: one clause, not one per cell.
    raw = read_path(FIXTURES / "formats" / "001.txt")
    policy = parse_document(raw)
    first = [c for c in policy.clauses if c.section_number == "一"]
    assert [c.number for c in first] == ["1", "2", "3"]
    assert "表1 嘉定区海绵城市达标评估推进计划表" in first[2].text
    assert "嘉定工业区2" in first[2].text and "图1" in first[2].text
    assert text_coverage(raw.text, policy).share > 0.99


def test_an_introduction_announcing_duties_and_each_duty_are_clauses() -> None:
    # formats/002 三（六）: 区旧改指挥部主要履行以下职责： then 1. and 2.; 指挥部 heads its duties.
    policy = parse_document(read_path(FIXTURES / "formats" / "002.txt"))
    six = [c for c in policy.clauses if c.path[:2] == ("三", "六")]
    assert [c.marker for c in six] == ["（六）", "1.", "2."]
    assert six[0].text.rstrip().endswith("主要履行以下职责：")
    assert all(c.lead_units == ("虹口区旧区改造和房屋征收工作指挥部",) for c in six[1:])


def test_a_short_form_under_its_heading_is_the_heading_unit() -> None:
    # formats/002 三（一）: the heading names 虹口区绿化和市容管理局, the introduction under it says
    # 区绿化市容局是本区建筑垃圾处理的主管部门: one unit, named in full, the short form its alias.
    policy = parse_document(read_path(FIXTURES / "formats" / "002.txt"))
    [intro] = [c for c in policy.clauses if c.path == ("三", "一")]
    assert intro.lead_units == ("虹口区绿化和市容管理局",)
    [unit] = [u for u in policy.units if u.name == "虹口区绿化和市容管理局"]
    assert "区绿化市容局" in unit.aliases


@pytest.mark.parametrize(
    ("short", "long", "fits"),
    [
        ("区绿化市容局", "虹口区绿化和市容管理局", True),
        ("区建设管理委", "虹口区建设和管理委员会", True),
        ("区房管局", "虹口区住房保障和房屋管理局", True),
        ("区交通委", "虹口区建设和管理委员会", False),  # other characters
        ("区委", "区农业农村委员会", False),  # too short to tell
        ("区水务局", "区水务局执法大队", False),  # another kind of body
    ],
)
def test_a_short_form_keeps_the_level_the_characters_and_the_kind_of_body(
    short: str, long: str, fits: bool
) -> None:
    assert is_short_form(short, long) is fits


def test_an_article_whose_items_name_a_person_in_charge_stays_one_clause() -> None:
    # 负责人 (the person in charge) in an item is no role annotation: the article, its opening
    # sentence and its items stay one clause (互联网药品信息服务管理办法 第十九条).
    text = (
        "第十八条 证书可以收回。\n"
        "第十九条 提供者变更下列事项之一的，应当申请办理变更手续：\n"
        "（一）证书中审核批准的项目；\n"
        "（二）提供者的基本项目（地址、法定代表人、企业负责人等）。\n"
        "第二十条 自受理之日起20个工作日内作出决定。\n"
    )
    raw = RawDocument("articles.txt", read_path(SEED).format, text)
    policy = parse_document(raw)
    assert [c.marker for c in policy.clauses] == ["第十八条", "第十九条", "第二十条"]
    assert "企业负责人" in policy.clauses[1].text
    assert text_coverage(raw.text, policy).share > 0.99


def test_a_normalised_doc_number_and_date_count_as_kept() -> None:
    text = (
        "关于职工工作时间的通知\n劳社部发[2008]3号\n1955年12月29日\n一、制度工作时间为每年250天。\n"
    )
    raw = RawDocument("notice.txt", read_path(SEED).format, text)
    policy = parse_document(raw)
    assert policy.doc_number == "劳社部发〔2008〕3号"
    coverage = text_coverage(raw.text, policy)
    assert coverage.share == 1.0, coverage.lost


def test_a_kind_of_department_keeps_its_name_as_written() -> None:
    # 聊城 006 names 市城市管理主管部门 and, in later articles, 城市管理主管部门: the department of
    # that kind at every level, not the city's alone.
    policy = parse_document(read_path(FIXTURES / "formats" / "006.txt"))
    named = {u for c in policy.clauses for u in (*c.lead_units, *c.responsible_units)}
    assert {"市城市管理主管部门", "城市管理主管部门"} <= named


def test_a_sentence_naming_who_is_in_charge_makes_that_annotated_unit_lead() -> None:
    # formats/001 三（一）: （责任单位：区建设管理委、…） names no lead; the paragraph says
    # 区建设管理委负责统筹协调…: it leads, read from that sentence; no unit is added.
    policy = parse_document(read_path(FIXTURES / "formats" / "001.txt"))
    [clause] = [c for c in policy.clauses if c.path == ("三", "一")]
    assert clause.lead_units == ("区建设管理委",)
    assert clause.source_of("区建设管理委") == "prose"
    # The annotation's other units stay responsible; the text adds only the kind of department
    # it gives the shared work (各相关行业管理部门按照职责分工…).
    sources = {u: clause.source_of(u) for u in clause.responsible_units}
    assert {u for u, s in sources.items() if s != "annotation"} == {"各相关行业管理部门"}


def test_a_list_number_followed_by_a_digit_is_the_items_marker_not_lost_text() -> None:
    # A 2026 provincial report's glossary: 20.2026年10件民生实事：… continues the list 1.-19.
    text = "名词解释\n1.“启航计划”：面向未来。\n2.“帮扶政策”：常态化帮扶。\n3.2026年10件民生实事：加大就业支持。\n"
    raw = RawDocument("glossary.txt", read_path(SEED).format, text)
    policy = parse_document(raw)
    assert policy.clauses[-1].text.startswith("2026年10件民生实事")
    coverage = text_coverage(raw.text, policy)
    assert coverage.share >= 0.99 and coverage.share <= 1.0, coverage.lost
