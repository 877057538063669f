"""The ingest report of one document: clauses, roles by source, attachments, warnings."""

from __future__ import annotations

from policykg.ingest.coverage import text_coverage
from policykg.ingest.evaluation import load_gold
from policykg.ingest.parser import parse_document
from policykg.ingest.readers import DocumentFormat, RawDocument, read_path
from policykg.ingest.report import document_report
from tests.conftest import FIXTURES, SEED


def test_a_table_in_an_attachment_is_reported_with_its_roles() -> None:
    raw = read_path(FIXTURES / "formats" / "013.txt")
    policy = parse_document(raw)
    report = document_report("013.txt", policy, text_coverage(raw.text, policy))
    assert report.attachments >= 1
    assert report.roles.get("table", 0) > 50 and report.roles.get("section", 0) > 10
    assert report.clauses == len(policy.clauses) and report.units == len(policy.units)


def test_a_document_without_roles_is_warned_about() -> None:
    text = "关于加强管理的意见\n一、总体要求\n（一）加强领导。健全工作机制。\n（二）强化保障。落实经费。\n"
    raw = RawDocument("plain.txt", DocumentFormat.TEXT, text)
    policy = parse_document(raw)
    report = document_report("plain.txt", policy, text_coverage(raw.text, policy))
    assert report.roles == {}
    assert any("no unit roles" in w for w in report.warnings)


def test_the_seed_has_nothing_to_warn_about() -> None:
    raw = read_path(SEED)
    policy = parse_document(raw)
    report = document_report("seed.txt", policy, text_coverage(raw.text, policy))
    gold = load_gold(FIXTURES / "gold" / "seed.json")
    roles = sum(len(c["lead_units"]) + len(c["responsible_units"]) for c in gold["clauses"])  # type: ignore[attr-defined]
    assert report.warnings == () and report.roles == {"annotation": roles}
