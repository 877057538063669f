"""The whole stack on Neo4j: ingest, ask, check and the CLI with POLICYKG_NEO4J_URI set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from neo4j import GraphDatabase

from policykg.graph.neo4j import Neo4jStore, connect
from policykg.service.core import PolicyService
from tests.conftest import CORPUS, SEED
from tests.helpers import free_port, hashing_workspace, wait_until_serving

pytestmark = pytest.mark.neo4j


def test_workspace_on_neo4j_answers_like_the_embedded_one(tmp_path: Path, neo4j_uri: str) -> None:
    store = connect(
        neo4j_uri,
        os.environ.get("POLICYKG_NEO4J_USER", ""),
        os.environ.get("POLICYKG_NEO4J_PASSWORD", ""),
    )
    store.clear()
    data = tmp_path / "data"
    workspace = hashing_workspace(data, store)
    report = workspace.ingest_paths([SEED, CORPUS / "dev" / "012.txt"])
    assert len(report.added) == 2
    assert workspace.check().clean
    answer = PolicyService(workspace).ask("县商务局负责什么？")
    assert [(c.number, c.role) for c in answer.clauses] == [
        ("四", "responsible"), ("九", "responsible"), ("十四", "responsible"),
        ("十五", "lead"), ("十六", "responsible"), ("十九", "lead"),
    ]  # fmt: skip
    assert workspace.delete_policy(answer.clauses[0].policy_id)
    assert workspace.check().clean
    workspace.close()


def test_cli_uses_neo4j_when_the_uri_is_set(tmp_path: Path, neo4j_uri: str) -> None:
    connect(neo4j_uri, "", "").clear()
    env = {
        **os.environ,
        "POLICYKG_NEO4J_URI": neo4j_uri,
        "POLICYKG_EMBED_MODEL": "hashing:128",
        "COLUMNS": "200",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return _cli(tmp_path / "d", env, *args)

    assert run("ingest", str(SEED)).returncode == 0
    stats = json.loads(run("stats", "--json").stdout)
    assert stats["policies"] == 1 and stats["clauses"] == 19
    answer = json.loads(run("ask", "县商务局牵头哪些工作？", "--json").stdout)
    assert [c["number"] for c in answer["clauses"]] == ["十五", "十九"]


def test_neo4j_sync_copies_the_embedded_store(tmp_path: Path, neo4j_uri: str) -> None:
    target = connect(neo4j_uri, "", "")
    target.clear()
    data = tmp_path / "embedded"
    env = {**os.environ, "POLICYKG_EMBED_MODEL": "hashing:128"}
    env.pop("POLICYKG_NEO4J_URI", None)
    subprocess.run(
        [sys.executable, "-m", "policykg.api.cli", "ingest", str(SEED), "-d", str(data)],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    for _ in range(2):  # idempotent
        result = subprocess.run(
            [sys.executable, "-m", "policykg.api.cli", "neo4j-sync", "--uri", neo4j_uri, "-d", str(data)],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    assert "1 already there" in result.stdout
    stats = target.stats()
    assert (stats.policies, stats.clauses) == (1, 19)
    target.close()


def test_cli_reports_an_unreachable_neo4j_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "POLICYKG_NEO4J_URI": "bolt://127.0.0.1:1", "POLICYKG_NEO4J_TIMEOUT": "2"}
    result = subprocess.run(
        [sys.executable, "-m", "policykg.api.cli", "stats", "-d", str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "cannot reach Neo4j at bolt://127.0.0.1:1" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_server_sees_what_another_client_wrote_to_the_shared_graph(
    tmp_path: Path, neo4j_uri: str
) -> None:
    """Two workspaces on one Neo4j with their own data directories (two servers, or a server and
    a CLI elsewhere): the unit catalogue one caches follows the other's writes."""

    def store() -> Neo4jStore:
        return connect(
            neo4j_uri,
            os.environ.get("POLICYKG_NEO4J_USER", ""),
            os.environ.get("POLICYKG_NEO4J_PASSWORD", ""),
        )

    server_graph = store()
    server_graph.clear()
    server = hashing_workspace(tmp_path / "server", server_graph)
    other = hashing_workspace(tmp_path / "other", store())
    answerer = PolicyService(server)
    before = answerer.ask("县商务局负责什么？")
    assert not before.found

    other.ingest_paths([SEED])

    after = answerer.ask("县商务局负责什么？")
    assert after.found and len(after.clauses) == 6
    server.close()
    other.close()


