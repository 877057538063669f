"""Extraction quality against the hand-checked gold files (targets of the ingest issue)."""

from __future__ import annotations

from pathlib import Path

import pytest

from policykg.ingest.evaluation import DocumentScore, Score, load_gold, score_policy
from policykg.ingest.parser import parse_document
from policykg.ingest.readers import read_path
from tests.conftest import FIXTURES

GOLD = sorted((FIXTURES / "gold").glob("*.json"))
# Documents whose roles are stated in tables, attachments, duty sections, prose and regulations
# (issue 14), held to their own targets below.
FORMS = [p for p in GOLD if p.stem.startswith("formats_")]
# Gold written after the parser work, to measure it on documents it was never tuned on: reported
# by benchmarks/extraction.py (first run and now), held to no target here.
HELDOUT = [p for p in GOLD if p.stem.startswith("heldout_")]
ANNOTATED = [p for p in GOLD if p not in FORMS and p not in HELDOUT]
SOURCES = {"annotation", "table", "section", "prose", "regulation"}


def _score(path: Path) -> DocumentScore:
    gold = load_gold(path)
    policy = parse_document(read_path(FIXTURES / str(gold["fixture"])))
    return score_policy(path.stem, policy, gold)


def test_there_is_gold_for_the_seed_and_at_least_six_annotated_dev_documents() -> None:
    names = {p.stem for p in GOLD}
    assert "seed" in names
    assert len({n for n in names if n.startswith("dev_")}) >= 6


@pytest.mark.parametrize("path", ANNOTATED, ids=[p.stem for p in ANNOTATED])
def test_each_document_meets_the_role_target(path: Path) -> None:
    score = _score(path)
    assert score.roles.f1 >= (0.98 if path.stem == "seed" else 0.9), score.errors
    assert score.clauses.f1 >= 0.9, score.errors


def test_overall_role_f1_is_at_least_095() -> None:
    scores = [_score(p) for p in ANNOTATED]
    roles = sum((s.roles for s in scores), Score(0, 0, 0))
    clauses = sum((s.clauses for s in scores), Score(0, 0, 0))
    assert roles.f1 >= 0.95
    assert clauses.f1 >= 0.95


def test_scoring_counts_a_wrong_role_against_precision(seed_policy) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    gold = load_gold(FIXTURES / "gold" / "seed.json")
    first = seed_policy.clauses[0]
    broken = dataclasses.replace(first, lead_units=("县商务局",))
    policy = dataclasses.replace(seed_policy, clauses=(broken, *seed_policy.clauses[1:]))
    score = score_policy("seed", policy, gold)
    assert score.roles.precision < 1.0 and score.roles.recall < 1.0
    assert "missed role (0, '县委编办', 'lead')" in score.errors


def test_there_is_gold_for_every_form_written_by_reading() -> None:
    forms = {p.stem: load_gold(p) for p in FORMS}
    assert len(forms) >= 12
    used = {
        source
        for gold in forms.values()
        for clause in gold["clauses"]  # type: ignore[attr-defined]
        for source in clause.get("sources", {}).values()
    }
    assert used >= {"annotation", "table", "section", "prose", "regulation"}


TARGETS = {"annotation": 0.95, "table": 0.95, "section": 0.85, "prose": 0.85, "regulation": 0.85}
SHORT_OF_TARGET: dict[str, str] = {}  # every source meets its target now


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(s, marks=[pytest.mark.xfail(strict=True, reason=SHORT_OF_TARGET[s])])
        if s in SHORT_OF_TARGET
        else s
        for s in TARGETS
    ],
)
def test_each_source_meets_its_target(source: str) -> None:
    """F1 per source over the gold that gives sources: recall over the gold's roles of the
    source, precision over the parser's roles it says came from it."""
    scores = [_score(p) for p in GOLD if p not in HELDOUT]
    expected = sum((s.roles_by_source.get(source, Score(0, 0, 0)) for s in scores), Score(0, 0, 0))
    given = sum((s.precision_by_source.get(source, Score(0, 0, 0)) for s in scores), Score(0, 0, 0))
    recall, precision = expected.recall, given.precision
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    assert f1 >= TARGETS[source], (precision, recall)


@pytest.mark.parametrize("path", FORMS + HELDOUT, ids=[p.stem for p in FORMS + HELDOUT])
def test_form_gold_is_well_formed(path: Path) -> None:
    """Every role has a known source, and every clause start is in the document."""
    gold = load_gold(path)
    text = "".join((FIXTURES / str(gold["fixture"])).read_text(encoding="utf-8").split())
    for clause in gold["clauses"]:  # type: ignore[attr-defined]
        units = [*clause["lead_units"], *clause["responsible_units"]]
        assert set(clause.get("sources", {})) == set(units), clause["number"]
        assert set(clause.get("sources", {}).values()) <= SOURCES, clause["number"]
        assert "".join(str(clause["text_start"]).split()) in text, clause["number"]
