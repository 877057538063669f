"""Unit questions answered from roles stated in every form: task tables, duty sections, prose,
regulations, each with its source and the clause's deadline.

The store holds the twelve documents of tests/fixtures/formats; what an answer must cite comes
from their gold files (written by reading the documents): for each document and each form it
uses, the unit given most roles in that form is asked about.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass

import pytest

from benchmarks.retrieval import resolve_gold
from policykg.ingest.model import Policy
from policykg.service.core import PolicyService
from tests.conftest import FIXTURES
from tests.helpers import hashing_workspace

GOLD = sorted((FIXTURES / "gold").glob("formats_*.json"))
FORMS = ("table", "section", "prose", "regulation")


@dataclass(frozen=True)
class Case:
    """One unit of one document, asked about; its gold clauses in one form."""

    gold: str
    form: str
    unit: str
    clauses: tuple[dict[str, str], ...]  # gold references (fixture, number, text_start, role)
    deadlines: tuple[str, ...]  # the gold deadline of each clause ("" for none)


def _cases() -> list[Case]:
    cases = []
    for path in GOLD:
        gold = json.loads(path.read_text(encoding="utf-8"))
        for form in FORMS:
            counts = Counter(
                unit
                for clause in gold["clauses"]
                for unit, source in clause.get("sources", {}).items()
                if source == form and not _generic(unit)
            )
            if not counts:
                continue
            unit = counts.most_common(1)[0][0]
            chosen = [
                clause for clause in gold["clauses"] if clause.get("sources", {}).get(unit) == form
            ]
            refs = tuple(
                {
                    "fixture": gold["fixture"],
                    "number": c["number"],
                    "text_start": c["text_start"],
                    "role": "lead" if unit in c["lead_units"] else "responsible",
                }
                for c in chosen
            )
            cases.append(
                Case(path.stem, form, unit, refs, tuple(c.get("deadline") or "" for c in chosen))
            )
    return cases


def _generic(unit: str) -> bool:
    """有关部门, 相关单位: too generic to ask about (questions name a body)."""
    return len(unit) < 5 and unit.startswith(("有关", "相关", "其他", "各"))


CASES = _cases()
# Cases below the recall asked of them today (strict: a fix makes the test fail until the mark
# goes), each with what is missing.
SHORT = {
    ("formats_005", "regulation"): "the 第四条 list of departments with 与 and 行政主管部门 forms",
    ("formats_013", "prose"): "X要… and X对…进行… sentences, which the gold counts",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[PolicyService, list[Policy]]:
    workspace = hashing_workspace(tmp_path_factory.mktemp("forms") / "data")
    report = workspace.ingest_paths([FIXTURES / "formats"])
    assert len(report.added) == len(list((FIXTURES / "formats").glob("*.txt")))
    policies = [
        p for i in sorted(workspace.graph.policy_ids()) if (p := workspace.graph.get_policy(i))
    ]
    return PolicyService(workspace), policies


def test_every_form_is_asked_about() -> None:
    assert {c.form for c in CASES} == set(FORMS)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            c,
            id=f"{c.gold}-{c.form}",
            marks=[pytest.mark.xfail(strict=True, reason=SHORT[(c.gold, c.form)])]
            if (c.gold, c.form) in SHORT
            else [],
        )
        for c in CASES
    ],
)
def test_a_unit_question_cites_the_clauses_each_form_gives_it(
    store: tuple[PolicyService, list[Policy]], case: Case
) -> None:
    service, policies = store
    policy = next(p for p in policies if p.source == case.clauses[0]["fixture"])
    answer = service.ask(f"{case.unit}负责什么？", jurisdiction=policy.jurisdiction.name)
    expected = {resolve_gold(policies, ref): ref for ref in case.clauses}
    assert None not in expected, "a gold reference resolves to no clause"
    cited = {c.clause_id: c for c in answer.clauses}
    found = [cid for cid in expected if cid in cited]
    # Most of the unit's clauses in this form, each with the role and source the form gives.
    assert len(found) >= 0.8 * len(expected), (answer.intent, answer.answer[:200])
    for cid in found:
        clause = cited[cid]
        assert clause.role == expected[cid]["role"]
        assert clause.role_sources.get(case.unit) == case.form
    for cid, deadline in zip(expected, case.deadlines, strict=True):
        if deadline and cid in cited:
            got = cited[cid].deadline or ""
            assert deadline in got or (got and got in deadline), (deadline, got)


def test_a_unit_not_in_the_jurisdiction_asked_is_not_found_in_words(
    store: tuple[PolicyService, list[Policy]],
) -> None:
    service, _ = store
    places = [j.name for j in service.jurisdictions().jurisdictions]
    assert "上海市虹口区" in places and "上海市松江区" in places
    assert service.ask(
        "各街道办事处负责什么？", "上海市虹口区"
    ).found  # a placeholder, asked by name
    # 区房屋急修中心 heads a duty section in 虹口 (011); no 松江 document names it.
    answer = service.ask("区房屋急修中心负责什么？", "上海市松江区")
    assert not answer.found and answer.answer.startswith("未找到：库中没有关于“区房屋急修中心”")
    assert service.ask("区房屋急修中心负责什么？", "上海市虹口区").found


def test_roles_can_be_asked_for_by_the_form_they_were_read_from(
    store: tuple[PolicyService, list[Policy]],
) -> None:
    service, _ = store
    found = service.search("建筑垃圾", k=20, role_source="section")
    assert found.hits and found.role_source == "section"
    assert all("section" in hit.role_sources.values() for hit in found.hits)
    duties = service.unit_duties("区交通委", jurisdiction="上海市松江区", role_source="section")
    clauses = [c for g in duties.groups for c in g.clauses]
    assert clauses and all(c.role_sources["区交通委"] == "section" for c in clauses)
    everything = service.unit_duties("区交通委", jurisdiction="上海市松江区")
    assert everything.total >= duties.total
    assert (
        service.unit_duties("区交通委", jurisdiction="上海市松江区", role_source="table").total == 0
    )


def _lead_cases() -> list[tuple[str, str, dict[str, str], str]]:
    """Per gold file and form: the first clause whose lead was read from that form."""
    found = []
    for path in GOLD:
        gold = json.loads(path.read_text(encoding="utf-8"))
        for form in FORMS:
            for c in gold["clauses"]:
                leads = [
                    u
                    for u in c["lead_units"]
                    if c.get("sources", {}).get(u) == form and not _generic(u)
                ]
                if leads:
                    ref = {"fixture": gold["fixture"], "number": c["number"]}
                    found.append((path.stem, form, ref | {"text_start": c["text_start"]}, leads[0]))
                    break
    return found


def test_who_leads_a_task_is_answered_from_every_form(
    store: tuple[PolicyService, list[Policy]],
) -> None:
    """谁牵头<the task, in the clause's words>? names the lead the form gives, for most forms and
    documents. Retrieval here uses the hashing test embedder: 12 of the 18 cases are answered
    today (misses: a title naming another unit routes to that unit, a heading-only title such as
    基本原则, a gold clause the parser splits differently); the floor is two in three."""
    service, policies = store
    cases = _lead_cases()
    assert {form for _, form, _, _ in cases} == set(FORMS)
    missed = []
    for name, form, ref, lead in cases:
        policy = next(p for p in policies if p.source == ref["fixture"])
        clause_id = resolve_gold(policies, ref)
        matching = [c for c in policy.clauses if c.id == clause_id]
        if not matching:
            missed.append((name, form, ref["text_start"], "no such clause", []))
            continue
        clause = matching[0]
        # The task in the clause's words, without the units (a question naming one is about it).
        task = clause.title
        for unit in sorted(
            {*clause.lead_units, *clause.responsible_units, lead}, key=len, reverse=True
        ):
            task = task.replace(unit, "")
        task = re.sub(r"^[，,、：:\s]*(?:应当|应|要|负责|牵头)?", "", task)[:30]
        answer = service.ask(f"谁牵头{task}？", jurisdiction=policy.jurisdiction.name)
        if answer.intent != "who_leads" or lead not in answer.units:
            missed.append((name, form, task[:20], answer.intent, answer.units[:3]))
    assert len(missed) <= len(cases) // 3, missed
