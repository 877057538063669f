"""The MCP server as an assistant meets it: `policykg mcp` in a subprocess, a real MCP client.

Both transports are exercised end to end (stdio and streamable HTTP) against a store built from
the seed document with the hashing embedder, the same one the server process loads; a last test
drives the server in process over a richer store.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.types import CallToolResult, TextContent

from policykg.api.mcp_server import build_mcp_server
from policykg.search.embeddings import load_embedder
from policykg.search.embeddings.cache import CachedEmbedder, EmbeddingCache
from policykg.service.core import PolicyService
from policykg.service.workspace import Workspace
from tests.conftest import CORPUS, SEED

REPO = Path(__file__).resolve().parents[2]
EMBED_MODEL = "hashing:128"
TOOLS = {
    "ask",
    "search",
    "unit_duties",
    "get_clause",
    "get_policy",
    "list_units",
    "list_jurisdictions",
}
COMMERCE_CLAUSES = [
    ("四", "responsible"),
    ("九", "responsible"),
    ("十四", "responsible"),
    ("十五", "lead"),
    ("十六", "responsible"),
    ("十九", "lead"),
]
SESSION_SECONDS = 120
STARTUP_SECONDS = 60


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the seed, embedded as the server will embed queries."""
    data = tmp_path_factory.mktemp("mcp") / "data"
    workspace = make_workspace(data)
    report = workspace.ingest_paths([SEED])
    assert len(report.added) == 1 and not report.failed
    workspace.close()
    return data


def make_workspace(data: Path) -> Workspace:
    """A workspace embedding as a server started with POLICYKG_EMBED_MODEL=hashing:128 does."""
    embedder = CachedEmbedder(
        load_embedder(EMBED_MODEL, data / "cache"),
        EmbeddingCache(data / "cache" / "embeddings.sqlite"),
    )
    return Workspace(data, embedder=embedder)