def test_cli_keeps_the_clause_index_in_neo4j_when_asked(tmp_path: Path, neo4j_uri: str) -> None:
    """POLICYKG_INDEX=neo4j: two data directories (two replicas) search what either wrote."""
    connect(neo4j_uri, "", "").clear()
    env = {**os.environ, "POLICYKG_EMBED_MODEL": "hashing:128", "COLUMNS": "200"}
    env.update(POLICYKG_NEO4J_URI=neo4j_uri, POLICYKG_INDEX="neo4j")

    def run(data: str, *args: str) -> subprocess.CompletedProcess[str]:
        return _cli(tmp_path / data, env, *args)

    assert run("a", "ingest", str(SEED)).returncode == 0
    assert not (tmp_path / "a" / "index").exists()  # no FAISS or BM25 files
    hits = json.loads(run("b", "search", "海关特殊监管区", "--json").stdout)["hits"]
    assert hits and hits[0]["number"] == "十九"
    check = run("b", "check", "--json")
    assert check.returncode == 0, check.stdout + check.stderr
    assert json.loads(check.stdout)["vectors"] == 19

    env.pop("POLICYKG_NEO4J_URI")
    refused = run("c", "search", "招商")
    assert refused.returncode == 1 and "POLICYKG_NEO4J_URI" in refused.stderr


