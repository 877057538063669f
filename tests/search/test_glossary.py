"""The bilingual glossary: the shipped TSV, and matching English phrases to Chinese forms."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from policykg.search.glossary import (
    Glossary,
    chinese_terms,
    load_glossary,
    parse_glossary,
    unit_name_matches,
)

SMALL = """\
# kind\tenglish\tchinese
unit\tdevelopment and reform bureau\t发展和改革局|发改局|发展改革委
unit\tcommerce bureau\t商务局|商务委
unit\tpeople's government\t人民政府|政府
unit\tgovernment\t人民政府|政府
term\treform\t改革
term\tgovernment services\t政务服务
term\tsubsidy\t补贴|补助
term\ttax\t税|税收
term\turban-rural integration\t城乡融合
"""


@pytest.fixture(scope="module")
def small() -> Glossary:
    return parse_glossary(SMALL)


def _shipped_lines() -> list[list[str]]:
    text = (
        resources.files("policykg.search")
        .joinpath("data", "glossary.tsv")
        .read_text(encoding="utf-8")
    )
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


def test_shipped_file_is_well_formed() -> None:
    rows = _shipped_lines()
    assert all(len(row) == 3 for row in rows)
    pairs = [(kind, english) for kind, english, _ in rows]
    assert len(pairs) == len(set(pairs)), "duplicate (kind, english) rows"
    for kind, english, chinese in rows:
        assert kind in {"unit", "term"}
        assert english == english.strip().lower()
        forms = chinese.split("|")
        assert all(forms), english
        assert len(forms) == len(set(forms)), english
        assert not re.search(r"[A-Za-z]", chinese), f"Latin letters on the Chinese side: {english}"
    glossary = load_glossary()
    assert len(glossary.units) >= 150
    assert len(glossary.terms) >= 300


def test_load_glossary_is_cached() -> None:
    assert load_glossary() is load_glossary()


def test_commerce_bureau_is_a_unit() -> None:
    matches = unit_name_matches("What does the Commerce Bureau lead?")
    assert [english for english, _ in matches] == ["commerce bureau"]
    assert "商务局" in matches[0][1]
    assert "商务局" in chinese_terms("What does the Commerce Bureau lead?")


def test_land_quotas_for_the_high_tech_zone() -> None:
    terms = chinese_terms("How are land quotas for the high-tech zone guaranteed?")
    assert "用地" in terms
    assert "用地指标" in terms
    assert "高新区" in terms


@pytest.mark.parametrize(
    ("question", "english", "chinese"),
    [
        ("Which tasks does the county DRC lead?", "drc", "发改委"),
        (
            "the Human Resources and Social Security Bureau",
            "human resources and social security bureau",
            "人社局",
        ),
        ("tasks of the Organization Department", "organization department", "组织部"),
        ("What did the State Council decide?", "state council", "国务院"),
        ("measures by the Ministry of Commerce", "ministry of commerce", "商务部"),
        (
            "the Natural Resources and Planning Bureau's role",
            "natural resources and planning bureau",
            "自然资源和规划局",
        ),
        (
            "the development zone management committee",
            "development zone management committee",
            "管委会",
        ),
    ],
)
def test_shipped_unit_names(question: str, english: str, chinese: str) -> None:
    matches = dict(unit_name_matches(question))
    assert english in matches
    assert chinese in matches[english]


def test_longest_match_wins(small: Glossary) -> None:
    text = "Is the Development and Reform Bureau in charge of reform?"
    assert unit_name_matches(text, small) == [
        ("development and reform bureau", ("发展和改革局", "发改局", "发展改革委"))
    ]
    assert chinese_terms(text, small) == ["发展和改革局", "发改局", "发展改革委", "改革"]
    shipped = dict(unit_name_matches(text))
    assert "development and reform bureau" in shipped
    assert "发改局" in shipped["development and reform bureau"]


def test_a_longer_term_hides_a_shorter_unit(small: Glossary) -> None:
    assert unit_name_matches("How are government services organised?", small) == []
    assert unit_name_matches("What does the people's government do?", small) == [
        ("people's government", ("人民政府", "政府"))
    ]


def test_plurals_case_apostrophes_and_hyphens(small: Glossary) -> None:
    assert chinese_terms("SUBSIDIES and Taxes", small) == ["补贴", "补助", "税", "税收"]
    assert chinese_terms("the Peoples Government", small) == ["人民政府", "政府"]
    assert chinese_terms("the people\u2019s government", small) == ["人民政府", "政府"]
    assert chinese_terms("urban rural integration", small) == ["城乡融合"]
    assert chinese_terms("the commerce bureau's tasks", small) == ["商务局", "商务委"]


def test_word_boundaries(small: Glossary) -> None:
    assert chinese_terms("taxonomy of reformers", small) == []
    # words of a phrase must be separated by spaces or hyphens, not other text
    assert chinese_terms("commerce, bureau", small) == []
    assert chinese_terms("commerce 商务 bureau", small) == []


def test_results_are_deduplicated_in_text_order(small: Glossary) -> None:
    assert chinese_terms("tax reform, then tax again", small) == ["税", "税收", "改革"]
    assert unit_name_matches("commerce bureau and the commerce bureau", small) == [
        ("commerce bureau", ("商务局", "商务委"))
    ]


def test_parse_errors() -> None:
    with pytest.raises(ValueError, match="line 1"):
        parse_glossary("unit\tcommerce bureau")
    with pytest.raises(ValueError, match="unknown kind"):
        parse_glossary("thing\tx\t中")
    with pytest.raises(ValueError, match="empty"):
        parse_glossary("term\tx\t|")
