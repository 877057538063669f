"""Questions across jurisdictions: qualified ones stay in their place, unqualified ones group."""

from __future__ import annotations

import json
import re

import pytest

from policykg.ingest.model import Policy
from policykg.service.core import PolicyService
from policykg.service.workspace import Workspace
from tests.conftest import CORPUS, FIXTURES
from tests.helpers import hashing_workspace

QUESTIONS = json.loads((FIXTURES / "questions" / "jurisdictions.json").read_text(encoding="utf-8"))[
    "questions"
]


@pytest.fixture(scope="module")
def store(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Workspace, PolicyService, list[Policy]]:
    workspace = hashing_workspace(tmp_path_factory.mktemp("places") / "data")
    workspace.ingest_paths([CORPUS])
    policies = [
        p for i in sorted(workspace.graph.policy_ids()) if (p := workspace.graph.get_policy(i))
    ]
    return workspace, PolicyService(workspace), policies


def resolve(policies: list[Policy], ref: dict[str, str]) -> str:
    source = ref["fixture"]  # a folder ingest names files from the folder: corpus/dev/007.txt
    start = re.sub(r"\s+", "", ref["text_start"])
    for clause in (c for p in policies if p.source == source for c in p.clauses):
        text = re.sub(r"\s+", "", clause.text)
        if clause.number == ref["number"] and (text.startswith(start) or start in text[:40]):
            return clause.id
    raise AssertionError(f"unresolved gold reference {ref}")


def test_there_are_enough_questions() -> None:
    assert len(QUESTIONS) >= 20
    assert {q["lang"] for q in QUESTIONS} == {"zh", "en"}


@pytest.mark.parametrize("question", QUESTIONS, ids=[q["id"] for q in QUESTIONS])
def test_answer_covers_exactly_the_expected_jurisdictions(
    store: tuple[Workspace, PolicyService, list[Policy]], question: dict[str, object]
) -> None:
    _, answerer, policies = store
    answer = answerer.ask(str(question["question"]))
    expected = {resolve(policies, ref) for ref in question["expected"]}  # type: ignore[attr-defined]
    got = {c.clause_id for c in answer.clauses}
    assert got == expected, (answer.intent, answer.answer[:300])
    places = set(question["jurisdictions"])  # type: ignore[call-overload]
    assert {c.jurisdiction for c in answer.clauses} <= places
    if len(places) > 1:
        assert set(answer.jurisdictions) == places
        assert ("辖区" in answer.answer) or ("jurisdictions" in answer.answer)