def server_env() -> dict[str, str]:
    """Only what the server needs: no POLICYKG_* from the outside (e.g. a Neo4j URI) leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYKG_")}
    env["POLICYKG_EMBED_MODEL"] = EMBED_MODEL
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def server_command(store: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "policykg.api.cli", "mcp", *options, "--data-dir", str(store)]


def run_session(client: Client, body: Callable[[Client], Awaitable[None]]) -> None:
    """Run ``body`` in a connected session, failing (not hanging) after SESSION_SECONDS."""

    async def session() -> None:
        with anyio.fail_after(SESSION_SECONDS):
            async with client:
                await body(client)

    anyio.run(session)


def structured(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


def error_text(result: CallToolResult) -> str:
    """The message of a tool error (``isError``), which the assistant reads."""
    assert result.is_error
    [content] = result.content
    assert isinstance(content, TextContent)
    return content.text


def numbers_and_roles(answer: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["number"], c["role"]) for c in answer["clauses"]]


# -- stdio --------------------------------------------------------------------------------------


def test_stdio_session_lists_tools_answers_and_reports_unknown_ids(
    store: Path, tmp_path: Path
) -> None:
    command, *args = server_command(store, "--transport", "stdio")
    params = StdioServerParameters(command=command, args=args, env=server_env(), cwd=tmp_path)
    stderr_path = tmp_path / "server.stderr"

    async def body(client: Client) -> None:
        listed = (await client.list_tools()).tools
        assert {t.name for t in listed} >= TOOLS
        for tool in listed:
            assert tool.description and tool.description.strip(), tool.name
            for name, schema in tool.input_schema.get("properties", {}).items():
                assert schema.get("description"), f"{tool.name}.{name} has no description"

        answer = structured(await client.call_tool("ask", {"question": "县商务局负责什么？"}))
        assert answer["intent"] == "unit_duties" and answer["found"]
        assert numbers_and_roles(answer) == COMMERCE_CLAUSES
        assert "《开发区改革开放实施意见》（十五）" in answer["answer"]

        duties = structured(
            await client.call_tool("unit_duties", {"unit": "县商务局", "role": "lead"})
        )
        [group] = duties["groups"]
        assert [c["number"] for c in group["clauses"]] == ["十五", "十九"]
        assert {c["role"] for c in group["clauses"]} == {"lead"}
        assert duties["total"] == 2 and group["lead_count"] == 2

        fifteen = next(c for c in answer["clauses"] if c["number"] == "十五")
        clause = structured(
            await client.call_tool("get_clause", {"clause_id": fifteen["clause_id"]})
        )
        assert clause["number"] == "十五" and clause["marker"] == "（十五）"
        assert clause["lead_units"] == ["县商务局"]
        assert "招商引资" in clause["text"]
        assert clause["citation"] == "《开发区改革开放实施意见》（十五）"

        policy = structured(
            await client.call_tool("get_policy", {"policy_id": fifteen["policy_id"]})
        )
        assert policy["policy"]["title"] == "开发区改革开放实施意见"
        assert policy["policy"]["clause_count"] == 19
        assert [s["number"] for s in policy["sections"]] == ["一", "二", "三", "四"]
        assert [c["number"] for c in policy["sections"][3]["clauses"]] == [
            "十四",
            "十五",
            "十六",
            "十七",
            "十八",
            "十九",
        ]
        assert "国发〔2019〕11号" in {p["doc_number"] for p in policy["cites"]}
        assert policy["cited_by"] == []

        missing = await client.call_tool("get_clause", {"clause_id": "no-such-clause"})
        assert "no clause with id 'no-such-clause'" in error_text(missing)
        # An unknown unit name is an error that suggests the near names.
        unknown_unit = await client.call_tool("unit_duties", {"unit": "商务局"})
        assert "Did you mean: 县商务局" in error_text(unknown_unit)
        # The server survived the errors.
        places = structured(await client.call_tool("list_jurisdictions", {}))
        assert len(places["jurisdictions"]) == 1

    with stderr_path.open("w", encoding="utf-8") as stderr:
        try:
            run_session(Client(stdio_client(params, errlog=stderr)), body)
        except BaseException:
            stderr.flush()
            print(stderr_path.read_text(encoding="utf-8"), file=sys.stderr)
            raise


# -- streamable HTTP ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def http_server(store: Path, tmp_path: Path) -> Iterator[str]:
    """``policykg mcp --transport http`` on a free port; yields its MCP URL, then stops it."""
    port = free_port()
    log = (tmp_path / "server.log").open("w", encoding="utf-8")
    process = subprocess.Popen(
        server_command(store, "--transport", "http", "--host", "127.0.0.1", "--port", str(port)),
        env=server_env(),
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"the MCP server exited ({process.returncode}):\n{_read(log)}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"the MCP server did not listen within {STARTUP_SECONDS}s")
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        log.close()


def _read(log: Any) -> str:
    log.flush()
    return Path(log.name).read_text(encoding="utf-8")


def test_streamable_http_session_searches_and_answers_in_english(http_server: str) -> None:
    async def body(client: Client) -> None:
        found = structured(
            await client.call_tool("search", {"query": "招商引资", "k": 3, "mode": "hybrid"})
        )
        assert found["mode"] == "hybrid" and len(found["hits"]) == 3
        best = found["hits"][0]
        assert best["number"] == "十五" and best["policy_title"] == "开发区改革开放实施意见"
        assert best["lead_units"] == ["县商务局"] and "县发改局" in best["responsible_units"]
        assert best["score"] > 0 and best["text"]

        led = structured(
            await client.call_tool(
                "search", {"query": "开放", "k": 10, "unit": "县商务局", "role": "lead"}
            )
        )
        assert sorted(h["number"] for h in led["hits"]) == ["十九", "十五"]

        answer = structured(
            await client.call_tool("ask", {"question": "What is the 县商务局 responsible for?"})
        )
        assert answer["language"] == "en" and answer["found"]
        assert numbers_and_roles(answer) == COMMERCE_CLAUSES
        assert "《开发区改革开放实施意见》（十五）" in answer["answer"]

    run_session(Client(http_server), body)


# -- in process: one name in two jurisdictions --------------------------------------------------


def test_a_unit_in_two_jurisdictions_is_grouped_and_a_jurisdiction_picks_one(
    tmp_path: Path,
) -> None:
    workspace = make_workspace(tmp_path / "data")
    workspace.ingest_paths([SEED, CORPUS / "synthetic" / "county_lead_support.txt"])
    server = build_mcp_server(PolicyService(workspace))

    async def body(client: Client) -> None:
        both = structured(await client.call_tool("unit_duties", {"unit": "县商务局"}))
        by_place = {
            g["jurisdiction"]: [(c["number"], c["role"]) for c in g["clauses"]]
            for g in both["groups"]
        }
        assert by_place == {
            "未定辖区·开发区改革开放实施意见": COMMERCE_CLAUSES,
            "通化市柳河县": [("五", "lead"), ("六", "responsible")],
        }
        assert both["total"] == 8

        # Part of a jurisdiction's name is enough when it picks out one.
        county = structured(
            await client.call_tool("unit_duties", {"unit": "县商务局", "jurisdiction": "柳河县"})
        )
        assert [g["id"] for g in county["groups"]] == ["通化市柳河县/县商务局"]
        answer = structured(
            await client.call_tool(
                "ask", {"question": "县商务局负责什么？", "jurisdiction": "柳河县"}
            )
        )
        assert numbers_and_roles(answer) == [("五", "lead"), ("六", "responsible")]

        nowhere = await client.call_tool("search", {"query": "招商", "jurisdiction": "松江区"})
        assert "no jurisdiction '松江区'" in error_text(nowhere)
        assert "通化市柳河县" in error_text(nowhere)

    try:
        run_session(Client(server), body)
    finally:
        workspace.close()