def test_neo4j_sync_with_index_moves_vectors_and_tokens_without_embedding(
    tmp_path: Path, neo4j_uri: str
) -> None:
    connect(neo4j_uri, "", "").clear()
    env = {**os.environ, "POLICYKG_EMBED_MODEL": "hashing:128", "COLUMNS": "200"}
    env.pop("POLICYKG_NEO4J_URI", None)

    def run(data: str, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return _cli(tmp_path / data, {**env, **extra}, *args)

    assert run("embedded", "ingest", str(SEED)).returncode == 0
    embedded = json.loads(run("embedded", "search", "海关特殊监管区", "--json").stdout)["hits"]
    synced = run("embedded", "neo4j-sync", "--uri", neo4j_uri, "--index")
    assert synced.returncode == 0, synced.stderr
    assert "vectors and tokens of 19 clauses" in synced.stdout
    on_neo4j = {"POLICYKG_NEO4J_URI": neo4j_uri, "POLICYKG_INDEX": "neo4j"}
    hits = json.loads(run("replica", "search", "海关特殊监管区", "--json", **on_neo4j).stdout)[
        "hits"
    ]
    assert [h["clause_id"] for h in hits[:3]] == [h["clause_id"] for h in embedded[:3]]
    check = run("embedded", "check", "--json", **on_neo4j)  # its cache holds every vector
    assert check.returncode == 0, check.stdout
    figures = json.loads(check.stdout)
    assert figures["vectors"] == figures["bm25"] == 19 and figures["unverified_vectors"] == 0


def _cli(data: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``policykg ARGS --data-dir DATA`` in a new process."""
    return subprocess.run(
        [sys.executable, "-m", "policykg.api.cli", *args, "--data-dir", str(data)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip


def test_two_servers_on_one_neo4j_serve_one_store(tmp_path: Path, neo4j_uri: str) -> None:
    """Two `policykg serve` replicas, each with its own data directory, on one Neo4j holding
    graph and clause index: an upload through one is found through the other at once."""
    connect(neo4j_uri, "", "").clear()
    env = {**os.environ, "POLICYKG_EMBED_MODEL": "hashing:128", "POLICYKG_API_TOKEN": "replica"}
    env.update(POLICYKG_NEO4J_URI=neo4j_uri, POLICYKG_INDEX="neo4j")
    servers, urls = [], []
    try:
        for name in ("a", "b"):
            port = free_port()
            cli = [sys.executable, "-m", "policykg.api.cli", "serve", "--port", str(port)]
            servers.append(
                subprocess.Popen(
                    [*cli, "--data-dir", str(tmp_path / name)],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
            wait_until_serving(urls[-1], servers[-1], 120)
        with httpx.Client(timeout=60) as http:
            assert (
                http.get(f"{urls[1]}/search", params={"q": "海关特殊监管区"}).json()["hits"] == []
            )
            stored = http.post(
                f"{urls[0]}/documents",
                files={"file": ("seed.txt", SEED.read_bytes(), "text/plain")},
                headers={"Authorization": "Bearer replica"},
            )
            assert stored.status_code == 201, stored.text
            hits = http.get(f"{urls[1]}/search", params={"q": "海关特殊监管区"}).json()["hits"]
            assert hits and hits[0]["number"] == "十九"
            answer = http.post(f"{urls[1]}/ask", json={"question": "县商务局牵头哪些工作？"}).json()
            assert [c["number"] for c in answer["clauses"]] == ["十五", "十九"]

            # Both replicas at the same moment: the same new document through each, and two
            # other documents (sharing units with it) through one each.
            docs = sorted((CORPUS / "dev").glob("*.txt"))[:3]
            jobs = [(urls[0], docs[0]), (urls[1], docs[0]), (urls[0], docs[1]), (urls[1], docs[2])]
            start = threading.Barrier(len(jobs))

            def upload(url: str, path: Path) -> httpx.Response:
                start.wait()
                return http.post(
                    f"{url}/documents",
                    files={"file": (path.name, path.read_bytes(), "text/plain")},
                    headers={"Authorization": "Bearer replica"},
                )

            with ThreadPoolExecutor(len(jobs)) as pool:
                replies = list(pool.map(lambda job: upload(*job), jobs))
            assert all(r.status_code in (200, 201) for r in replies), [r.text for r in replies]
            ids = [r.json()["policy_id"] for r in replies]
            assert ids[0] == ids[1] and len(set(ids)) == 3
            listed = http.get(f"{urls[1]}/policies", params={"limit": 100}).json()["items"]
            assert sorted(p["id"] for p in listed if not p.get("stub")) == sorted(
                {*ids, stored.json()["policy_id"]}
            )
            outline = http.get(f"{urls[0]}/policies/{ids[0]}").json()["sections"]
            assert sum(len(s["clauses"]) for s in outline) == replies[0].json()["clauses"]
        with GraphDatabase.driver(neo4j_uri, auth=None) as driver:  # no edge written twice
            twice = driver.execute_query(
                "MATCH (a)-[r]->(b) WITH a, b, type(r) AS t, count(r) AS n WHERE n > 1 "
                "RETURN count(*) AS pairs"
            ).records[0]["pairs"]
        assert twice == 0
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
    assert not (tmp_path / "a" / "index").exists() and not (tmp_path / "b" / "index").exists()
    check = _cli(tmp_path / "a", env, "check")  # contents compared: graph, vectors, tokens
    assert check.returncode == 0 and "consistent" in check.stdout, check.stdout + check.stderr


def test_a_document_known_only_from_citations_is_found_with_who_cites_it_and_how(
    tmp_path: Path, neo4j_uri: str
) -> None:
    """Issue 17 on Neo4j as on networkx: 《城市绿化条例》 is only a stub; the questions about who
    cites it list the regulation citing it, and the CITES relationship says how (basis)."""
    for graph in (None, connect(neo4j_uri, "", "")):
        if graph is not None:
            graph.clear()
        name = "neo4j" if graph is not None else "files"
        workspace = hashing_workspace(tmp_path / name, graph)
        workspace.ingest_paths([CORPUS / "synthetic" / "city_articles.txt", SEED])
        service = PolicyService(workspace)
        for question in (
            "哪些文件引用了《城市绿化条例》？",
            "Is 《城市绿化条例》 cited by any stored document?",
        ):
            answer = service.ask(question)
            cited, *citing = answer.policies
            assert (answer.intent, answer.found, cited.stub) == ("cited_by", True, True), name
            assert [p.title for p in citing] == ["通化市城市绿化管理条例"], (name, answer.answer)
        exported = workspace.graph.to_networkx()
        edges = [
            (d["kind"], d["sentence"])
            for a, _, d in exported.edges(data=True)
            if d["type"] == "CITES" and exported.nodes[a]["title"] == "通化市城市绿化管理条例"
        ]
        assert [kind for kind, _ in edges] == ["basis"], name
        assert "根据国务院《城市绿化条例》" in edges[0][1]
        seed_kinds = {
            exported.nodes[b]["title"]: d["kind"]
            for a, b, d in exported.edges(data=True)
            if d["type"] == "CITES" and exported.nodes[a]["title"] == "开发区改革开放实施意见"
        }
        assert "implements" in seed_kinds.values(), seed_kinds
        workspace.close()
