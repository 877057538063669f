"""Issue 17: validity, typed relations, transmission and clause alignment, on both stores.

The fixture documents (tests/fixtures/lifecycle/docs, copied from the corpus) hold one of each
case: 促进个体工商户发展条例 (2022) repeals 个体工商户条例 (2011); two versions of 上海市实施《义务教育
法》办法 (the 2024 revision replaces the 2009 text); 阿坝州 data rules valid for two years from
2021-10-11 (expired); 枣庄市城市绿化条例 rests on the national 城市绿化条例 (transmission and
alignment).
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from policykg.graph.base import GraphStore
from policykg.ingest.errors import InvalidRequestError, NotFoundError
from policykg.service.core import PolicyService
from tests.conftest import SEED
from tests.helpers import hashing_workspace

DOCS = Path(__file__).resolve().parents[1] / "fixtures" / "lifecycle" / "docs"
REPEALED = "个体工商户条例"
REPEALER = "促进个体工商户发展条例"
VERSIONS = "上海市实施《中华人民共和国义务教育法》办法"
EXPIRING = "阿府办发〔2021〕21号"  # 阿坝州政务数据资源管理暂行办法: 有效期2年


def _service(data: Path, graph: GraphStore | None = None) -> PolicyService:
    workspace = hashing_workspace(data, graph)
    report = workspace.ingest_paths([DOCS, SEED])
    assert not report.failed, report.failed
    return PolicyService(workspace)


def check_lifecycle(service: PolicyService) -> None:
    """Every question form of issue 17 and the service calls behind them, on one store."""
    # Validity of one document, on a day and over a year.
    repealed = service.lifecycle(REPEALED, "2022-12-31")
    assert (repealed.status, repealed.effective) == ("repealed", "2011-11-01")
    assert [(e.status, e.day, e.by.title) for e in repealed.events] == [
        ("repealed", "2022-11-01", REPEALER)
    ]
    assert "同时废止" in (repealed.events[0].sentence or "")
    assert service.lifecycle(REPEALED, "2022-10-31").status == "in_force"
    assert service.lifecycle(REPEALED, "2011-10-31").status == "not_yet"
    answer = service.ask(f"《{REPEALED}》2022年还有效吗？")
    assert answer.intent == "validity"
    assert "由现行有效变为已废止" in answer.answer and REPEALER in answer.answer, answer.answer
    english = service.ask(f"Was 《{REPEALED}》 still in force in 2021?")
    assert "was in force in 2021" in english.answer, english.answer

    # An own term: 有效期2年 from 2021-10-11.
    expiring = service.lifecycle(EXPIRING)
    assert (expiring.effective, expiring.expires, expiring.status) == (
        "2021-10-11",
        "2023-10-10",
        "expired",
    )
    assert "有效期" in expiring.evidence
    assert service.lifecycle(EXPIRING, "2023-10-10").status == "in_force"

    # A newer version of the same title replaces the older one.
    page = service.validity("2025-01-01", "replaced")
    assert [(p.title, p.status) for p in page.items] == [(VERSIONS, "replaced")]
    assert page.items[0].date is None  # the 2009 text; the 2024 revision is in force
    in_force = service.validity("2025-01-01")
    titles = [p.title for p in in_force.items]
    numbers = [p.doc_number for p in in_force.items]
    assert titles.count(VERSIONS) == 1 and REPEALED not in titles and EXPIRING not in numbers
    assert in_force.counts == {"in_force": 5, "replaced": 1, "repealed": 1, "expired": 1}
    listing = service.ask("哪些文件现行有效？")
    assert listing.intent == "validity" and REPEALER in listing.answer
    assert f"《{REPEALED}》" not in listing.answer.split("全部")[0]
    gone = service.ask("哪些文件已废止？")
    assert [p.title for p in gone.policies] == [REPEALED], gone.answer

    # What a document repeals, asked with and without 《》.
    for question in (f"《{REPEALER}》废止了哪些文件？", f"Which documents did {REPEALER} repeal?"):
        acted = service.ask(question)
        assert acted.intent == "acted_on", question
        assert [p.title for p in acted.policies] == [REPEALER, REPEALED], acted.answer

    # Filters: nothing of a repealed document is in force on a later day, and it is marked.
    hits = service.search("个体工商户", 20, mode="bm25", in_force_on="2023-01-01")
    assert hits.hits and all(h.policy_title != REPEALED for h in hits.hits)
    marked = service.search("个体工商户 登记", 20, mode="bm25")
    statuses = {h.policy_title: h.policy_status for h in marked.hits}
    assert statuses.get(REPEALED) == "repealed" and statuses.get(REPEALER) is None, statuses
    asked = service.ask("个体工商户登记管理", in_force_on="2012-01-01")
    assert all(c.policy_title != REPEALER for c in asked.clauses)  # not yet in force then
    with pytest.raises(InvalidRequestError):
        service.search("个体工商户", in_force_on="2023/13/01")

    # Typed citations in the policy detail.
    detail = service.policy(service.lifecycle(REPEALER).policy.policy_id)
    assert ("个体工商户条例", "repeals") in {(c.title, c.kind) for c in detail.cites}
    assert detail.lifecycle is not None and detail.lifecycle.status == "in_force"

    # Transmission: who takes the national regulation up, where, at which level, how long after.
    table = service.transmission("城市绿化条例")
    assert [(r.policy.title, r.kind, r.level) for r in table.rows] == [
        ("枣庄市城市绿化条例", "basis", "市")
    ]
    assert table.rows[0].days_after == 3485  # 2011-01-08 (revision) -> 2020-07-24
    spread = service.ask("哪些地方落实了《城市绿化条例》，用了多久？")
    assert (
        spread.intent == "transmission"
        and "| 《枣庄市城市绿化条例》 | 枣庄市 | 市 |" in spread.answer
    )
    english = service.ask("Which places implement 《城市绿化条例》 and how long did it take?")
    assert english.intent == "transmission" and "3485" in english.answer, english.answer

    # A central document known only from citations: who implements it (its own date unknown).
    central = service.ask("哪些地方落实了国发〔2019〕11号，用了多久？")
    assert central.intent == "transmission" and central.found, central.answer
    assert [p.title for p in central.policies][1:] == ["开发区改革开放实施意见"]
    assert "日期不详" in central.answer
    assert service.transmission("国发〔2019〕11号").rows[0].kind == "implements"

    # Clause alignment with the parent document the local one names.
    aligned = service.alignment("枣庄市城市绿化条例")
    assert aligned.parent.title == "城市绿化条例"
    assert len(aligned.clauses) == 48 and sum(aligned.counts.values()) == 48
    by_marker = {a.marker: a for a in aligned.clauses}
    assert (by_marker["第四十四条"].label, by_marker["第四十四条"].parent_marker) == (
        "copied",
        "第二十九条",
    )
    assert aligned.covered == sum(p.covered for p in aligned.parent_clauses) > 0
    question = service.ask("《枣庄市城市绿化条例》落实了上位文件的哪些条款，新增了哪些？")
    assert question.intent == "alignment" and "新增" in question.answer
    assert len(question.clauses) == 48
    english = service.ask(
        "Which clauses of its parent document does 《枣庄市城市绿化条例》 implement, and what does it add?"
    )
    assert english.intent == "alignment" and "local additions" in english.answer, english.answer
    with pytest.raises(NotFoundError):
        service.alignment("城市绿化条例")  # rests on nothing stored


def test_lifecycle_on_the_embedded_store(tmp_path: Path) -> None:
    service = _service(tmp_path / "data")
    check_lifecycle(service)
    service.close()


@pytest.mark.neo4j
def test_lifecycle_on_neo4j(tmp_path: Path, neo4j_uri: str) -> None:
    from policykg.graph.neo4j import connect

    graph = connect(neo4j_uri, "", "")
    graph.clear()
    service = _service(tmp_path / "data", graph)
    check_lifecycle(service)
    service.close()


def test_cli_exports_transmission_as_csv_and_reads_validity(tmp_path: Path) -> None:
    """`policykg analyze --transmission` writes one CSV row per implementing document."""
    data = tmp_path / "data"
    _service(data).close()

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "policykg.api.cli", "--data-dir", str(data), *args],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "COLUMNS": "200", "POLICYKG_EMBED_MODEL": "hashing:128"},
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    rows = list(csv.DictReader(io.StringIO(run("analyze", "--transmission", "城市绿化条例"))))
    assert [(r["title"], r["jurisdiction"], r["level"], r["kind"]) for r in rows] == [
        ("枣庄市城市绿化条例", "枣庄市", "市", "basis")
    ]
    assert rows[0]["days_after"] == "3485" and "根据" in rows[0]["sentence"]
    shown = run("validity", REPEALED, "--on", "2023-01-01")
    assert "已废止" in shown and REPEALER in shown


def test_http_and_mcp_faces_answer_the_lifecycle_like_the_service(tmp_path: Path) -> None:
    """The HTTP routes and MCP tools return the service's models for the same calls."""
    import anyio
    from fastapi.testclient import TestClient
    from mcp.client import Client

    from policykg.api.app import create_app
    from policykg.api.mcp_server import build_mcp_server
    from policykg.api.settings import Settings

    service = _service(tmp_path / "data")
    with TestClient(create_app(Settings(data_dir=tmp_path / "data"), service.workspace)) as http:
        one = http.get(f"/validity/{REPEALED}", params={"on": "2023-01-01"}).json()
        assert one["status"] == "repealed" and one["events"][0]["by"]["title"] == REPEALER
        listing = http.get("/validity", params={"on": "2025-01-01", "status": "repealed"}).json()
        assert [p["title"] for p in listing["items"]] == [REPEALED]
        assert http.get("/validity", params={"on": "0"}).status_code == 422
        spread = http.get("/transmission/城市绿化条例").json()
        assert [r["policy"]["title"] for r in spread["rows"]] == ["枣庄市城市绿化条例"]
        aligned = http.get("/alignment/枣庄市城市绿化条例").json()
        assert aligned["parent"]["title"] == "城市绿化条例" and len(aligned["clauses"]) == 48
        asked = http.post("/ask", json={"question": "个体工商户登记", "in_force_on": "2023-01-01"})
        assert all(c["policy_title"] != REPEALED for c in asked.json()["clauses"])
        hits = http.get("/search", params={"q": "个体工商户 登记", "mode": "bm25", "k": 20}).json()
        assert {h["policy_status"] for h in hits["hits"] if h["policy_title"] == REPEALED} == {
            "repealed"
        }

    async def body(client: Client) -> None:
        found = (
            await client.call_tool("document_validity", {"document": REPEALED})
        ).structured_content
        assert found is not None and found["status"] == "repealed", found
        page = (
            await client.call_tool("documents_in_force", {"on": "2025-01-01", "status": "expired"})
        ).structured_content
        assert page is not None and [p["doc_number"] for p in page["items"]] == [EXPIRING]
        rows = (
            await client.call_tool("transmission", {"document": "城市绿化条例"})
        ).structured_content
        assert rows is not None and rows["rows"][0]["level"] == "市"
        pairs = (
            await client.call_tool("clause_alignment", {"document": "枣庄市城市绿化条例"})
        ).structured_content
        assert pairs is not None and sum(pairs["counts"].values()) == 48

    async def session() -> None:
        with anyio.fail_after(60):
            async with Client(build_mcp_server(service)) as client:
                await body(client)

    anyio.run(session)
    service.close()
