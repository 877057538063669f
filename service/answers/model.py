"""What an answer is made of, as domain values (the client-facing shape is in service.contract).

An answer holds the graph's own records (the clause with its policy and the unit's role, the
policy summaries) and the score a ranking gave; :mod:`policykg.service.contract` turns it into the
answer contract, once, for every face.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from policykg.graph.base import ClauseRecord, PolicySummary


@dataclass(frozen=True, slots=True)
class CitedClause:
    """A clause an answer rests on: the graph's record and the score a ranking gave it.

    Attributes:
        record: The clause with its policy and, for a unit question, the unit's role.
        score: 1.0 for a clause the graph answered exactly; a ranking's score otherwise.
    """

    record: ClauseRecord
    score: float = 1.0

    @property
    def clause_id(self) -> str:
        """The clause's id."""
        return self.record.clause.id

    @property
    def policy_id(self) -> str:
        """Its policy's id."""
        return self.record.clause.policy_id

    @property
    def jurisdiction(self) -> str:
        """Its policy's jurisdiction."""
        return self.record.jurisdiction

    @property
    def title(self) -> str:
        """The clause's title (its first sentence)."""
        return self.record.clause.title

    @property
    def text(self) -> str:
        """The clause's full text."""
        return self.record.clause.text

    @property
    def role(self) -> str | None:
        """The role of the unit asked about (lead, responsible, mention), if any."""
        return self.record.role.value if self.record.role else None

    @property
    def lead_units(self) -> tuple[str, ...]:
        """Units leading the clause (牵头单位)."""
        return self.record.clause.lead_units

    @property
    def responsible_units(self) -> tuple[str, ...]:
        """Units sharing the clause (责任单位/配合单位)."""
        return self.record.clause.responsible_units

    @property
    def deadline(self) -> str:
        """The time limit the clause states, as written (2025年底前), or ``""``."""
        return self.record.clause.deadline

    @property
    def citation(self) -> str:
        """《policy title》 and the clause as cited: 《开发区改革开放实施意见》（十五）."""
        return f"《{self.record.policy_title}》{self.record.clause.marker}"


@dataclass(frozen=True, slots=True)
class Answer:
    """A cited answer (what the answer contract is made from).

    Attributes:
        question: The question as asked.
        intent: What the question was taken to ask.
        answer: The answer text, in the question's language, citing policy and clause.
        units: Names of the units the answer is about.
        clauses: Every clause the answer rests on, best first.
        policies: Policies the answer names (e.g. cited documents).
        language: ``zh`` or ``en``.
        jurisdictions: Jurisdictions the answer covers, in the order shown.
        candidates: For a question that names a unit ambiguously, the units it may mean.
        found: False when nothing in the store answers the question.
        rewritten: True when an LLM reworded the answer text.
        evidence: For a retrieval answer, the sentences of the first clause that answer the
            question (…有效期是几年? -> 评估报告5年内有效), as written in it.
        statuses: The policies of cited clauses that are not in force on the day asked about
            (today unless the question or caller gives one), with their status.
        on: That day, ``YYYY-MM-DD``.
    """

    question: str
    intent: str
    answer: str
    units: tuple[str, ...] = ()
    clauses: tuple[CitedClause, ...] = ()
    policies: tuple[PolicySummary, ...] = ()
    language: str = "zh"
    jurisdictions: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()
    found: bool = True
    rewritten: bool = False
    evidence: tuple[str, ...] = ()
    statuses: tuple[tuple[str, str], ...] = ()
    on: str = ""


class AnswerRewriter(Protocol):
    """Rewords an answer's text (an optional LLM step); must not change what it cites."""

    def rewrite(self, answer: Answer) -> str | None:
        """The new text, or None to keep the original."""
        ...
