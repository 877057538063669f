"""The optional LLM step against a small real OpenAI-compatible server on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from policykg.service.answers.rewrite import OpenAICompatibleRewriter
from policykg.service.core import PolicyService
from policykg.service.workspace import Workspace
from tests.conftest import SEED
from tests.helpers import hashing_workspace


class FakeCompletions(BaseHTTPRequestHandler):
    """Answers /v1/chat/completions with the reply the test sets, and records what it was sent."""

    reply: ClassVar[str] = ""
    received: ClassVar[list[dict[str, object]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeCompletions.received.append(body)
        payload = json.dumps(
            {"choices": [{"message": {"role": "assistant", "content": self.reply}}]}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), FakeCompletions)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    space = hashing_workspace(tmp_path_factory.mktemp("llm") / "data")
    space.ingest_paths([SEED])
    return space


def test_a_rewording_that_keeps_every_citation_is_used(workspace: Workspace, endpoint: str) -> None:
    plain = PolicyService(workspace).ask("县商务局牵头哪些工作？")
    FakeCompletions.reply = (
        "县商务局主要牵头两项工作：一是《开发区改革开放实施意见》（十五）创新精准招商方式，"
        "二是《开发区改革开放实施意见》（十九）充分利用海关特殊监管区开放功能。"
    )
    answer = PolicyService(
        workspace, rewriter=OpenAICompatibleRewriter(endpoint, "test-model")
    ).ask("县商务局牵头哪些工作？")
    assert answer.rewritten and answer.answer == FakeCompletions.reply
    assert answer.clauses == plain.clauses  # citations are never touched
    sent = FakeCompletions.received[-1]
    assert sent["model"] == "test-model" and "（十五）" in json.dumps(sent, ensure_ascii=False)


def test_a_rewording_that_drops_a_citation_is_refused(workspace: Workspace, endpoint: str) -> None:
    FakeCompletions.reply = "县商务局负责招商引资。"  # lost 《…》（十五）/（十九）
    answer = PolicyService(workspace, rewriter=OpenAICompatibleRewriter(endpoint, "m")).ask(
        "县商务局牵头哪些工作？"
    )
    assert not answer.rewritten and "（十五）" in answer.answer


def test_an_unreachable_endpoint_leaves_the_deterministic_answer(
    workspace: Workspace, tmp_path: Path
) -> None:
    rewriter = OpenAICompatibleRewriter("http://127.0.0.1:1/v1", "m", timeout=2)
    answer = PolicyService(workspace, rewriter=rewriter).ask("县商务局牵头哪些工作？")
    assert not answer.rewritten and "（十五）" in answer.answer
