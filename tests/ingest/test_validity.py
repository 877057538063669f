"""Reading a document's own validity: 自…起施行, 印发之日起施行, 有效期…, and the traps."""

from __future__ import annotations

import pytest

from policykg.ingest.validity import parse_date, read_validity


@pytest.mark.parametrize(
    ("text", "issued", "effective", "expires"),
    [
        ("第三十八条 本条例自2022年1月1日起施行。《浙江省某条例》同时废止。", None, "2022-01-01", None),
        ("本意见自印发之日起施行，有效期5年。", "2021-03-15", "2021-03-15", "2026-03-14"),
        ("本政策自发布之日起施行，暂定三年有效期", "2020-06-01", "2020-06-01", "2023-05-31"),
        ("本办法自2021年1月1日起执行，至2023年12月31日止。", None, "2021-01-01", "2023-12-31"),
        ("本措施自2023年1月1日起施行。有效期至2025年12月31日。", None, "2023-01-01", "2025-12-31"),
        ("本办法自2012年2月1日至2017年1月31日施行。", None, "2012-02-01", "2017-01-31"),
        ("上述政策适用于所有文化企业，执行期限为2019年1月1日至2023年12月31日。", None,
         "2019-01-01", "2023-12-31"),
        ("本规定自发布之日起实行。", "1986-02-18", "1986-02-18", None),
        ("本预案自印发之日起实施。\n国务院办公厅\n二〇〇五年六月十一日", None, "2005-06-11", None),
        # A licence's term is not the document's; a document that says nothing has no dates.
        ("许可证有效期为五年。本办法自二〇一九年十月一日起施行。", None, "2019-10-01", None),
        ("土地使用期限自1997年7月1日起至2047年6月30日止。", None, None, None),
        ("各地要抓好落实。", "2020-01-01", None, None),
        # 自印发之日起 with no known issue date: the day is unknown.
        ("本规定自发布之日起施行", None, None, None),
    ],
)  # fmt: skip
def test_reads_the_documents_own_dates(
    text: str, issued: str | None, effective: str | None, expires: str | None
) -> None:
    found = read_validity(text, issued)
    assert (found.effective, found.expires) == (effective, expires), found
    assert bool(found.evidence) == bool(effective or expires)


def test_a_term_counts_from_the_day_it_takes_effect_to_the_day_before_the_anniversary() -> None:
    assert read_validity("本办法自2020年2月29日起施行，有效期1年。", None).expires == "2021-02-28"
    assert read_validity("本意见自2021年1月31日起施行，有效期6个月。", None).expires == "2021-07-30"


def test_parse_date_takes_chinese_numerals_and_rejects_impossible_days() -> None:
    assert parse_date("二〇二〇年十二月三十一日") == "2020-12-31"
    assert parse_date("2021年2月30日") is None
