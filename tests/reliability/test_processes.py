"""A server and command-line writers on one data directory: nothing written by one is lost by
another, and every process answers from the store as committed."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from neo4j import Driver

from policykg.graph.neo4j import Neo4jStore
from tests.conftest import CORPUS, SEED
from tests.helpers import wait_until_serving
from tests.reliability.helpers import ROOT, cli, env

TOKEN = "reliability-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(data: Path, **extra: str) -> Iterator[str]:
    """``policykg serve`` in its own process on loopback; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "policykg.api.cli", "-d", str(data), "serve", "--port", str(port)],
        cwd=ROOT,
        env=env(POLICYKG_API_TOKEN=TOKEN, **extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_serving(url, process)
    try:
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def stored(data: Path) -> dict[str, object]:
    result = cli("-d", str(data), "check", "--json")
    report: dict[str, object] = json.loads(result.stdout)
    return report


def documents(tmp_path: Path) -> tuple[Path, Path]:
    """Two disjoint folders of documents."""
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    for path in sorted((CORPUS / "dev").glob("*.txt")):
        target = first if int(path.stem) % 2 else second
        shutil.copy(path, target / path.name)
    return first, second


def upload_seed(url: str) -> httpx.Response:
    return httpx.post(
        f"{url}/documents",
        files={"file": ("seed.txt", SEED.read_bytes(), "text/plain")},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=120,
    )


def test_a_server_and_a_cli_writer_lose_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first, second = documents(tmp_path)
    assert cli("-d", str(data), "ingest", str(first)).returncode == 0
    for url in serve(data):
        before = httpx.get(f"{url}/healthz").json()["policies"]
        assert cli("-d", str(data), "ingest", str(second)).returncode == 0  # behind its back
        assert httpx.get(f"{url}/healthz").json()["policies"] > before  # it sees them
        assert upload_seed(url).status_code == 201  # its own write starts from the new state
        hits = httpx.get(f"{url}/search", params={"q": "招商引资", "k": 50}).json()["hits"]
        sources = {h["policy_id"] for h in hits}
        assert len(sources) > 1
    total = len(list(first.glob("*.txt"))) + len(list(second.glob("*.txt"))) + 1
    report = stored(data)
    assert report["consistent"], report
    policies = json.loads(cli("-d", str(data), "stats", "--json").stdout)["policies"]
    assert policies == total


def test_two_cli_writers_at_once_lose_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first, second = documents(tmp_path)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "policykg.api.cli", "-d", str(data), "ingest", str(folder)],
            cwd=ROOT,
            env=env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for folder in (first, second)
    ]
    for process in processes:
        assert process.wait(timeout=300) == 0
    report = stored(data)
    assert report["consistent"], report
    policies = json.loads(cli("-d", str(data), "stats", "--json").stdout)["policies"]
    assert policies == len(list(first.glob("*.txt"))) + len(list(second.glob("*.txt")))


def test_a_server_killed_during_an_upload_loses_nothing_and_a_retry_stores_it(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    first, _ = documents(tmp_path)
    assert cli("-d", str(data), "ingest", str(first)).returncode == 0
    for url in serve(data, POLICYKG_FAULT="graph-committed"):
        with pytest.raises(httpx.HTTPError):
            upload_seed(url)  # the server dies in the commit window
    for url in serve(data):
        assert upload_seed(url).status_code == 201  # the client retries
    report = stored(data)
    assert report["consistent"], report
    policies = json.loads(cli("-d", str(data), "stats", "--json").stdout)["policies"]
    assert policies == len(list(first.glob("*.txt"))) + 1


@pytest.mark.neo4j
def test_on_neo4j_a_server_and_a_cli_writer_lose_nothing(
    tmp_path: Path, neo4j_driver: Driver, neo4j_uri: str, neo4j_auth: tuple[str, str] | None
) -> None:
    Neo4jStore(neo4j_driver).clear()
    extra = {"POLICYKG_NEO4J_URI": neo4j_uri}
    if neo4j_auth:
        extra |= {"POLICYKG_NEO4J_USER": neo4j_auth[0], "POLICYKG_NEO4J_PASSWORD": neo4j_auth[1]}
    data = tmp_path / "data"
    first, second = documents(tmp_path)
    assert cli("-d", str(data), "ingest", str(first), **extra).returncode == 0
    for url in serve(data, **extra):
        assert cli("-d", str(data), "ingest", str(second), **extra).returncode == 0
        assert upload_seed(url).status_code == 201
        hits = httpx.get(f"{url}/search", params={"q": "招商引资"}).json()["hits"]
        assert hits
    result = cli("-d", str(data), "check", "--json", **extra)
    assert json.loads(result.stdout)["consistent"], result.stdout
    stats = json.loads(cli("-d", str(data), "stats", "--json", **extra).stdout)
    assert stats["policies"] == len(list(first.glob("*.txt"))) + len(list(second.glob("*.txt"))) + 1
