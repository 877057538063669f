"""`policykg serve --workers 2`: two processes answer from one store and follow each other's writes."""

from __future__ import annotations

import os
import subprocess
import sys
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
