"""What the parser made of one document, for the ingest report: clauses, roles by source, units,
attachments, how much text it kept, and what a reader should check."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from policykg.ingest.coverage import Coverage
from policykg.ingest.model import Policy

LONG_CLAUSE = 5_000
"""A clause longer than this is worth a warning (a document read as one block of text?)."""

_TABLE_ROW = re.compile(r"第\d+项$")
_SPLIT_PART = re.compile(r"-\d+$")


@dataclass(frozen=True, slots=True)
class DocumentReport:
    """One document as parsed.

    Attributes:
        source: The file.
        title: The policy's title.
        clauses: Clauses found.
        roles: Unit roles per source (annotation, table, section, prose, regulation).
        units: Units named (with a role or mentioned).
        attachments: Attachments read (附件, attached documents).
        coverage: How much of the text the policy keeps.
        warnings: What a reader should check, one line each.
    """

    source: str
    title: str
    clauses: int
    roles: dict[str, int]
    units: int
    attachments: int
    coverage: Coverage
    warnings: tuple[str, ...]


def document_report(source: str, policy: Policy, coverage: Coverage) -> DocumentReport:
    """The report of ``policy``, parsed from ``source`` (``coverage`` measured on its text)."""
    roles = Counter(r.source.value for c in policy.clauses for r in c.role_sources)
    warnings = []
    if policy.clauses and not roles:
        warnings.append(f"{len(policy.clauses)} clauses but no unit roles found")
    long = [c.marker for c in policy.clauses if len(c.text) > LONG_CLAUSE]
    if long:
        warnings.append(f"clauses over {LONG_CLAUSE:,} characters: {'、'.join(long[:5])}")
    split = {c.marker.rsplit("（", 1)[0] for c in policy.clauses if _SPLIT_PART.search(c.number)}
    if split:
        warnings.append(
            f"{len(split)} long passage(s) without numbered items split into sentence-sized "
            f"clauses: {'、'.join(sorted(split)[:5])}"
        )
    rows = [
        c.marker
        for c in policy.clauses
        if _TABLE_ROW.search(c.marker) and not (c.lead_units or c.responsible_units)
    ]
    if rows:
        warnings.append(f"task-table rows without a unit: {'、'.join(rows[:5])}")
    if coverage.share < 0.99:
        warnings.append(
            f"kept {coverage.share:.1%} of the text"
            + (f"; not kept: “{coverage.lost[0][:30]}…”" if coverage.lost else "")
        )
    attachments = {s.part for s in policy.sections if s.part > 0} | {
        s.number for s in policy.sections if s.number.startswith("附件")
    }
    return DocumentReport(
        source=source,
        title=policy.title,
        clauses=len(policy.clauses),
        roles=dict(sorted(roles.items())),
        units=len(policy.units),
        attachments=len(attachments),
        coverage=coverage,
        warnings=tuple(warnings),
    )
