"""`policykg serve --workers 2`: two processes answer from one store and follow each other's writes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import SEED
from tests.helpers import free_port, wait_until_serving

pytestmark = pytest.mark.slow

TOKEN = "workers-token"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    env = {
        **os.environ,
        "POLICYKG_EMBED_MODEL": "hashing:64",
        "POLICYKG_API_TOKEN": TOKEN,
        "POLICYKG_CACHE_DIR": str(tmp_path / "user-cache"),
    }
    data = tmp_path / "data"
    cli = [sys.executable, "-m", "policykg.api.cli", "--data-dir", str(data)]
    subprocess.run([*cli, "ingest", str(SEED)], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [*cli, "serve", "--workers", "2", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(base, server, 120)
    try:
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=30)


def _workers(server: subprocess.Popen[str]) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


def test_two_workers_answer_and_each_sees_what_the_other_wrote(
    served: tuple[str, subprocess.Popen[str]],
) -> None:
    base, server = served
    assert len(_workers(server)) >= 2  # the supervisor's worker processes (and its tracker)
    with httpx.Client(base_url=base, timeout=30) as http:
        answer = http.post("/ask", json={"question": "县商务局负责什么?"}).json()
        assert {c["number"] for c in answer["clauses"]} >= {"十五", "十九"}
        text = "关于推进产业园建设的实施方案\n一、重点任务\n（一）推进产业园道路建设。（牵头单位：县住建局）\n"
        stored = http.post(
            "/documents",
            files={"file": ("park.txt", text.encode("utf-8"), "text/plain")},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert stored.status_code == 201, stored.text
        policy_id = stored.json()["policy_id"]
        # New connections land on either worker; every one of them knows the new policy.
        for _ in range(12):
            with httpx.Client(base_url=base, timeout=30) as fresh:
                assert fresh.get(f"/policies/{policy_id}").status_code == 200
                found = fresh.post("/ask", json={"question": "县住建局负责什么?"}).json()
                assert any(c["policy_id"] == policy_id for c in found["clauses"])


def test_a_killed_worker_is_replaced_and_the_others_keep_answering(
    served: tuple[str, subprocess.Popen[str]],
) -> None:
    base, server = served
    before = _serving(server)
    assert len(before) == 2
    os.kill(before[0], signal.SIGKILL)
    deadline = time.monotonic() + 120
    answered = 0
    while time.monotonic() < deadline:
        with httpx.Client(base_url=base, timeout=30) as fresh:  # new connections, either worker
            try:
                if fresh.get("/healthz").status_code == 200:
                    answered += 1
            except httpx.TransportError:
                pass  # a connection the killed worker's socket had queued
        now = _serving(server)
        if len(now) == 2 and before[0] not in now and answered >= 5:
            break
        time.sleep(0.5)
    now = _serving(server)
    assert before[0] not in now and len(now) == 2 and before[1] in now
    wait_until_serving(base, server, 120)
    with httpx.Client(base_url=base, timeout=30) as http:
        answer = http.post("/ask", json={"question": "县商务局负责什么?"}).json()
        assert {c["number"] for c in answer["clauses"]} >= {"十五", "十九"}


def test_a_second_server_on_a_taken_port_stops_with_a_clear_error(
    served: tuple[str, subprocess.Popen[str]], tmp_path: Path
) -> None:
    base, _ = served
    port = base.rsplit(":", 1)[1]
    env = {**os.environ, "POLICYKG_EMBED_MODEL": "hashing:64"}
    cli = [sys.executable, "-m", "policykg.api.cli", "--data-dir", str(tmp_path / "data")]
    second = subprocess.run(
        [*cli, "serve", "--workers", "2", "--port", port],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert second.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in second.stderr


def _serving(server: subprocess.Popen[str]) -> list[int]:
    """The supervisor's worker processes (its children that run the app, not a resource tracker)."""
    workers = []
    for pid in _workers(server):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"resource_tracker" not in command:
            workers.append(pid)
    return workers
