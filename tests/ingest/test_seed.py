"""The seed document: exactly 19 clauses, every unit role, 4 cited higher-level documents."""

from __future__ import annotations

from policykg.ingest.model import Policy, Role, UnitKind
from policykg.ingest.parser import parse_document
from policykg.ingest.readers import read_path
from tests.conftest import SEED

NUMBERS = [
    "一",
    "二",
    "三",
    "四",
    "五",
    "六",
    "七",
    "八",
    "九",
    "十",
    "十一",
    "十二",
    "十三",
    "十四",
    "十五",
    "十六",
    "十七",
    "十八",
    "十九",
]


def test_seed_has_exactly_its_19_clauses(seed_policy: Policy) -> None:
    assert [c.number for c in seed_policy.clauses] == NUMBERS
    assert seed_policy.title == "开发区改革开放实施意见"
    assert [s.number for s in seed_policy.sections] == ["一", "二", "三", "四"]
    assert seed_policy.clauses[14].title == "创新精准招商方式"
    assert seed_policy.clauses[14].marker == "（十五）"


def test_preface_and_duplicate_title_are_not_policy_text(seed_policy: Policy) -> None:
    assert "寻找写作灵感" not in seed_policy.preamble
    assert all("寻找写作灵感" not in c.text for c in seed_policy.clauses)
    assert seed_policy.preamble.startswith("为全面贯彻落实国务院")


def test_clause_ten_repairs_the_typo_and_keeps_it_as_alias(seed_policy: Policy) -> None:
    clause = seed_policy.clauses[9]
    assert clause.lead_units == ("县委组织部",)
    assert clause.responsible_units == (
        "县科技局",
        "县自然资源和规划局",
        "县高新区党工委",
        "县高新区管委会",
    )
    unit = next(u for u in seed_policy.units if u.name == "县自然资源和规划局")
    assert "县然资源和规划局" in unit.aliases


def test_compounds_split_and_placeholders_kept(seed_policy: Policy) -> None:
    first = seed_policy.clauses[0]
    assert first.lead_units == ("县委编办",)
    assert first.responsible_units == (
        "有关部门",
        "有关乡镇政府",
        "县高新区党工委",
        "县高新区管委会",
    )
    kinds = {u.name: u.kind for u in seed_policy.units}
    assert kinds["有关部门"] is UnitKind.PLACEHOLDER
    assert kinds["有关乡镇政府"] is UnitKind.PLACEHOLDER
    assert kinds["县高新区管委会"] is UnitKind.ZONE_COMMITTEE
    assert kinds["县委编办"] is UnitKind.PARTY_ORGAN
    assert kinds["县商务局"] is UnitKind.DEPARTMENT


def test_commerce_bureau_roles(seed_policy: Policy) -> None:
    roles = {c.number: c.role_of("县商务局") for c in seed_policy.clauses if c.role_of("县商务局")}
    assert roles.pop("二") is Role.MENTION  # named among the 大管委会 members, not assigned
    assert roles == {
        "四": Role.RESPONSIBLE,
        "九": Role.RESPONSIBLE,
        "十四": Role.RESPONSIBLE,
        "十五": Role.LEAD,
        "十六": Role.RESPONSIBLE,
        "十九": Role.LEAD,
    }


def test_units_named_only_in_text_are_mentions(seed_policy: Policy) -> None:
    clause = seed_policy.clauses[1]  # （二） lists 发改局、财政局… as members of the 大管委会
    assert "县发改局" in clause.mentioned_units
    assert "县发改局" not in clause.responsible_units


def test_four_cited_documents_with_their_doc_numbers(seed_policy: Policy) -> None:
    numbered = [(c.doc_number, c.title) for c in seed_policy.citations if c.doc_number]
    assert numbered == [
        ("国发〔2019〕11号", "关于推进国家级经济技术开发区创新提升打造改革开放新高地的意见"),
        ("冀字〔2019〕8号", "关于深化开发区改革开放的实施意见"),
        ("冀组字〔2019〕19号", "关于完善开发区干部人事管理体制推进薪酬制度改革的意见"),
        ("承开办发〔2019〕8号", "关于深化开发区改革开放的实施方案"),
    ]
    assert seed_policy.citations[0].issuer == "国务院"


def test_ids_are_stable_across_parses(seed_policy: Policy) -> None:
    again = parse_document(read_path(SEED))
    assert again == seed_policy
    assert len({c.id for c in again.clauses}) == 19


def test_seed_jurisdiction_is_its_own_scope(seed_policy: Policy) -> None:
    assert not seed_policy.jurisdiction.determined
    assert seed_policy.jurisdiction.name.startswith("未定辖区")
