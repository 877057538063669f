"""The time limit a clause states, from a 完成时限 cell or its text."""

from __future__ import annotations

import pytest

from policykg.ingest.deadlines import find_deadline
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
    ],
)
def test_a_clause_text_gives_its_deadline(text: str, deadline: str) -> None:
    assert find_deadline(text) == deadline


def test_a_task_table_gives_each_row_its_time_limit_cell() -> None:
    policy = parse_document(read_path(CORPUS / "synthetic" / "table_pipe.txt"))
    rows = [c for c in policy.clauses if c.role_sources and c.role_sources[0].source == "table"]
    assert rows and all(c.deadline for c in rows)
    assert all(c.deadline in c.text for c in rows)  # the cell as written, kept in the row text
