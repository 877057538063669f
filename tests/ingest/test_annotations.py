"""Role annotations and unit names, format by format."""

from __future__ import annotations

import pytest

from policykg.ingest.roles import AnnotationReader
from policykg.ingest.units import UnitRepairer, split_unit_list


def _read(text: str, reader: AnnotationReader | None = None) -> tuple[list[str], list[str]]:
    found = (reader or AnnotationReader()).read(text)
    assert len(found) == 1, found
    return [u.name for u in found[0].leads], [u.name for u in found[0].responsible]


@pytest.mark.parametrize(
    ("text", "leads", "responsible"),
    [
        ("加强领导。(牵头单位:县委编办。责任单位:县科技局)", ["县委编办"], ["县科技局"]),
        ("加强领导。（牵头单位：市委组织部，配合单位：市国资委）", ["市委组织部"], ["市国资委"]),
        (
            "建设平台。（牵头单位：县科技局；支撑单位：县工信局、县财政局）",
            ["县科技局"],
            ["县工信局", "县财政局"],
        ),
        (
            "推进上云。（责任单位：省经济和信息化厅、省财政厅）",
            [],
            ["省经济和信息化厅", "省财政厅"],
        ),
        (
            "招商引资。（县商务局牵头，县发改局、县财政局配合）",
            ["县商务局"],
            ["县发改局", "县财政局"],
        ),
        ("招商引资。（由县商务局牵头，县发改局参与）", ["县商务局"], ["县发改局"]),
        # One unit in charge leads (负责部门：X, 责任单位：X, （X负责）); partners never do.
        (
            "下放权限。（负责部门：住房城乡建设部；适用范围：所有自贸试验区）",
            ["住房城乡建设部"],
            [],
        ),
        ("加强监管。（责任单位：区市场监管局、区商务委）", [], ["区市场监管局", "区商务委"]),
        ("完善制度。（配合单位：区司法局）", [], ["区司法局"]),
        ("推进改革。（商务部负责）", ["商务部"], []),
        ("年度考核。（牵头考核单位：县委组织部）", ["县委组织部"], []),
        ("推进改革。（海关总署、财政部负责）", [], ["海关总署", "财政部"]),
        ("联合攻关。（农业农村部、工业和信息化部牵头负责）", ["农业农村部", "工业和信息化部"], []),
    ],
)
def test_annotation_forms(text: str, leads: list[str], responsible: list[str]) -> None:
    assert _read(text) == (leads, responsible)


def test_first_listed_leads_once_the_document_says_so() -> None:
    reader = AnnotationReader()
    assert _read("甲。（海关总署、财政部负责）", reader) == ([], ["海关总署", "财政部"])
    assert _read("乙。（税务总局、财政部负责。列第一位者为牵头单位，下同）", reader) == (
        ["税务总局"],
        ["财政部"],
    )
    assert _read("丙。（商务部、海关总署负责）", reader) == (["商务部"], ["海关总署"])


def test_annotation_on_its_own_line() -> None:
    assert _read("加强领导，完善机制。\n牵头单位：县科技局  责任单位：县财政局") == (
        ["县科技局"],
        ["县财政局"],
    )


@pytest.mark.parametrize(
    "text",
    [
        "（含县级）",
        "（以下简称高新区）",
        "（国发〔2019〕11号）",
        "（2020-2035年）",
        "（详见附件负责人名单）",
    ],
)
def test_parentheses_that_are_not_annotations(text: str) -> None:
    assert AnnotationReader().read(f"正文{text}正文。") == []


@pytest.mark.parametrize(
    ("written", "names"),
    [
        (
            "有关部门和乡镇政府,县高新区党工委、管委会",
            ["有关部门", "有关乡镇政府", "县高新区党工委", "县高新区管委会"],
        ),
        ("县高新区党工委和管委会", ["县高新区党工委", "县高新区管委会"]),
        ("各区、县级市", ["各区", "各县级市"]),
        (
            "工业和信息化部、文化和旅游部、粮食和储备局",
            ["工业和信息化部", "文化和旅游部", "粮食和储备局"],
        ),
        ("人力资源社会保障部等有关部门和单位", ["人力资源社会保障部", "有关部门", "有关单位"]),
        (
            "扶贫办、全国总工会等和各有关省级人民政府",
            ["扶贫办", "全国总工会", "各有关省级人民政府"],
        ),
        ("区委宣传部（区文明办、区政府新闻办）、区民政局", ["区委宣传部", "区民政局"]),
        ("财政部，各省级人民政府按职责分工", ["财政部", "各省级人民政府"]),
        ("共青团中央、全国妇联、市科协", ["共青团中央", "全国妇联", "市科协"]),
    ],
)
def test_unit_lists_split_into_canonical_names(written: str, names: list[str]) -> None:
    assert [u.name for u in split_unit_list(written)] == names


def test_parenthetical_names_become_aliases() -> None:
    [unit] = split_unit_list("区委组织部（区公务员局）")
    assert unit.name == "区委组织部" and unit.aliases == ("区公务员局",)


def test_typo_repair_only_fixes_dropped_or_added_characters() -> None:
    repairer = UnitRepairer(["县自然资源和规划局"] * 4 + ["市体育局"] * 3 + ["各市人民政府"] * 5)
    assert repairer.repair("县然资源和规划局") == "县自然资源和规划局"
    assert repairer.repair("市教育局") == "市教育局"  # a substitution is another unit
    assert repairer.repair("市人民政府") == "市人民政府"  # 各 is a qualifier, not a typo
    assert repairer.expand_short_form("体育局") == "市体育局"
