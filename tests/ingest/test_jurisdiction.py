"""Jurisdictions told from issuer, title, 文号 prefix and front matter."""

from __future__ import annotations

import pytest

from policykg.ingest.jurisdiction import detect, gazetteer, resolve_name
from policykg.ingest.model import Level, Policy


@pytest.mark.parametrize(
    ("doc_number", "expected"),
    [
        ("沪松府办〔2020〕1号", "上海市松江区"),
        ("包府办发〔2021〕3号", "包头市"),
        ("皖开放办〔2019〕2号", "安徽省"),
        ("国发〔2019〕11号", "国家"),
        ("冀字〔2019〕8号", "河北省"),
        ("沪崇府办发〔2021〕20号", "上海市崇明区"),
    ],
)
def test_doc_number_prefix(doc_number: str, expected: str) -> None:
    found = detect(front=None, issuer=None, title=None, doc_number=doc_number)
    assert found is not None and found.name == expected


@pytest.mark.parametrize(
    ("issuer", "expected", "level", "parent"),
    [
        ("上海市黄浦区发展和改革委员会", "上海市黄浦区", Level.DISTRICT, "上海市"),
        ("安徽省人民政府办公厅", "安徽省", Level.PROVINCE, "国家"),
        ("国务院办公厅", "国家", Level.NATIONAL, None),
        ("中共柳河县委 柳河县人民政府", "通化市柳河县", Level.COUNTY, "通化市"),
        ("阿坝州人民政府办公室", "阿坝藏族羌族自治州", Level.CITY, "四川省"),
    ],
)
def test_issuer(issuer: str, expected: str, level: Level, parent: str | None) -> None:
    found = detect(front=None, issuer=issuer, title=None, doc_number=None)
    assert found is not None
    assert (found.name, found.level, found.parent) == (expected, level, parent)


def test_ambiguous_county_name_needs_context() -> None:
    table = gazetteer()
    assert len(table.lookup("宝山区")) == 2
    assert table.most_specific(table.mentions("宝山区人民政府")) is None
    shanghai = table.most_specific(table.mentions("上海市宝山区人民政府"))
    assert shanghai is not None and table.canonical_name(shanghai) == "上海市宝山区"


def test_user_given_names_resolve_or_are_kept() -> None:
    assert resolve_name("松江区").name == "上海市松江区"
    assert resolve_name("包头").name == "包头市"
    kept = resolve_name("某某新区")
    assert kept.name == "某某新区" and kept.determined


def test_dev_documents_get_their_jurisdictions(corpus_policies: list[Policy]) -> None:
    by_file = {p.source.rsplit("/", 1)[-1]: p.jurisdiction.name for p in corpus_policies}
    assert by_file["007.txt"] == "上海市黄浦区"
    assert by_file["010.txt"] == "上海市宝山区"
    assert by_file["025.txt"] == "丽水市景宁畲族自治县"
    assert by_file["012.txt"] == "国家"
    assert by_file["040.txt"] == "吉林省"
    assert by_file["034.txt"] == "阿坝藏族羌族自治州"


def test_the_signing_body_and_the_document_a_notice_issues_tell_the_place() -> None:
    # formats/003: the title names only the plan it issues; 松江区绿化和市容管理局 signs it.
    signed = detect(
        front=None,
        issuer=None,
        title="关于印发《2026年松江区建筑垃圾运输行业“清水行动”工作方案》的通知",
        doc_number=None,
        signature=("松江区绿化和市容管理局", "2026年5月7日"),
    )
    assert signed is not None and (signed.name, signed.evidence) == ("上海市松江区", "signature")
    issued = detect(
        front=None,
        issuer=None,
        title="关于印发《2026年松江区建筑垃圾运输行业“清水行动”工作方案》的通知",
        doc_number=None,
    )
    assert issued is not None and (issued.name, issued.evidence) == ("上海市松江区", "title")
    # A date alone signs for nobody; a title that issues nothing named says nothing.
    assert detect(
        front=None, issuer=None, title="关于推进人才集聚工程的实施意见", doc_number=None,
        signature=("2012年5月1日",),
    ) is None  # fmt: skip
