"""The embedded networkx store: the contract, persistence, crash safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from policykg.graph.memory import MemoryGraphStore
from policykg.ingest.model import Policy
from tests.graph.contract import GraphStoreContract


class TestMemoryStoreContract(GraphStoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> MemoryGraphStore:
        return MemoryGraphStore(tmp_path / "graph")


class TestMemoryOnlyContract(GraphStoreContract):
    @pytest.fixture
    def store(self) -> MemoryGraphStore:
        return MemoryGraphStore(None)


def test_reloaded_store_answers_the_same(tmp_path: Path, corpus_policies: list[Policy]) -> None:
    store = MemoryGraphStore(tmp_path)
    store.write_policies(corpus_policies)
    again = MemoryGraphStore(tmp_path)
    assert again.stats() == store.stats()
    assert again.workload(limit=10) == store.workload(limit=10)
    assert again.collaboration(limit=10) == store.collaboration(limit=10)


def test_replacing_one_policy_rewrites_only_it_and_the_manifest(
    tmp_path: Path, corpus_policies: list[Policy], seed_policy: Policy
) -> None:
    store = MemoryGraphStore(tmp_path)
    store.write_policies(corpus_policies)
    files = {p: p.stat().st_mtime_ns for p in (tmp_path / "policies").iterdir()}
    time.sleep(0.01)
    store.delete_policy(seed_policy.id)
    store.write_policies([seed_policy])
    changed = {p for p in (tmp_path / "policies").iterdir() if files.get(p) != p.stat().st_mtime_ns}
    assert changed == {tmp_path / "policies" / f"{seed_policy.id}.json"}


def test_the_store_loads_lazily_and_a_damaged_policy_file_leaves_the_rest_usable(
    tmp_path: Path, seed_policy: Policy, corpus_policies: list[Policy]
) -> None:
    other = next(p for p in corpus_policies if p.id != seed_policy.id)
    MemoryGraphStore(tmp_path).write_policies([seed_policy, other])
    (tmp_path / "policies" / f"{seed_policy.id}.json").write_text("{broken", encoding="utf-8")
    lazy = MemoryGraphStore(tmp_path)  # nothing read yet: no error

    assert lazy.stats().policies == 1
    assert lazy.policy_ids() == {other.id}
    assert "checksum" in lazy.damaged()[seed_policy.id]


def test_an_edited_policy_file_is_damaged_not_believed(tmp_path: Path, seed_policy: Policy) -> None:
    MemoryGraphStore(tmp_path).write_policies([seed_policy])
    path = tmp_path / "policies" / f"{seed_policy.id}.json"
    path.write_text(path.read_text("utf-8").replace("县商务局", "县公安局"), "utf-8")

    store = MemoryGraphStore(tmp_path)

    assert store.find_units("县商务局") == [] and store.find_units("县公安局") == []
    assert set(store.damaged()) == {seed_policy.id}
    assert store.delete_policy(seed_policy.id)  # forgetting it is the repair of last resort
    assert MemoryGraphStore(tmp_path).damaged() == {}


def test_a_lost_manifest_is_rebuilt_from_the_policy_files(
    tmp_path: Path, seed_policy: Policy
) -> None:
    MemoryGraphStore(tmp_path).write_policies([seed_policy])
    (tmp_path / "manifest.json").write_bytes(b"\x00" * 10)
    from policykg.ingest.errors import StoreCorruptError

    with pytest.raises(StoreCorruptError, match="check --repair"):
        MemoryGraphStore(tmp_path).stats()
    assert MemoryGraphStore.rebuild_manifest(tmp_path) == 1
    assert MemoryGraphStore(tmp_path).policy_ids() == {seed_policy.id}


WRITER = """
import sys
from pathlib import Path
from policykg.graph.memory import MemoryGraphStore
from policykg.ingest.pipeline import find_documents, parse_paths
store = MemoryGraphStore(Path(sys.argv[1]))
policies = [r.policy for r in parse_paths(find_documents([Path(sys.argv[2])])) if r.ok]
print("ready", flush=True)
while True:
    for policy in policies:
        store.delete_policy(policy.id)
    store.write_policies(policies)
"""


@pytest.mark.parametrize("delay", [0.05, 0.2, 0.45, 0.8])
def test_kill_9_during_writes_leaves_a_loadable_store(
    tmp_path: Path, corpus_policies: list[Policy], delay: float
) -> None:
    from tests.conftest import CORPUS

    directory = tmp_path / "graph"
    MemoryGraphStore(directory).write_policies(corpus_policies[:3])
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(directory), str(CORPUS / "dev")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
    time.sleep(delay)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    reloaded = MemoryGraphStore(directory)
    stats = reloaded.stats()  # loads every policy the manifest names
    assert stats.policies == len(manifest["policies"])
    for policy_id in manifest["policies"]:
        policy = reloaded.get_policy(policy_id)
        assert policy is not None and policy.clauses
