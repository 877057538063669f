"""The three faces agree: CLI ``--json``, HTTP and MCP return the same fields for the same
request, and a jurisdiction means the same on each, however it is written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
from mcp.client import Client
from mcp.types import TextContent
from typer.testing import CliRunner

from policykg.api.cli import app as cli
from policykg.api.mcp_server import build_mcp_server
from policykg.api.settings import Settings
from policykg.search.embeddings import load_embedder
from policykg.search.embeddings.cache import CachedEmbedder, EmbeddingCache
from policykg.service.core import PolicyService
from policykg.service.workspace import Workspace
from tests.conftest import CORPUS, FIXTURES, SEED
from tests.helpers import start_server

EMBED_MODEL = "hashing:128"
SONGJIANG = "上海市松江区"
# One place written three ways: its stored name, the district's own name, and in pinyin.
SONGJIANG_FORMS = ["上海市松江区", "松江区", "Songjiang"]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """The seed (no jurisdiction told), 松江区 documents and a 柳河县 one, embedded as a CLI
    started with POLICYKG_EMBED_MODEL=hashing:128 embeds its queries."""
    data = tmp_path_factory.mktemp("faces") / "data"
    embedder = CachedEmbedder(
        load_embedder(EMBED_MODEL, data / "cache"),
        EmbeddingCache(data / "cache" / "embeddings.sqlite"),
    )
    space = Workspace(data, embedder=embedder)
    space.ingest_paths(
        [
            SEED,
            FIXTURES / "faces" / "songjiang_parking.txt",
            CORPUS / "synthetic" / "county_lead_support.txt",
        ]
    )
    # The 松江区 document states its duties in sections, which give no units yet; a document
    # that names no jurisdiction is ingested for 松江区, as a user would with --jurisdiction.
    space.ingest_paths([CORPUS / "dev" / "001.txt"], jurisdiction=SONGJIANG)
    places = {j.jurisdiction.name for j in space.graph.jurisdictions()}
    assert SONGJIANG in places and "通化市柳河县" in places
    yield space
    space.close()


@pytest.fixture(scope="module")
def base(workspace: Workspace) -> Iterator[str]:
    yield from start_server(Settings(data_dir=workspace.data_dir), workspace)


def run_cli(workspace: Workspace, *args: str) -> Any:
    """``policykg ARGS --json`` against the store, in process; its JSON output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYKG_")}
    env["POLICYKG_EMBED_MODEL"] = EMBED_MODEL
    result = CliRunner().invoke(
        cli, [*args, "--json", "--data-dir", str(workspace.data_dir)], env=env
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def run_http(base: str, path: str, **params: object) -> Any:
    response = httpx.get(base + path, params=params, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def run_mcp(workspace: Workspace, tool: str, **arguments: object) -> Any:
    """Call one tool of an MCP server over ``workspace`` through a real MCP client."""
    server = build_mcp_server(PolicyService(workspace))
    found: dict[str, Any] = {}

    async def session() -> None:
        with anyio.fail_after(60):
            async with Client(server) as client:
                result = await client.call_tool(tool, arguments)
                assert not result.is_error, result.content
                assert result.structured_content is not None
                found.update(result.structured_content)

    anyio.run(session)
    return found


def test_units_have_the_same_fields_on_cli_http_and_mcp(workspace: Workspace, base: str) -> None:
    from_cli = run_cli(workspace, "units", "--limit", "50")
    from_http = run_http(base, "/units", limit=50)
    from_mcp = run_mcp(workspace, "list_units", limit=50)
    assert from_cli == from_http == from_mcp
    assert set(from_http) == {"total", "offset", "limit", "items"}
    first = from_http["items"][0]
    assert {"id", "name", "jurisdiction", "aliases", "level", "kind", "lead"} <= set(first)


@pytest.mark.parametrize("form", SONGJIANG_FORMS)
def test_a_jurisdiction_filters_units_the_same_way_on_every_face(
    workspace: Workspace, base: str, form: str
) -> None:
    from_cli = run_cli(workspace, "units", "--jurisdiction", form, "--limit", "500")
    from_http = run_http(base, "/units", jurisdiction=form, limit=500)
    from_mcp = run_mcp(workspace, "list_units", jurisdiction=form, limit=500)
    assert from_cli == from_http == from_mcp
    assert from_http["total"] > 0
    assert {u["jurisdiction"] for u in from_http["items"]} == {SONGJIANG}


@pytest.mark.parametrize("form", SONGJIANG_FORMS)
def test_a_jurisdiction_filters_search_the_same_way_on_every_face(
    workspace: Workspace, base: str, form: str
) -> None:
    query = "停车资源共享"
    from_cli = run_cli(workspace, "search", query, "-k", "5", "--jurisdiction", form)
    from_http = run_http(base, "/search", q=query, k=5, jurisdiction=form)
    from_mcp = run_mcp(workspace, "search", query=query, k=5, jurisdiction=form)
    assert from_cli == from_http == from_mcp
    assert from_http["jurisdiction"] == SONGJIANG and from_http["hits"]
    assert {h["jurisdiction"] for h in from_http["hits"]} == {SONGJIANG}


@pytest.mark.parametrize("question", ["县商务局负责什么？", "县商务局年底前要完成哪些任务？"])
def test_the_policies_page_and_the_answer_have_one_shape_everywhere(
    workspace: Workspace, base: str, question: str
) -> None:
    assert run_cli(workspace, "policies") == run_http(base, "/policies")
    from_cli = run_cli(workspace, "ask", question, "--jurisdiction", "柳河县")
    from_http = httpx.post(
        base + "/ask", json={"question": question, "jurisdiction": "柳河县"}, timeout=60
    ).json()
    from_mcp = run_mcp(workspace, "ask", question=question, jurisdiction="柳河县")
    assert from_cli == from_http == from_mcp
    assert {c["jurisdiction"] for c in from_http["clauses"]} == {"通化市柳河县"}


def test_an_unknown_jurisdiction_is_the_same_error_on_every_face(
    workspace: Workspace, base: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYKG_")}
    command = [sys.executable, "-m", "policykg.api.cli", "units", "-j", "包头市"]
    result = subprocess.run(
        [*command, "--data-dir", str(workspace.data_dir)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    response = httpx.get(base + "/units", params={"jurisdiction": "包头市"}, timeout=60)
    assert response.status_code == 404
    message = response.json()["error"]["message"]
    assert message.startswith("no jurisdiction '包头市' in the store")
    assert message in "".join(result.stderr.split("\n"))
    server = build_mcp_server(PolicyService(workspace))
    text: list[str] = []

    async def session() -> None:
        async with Client(server) as client:
            result = await client.call_tool("list_units", {"jurisdiction": "包头市"})
            assert result.is_error
            text.extend(c.text for c in result.content if isinstance(c, TextContent))

    anyio.run(session)
    assert text and message in text[0]


def test_the_role_source_filter_is_the_same_on_every_face(workspace: Workspace, base: str) -> None:
    query = "招商引资"
    from_cli = run_cli(workspace, "search", query, "-k", "5", "--role-source", "annotation")
    from_http = run_http(base, "/search", q=query, k=5, role_source="annotation")
    from_mcp = run_mcp(workspace, "search", query=query, k=5, role_source="annotation")
    assert from_cli == from_http == from_mcp
    assert from_http["hits"] and all(
        "annotation" in h["role_sources"].values() for h in from_http["hits"]
    )
