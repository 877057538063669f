"""The conversions from domain values to the models the HTTP API and the MCP server return."""

from __future__ import annotations

import dataclasses

from policykg.ingest.model import Policy
from policykg.service.contract import outline


def test_clauses_outside_any_section_come_first_in_a_group_of_their_own(
    seed_policy: Policy,
) -> None:
    first, *rest = seed_policy.clauses
    loose = dataclasses.replace(first, section_id="")
    policy = dataclasses.replace(seed_policy, clauses=(loose, *rest))

    sections = outline(policy)

    assert [(s.number, s.title, s.part) for s in sections[:1]] == [("", "", 0)]
    assert [c.clause_id for c in sections[0].clauses] == [loose.id]
    assert [s.number for s in sections[1:]] == ["一", "二", "三", "四"]
    listed = [c.clause_id for s in sections for c in s.clauses]
    assert sorted(listed) == sorted(c.id for c in policy.clauses)
