"""The time limit a clause states, from a 完成时限 cell or its text."""

from __future__ import annotations

import pytest

from policykg.ingest.deadlines import deadline_date, find_deadline
from policykg.ingest.parser import parse_document
from policykg.ingest.readers import read_path
from tests.conftest import CORPUS


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("到2025年底，建成区40%以上面积达到海绵城市建设要求。", "2025年底"),
        ("2026年底前，完成2030年达标区域系统方案编制。", "2026年底前"),
        ("动员部署阶段（4月底前）。制定方案，召开动员会。", "4月底前"),
        ("集中整治阶段（5-7月）。开展联合执法。", "5-7月"),
        ("建立长效机制，长期坚持。", "长期坚持"),
        # Starting points are not limits.
        ("本政策自2021年开始执行。", ""),
        ("2019年以来，全县累计建成5G基站300个。", ""),
        ("加强组织领导，明确责任分工。", ""),
        # The start of a period a measure applies in, and when a rule is in force, are not limits.
        ("2019年1月1日至12月31日，对参保企业返还失业保险费。", ""),
        ("本办法自2012年2月1日至2017年1月31日施行。", ""),
        # 于 dates an event, but a date ending in 前 is a limit all the same.
        ("于2024年6月底前完成验收。", "2024年6月底前"),
    ],
)
def test_a_clause_text_gives_its_deadline(text: str, deadline: str) -> None:
    assert find_deadline(text) == deadline


def test_a_task_table_gives_each_row_its_time_limit_cell() -> None:
    policy = parse_document(read_path(CORPUS / "synthetic" / "table_pipe.txt"))
    rows = [c for c in policy.clauses if c.role_sources and c.role_sources[0].source == "table"]
    assert rows and all(c.deadline for c in rows)
    assert all(c.deadline in c.text for c in rows)  # the cell as written, kept in the row text


@pytest.mark.parametrize(
    ("deadline", "date"),
    [
        ("2025年底前", "2025-12-31"),
        ("2025年", "2025-12-31"),
        ("2025年6月底前", "2025-06-30"),
        ("2024年2月", "2024-02-29"),
        ("2025年上半年", "2025-06-30"),
        ("2024年第三季度", "2024-09-30"),
        ("2023—2025年", "2025-12-31"),
        ("2026年至2030年", "2030-12-31"),
        ("“十四五”期间", "2025-12-31"),
        ("4月底前", ""),  # no year: no date
        ("长期坚持", ""),
    ],
)
def test_a_time_limit_gives_the_last_day_it_allows(deadline: str, date: str) -> None:
    assert deadline_date(deadline) == date
