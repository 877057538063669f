"""What many test modules share: a workspace and a service with the hashing embedder (a real,
small embedder), and a real uvicorn server on loopback."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from policykg.api.app import create_app
from policykg.api.settings import Settings
from policykg.graph.base import GraphStore
from policykg.search.embeddings.cache import CachedEmbedder, EmbeddingCache
from policykg.search.embeddings.hashing import HashingEmbedder
from policykg.service.core import PolicyService
from policykg.service.workspace import Workspace

COMMERCE_CLAUSES = [("四", "responsible"), ("九", "responsible"), ("十四", "responsible"),
                    ("十五", "lead"), ("十六", "responsible"), ("十九", "lead")]  # fmt: skip
"""The 县商务局's clauses in the seed document, with its role in each."""


def hashing_workspace(data: Path, graph: GraphStore | None = None) -> Workspace:
    """A workspace over ``data`` (and ``graph``, default embedded) with the hashing embedder."""
    return Workspace(
        data,
        graph,
        embedder=CachedEmbedder(HashingEmbedder(128), EmbeddingCache(data / "cache" / "e.sqlite")),
    )


def hashing_service(data: Path, graph: GraphStore | None = None) -> PolicyService:
    """The service over :func:`hashing_workspace`."""
    return PolicyService(hashing_workspace(data, graph))


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(settings: Settings, workspace: Workspace) -> Iterator[str]:
    """Run the app in a real uvicorn server in a thread; yield its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, workspace), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started:
        assert time.time() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def wait_until_serving(url: str, process: subprocess.Popen[Any], seconds: float = 60) -> None:
    """Wait until a `policykg serve` process answers /healthz (fail if it exits or is slow)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.2)
