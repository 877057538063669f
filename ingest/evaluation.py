"""Score parsed policies against hand-checked gold (``tests/fixtures/gold/*.json``).

Gold clauses are matched to parsed clauses by the start of their text; roles are scored as
(clause, unit, role) triples and citations by 文号 or title.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from policykg.ingest.model import Clause, Policy

_SPACE = re.compile(r"\s+")
_MATCH_WINDOW = 40


@dataclass(frozen=True, slots=True)
class Score:
    """Precision, recall and F1 from counts."""

    true_positives: int
    predicted: int
    expected: int

    @property
    def precision(self) -> float:
        """Share of predictions that are right (1.0 when nothing was predicted)."""
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        """Share of expected items found (1.0 when nothing was expected)."""
        return self.true_positives / self.expected if self.expected else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: Score) -> Score:
        return Score(
            self.true_positives + other.true_positives,
            self.predicted + other.predicted,
            self.expected + other.expected,
        )


@dataclass(frozen=True, slots=True)
class DocumentScore:
    """Scores of one document.

    Attributes:
        name: Gold file stem.
        clauses: Clause detection.
        numbers_right: Matched clauses whose number is right.
        roles: (clause, unit, role) triples.
        roles_by_source: Gold roles found, per gold source (annotation, table, section, prose,
            regulation): true positives and expected count (recall).
        precision_by_source: The parser's roles per the source it gives them: how many of them
            the gold has (precision).
        citations: Cited documents.
        deadlines: Clause deadlines, for gold that records them: a predicted deadline is right
            when it equals the gold one or one holds the other (2025年底 / 2025年底前).
        errors: Human-readable differences, for debugging the parser.
    """

    name: str
    clauses: Score
    numbers_right: int
    roles: Score
    citations: Score
    errors: tuple[str, ...]
    roles_by_source: dict[str, Score] = field(default_factory=dict)
    deadlines: Score = Score(0, 0, 0)
    precision_by_source: dict[str, Score] = field(default_factory=dict)


def load_gold(path: Path) -> dict[str, object]:
    """Read one gold file."""
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


def score_policy(name: str, policy: Policy, gold: dict[str, object]) -> DocumentScore:
    """Compare ``policy`` with its gold record."""
    gold_clauses: list[dict[str, object]] = list(gold["clauses"])  # type: ignore[call-overload]
    predicted = [(_SPACE.sub("", c.text), c) for c in policy.clauses]
    matches: dict[int, int] = {}
    errors: list[str] = []
    next_free = 0
    for gi, gold_clause in enumerate(gold_clauses):
        start = _SPACE.sub("", str(gold_clause["text_start"]))
        found = _find(start, predicted, next_free)
        if found is None:
            errors.append(f"missing clause {gold_clause['number']} {start}")
            continue
        matches[gi] = found
        next_free = found + 1
    matched_predicted = set(matches.values())
    errors.extend(
        f"extra clause {c.marker} {c.title[:20]}"
        for pi, (_, c) in enumerate(predicted)
        if pi not in matched_predicted
    )
    numbers_right = 0
    gold_triples: set[tuple[int, str, str]] = set()
    predicted_triples: set[tuple[int, str, str]] = set()
    for gi, gold_clause in enumerate(gold_clauses):
        for unit in gold_clause.get("lead_units", []):  # type: ignore[attr-defined]
            gold_triples.add((gi, unit, "lead"))
        for unit in gold_clause.get("responsible_units", []):  # type: ignore[attr-defined]
            gold_triples.add((gi, unit, "responsible"))
        if gi in matches and predicted[matches[gi]][1].number == str(gold_clause["number"]):
            numbers_right += 1
    predicted_to_gold = {pi: gi for gi, pi in matches.items()}
    predicted_sources: dict[tuple[int, str, str], str] = {}
    for pi, (_, clause) in enumerate(predicted):
        key = predicted_to_gold.get(pi, -1 - pi)
        for role, units in (("lead", clause.lead_units), ("responsible", clause.responsible_units)):
            for unit in units:
                predicted_triples.add((key, unit, role))
                source = clause.source_of(unit)
                predicted_sources[(key, unit, role)] = source.value if source else "annotation"
    for triple in sorted(gold_triples - predicted_triples, key=str):
        errors.append(f"missed role {triple}")
    for triple in sorted(predicted_triples - gold_triples, key=str):
        errors.append(f"wrong role {triple}")
    # Gold written before roles had sources says nothing of theirs: its roles count apart.
    sourced = any(c.get("sources") for c in gold_clauses)
    roles_by_source = _by_source(gold_clauses, gold_triples & predicted_triples, sourced)
    deadlines = _deadlines(gold_clauses, [c for _, c in predicted], matches)
    gold_citations = {_citation_key(c) for c in gold.get("citations", [])}  # type: ignore[attr-defined]
    predicted_citations = {
        _citation_key({"title": c.title, "doc_number": c.doc_number}) for c in policy.citations
    }
    errors.extend(f"missed citation {c}" for c in sorted(gold_citations - predicted_citations))
    errors.extend(f"extra citation {c}" for c in sorted(predicted_citations - gold_citations))
    return DocumentScore(
        name=name,
        clauses=Score(len(matches), len(predicted), len(gold_clauses)),
        numbers_right=numbers_right,
        roles=Score(
            len(gold_triples & predicted_triples), len(predicted_triples), len(gold_triples)
        ),
        citations=Score(
            len(gold_citations & predicted_citations), len(predicted_citations), len(gold_citations)
        ),
        errors=tuple(errors),
        roles_by_source=roles_by_source,
        deadlines=deadlines,
        precision_by_source=_precision_by_source(predicted_sources, gold_triples, sourced),
    )


UNSOURCED = "unsourced"
"""The source bucket of gold written before roles had sources (and of the parser's roles there)."""


def _precision_by_source(
    predicted_sources: dict[tuple[int, str, str], str],
    gold: set[tuple[int, str, str]],
    sourced: bool,
) -> dict[str, Score]:
    """The parser's roles per source it gives them, and how many of them the gold has."""
    guessed: dict[str, int] = {}
    right: dict[str, int] = {}
    for triple, given in predicted_sources.items():
        source = given if sourced else UNSOURCED
        guessed[source] = guessed.get(source, 0) + 1
        right[source] = right.get(source, 0) + (triple in gold)
    return {s: Score(right[s], guessed[s], 0) for s in sorted(guessed)}


def _deadlines(
    gold_clauses: list[dict[str, object]], predicted: list[Clause], matches: dict[int, int]
) -> Score:
    """Deadlines of matched clauses (only for gold that has the ``deadline`` key)."""
    if not any("deadline" in c for c in gold_clauses):
        return Score(0, 0, 0)
    right = guessed = expected = 0
    for gi, clause in enumerate(gold_clauses):
        wanted = str(clause.get("deadline") or "")
        got = predicted[matches[gi]].deadline if gi in matches else ""
        expected += bool(wanted)
        guessed += bool(got)
        right += bool(wanted and got and (wanted in got or got in wanted))
    return Score(right, guessed, expected)


def _by_source(
    gold_clauses: list[dict[str, object]], found: set[tuple[int, str, str]], sourced: bool
) -> dict[str, Score]:
    """Gold roles per source, and how many of them were found (recall per source).

    In a gold file that gives sources, a role without one is an annotation's; a file without
    any (written before roles had sources) counts its roles as ``unsourced``.
    """
    expected: dict[str, int] = {}
    hits: dict[str, int] = {}
    for gi, clause in enumerate(gold_clauses):
        sources: dict[str, str] = dict(clause.get("sources") or {})  # type: ignore[call-overload]
        for role, key in (("lead", "lead_units"), ("responsible", "responsible_units")):
            for unit in clause.get(key, []):  # type: ignore[attr-defined]
                source = sources.get(unit, "annotation") if sourced else UNSOURCED
                expected[source] = expected.get(source, 0) + 1
                hits[source] = hits.get(source, 0) + ((gi, unit, role) in found)
    return {s: Score(hits[s], hits[s], expected[s]) for s in sorted(expected)}


def _find(start: str, predicted: Sequence[tuple[str, Clause]], first: int) -> int | None:
    """Index of the first parsed clause from ``first`` on that starts with ``start``.

    Falls back to one that holds ``start`` near its beginning (a table row's text starts with
    its task name, the gold with its content).
    """
    for pi in range(first, len(predicted)):
        if predicted[pi][0].startswith(start):
            return pi
    for pi in range(first, len(predicted)):
        if start in predicted[pi][0][:_MATCH_WINDOW]:
            return pi
    return None


def _citation_key(citation: dict[str, object]) -> str:
    number = citation.get("doc_number")
    if number:
        return str(number)
    return re.sub(r"[\s()（）\-—–]", "", str(citation.get("title") or ""))
